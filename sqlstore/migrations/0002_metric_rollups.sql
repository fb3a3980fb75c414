-- Downsampled metric points (see rollup.go). One row summarises the raw points of one series in
-- the bucket [bucket, bucket + resolution): their minimum, maximum, sum and count, and the value
-- of the latest one (vlast, at last_ts). Rollup moves raw points here (and deletes them) once their
-- bucket is complete; QuerySeries reads both tables.
CREATE TABLE metric_rollups (
	series_id BIGINT NOT NULL,
	bucket BIGINT NOT NULL,
	vmin DOUBLE PRECISION NOT NULL,
	vmax DOUBLE PRECISION NOT NULL,
	vsum DOUBLE PRECISION NOT NULL,
	cnt BIGINT NOT NULL,
	vlast DOUBLE PRECISION NOT NULL,
	last_ts BIGINT NOT NULL,
	PRIMARY KEY (series_id, bucket)
){{TABLE}}{{WITHOUT_ROWID}};

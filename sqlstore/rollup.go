package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"livedash"
)

// Downsampling. Raw points (metric_points) older than a horizon are rolled up into buckets of a
// fixed resolution (metric_rollups: per series and bucket start, the min, max, sum and count of
// the bucket's points and the value of its latest point with that point's time) and deleted;
// rollups older than a longer horizon are deleted in turn. QuerySeries reads both tables (see
// querySeriesSQL), so a week's chart reads ~10,000 rollup rows rather than 600,000 points, and the
// store holds at most RawFor of raw points and RollupFor of rollups per series.

// DefaultRollupResolution is the bucket width of Rollup unless WithRollupResolution sets another.
const DefaultRollupResolution = time.Minute

// RollupPolicy says how long points stay raw and how long their rollups are kept. Zero fields
// take the defaults: RawFor 1h, RollupFor 168h (7 days), Resolution the store's
// (WithRollupResolution; 1 minute by default).
type RollupPolicy struct {
	RawFor     time.Duration // raw points older than this are rolled up
	RollupFor  time.Duration // rollups older than this are deleted; at least RawFor
	Resolution time.Duration // bucket width; a positive whole number of milliseconds
}

// Default horizons of a RollupPolicy.
const (
	DefaultRawFor    = time.Hour
	DefaultRollupFor = 7 * 24 * time.Hour
)

// normalize fills in the defaults and validates p.
func (p RollupPolicy) normalize(res time.Duration) (RollupPolicy, error) {
	if p.RawFor == 0 {
		p.RawFor = DefaultRawFor
	}
	if p.RollupFor == 0 {
		p.RollupFor = DefaultRollupFor
	}
	if p.Resolution == 0 {
		p.Resolution = res
	}
	switch {
	case p.RawFor < 0:
		return p, livedash.Errorf(livedash.EBadRequest, "raw_for: must not be negative")
	case p.RollupFor < p.RawFor:
		return p, livedash.Errorf(livedash.EBadRequest, "rollup_for: must be at least raw_for (%s)", p.RawFor)
	}
	if err := checkResolution(p.Resolution); err != nil {
		return p, livedash.Errorf(livedash.EBadRequest, "resolution: %v", err)
	}
	return p, nil
}

func checkResolution(d time.Duration) error {
	if d < time.Millisecond || d%time.Millisecond != 0 {
		return fmt.Errorf("%s is not a positive whole number of milliseconds", d)
	}
	return nil
}

// ApplyRetention is the periodic job of downsampling: it rolls up the raw points older than
// now-RawFor (Rollup) and deletes the rollups older than now-RollupFor (DeleteRollupsBefore), for
// every tenant. Running it again, or on several nodes at once, is harmless.
func (s *Store) ApplyRetention(ctx context.Context, now time.Time, p RollupPolicy) error {
	p, err := p.normalize(s.rollupRes)
	if err != nil {
		return err
	}
	if _, err := s.rollup(ctx, now.Add(-p.RawFor), p.Resolution); err != nil {
		return err
	}
	_, err = s.DeleteRollupsBefore(ctx, now.Add(-p.RollupFor))
	return err
}

// rollupChunk is how many series one Rollup transaction handles.
const rollupChunk = 100

// Rollup moves the raw points of every series that lie in buckets (of the store's resolution,
// aligned to the epoch) ending at or before before into metric_rollups, and returns how many raw
// points it rolled up. Only complete buckets are rolled up: points in the bucket holding before
// stay raw until a later call. Each chunk of series is one transaction that aggregates the points
// and deletes them, so a point is counted once whatever the number of runs; a point written later
// into a rolled-up bucket (a late point) stays raw until the next run, which merges it into the
// bucket (adding to it: a late point does not replace a rolled-up point of the same millisecond).
func (s *Store) Rollup(ctx context.Context, before time.Time) (rolled int64, err error) {
	return s.rollup(ctx, before, s.rollupRes)
}

func (s *Store) rollup(ctx context.Context, before time.Time, res time.Duration) (int64, error) {
	resMS := res.Milliseconds()
	cutoff := before.UnixMilli()
	cutoff -= ((cutoff % resMS) + resMS) % resMS // floor to a bucket start
	ids, err := s.seriesIDs(ctx, "")
	if err != nil {
		return 0, fail("rollup", err)
	}
	var opts *sql.TxOptions
	if s.d.name == MySQL {
		// The points read are locked (next-key locks) until commit: a point written meanwhile
		// into the range waits rather than being deleted without being rolled up.
		opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead}
	}
	var rolled int64
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), rollupChunk)]
		ids = ids[len(chunk):]
		err := s.writeTx(ctx, opts, func(r runner) error {
			n, err := s.rollupChunk(ctx, r, chunk, cutoff, resMS)
			rolled += n
			return err
		})
		if err != nil {
			return rolled, fail(fmt.Sprintf("rollup (after %d points)", rolled), err)
		}
	}
	return rolled, nil
}

// rollupChunk rolls up the points of the series ids before cutoff (a bucket start) into buckets
// of resMS and deletes them.
func (s *Store) rollupChunk(ctx context.Context, r runner, ids []any, cutoff, resMS int64) (int64, error) {
	args := append(append(make([]any, 0, len(ids)+1), ids...), cutoff)
	where := "series_id IN (" + placeholders(len(ids)) + ") AND ts < ?"
	bucket := "ts - ts % " + strconv.FormatInt(resMS, 10)
	cols := "INSERT INTO metric_rollups (series_id, bucket, vmin, vmax, vsum, cnt, vlast, last_ts) "
	group := "SELECT series_id, " + bucket + " AS b, MIN(value) AS mn, MAX(value) AS mx, SUM(value) AS sm, COUNT(*) AS n, MAX(ts) AS mts FROM "

	if s.d.name == Postgres {
		// One statement: the DELETE returns exactly the points it removed, which are the ones
		// aggregated, whatever writers do meanwhile.
		var deleted, buckets int64
		err := r.queryRow(ctx, "WITH d AS (DELETE FROM metric_points WHERE "+where+" RETURNING series_id, ts, value), "+
			"g AS ("+group+"d GROUP BY series_id, "+bucket+"), "+
			"ins AS ("+cols+"SELECT g.series_id, g.b, g.mn, g.mx, g.sm, g.n, d.value, g.mts FROM g JOIN d ON d.series_id = g.series_id AND d.ts = g.mts"+
			s.rollupMerge()+" RETURNING 1) "+
			"SELECT (SELECT COUNT(*) FROM d), (SELECT COUNT(*) FROM ins)", args...).Scan(&deleted, &buckets)
		return deleted, err
	}
	if s.d.name == MySQL {
		// Lock the range first (exclusive next-key locks): two nodes rolling up at once queue
		// here rather than deadlock upgrading shared locks.
		var n int64
		if err := r.queryRow(ctx, "SELECT COUNT(*) FROM metric_points WHERE "+where+" FOR UPDATE", args...).Scan(&n); err != nil {
			return 0, err
		}
		if n == 0 {
			return 0, nil
		}
	}
	// SQLite has a single writer; MySQL holds the locks taken above. "WHERE 1 = 1" keeps SQLite
	// from reading ON CONFLICT as the join's ON.
	if _, err := r.exec(ctx, cols+"SELECT g.series_id, g.b, g.mn, g.mx, g.sm, g.n, p.value, g.mts FROM ("+group+"metric_points WHERE "+where+
		" GROUP BY series_id, "+bucket+") g JOIN metric_points p ON p.series_id = g.series_id AND p.ts = g.mts WHERE 1 = 1"+s.rollupMerge(), args...); err != nil {
		return 0, err
	}
	return rowsAffected(r.exec(ctx, "DELETE FROM metric_points WHERE "+where, args...))
}

// rollupMerge is the conflict clause of a rollup insert: an existing bucket (late points, or a
// run with another resolution) absorbs the new aggregates. MySQL assigns left to right, so vlast
// is set before last_ts.
func (s *Store) rollupMerge() string {
	nw, old := func(c string) string { return "excluded." + c }, func(c string) string { return "metric_rollups." + c }
	b := strings.Builder{}
	if s.d.name == MySQL {
		nw = func(c string) string { return "VALUES(" + c + ")" }
		b.WriteString(" ON DUPLICATE KEY UPDATE ")
	} else {
		b.WriteString(" ON CONFLICT (series_id, bucket) DO UPDATE SET ")
	}
	pick := func(cond, a, c string) string { return "CASE WHEN " + cond + " THEN " + a + " ELSE " + c + " END" }
	newer := nw("last_ts") + " >= " + old("last_ts")
	b.WriteString(strings.Join([]string{
		"vmin = " + pick(nw("vmin")+" < "+old("vmin"), nw("vmin"), old("vmin")),
		"vmax = " + pick(nw("vmax")+" > "+old("vmax"), nw("vmax"), old("vmax")),
		"vsum = " + old("vsum") + " + " + nw("vsum"),
		"cnt = " + old("cnt") + " + " + nw("cnt"),
		"vlast = " + pick(newer, nw("vlast"), old("vlast")),
		"last_ts = " + pick(newer, nw("last_ts"), old("last_ts")),
	}, ", "))
	return b.String()
}

// DeleteRollupsBefore deletes, for every tenant, the rollups whose points are all older than
// before (last_ts < before) and returns how many rollup rows (buckets) it deleted; a chunk of
// series per transaction.
func (s *Store) DeleteRollupsBefore(ctx context.Context, before time.Time) (int64, error) {
	ids, err := s.seriesIDs(ctx, "")
	if err != nil {
		return 0, fail("delete rollups", err)
	}
	cutoff := before.UnixMilli()
	var deleted int64
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), retentionChunk)]
		ids = ids[len(chunk):]
		err := s.write(ctx, func(r runner) error {
			n, err := deleteRollups(ctx, r, chunk, cutoff)
			deleted += n
			return err
		})
		if err != nil {
			return deleted, fail(fmt.Sprintf("delete rollups (after %d)", deleted), err)
		}
	}
	return deleted, nil
}

// deleteRollups deletes the rollups of the series ids all of whose points are older than cutoff.
// The bucket bound lets the key narrow the scan (bucket <= last_ts).
func deleteRollups(ctx context.Context, r runner, ids []any, cutoff int64) (int64, error) {
	args := append(append(make([]any, 0, len(ids)+2), ids...), cutoff, cutoff)
	return rowsAffected(r.exec(ctx, "DELETE FROM metric_rollups WHERE series_id IN ("+placeholders(len(ids))+") AND bucket < ? AND last_ts < ?", args...))
}

// rolledPoints returns how many raw points the rollups deleteRollups would delete summarise.
func rolledPoints(ctx context.Context, r runner, ids []any, cutoff int64) (int64, error) {
	args := append(append(make([]any, 0, len(ids)+2), ids...), cutoff, cutoff)
	var n sql.NullFloat64 // SUM of BIGINT is NUMERIC/DECIMAL on PostgreSQL and MySQL
	err := r.queryRow(ctx, "SELECT SUM(cnt) FROM metric_rollups WHERE series_id IN ("+placeholders(len(ids))+") AND bucket < ? AND last_ts < ?", args...).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		err = nil
	}
	return int64(n.Float64), err
}

// seriesIDs returns the ids of the series of tenant ("" for every tenant), in id order.
func (s *Store) seriesIDs(ctx context.Context, tenant string) ([]any, error) {
	q, args := "SELECT id FROM metric_series ORDER BY id", []any{}
	if tenant != "" {
		q, args = "SELECT id FROM metric_series WHERE tenant = ? ORDER BY id", []any{tenant}
	}
	rows, err := s.read().query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []any
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"livedash"
)

const definitionColumns = "tenant, code, name, unit"

// DefineMetric implements livedash.MetricStore.
func (s *Store) DefineMetric(ctx context.Context, tenant string, d livedash.MetricDefinition) (livedash.MetricDefinition, error) {
	if err := d.Validate(); err != nil {
		return livedash.MetricDefinition{}, err
	}
	if d.Name == "" {
		d.Name = d.Code
	}
	d.Tenant = tenant
	err := s.write(ctx, func(r runner) error {
		if err := requireTenant(ctx, r, tenant); err != nil {
			return err
		}
		_, err := r.exec(ctx, "INSERT INTO metric_definitions ("+definitionColumns+", created_at) VALUES (?, ?, ?, ?, ?)"+
			s.d.onConflict([]string{"tenant", "code"}, "name", "unit"), tenant, d.Code, d.Name, d.Unit, s.nowMS())
		return err
	})
	if err != nil {
		return livedash.MetricDefinition{}, fail("define metric", err)
	}
	return d, nil
}

// MetricDefinition implements livedash.MetricStore.
func (s *Store) MetricDefinition(ctx context.Context, tenant, code string) (livedash.MetricDefinition, error) {
	var d livedash.MetricDefinition
	err := s.read().queryRow(ctx, "SELECT "+definitionColumns+" FROM metric_definitions WHERE tenant = ? AND code = ?", tenant, code).
		Scan(&d.Tenant, &d.Code, &d.Name, &d.Unit)
	if errors.Is(err, sql.ErrNoRows) {
		return d, notFound("metric", code)
	}
	return d, fail("metric definition", err)
}

// ListMetricDefinitions implements livedash.MetricStore.
func (s *Store) ListMetricDefinitions(ctx context.Context, tenant string, opt livedash.ListOptions) (livedash.Page[livedash.MetricDefinition], error) {
	var none livedash.Page[livedash.MetricDefinition]
	lq, err := newListQuery(opt)
	if err != nil {
		return none, err
	}
	rows, err := s.read().query(ctx, "SELECT "+definitionColumns+" FROM metric_definitions WHERE tenant = ? AND code > ? ORDER BY code LIMIT ?", tenant, lq.after, lq.limit+1)
	if err != nil {
		return none, fail("list metric definitions", err)
	}
	defer rows.Close()
	var out []livedash.MetricDefinition
	for rows.Next() {
		var d livedash.MetricDefinition
		if err := rows.Scan(&d.Tenant, &d.Code, &d.Name, &d.Unit); err != nil {
			return none, fail("list metric definitions", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return none, fail("list metric definitions", err)
	}
	return page(out, lq.limit, func(d livedash.MetricDefinition) string { return d.Code }), nil
}

// DeleteMetricDefinition implements livedash.MetricStore. It deletes the code's series and points
// too (raw and rolled up). Another node that wrote the code before keeps its series in its cache: points it writes
// afterwards are stored (and queried) as usual, but the code is defined again only by writes
// through a node that did not know the series.
func (s *Store) DeleteMetricDefinition(ctx context.Context, tenant, code string) error {
	err := s.write(ctx, func(r runner) error {
		n, err := rowsAffected(r.exec(ctx, "DELETE FROM metric_definitions WHERE tenant = ? AND code = ?", tenant, code))
		if err != nil {
			return err
		}
		if n == 0 {
			return notFound("metric", code)
		}
		for _, table := range []string{"metric_points", "metric_rollups"} {
			if _, err := r.exec(ctx, "DELETE FROM "+table+" WHERE series_id IN (SELECT id FROM metric_series WHERE tenant = ? AND code = ?)", tenant, code); err != nil {
				return err
			}
		}
		_, err = r.exec(ctx, "DELETE FROM metric_series WHERE tenant = ? AND code = ?", tenant, code)
		return err
	})
	if err == nil {
		s.forgetSeries()
	}
	return fail("delete metric definition", err)
}

// ListSeries implements livedash.MetricStore.
func (s *Store) ListSeries(ctx context.Context, tenant, code string) ([]map[string]string, error) {
	rows, err := s.read().query(ctx, "SELECT labels_key FROM metric_series WHERE tenant = ? AND code = ? ORDER BY labels_key", tenant, code)
	if err != nil {
		return nil, fail("list series", err)
	}
	defer rows.Close()
	out := []map[string]string{}
	for rows.Next() {
		var key string
		if err := rows.Scan(&key); err != nil {
			return nil, fail("list series", err)
		}
		labels := livedash.ParseLabelsKey(key)
		if labels == nil {
			labels = map[string]string{}
		}
		out = append(out, labels)
	}
	return out, fail("list series", rows.Err())
}

// QuerySeries implements livedash.MetricStore. It reads the raw points and the rollups (see
// rollup.go) of the range in one statement: each source is grouped in SQL by step start,
// ts - ts % step (steps aligned to the epoch), into partial aggregates that combine exactly (min,
// max, sum, count, and for last the latest time with its value), and a step that both sources
// hold is merged here: avg = (raw sum + rollup sum) / (raw count + rollup count), count and sum
// add up, min/max take the smaller/larger, last the value of the later time.
//
// A rollup counts as located at its bucket start: it belongs to the range when its start is in
// [From, To) and to the step holding its start. So steps that are multiples of the resolution
// give the same values as before the rollup; a step smaller than the resolution gives one point
// per rollup bucket (at the start of the step holding the bucket start: the bucket start itself
// when the step divides the resolution); other steps (a week in 300 steps: 2016s over 1-minute
// buckets) count each bucket whole in the step where it starts.
func (s *Store) QuerySeries(ctx context.Context, tenant string, q livedash.SeriesQuery) ([]livedash.SeriesPoint, error) {
	q, err := q.Normalize()
	if err != nil {
		return nil, err
	}
	id := seriesID(tenant, q.Code, livedash.LabelsKey(q.Labels))
	from, to := q.From.UnixMilli(), q.To.UnixMilli()
	query := querySeriesSQL(q.Agg, q.Step.Milliseconds())
	args := []any{id, from, to, id, from, to}
	if q.Agg == livedash.AggLast {
		args = []any{id, from, to, id, id, from, to, id}
	}
	rows, err := s.read().query(ctx, query, args...)
	if err != nil {
		return nil, fail("query series", err)
	}
	defer rows.Close()
	out := make([]livedash.SeriesPoint, 0, min(int(q.To.Sub(q.From)/q.Step)+1, livedash.DefaultSeriesSteps))
	// x, y: the partial aggregates of a step (see querySeriesSQL); b of the previous row.
	var b, pb int64
	var x, y, px, py float64
	flush := func() {
		v := px
		switch q.Agg {
		case livedash.AggAvg:
			v = px / py
		case livedash.AggLast:
			v = py
		}
		out = append(out, livedash.SeriesPoint{Time: pb, Value: v})
	}
	first := true
	for rows.Next() {
		if err := rows.Scan(&b, &x, &y); err != nil {
			return nil, fail("query series", err)
		}
		switch {
		case first:
			first = false
		case b != pb:
			flush()
		default: // the step's other source
			switch q.Agg {
			case livedash.AggAvg, livedash.AggSum, livedash.AggCount:
				x, y = px+x, py+y
			case livedash.AggMin:
				x = min(px, x)
			case livedash.AggMax:
				x = max(px, x)
			case livedash.AggLast:
				if px > x {
					x, y = px, py
				}
			}
		}
		pb, px, py = b, x, y
	}
	if err := rows.Err(); err != nil {
		return nil, fail("query series", err)
	}
	if !first {
		flush()
	}
	return out, nil
}

// querySeriesSQL returns the query of QuerySeries: rows (step start, x, y) from the raw points and
// then from the rollups, ordered by step start, so that a step has at most two adjacent rows.
// x, y are sum and count for avg; the sum, count, min or max and 0 for sum, count, min and max;
// for last the latest time and its value. Arguments: id, from, to, id, from, to; for last, id, from,
// to, id, id, from, to, id.
func querySeriesSQL(agg string, step int64) string {
	st := strconv.FormatInt(step, 10)
	raw, rb := "ts - ts % "+st, "bucket - bucket % "+st
	if agg == livedash.AggLast {
		// The latest bucket of a step holds its latest point: buckets do not overlap.
		return "SELECT g.b, p.ts, p.value FROM (SELECT " + raw + " AS b, MAX(ts) AS mts FROM metric_points WHERE series_id = ? AND ts >= ? AND ts < ? GROUP BY " + raw +
			") g JOIN metric_points p ON p.series_id = ? AND p.ts = g.mts" +
			" UNION ALL SELECT g.b, r.last_ts, r.vlast FROM (SELECT " + rb + " AS b, MAX(bucket) AS mb FROM metric_rollups WHERE series_id = ? AND bucket >= ? AND bucket < ? GROUP BY " + rb +
			") g JOIN metric_rollups r ON r.series_id = ? AND r.bucket = g.mb ORDER BY 1"
	}
	fr, fb := "SUM(value), 0", "SUM(vsum), 0"
	switch agg {
	case livedash.AggAvg:
		fr, fb = "SUM(value), COUNT(*)", "SUM(vsum), SUM(cnt)"
	case livedash.AggMin:
		fr, fb = "MIN(value), 0", "MIN(vmin), 0"
	case livedash.AggMax:
		fr, fb = "MAX(value), 0", "MAX(vmax), 0"
	case livedash.AggCount:
		fr, fb = "COUNT(*), 0", "SUM(cnt), 0"
	}
	return "SELECT " + raw + " AS b, " + fr + " FROM metric_points WHERE series_id = ? AND ts >= ? AND ts < ? GROUP BY " + raw +
		" UNION ALL SELECT " + rb + ", " + fb + " FROM metric_rollups WHERE series_id = ? AND bucket >= ? AND bucket < ? GROUP BY " + rb + " ORDER BY 1"
}

// retentionChunk is how many series one retention transaction deletes points of, so that
// writers get the database between chunks.
const retentionChunk = 200

// DeletePointsBefore implements livedash.MetricStore. It deletes series by series through the
// (series_id, ts) key, a chunk of series per transaction, and with the raw points the rollups
// whose points are all older than before (counted as the points they summarise).
func (s *Store) DeletePointsBefore(ctx context.Context, tenant string, before time.Time) (int64, error) {
	ids, err := s.seriesIDs(ctx, tenant)
	if err != nil {
		return 0, fail("delete points", err)
	}
	cutoff := before.UnixMilli()
	var deleted int64
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), retentionChunk)]
		ids = ids[len(chunk):]
		args := append(append(make([]any, 0, len(chunk)+1), chunk...), cutoff)
		err := s.write(ctx, func(r runner) error {
			n, err := rowsAffected(r.exec(ctx, "DELETE FROM metric_points WHERE series_id IN ("+placeholders(len(chunk))+") AND ts < ?", args...))
			if err != nil {
				return err
			}
			m, err := rolledPoints(ctx, r, chunk, cutoff)
			if err != nil {
				return err
			}
			if _, err := deleteRollups(ctx, r, chunk, cutoff); err != nil {
				return err
			}
			deleted += n + m
			return nil
		})
		if err != nil {
			return deleted, fail(fmt.Sprintf("delete points (after %d)", deleted), err)
		}
	}
	return deleted, nil
}

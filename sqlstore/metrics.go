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
// too. Another node that wrote the code before keeps its series in its cache: points it writes
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
		if _, err := r.exec(ctx, "DELETE FROM metric_points WHERE series_id IN (SELECT id FROM metric_series WHERE tenant = ? AND code = ?)", tenant, code); err != nil {
			return err
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

// QuerySeries implements livedash.MetricStore. The points of one step are grouped in SQL by the
// step's start, ts - ts % step; "last" joins each step's latest timestamp back to its value.
func (s *Store) QuerySeries(ctx context.Context, tenant string, q livedash.SeriesQuery) ([]livedash.SeriesPoint, error) {
	q, err := q.Normalize()
	if err != nil {
		return nil, err
	}
	id := seriesID(tenant, q.Code, livedash.LabelsKey(q.Labels))
	from, to := q.From.UnixMilli(), q.To.UnixMilli()
	bucket := "ts - ts % " + strconv.FormatInt(q.Step.Milliseconds(), 10)
	var query string
	var args []any
	switch q.Agg {
	case livedash.AggLast:
		query = "SELECT g.b, p.value FROM (SELECT " + bucket + " AS b, MAX(ts) AS mts FROM metric_points WHERE series_id = ? AND ts >= ? AND ts < ? GROUP BY " + bucket +
			") g JOIN metric_points p ON p.series_id = ? AND p.ts = g.mts ORDER BY g.b"
		args = []any{id, from, to, id}
	default:
		fn := map[string]string{livedash.AggAvg: "AVG(value)", livedash.AggMin: "MIN(value)", livedash.AggMax: "MAX(value)",
			livedash.AggSum: "SUM(value)", livedash.AggCount: "COUNT(*)"}[q.Agg]
		query = "SELECT " + bucket + " AS b, " + fn + " FROM metric_points WHERE series_id = ? AND ts >= ? AND ts < ? GROUP BY " + bucket + " ORDER BY b"
		args = []any{id, from, to}
	}
	rows, err := s.read().query(ctx, query, args...)
	if err != nil {
		return nil, fail("query series", err)
	}
	defer rows.Close()
	out := make([]livedash.SeriesPoint, 0, min(int(q.To.Sub(q.From)/q.Step)+1, livedash.DefaultSeriesSteps))
	for rows.Next() {
		var p livedash.SeriesPoint
		if err := rows.Scan(&p.Time, &p.Value); err != nil {
			return nil, fail("query series", err)
		}
		out = append(out, p)
	}
	return out, fail("query series", rows.Err())
}

// retentionChunk is how many series one retention transaction deletes points of, so that
// writers get the database between chunks.
const retentionChunk = 200

// DeletePointsBefore implements livedash.MetricStore. It deletes series by series through the
// (series_id, ts) key, a chunk of series per transaction.
func (s *Store) DeletePointsBefore(ctx context.Context, tenant string, before time.Time) (int64, error) {
	q, args := "SELECT id FROM metric_series ORDER BY id", []any{}
	if tenant != "" {
		q, args = "SELECT id FROM metric_series WHERE tenant = ? ORDER BY id", []any{tenant}
	}
	rows, err := s.read().query(ctx, q, args...)
	if err != nil {
		return 0, fail("delete points", err)
	}
	var ids []any
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, fail("delete points", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
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
			deleted += n
			return err
		})
		if err != nil {
			return deleted, fail(fmt.Sprintf("delete points (after %d)", deleted), err)
		}
	}
	return deleted, nil
}

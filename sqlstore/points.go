package sqlstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"livedash"
)

// seriesID is the id of the series (tenant, code, labels key): a 63-bit hash of the three, so that
// writers and readers find it without a lookup and every node agrees on it. The tenant is part of
// the hash: one tenant's query never reaches another's points. A collision is detected when the
// second series is first written (see createSeries).
func seriesID(tenant, code, key string) int64 {
	h := fnvOffset
	h = fnvString(h, tenant)
	h = fnvSep(h)
	h = fnvString(h, code)
	h = fnvSep(h)
	h = fnvString(h, key)
	return finishID(fnvSep(h))
}

// seriesIDOf is seriesID(tenant, code, livedash.LabelsKey(labels)) without building the key: it
// hashes the same bytes in the same order.
func seriesIDOf(tenant, code string, labels map[string]string) int64 {
	if len(labels) == 0 {
		return seriesID(tenant, code, "")
	}
	var buf [8]string
	names := buf[:0]
	for k := range labels {
		names = append(names, k)
	}
	slices.Sort(names)
	h := fnvOffset
	h = fnvString(h, tenant)
	h = fnvSep(h)
	h = fnvString(h, code)
	h = fnvSep(h)
	for i, k := range names {
		if i > 0 {
			h = fnvByte(h, ',')
		}
		h = fnvString(h, k)
		h = fnvByte(h, '=')
		v := labels[k]
		for j := 0; j < len(v); j++ {
			if v[j] == ',' || v[j] == '\\' {
				h = fnvByte(h, '\\')
			}
			h = fnvByte(h, v[j])
		}
	}
	return finishID(fnvSep(h))
}

// FNV-1a, 64 bits.
const (
	fnvOffset uint64 = 14695981039346656037
	fnvPrime  uint64 = 1099511628211
)

func fnvByte(h uint64, c byte) uint64 { return (h ^ uint64(c)) * fnvPrime }

func fnvString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * fnvPrime
	}
	return h
}

// fnvSep hashes a separator byte that no valid tenant, code or key (UTF-8) holds.
func fnvSep(h uint64) uint64 { return fnvByte(h, 0xff) }

// finishID spreads FNV's weak low bits over the word (splitmix64's finaliser) and keeps 63 bits.
func finishID(h uint64) int64 {
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return int64(h >> 1)
}

// pointRow is a point ready to store.
type pointRow struct {
	series int64
	ts     int64
	value  float64
}

// newSeries is a series to create.
type newSeries struct {
	id        int64
	code, key string
}

// pointsPerStatement bounds the rows of one multi-row INSERT (3 placeholders each).
var pointsPerStatement = 1000

// WritePoints implements livedash.MetricStore. Points are sorted by (series, time), so that each
// statement appends to few places of the key, and a later duplicate replaces an earlier one; they
// are inserted in multi-row statements of pointsPerStatement rows in one transaction. Series seen
// for the first time (by this Store) are created first, with a definition for their code.
func (s *Store) WritePoints(ctx context.Context, tenant string, points []livedash.MetricPoint) error {
	if len(points) == 0 {
		return nil
	}
	now := s.nowMS()
	rows := make([]pointRow, len(points))
	var created []newSeries
	var pending map[int64]struct{} // ids in created
	s.seriesMu.RLock()
	for i, p := range points {
		if err := p.Validate(); err != nil {
			s.seriesMu.RUnlock()
			return livedash.Errorf(livedash.EBadRequest, "points[%d].%s", i, livedash.ErrorMessage(err))
		}
		id := seriesIDOf(tenant, p.Code, p.Labels)
		if _, ok := s.series[id]; !ok {
			if _, ok := pending[id]; !ok {
				if pending == nil {
					pending = map[int64]struct{}{}
				}
				pending[id] = struct{}{}
				created = append(created, newSeries{id: id, code: p.Code, key: livedash.LabelsKey(p.Labels)})
			}
		}
		ts := now
		if !p.Time.IsZero() {
			ts = p.Time.UnixMilli()
		}
		rows[i] = pointRow{series: id, ts: ts, value: p.Value}
	}
	s.seriesMu.RUnlock()

	slices.SortStableFunc(rows, func(a, b pointRow) int {
		if c := cmp.Compare(a.series, b.series); c != 0 {
			return c
		}
		return cmp.Compare(a.ts, b.ts)
	})
	rows = dedupeLast(rows)

	err := s.write(ctx, func(r runner) error {
		if len(created) > 0 {
			if err := s.createSeries(ctx, r, tenant, created, now); err != nil {
				return err
			}
		}
		return s.insertPoints(ctx, r, rows)
	})
	if err != nil {
		return fail("write points", err)
	}
	if len(created) > 0 {
		s.seriesMu.Lock()
		for _, n := range created {
			s.series[n.id] = struct{}{}
		}
		s.seriesMu.Unlock()
	}
	return nil
}

// dedupeLast keeps the last of each run of rows with the same series and time.
func dedupeLast(rows []pointRow) []pointRow {
	out := rows[:0]
	for i, p := range rows {
		if i+1 < len(rows) && rows[i+1].series == p.series && rows[i+1].ts == p.ts {
			continue
		}
		out = append(out, p)
	}
	return out
}

// createSeries inserts the series rows (and definitions of their codes) that may be missing and
// checks that no id belongs to another series.
func (s *Store) createSeries(ctx context.Context, r runner, tenant string, series []newSeries, now int64) error {
	if err := requireTenant(ctx, r, tenant); err != nil {
		return err
	}
	ids := make([]any, 0, len(series))
	codes := map[string]bool{}
	for _, n := range series {
		if _, err := r.exec(ctx, "INSERT INTO metric_series (id, tenant, code, labels_key, created_at) VALUES (?, ?, ?, ?, ?)"+s.d.onConflict([]string{"id"}),
			n.id, tenant, n.code, n.key, now); err != nil {
			return err
		}
		ids = append(ids, n.id)
		if !codes[n.code] {
			codes[n.code] = true
			if _, err := r.exec(ctx, "INSERT INTO metric_definitions ("+definitionColumns+", created_at) VALUES (?, ?, ?, ?, ?)"+s.d.onConflict([]string{"tenant", "code"}),
				tenant, n.code, n.code, "", now); err != nil {
				return err
			}
		}
	}
	want := make(map[int64]newSeries, len(series))
	for _, n := range series {
		want[n.id] = n
	}
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 500)]
		ids = ids[len(chunk):]
		if err := checkSeries(ctx, r, tenant, chunk, want); err != nil {
			return err
		}
	}
	return nil
}

// checkSeries fails if a stored series of ids is not the one wanted (a hash collision).
func checkSeries(ctx context.Context, r runner, tenant string, ids []any, want map[int64]newSeries) error {
	rows, err := r.query(ctx, "SELECT id, tenant, code, labels_key FROM metric_series WHERE id IN ("+placeholders(len(ids))+")", ids...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var t, code, key string
		if err := rows.Scan(&id, &t, &code, &key); err != nil {
			return err
		}
		if n := want[id]; t != tenant || code != n.code || key != n.key {
			return fmt.Errorf("series id %d of %s/%s{%s} is taken by %s/%s{%s}", id, tenant, n.code, n.key, t, code, key)
		}
	}
	return rows.Err()
}

// insertPoints inserts sorted rows with multi-row statements. Full chunks use statements prepared
// by Open, so the database parses them once rather than per batch. On SQLite a plain INSERT is
// tried first (cheapest: one seek per row) and a chunk that holds an existing point is inserted
// again with INSERT OR REPLACE; the other databases upsert.
func (s *Store) insertPoints(ctx context.Context, r runner, rows []pointRow) error {
	per := s.pointsPerStatement()
	args := make([]any, 0, 3*min(per, len(rows)))
	exec := func(n int, replace bool) error {
		var err error
		stmt := s.pointStmt
		if replace {
			stmt = s.pointReplaceStmt
		}
		if n == per && stmt != nil {
			_, err = r.tx.StmtContext(ctx, stmt).ExecContext(ctx, args...)
		} else {
			_, err = r.tx.ExecContext(ctx, s.insertPointsSQL(n, replace), args...)
		}
		return err
	}
	for len(rows) > 0 {
		chunk := rows[:min(len(rows), per)]
		rows = rows[len(chunk):]
		args = args[:0]
		for _, p := range chunk {
			args = append(args, p.series, p.ts, p.value)
		}
		err := exec(len(chunk), false)
		if err != nil && s.d.name == SQLite && s.d.isUniqueViolation(err) {
			// The failed statement was undone on its own; the transaction goes on.
			err = exec(len(chunk), true)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// pointsPerStatement is how many rows one statement holds, within the dialect's placeholder limit.
func (s *Store) pointsPerStatement() int { return min(pointsPerStatement, s.d.maxParams/3) }

// insertPointsSQL returns the insert of n points with the dialect's placeholders: on SQLite a
// plain INSERT, or INSERT OR REPLACE with replace (same outcome as an upsert here: the table has
// no other column, trigger or reference); elsewhere an upsert.
func (s *Store) insertPointsSQL(n int, replace bool) string {
	b := make([]byte, 0, 96+n*16)
	switch {
	case s.d.name == SQLite && replace:
		b = append(b, "INSERT OR REPLACE INTO metric_points (series_id, ts, value) VALUES "...)
	default:
		b = append(b, "INSERT INTO metric_points (series_id, ts, value) VALUES "...)
	}
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '(')
		b = s.d.appendPlaceholder(b, 3*i+1)
		b = append(b, ',')
		b = s.d.appendPlaceholder(b, 3*i+2)
		b = append(b, ',')
		b = s.d.appendPlaceholder(b, 3*i+3)
		b = append(b, ')')
	}
	if s.d.name != SQLite {
		b = append(b, s.d.onConflict([]string{"series_id", "ts"}, "value")...)
	}
	return string(b)
}

// preparePoints prepares the full-chunk statements. It runs on the pool, outside any
// transaction: a transaction holds SQLite's only writing connection, and Tx.StmtContext
// re-prepares on the transaction's connection when needed.
func (s *Store) preparePoints(ctx context.Context) error {
	var err error
	if s.pointStmt, err = s.wdb.PrepareContext(ctx, s.insertPointsSQL(s.pointsPerStatement(), false)); err != nil {
		return fmt.Errorf("sqlstore: preparing the points insert: %w", err)
	}
	if s.d.name == SQLite {
		if s.pointReplaceStmt, err = s.wdb.PrepareContext(ctx, s.insertPointsSQL(s.pointsPerStatement(), true)); err != nil {
			return fmt.Errorf("sqlstore: preparing the points insert: %w", err)
		}
	}
	return nil
}

// forgetSeries empties the cache of known series, after series were deleted.
func (s *Store) forgetSeries() {
	s.seriesMu.Lock()
	clear(s.series)
	s.seriesMu.Unlock()
}

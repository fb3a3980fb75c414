package sqlstore

import (
	"context"
	"slices"
	"testing"
	"time"

	"livedash"
)

// Rollup and DeleteRollupsBefore work on every tenant: each test here has an era of its own, long
// before the other tests' points (t0 is 2024), and deletes its tenant at the end, so that the
// counts they return are this test's.

// rollupTenant creates a tenant deleted (with its points and rollups) when the test ends.
func rollupTenant(t *testing.T, s *Store) string {
	tn := newTenant(t, s)
	t.Cleanup(func() { _ = s.DeleteTenant(context.Background(), tn) })
	return tn
}

// tenSecondPoints are code = i at base + 10s*i for i in [from, to).
func tenSecondPoints(code string, base time.Time, from, to int) []livedash.MetricPoint {
	var ps []livedash.MetricPoint
	for i := from; i < to; i++ {
		ps = append(ps, livedash.MetricPoint{Code: code, Time: base.Add(time.Duration(i) * 10 * time.Second), Value: float64(i)})
	}
	return ps
}

// at returns the series point of base+offset.
func at(base time.Time, offset time.Duration, v float64) livedash.SeriesPoint {
	return livedash.SeriesPoint{Time: base.Add(offset).UnixMilli(), Value: v}
}

func querySteps(t *testing.T, s *Store, tn, code string, from, to time.Time, step time.Duration, agg string) []livedash.SeriesPoint {
	t.Helper()
	got, err := s.QuerySeries(ctxT, tn, livedash.SeriesQuery{Code: code, From: from, To: to, Step: step, Agg: agg})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func rolled(t *testing.T, s *Store, before time.Time, want int64) {
	t.Helper()
	if n := must[int64](t)(s.Rollup(ctxT, before)); n != want {
		t.Fatalf("Rollup(%s) rolled %d points, want %d", before.Format(time.TimeOnly), n, want)
	}
}

// TestRollupQuery: the aggregations over a range holding rolled-up buckets, raw points and late
// raw points inside rolled-up buckets are exact, and Rollup never counts a point twice.
func TestRollupQuery(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		base := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
		tn := rollupTenant(t, s)
		m := time.Minute
		// cpu = i at base + 10s*i, i in 0..35 (six minutes); minutes 0-2 are rolled up.
		ok(t, s.WritePoints(ctxT, tn, tenSecondPoints("cpu", base, 0, 36)))
		rolled(t, s, base.Add(3*m+30*time.Second), 18) // [3m, 3m30s) is an incomplete bucket: raw
		rolled(t, s, base.Add(3*m+30*time.Second), 0)
		// Late points into rolled-up buckets: 100 at 30.005s (minute 0), -50 at 1m55s (minute 1).
		ok(t, s.WritePoints(ctxT, tn, []livedash.MetricPoint{
			{Code: "cpu", Time: base.Add(30*time.Second + 5*time.Millisecond), Value: 100},
			{Code: "cpu", Time: base.Add(m + 55*time.Second), Value: -50},
		}))

		from, to := base, base.Add(6*m)
		// Per minute (the resolution): minutes 0, 1 are rollup + late point, 2 rollup, 3-5 raw.
		perMinute := map[string][]float64{
			livedash.AggCount: {7, 7, 6, 6, 6, 6},
			livedash.AggSum:   {115, 1, 87, 123, 159, 195},
			livedash.AggAvg:   {115.0 / 7, 1.0 / 7, 14.5, 20.5, 26.5, 32.5},
			livedash.AggMin:   {0, -50, 12, 18, 24, 30},
			livedash.AggMax:   {100, 11, 17, 23, 29, 35},
			livedash.AggLast:  {5, -50, 17, 23, 29, 35}, // minute 0: the rollup's 50s beats 30.005s
		}
		// Per two minutes: [2m, 4m) is a rolled-up bucket and a raw minute.
		perTwo := map[string][]float64{
			livedash.AggCount: {14, 12, 12},
			livedash.AggSum:   {116, 210, 354},
			livedash.AggAvg:   {116.0 / 14, 17.5, 29.5},
			livedash.AggMin:   {-50, 12, 24},
			livedash.AggMax:   {100, 23, 35},
			livedash.AggLast:  {-50, 23, 35},
		}
		check := func(when string) {
			t.Helper()
			for _, agg := range livedash.Aggregations {
				for _, c := range []struct {
					step time.Duration
					want []float64
				}{{m, perMinute[agg]}, {2 * m, perTwo[agg]}} {
					var want []livedash.SeriesPoint
					for i, v := range c.want {
						want = append(want, at(base, time.Duration(i)*c.step, v))
					}
					if got := querySteps(t, s, tn, "cpu", from, to, c.step, agg); !slices.Equal(got, want) {
						t.Errorf("%s: %s per %s:\ngot  %v\nwant %v", when, agg, c.step, got, want)
					}
				}
			}
		}
		check("late points raw")

		// A step below the resolution: one point per rolled-up bucket, raw points at their step.
		tenS := 10 * time.Second
		want := []livedash.SeriesPoint{at(base, 0, 2.5), at(base, 30*time.Second, 100), at(base, m, 8.5), at(base, 110*time.Second, -50), at(base, 2*m, 14.5)}
		if got := querySteps(t, s, tn, "cpu", from, base.Add(3*m), tenS, livedash.AggAvg); !slices.Equal(got, want) {
			t.Errorf("avg per 10s over rolled-up minutes:\ngot  %v\nwant %v", got, want)
		}
		// A step that is not a multiple of the resolution: a bucket counts in the step of its start.
		want = []livedash.SeriesPoint{at(base, 0, 13), at(base, 90*time.Second, 7)}
		if got := querySteps(t, s, tn, "cpu", from, base.Add(3*m), 90*time.Second, livedash.AggCount); !slices.Equal(got, want) {
			t.Errorf("count per 90s:\ngot  %v\nwant %v", got, want)
		}
		// A bucket belongs to a range when its start does.
		want = []livedash.SeriesPoint{at(base, m, 7), at(base, 2*m, 6), at(base, 3*m, 3)}
		if got := querySteps(t, s, tn, "cpu", base.Add(30*time.Second+6*time.Millisecond), base.Add(3*m+30*time.Second), m, livedash.AggCount); !slices.Equal(got, want) {
			t.Errorf("count from 30.006s to 3m30s:\ngot  %v\nwant %v", got, want)
		}

		// The next run merges the late points into their buckets; the results stay the same.
		rolled(t, s, base.Add(3*m+30*time.Second), 2)
		check("late points merged")
		want = []livedash.SeriesPoint{at(base, 0, 115.0/7), at(base, m, 1.0/7), at(base, 2*m, 14.5)}
		if got := querySteps(t, s, tn, "cpu", from, base.Add(3*m), tenS, livedash.AggAvg); !slices.Equal(got, want) {
			t.Errorf("avg per 10s after the merge:\ngot  %v\nwant %v", got, want)
		}
		rolled(t, s, base.Add(3*m+30*time.Second), 0)
		check("rolled up again")
		// Everything rolled up.
		rolled(t, s, base.Add(time.Hour), 18)
		rolled(t, s, base.Add(time.Hour), 0)
		check("all rolled up")

		// Rollups are per series and per tenant.
		other := rollupTenant(t, s)
		if got := querySteps(t, s, other, "cpu", from, to, m, livedash.AggCount); len(got) != 0 {
			t.Errorf("another tenant sees %v", got)
		}
		if got, err := s.QuerySeries(ctxT, tn, livedash.SeriesQuery{Code: "cpu", Labels: map[string]string{"host": "a"}, From: from, To: to, Agg: livedash.AggCount}); err != nil || len(got) != 0 {
			t.Errorf("another series sees %v, %v", got, err)
		}
	})
}

// TestRollupRetention: DeleteRollupsBefore, ApplyRetention, and the deletions that must reach
// rollups too (DeletePointsBefore, DeleteMetricDefinition, DeleteTenant).
func TestRollupRetention(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		base := time.Date(2002, 1, 1, 0, 0, 0, 0, time.UTC)
		m := time.Minute
		tn := rollupTenant(t, s)
		counts := func(code string) []livedash.SeriesPoint {
			t.Helper()
			return querySteps(t, s, tn, code, base, base.Add(time.Hour), m, livedash.AggCount)
		}
		minutes := func(n float64, from, to int) []livedash.SeriesPoint {
			var out []livedash.SeriesPoint
			for i := from; i < to; i++ {
				out = append(out, at(base, time.Duration(i)*m, n))
			}
			return out
		}

		// Ten minutes rolled up; the first five deleted.
		ok(t, s.WritePoints(ctxT, tn, tenSecondPoints("cpu", base, 0, 60)))
		rolled(t, s, base.Add(10*m), 60)
		if n := must[int64](t)(s.DeleteRollupsBefore(ctxT, base.Add(5*m))); n != 5 {
			t.Errorf("DeleteRollupsBefore deleted %d buckets, want 5", n)
		}
		if n := must[int64](t)(s.DeleteRollupsBefore(ctxT, base.Add(5*m))); n != 0 {
			t.Errorf("DeleteRollupsBefore again deleted %d buckets", n)
		}
		// A bucket goes when all its points are older than the cutoff.
		if n := must[int64](t)(s.DeleteRollupsBefore(ctxT, base.Add(5*m+50*time.Second))); n != 0 {
			t.Errorf("DeleteRollupsBefore(5m50s) deleted %d buckets, want 0", n)
		}
		if got, want := counts("cpu"), minutes(6, 5, 10); !slices.Equal(got, want) {
			t.Errorf("after DeleteRollupsBefore:\ngot  %v\nwant %v", got, want)
		}

		// ApplyRetention at 30m keeping 5m raw and 15m of rollups: minutes 20-24 are rolled up,
		// 25-29 stay raw, the rollups of 5-9 are deleted.
		ok(t, s.WritePoints(ctxT, tn, tenSecondPoints("cpu", base, 120, 180)))
		ok(t, s.ApplyRetention(ctxT, base.Add(30*m), RollupPolicy{RawFor: 5 * m, RollupFor: 15 * m}))
		if got, want := counts("cpu"), minutes(6, 20, 30); !slices.Equal(got, want) {
			t.Errorf("after ApplyRetention:\ngot  %v\nwant %v", got, want)
		}
		rolled(t, s, base.Add(25*m), 0)
		// The defaults (1h raw, 7 days of rollups) change nothing at 30m.
		ok(t, s.ApplyRetention(ctxT, base.Add(30*m), RollupPolicy{}))
		rolled(t, s, base.Add(25*m), 0)
		if got, want := counts("cpu"), minutes(6, 20, 30); !slices.Equal(got, want) {
			t.Errorf("after ApplyRetention with the defaults:\ngot  %v\nwant %v", got, want)
		}
		for _, p := range []RollupPolicy{{RawFor: time.Hour, RollupFor: m}, {RawFor: -m}, {Resolution: 1500 * time.Microsecond}, {Resolution: -m}} {
			wantCode(t, s.ApplyRetention(ctxT, base.Add(30*m), p), livedash.EBadRequest)
		}

		// DeletePointsBefore deletes rollups too, counting the points they summarise: 5 buckets
		// of 6 and 12 raw points.
		if n := must[int64](t)(s.DeletePointsBefore(ctxT, tn, base.Add(27*m))); n != 42 {
			t.Errorf("DeletePointsBefore deleted %d points, want 42", n)
		}
		if got, want := counts("cpu"), minutes(6, 27, 30); !slices.Equal(got, want) {
			t.Errorf("after DeletePointsBefore:\ngot  %v\nwant %v", got, want)
		}

		// Deleting the definition deletes its rollups.
		ok(t, s.WritePoints(ctxT, tn, tenSecondPoints("disk", base, 0, 12)))
		rolled(t, s, base.Add(2*m), 12)
		ok(t, s.DeleteMetricDefinition(ctxT, tn, "disk"))
		ok(t, s.WritePoints(ctxT, tn, tenSecondPoints("disk", base, 0, 1)))
		if got, want := counts("disk"), minutes(1, 0, 1); !slices.Equal(got, want) {
			t.Errorf("after DeleteMetricDefinition and a new point:\ngot  %v\nwant %v", got, want)
		}

		// So does deleting the tenant.
		gone := newTenant(t, s)
		ok(t, s.WritePoints(ctxT, gone, tenSecondPoints("cpu", base, 0, 6)))
		rolled(t, s, base.Add(m), 6+1) // and the "disk" point above
		ok(t, s.DeleteTenant(ctxT, gone))
		var left int
		ok(t, s.db.QueryRowContext(ctxT, s.d.rebind("SELECT COUNT(*) FROM metric_rollups WHERE series_id = ?"), seriesID(gone, "cpu", "")).Scan(&left))
		if left != 0 {
			t.Errorf("%d rollups of a deleted tenant are left", left)
		}
	})
}

// TestRollupResolution: ApplyRetention's resolution, and the store's (WithRollupResolution).
func TestRollupResolution(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		base := time.Date(2003, 1, 1, 0, 0, 0, 0, time.UTC)
		m := time.Minute
		tn := rollupTenant(t, s)
		ok(t, s.WritePoints(ctxT, tn, tenSecondPoints("cpu", base, 0, 60)))
		ok(t, s.ApplyRetention(ctxT, base.Add(11*m), RollupPolicy{RawFor: m, RollupFor: time.Hour, Resolution: 5 * m}))
		want := []livedash.SeriesPoint{at(base, 0, 30), at(base, 5*m, 30)}
		if got := querySteps(t, s, tn, "cpu", base, base.Add(time.Hour), m, livedash.AggCount); !slices.Equal(got, want) {
			t.Errorf("5-minute buckets per minute:\ngot  %v\nwant %v", got, want)
		}
		want = []livedash.SeriesPoint{at(base, 0, 14.5), at(base, 5*m, 44.5)}
		if got := querySteps(t, s, tn, "cpu", base, base.Add(time.Hour), 5*m, livedash.AggAvg); !slices.Equal(got, want) {
			t.Errorf("avg per 5 minutes:\ngot  %v\nwant %v", got, want)
		}
	})

	for _, d := range []time.Duration{-time.Second, 1500 * time.Microsecond} {
		if _, err := Open(ctxT, "", t.TempDir(), append(testOptions, WithRollupResolution(d))...); err == nil {
			t.Errorf("Open with a rollup resolution of %s: no error", d)
		}
	}
	s, err := Open(ctxT, "", t.TempDir(), append(testOptions, WithRollupResolution(10*time.Minute))...)
	ok(t, err)
	defer s.Close()
	tn := newTenant(t, s)
	ok(t, s.WritePoints(ctxT, tn, tenSecondPoints("cpu", t0, 0, 90)))
	rolled(t, s, t0.Add(15*time.Minute), 60)
	want := []livedash.SeriesPoint{sp(0, 60)}
	for i := 10; i < 15; i++ {
		want = append(want, sp(time.Duration(i)*time.Minute, 6))
	}
	if got := querySteps(t, s, tn, "cpu", t0, t0.Add(time.Hour), time.Minute, livedash.AggCount); !slices.Equal(got, want) {
		t.Errorf("10-minute buckets per minute: got %v, want %v", got, want)
	}
	want = []livedash.SeriesPoint{sp(0, 60), sp(10*time.Minute, 30)}
	if got := querySteps(t, s, tn, "cpu", t0, t0.Add(time.Hour), 10*time.Minute, livedash.AggCount); !slices.Equal(got, want) {
		t.Errorf("per 10 minutes: got %v, want %v", got, want)
	}
}

// BenchmarkQueryWeek measures the chart of a week: 7 days of 1-second points of one series,
// rolled up to 1-minute buckets but for the last hour, queried in 300 steps (2016s): 3,600 raw
// points and 10,020 rollups. PostgreSQL and MySQL run it too when configured.
func BenchmarkQueryWeek(b *testing.B) {
	benchStores(b, func(b *testing.B, s *Store) {
		tn := benchTenant(b, s)
		const week = 7 * 24 * 3600
		end := t0.Add(week * time.Second)
		start := time.Now()
		batch := make([]livedash.MetricPoint, 0, 20_000)
		for sec := range week {
			batch = append(batch, livedash.MetricPoint{Code: "cpu.usage", Time: t0.Add(time.Duration(sec) * time.Second), Value: float64(sec % 97)})
			if len(batch) == cap(batch) || sec == week-1 {
				if err := s.WritePoints(ctxT, tn, batch); err != nil {
					b.Fatal(err)
				}
				batch = batch[:0]
			}
		}
		wrote := time.Since(start)
		query := func(b *testing.B, agg string) {
			q := livedash.SeriesQuery{Code: "cpu.usage", From: t0, To: end, Agg: agg}
			for b.Loop() {
				got, err := s.QuerySeries(ctxT, tn, q)
				if err != nil {
					b.Fatal(err)
				}
				if len(got) < 300 || len(got) > 301 {
					b.Fatalf("%d points, want 300 or 301", len(got))
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/query")
		}
		b.Run("raw/avg", func(b *testing.B) { query(b, livedash.AggAvg) }) // before the rollup
		start = time.Now()
		n, err := s.Rollup(ctxT, end.Add(-time.Hour))
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("%s: wrote %d points in %s, rolled up %d in %s", s.Dialect(), week, wrote.Round(time.Millisecond), n, time.Since(start).Round(time.Millisecond))
		// What the server's autovacuum (PostgreSQL) and statistics (MySQL) do in time after a bulk
		// delete: without it the raw range scan wades through the dead index entries of the week.
		switch s.Dialect() {
		case Postgres:
			for _, table := range []string{"metric_points", "metric_rollups"} {
				if _, err := s.wdb.ExecContext(ctxT, "VACUUM ANALYZE "+table); err != nil {
					b.Fatal(err)
				}
			}
		case MySQL:
			if _, err := s.wdb.ExecContext(ctxT, "ANALYZE TABLE metric_points, metric_rollups"); err != nil {
				b.Fatal(err)
			}
		}
		for _, agg := range []string{livedash.AggAvg, livedash.AggMax, livedash.AggLast} {
			b.Run("rolled/"+agg, func(b *testing.B) { query(b, agg) })
		}
	})
}

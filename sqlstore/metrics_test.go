package sqlstore

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"livedash"
)

var t0 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// twelvePoints are cpu = i at t0 + 10s*i for i in 0..11, shuffled.
func twelvePoints(code string, labels map[string]string, scale float64) []livedash.MetricPoint {
	ps := make([]livedash.MetricPoint, 12)
	for i := range ps {
		ps[i] = livedash.MetricPoint{Code: code, Time: t0.Add(time.Duration(i) * 10 * time.Second), Value: float64(i) * scale, Labels: labels}
	}
	rand.Shuffle(len(ps), func(i, j int) { ps[i], ps[j] = ps[j], ps[i] })
	return ps
}

func sp(offset time.Duration, v float64) livedash.SeriesPoint {
	return livedash.SeriesPoint{Time: t0.Add(offset).UnixMilli(), Value: v}
}

func TestQuerySeries(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		tn := newTenant(t, s)
		ok(t, s.WritePoints(ctxT, tn, twelvePoints("cpu", nil, 1)))
		ok(t, s.WritePoints(ctxT, tn, twelvePoints("cpu", map[string]string{"host": "a"}, 100)))

		m, h := time.Minute, 30*time.Second
		tests := []struct {
			name     string
			from, to time.Duration // from t0
			step     time.Duration
			agg      string
			labels   map[string]string
			want     []livedash.SeriesPoint
		}{
			{"avg 1m", 0, 2 * m, m, livedash.AggAvg, nil, []livedash.SeriesPoint{sp(0, 2.5), sp(m, 8.5)}},
			{"default agg is avg", 0, 2 * m, m, "", nil, []livedash.SeriesPoint{sp(0, 2.5), sp(m, 8.5)}},
			{"min 1m", 0, 2 * m, m, livedash.AggMin, nil, []livedash.SeriesPoint{sp(0, 0), sp(m, 6)}},
			{"max 1m", 0, 2 * m, m, livedash.AggMax, nil, []livedash.SeriesPoint{sp(0, 5), sp(m, 11)}},
			{"last 1m", 0, 2 * m, m, livedash.AggLast, nil, []livedash.SeriesPoint{sp(0, 5), sp(m, 11)}},
			{"sum 1m", 0, 2 * m, m, livedash.AggSum, nil, []livedash.SeriesPoint{sp(0, 15), sp(m, 51)}},
			{"count 1m", 0, 2 * m, m, livedash.AggCount, nil, []livedash.SeriesPoint{sp(0, 6), sp(m, 6)}},
			{"avg 30s", 0, 2 * m, h, livedash.AggAvg, nil, []livedash.SeriesPoint{sp(0, 1), sp(h, 4), sp(2*h, 7), sp(3*h, 10)}},
			{"last 30s", 0, 2 * m, h, livedash.AggLast, nil, []livedash.SeriesPoint{sp(0, 2), sp(h, 5), sp(2*h, 8), sp(3*h, 11)}},
			{"raw 10s", 0, 2 * m, 10 * time.Second, livedash.AggMax, nil, func() []livedash.SeriesPoint {
				var out []livedash.SeriesPoint
				for i := range 12 {
					out = append(out, sp(time.Duration(i)*10*time.Second, float64(i)))
				}
				return out
			}()},
			{"one step for all", 0, 2 * m, 2 * m, livedash.AggAvg, nil, []livedash.SeriesPoint{sp(0, 5.5)}},
			// From mid-step: steps stay aligned to the epoch, the first one partial.
			{"unaligned from", 15 * time.Second, 2 * m, m, livedash.AggAvg, nil, []livedash.SeriesPoint{sp(0, 3.5), sp(m, 8.5)}},
			// To is exclusive.
			{"to exclusive", 0, 110 * time.Second, m, livedash.AggAvg, nil, []livedash.SeriesPoint{sp(0, 2.5), sp(m, 8)}},
			{"empty steps left out", -10 * m, 10 * m, 5 * m, livedash.AggCount, nil, []livedash.SeriesPoint{sp(0, 12)}},
			{"nothing in range", time.Hour, 2 * time.Hour, m, livedash.AggAvg, nil, []livedash.SeriesPoint{}},
			{"labelled series", 0, 2 * m, m, livedash.AggMax, map[string]string{"host": "a"}, []livedash.SeriesPoint{sp(0, 500), sp(m, 1100)}},
			{"unknown label set", 0, 2 * m, m, livedash.AggMax, map[string]string{"host": "b"}, []livedash.SeriesPoint{}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := s.QuerySeries(ctxT, tn, livedash.SeriesQuery{Code: "cpu", Labels: tt.labels,
					From: t0.Add(tt.from), To: t0.Add(tt.to), Step: tt.step, Agg: tt.agg})
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got, tt.want) {
					t.Errorf("got  %v\nwant %v", got, tt.want)
				}
			})
		}

		// Step 0 picks (To-From)/300: one hour gives 12s steps.
		got := must[[]livedash.SeriesPoint](t)(s.QuerySeries(ctxT, tn, livedash.SeriesQuery{Code: "cpu", From: t0, To: t0.Add(time.Hour), Agg: livedash.AggCount}))
		// Points at 0, 10, …, 110s: two fall in [0s, 12s) and in [60s, 72s).
		want := []livedash.SeriesPoint{sp(0, 2), sp(12*time.Second, 1), sp(24*time.Second, 1), sp(36*time.Second, 1), sp(48*time.Second, 1),
			sp(60*time.Second, 2), sp(72*time.Second, 1), sp(84*time.Second, 1), sp(96*time.Second, 1), sp(108*time.Second, 1)}
		if !slices.Equal(got, want) {
			t.Errorf("automatic step: got %v\nwant %v", got, want)
		}

		for _, q := range []livedash.SeriesQuery{
			{Code: "cpu", From: t0, To: t0},
			{Code: "cpu", From: t0.Add(time.Minute), To: t0},
			{Code: "cpu", To: t0},
			{Code: "cpu", From: t0, To: t0.Add(time.Hour), Agg: "median"},
			{Code: "cpu", From: t0, To: t0.Add(24 * time.Hour), Step: time.Second},
			{Code: "cpu", From: t0, To: t0.Add(time.Hour), Step: 1500 * time.Microsecond},
			{Code: "bad code!", From: t0, To: t0.Add(time.Hour)},
		} {
			_, err := s.QuerySeries(ctxT, tn, q)
			if livedash.ErrorCode(err) != livedash.EBadRequest {
				t.Errorf("QuerySeries(%+v): error %v, want bad_request", q, err)
			}
		}
	})
}

func TestWritePoints(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		tn := newTenant(t, s)
		q := func(labels map[string]string, agg string) []livedash.SeriesPoint {
			t.Helper()
			return must[[]livedash.SeriesPoint](t)(s.QuerySeries(ctxT, tn, livedash.SeriesQuery{Code: "temp", Labels: labels, From: t0, To: t0.Add(time.Hour), Step: time.Second, Agg: agg}))
		}
		// Duplicates within a batch: the last wins; across batches: the later batch wins.
		ok(t, s.WritePoints(ctxT, tn, []livedash.MetricPoint{
			{Code: "temp", Time: t0, Value: 1},
			{Code: "temp", Time: t0.Add(time.Second), Value: 2},
			{Code: "temp", Time: t0, Value: 3},
			{Code: "temp", Time: t0.Add(1500 * time.Microsecond), Value: -4.25}, // kept to the millisecond
		}))
		if got, want := q(nil, livedash.AggCount), []livedash.SeriesPoint{sp(0, 2), sp(time.Second, 1)}; !slices.Equal(got, want) {
			t.Errorf("counts %v, want %v", got, want)
		}
		if got, want := q(nil, livedash.AggLast), []livedash.SeriesPoint{sp(0, -4.25), sp(time.Second, 2)}; !slices.Equal(got, want) {
			t.Errorf("last %v, want %v", got, want)
		}
		ok(t, s.WritePoints(ctxT, tn, []livedash.MetricPoint{{Code: "temp", Time: t0.Add(time.Second), Value: 20}}))
		if got, want := q(nil, livedash.AggSum), []livedash.SeriesPoint{sp(0, -1.25), sp(time.Second, 20)}; !slices.Equal(got, want) {
			t.Errorf("sum after overwrite %v, want %v", got, want)
		}

		// Label sets are series of their own, whatever the order of the map.
		odd := map[string]string{"room": `kitchen, north`, "sensor": `a\b=c`}
		ok(t, s.WritePoints(ctxT, tn, []livedash.MetricPoint{
			{Code: "temp", Time: t0, Value: 10, Labels: map[string]string{"room": "hall"}},
			{Code: "temp", Time: t0, Value: 11, Labels: map[string]string{"room": "hall", "floor": "1"}},
			{Code: "temp", Time: t0, Value: 12, Labels: odd},
		}))
		if got := q(map[string]string{"room": "hall"}, livedash.AggAvg); !slices.Equal(got, []livedash.SeriesPoint{sp(0, 10)}) {
			t.Errorf("room=hall: %v", got)
		}
		if got := q(map[string]string{"floor": "1", "room": "hall"}, livedash.AggAvg); !slices.Equal(got, []livedash.SeriesPoint{sp(0, 11)}) {
			t.Errorf("floor=1,room=hall: %v", got)
		}
		if got := q(odd, livedash.AggAvg); !slices.Equal(got, []livedash.SeriesPoint{sp(0, 12)}) {
			t.Errorf("odd labels: %v", got)
		}
		series := must[[]map[string]string](t)(s.ListSeries(ctxT, tn, "temp"))
		if len(series) != 4 || len(series[0]) != 0 || series[1]["floor"] != "1" || series[2]["room"] != "hall" || series[3]["sensor"] != `a\b=c` || series[3]["room"] != "kitchen, north" {
			t.Errorf("ListSeries = %v", series)
		}

		// All or nothing: one bad point refuses the batch.
		for _, bad := range []livedash.MetricPoint{
			{Code: "temp", Time: t0.Add(time.Minute), Value: math.NaN()},
			{Code: "temp", Time: t0.Add(time.Minute), Value: math.Inf(1)},
			{Code: "", Time: t0.Add(time.Minute)},
			{Code: "temp", Time: t0.Add(time.Minute), Labels: map[string]string{"bad label": "x"}},
		} {
			err := s.WritePoints(ctxT, tn, []livedash.MetricPoint{{Code: "temp", Time: t0.Add(time.Minute), Value: 1}, bad})
			wantCode(t, err, livedash.EBadRequest)
		}
		if got := q(nil, livedash.AggCount); len(got) != 2 {
			t.Errorf("a refused batch wrote points: %v", got)
		}
		wantCode(t, s.WritePoints(ctxT, "no-such-tenant", []livedash.MetricPoint{{Code: "x", Time: t0, Value: 1}}), livedash.ENotFound)
		ok(t, s.WritePoints(ctxT, tn, nil))

		// A zero time is the time of writing.
		before := time.Now().Add(-time.Second)
		ok(t, s.WritePoints(ctxT, tn, []livedash.MetricPoint{{Code: "now", Value: 7}}))
		got := must[[]livedash.SeriesPoint](t)(s.QuerySeries(ctxT, tn, livedash.SeriesQuery{Code: "now", From: before, To: time.Now().Add(time.Second), Agg: livedash.AggLast}))
		if len(got) != 1 || got[0].Value != 7 {
			t.Errorf("point written now: %v", got)
		}

		// A batch larger than one statement, over many new series.
		var big []livedash.MetricPoint
		for i := range 2500 {
			big = append(big, livedash.MetricPoint{Code: "big", Time: t0.Add(time.Duration(i/50) * time.Second), Value: float64(i % 50),
				Labels: map[string]string{"n": string(rune('a' + i%50%26)), "m": string(rune('a' + i%50/26))}})
		}
		ok(t, s.WritePoints(ctxT, tn, big))
		if series := must[[]map[string]string](t)(s.ListSeries(ctxT, tn, "big")); len(series) != 50 {
			t.Errorf("big: %d series, want 50", len(series))
		}
		got = must[[]livedash.SeriesPoint](t)(s.QuerySeries(ctxT, tn, livedash.SeriesQuery{Code: "big", Labels: map[string]string{"n": "c", "m": "b"},
			From: t0, To: t0.Add(time.Hour), Step: time.Hour, Agg: livedash.AggCount}))
		if !slices.Equal(got, []livedash.SeriesPoint{sp(0, 50)}) {
			t.Errorf("big n=c,m=b: %v", got)
		}
	})
}

func TestMetricDefinitions(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		tn := newTenant(t, s)
		d := must[livedash.MetricDefinition](t)(s.DefineMetric(ctxT, tn, livedash.MetricDefinition{Code: "cpu.usage", Name: "CPU usage", Unit: "percent"}))
		if d.Tenant != tn {
			t.Errorf("defined %+v", d)
		}
		if got := must[livedash.MetricDefinition](t)(s.MetricDefinition(ctxT, tn, "cpu.usage")); got != d {
			t.Errorf("MetricDefinition = %+v, want %+v", got, d)
		}
		d.Name = "CPU"
		must[livedash.MetricDefinition](t)(s.DefineMetric(ctxT, tn, d))
		if got := must[livedash.MetricDefinition](t)(s.MetricDefinition(ctxT, tn, "cpu.usage")); got.Name != "CPU" || got.Unit != "percent" {
			t.Errorf("redefined: %+v", got)
		}
		_, err := s.DefineMetric(ctxT, tn, livedash.MetricDefinition{Code: "bad code"})
		wantCode(t, err, livedash.EBadRequest)
		_, err = s.DefineMetric(ctxT, "no-such-tenant", livedash.MetricDefinition{Code: "x"})
		wantCode(t, err, livedash.ENotFound)
		_, err = s.MetricDefinition(ctxT, tn, "nope")
		wantCode(t, err, livedash.ENotFound)

		// Writing an undefined code defines it; an existing definition is kept.
		ok(t, s.WritePoints(ctxT, tn, []livedash.MetricPoint{{Code: "disk.free", Time: t0, Value: 1}, {Code: "cpu.usage", Time: t0, Value: 2}}))
		if got := must[livedash.MetricDefinition](t)(s.MetricDefinition(ctxT, tn, "disk.free")); got.Name != "disk.free" || got.Unit != "" {
			t.Errorf("auto-defined %+v", got)
		}
		if got := must[livedash.MetricDefinition](t)(s.MetricDefinition(ctxT, tn, "cpu.usage")); got.Name != "CPU" {
			t.Errorf("write replaced a definition: %+v", got)
		}
		defs := must[livedash.Page[livedash.MetricDefinition]](t)(s.ListMetricDefinitions(ctxT, tn, livedash.ListOptions{}))
		if len(defs.Items) != 2 || defs.Items[0].Code != "cpu.usage" || defs.Items[1].Code != "disk.free" || defs.NextCursor != "" {
			t.Errorf("ListMetricDefinitions = %+v", defs)
		}

		// Deleting a definition deletes its points and series; writing again starts afresh.
		ok(t, s.DeleteMetricDefinition(ctxT, tn, "disk.free"))
		wantCode(t, s.DeleteMetricDefinition(ctxT, tn, "disk.free"), livedash.ENotFound)
		q := livedash.SeriesQuery{Code: "disk.free", From: t0, To: t0.Add(time.Minute), Agg: livedash.AggCount}
		if got := must[[]livedash.SeriesPoint](t)(s.QuerySeries(ctxT, tn, q)); len(got) != 0 {
			t.Errorf("points after delete: %v", got)
		}
		if got := must[[]map[string]string](t)(s.ListSeries(ctxT, tn, "disk.free")); len(got) != 0 {
			t.Errorf("series after delete: %v", got)
		}
		ok(t, s.WritePoints(ctxT, tn, []livedash.MetricPoint{{Code: "disk.free", Time: t0, Value: 5}}))
		must[livedash.MetricDefinition](t)(s.MetricDefinition(ctxT, tn, "disk.free"))
		if got := must[[]livedash.SeriesPoint](t)(s.QuerySeries(ctxT, tn, q)); !slices.Equal(got, []livedash.SeriesPoint{{Time: t0.UnixMilli(), Value: 1}}) {
			t.Errorf("points after rewrite: %v", got)
		}
	})
}

func TestRetention(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		a, b := newTenant(t, s), newTenant(t, s)
		for _, tn := range []string{a, b} {
			ok(t, s.WritePoints(ctxT, tn, twelvePoints("cpu", nil, 1)))
			ok(t, s.WritePoints(ctxT, tn, twelvePoints("cpu", map[string]string{"core": "0"}, 1)))
		}
		count := func(tn string, labels map[string]string) float64 {
			got := must[[]livedash.SeriesPoint](t)(s.QuerySeries(ctxT, tn, livedash.SeriesQuery{Code: "cpu", Labels: labels, From: t0.Add(-time.Hour), To: t0.Add(time.Hour), Step: 2 * time.Hour, Agg: livedash.AggCount}))
			if len(got) == 0 {
				return 0
			}
			return got[0].Value
		}
		// Tenant a only: points before t0+60s go (6 per series).
		if n := must[int64](t)(s.DeletePointsBefore(ctxT, a, t0.Add(time.Minute))); n != 12 {
			t.Errorf("deleted %d, want 12", n)
		}
		if c := count(a, nil); c != 6 {
			t.Errorf("a keeps %v points, want 6", c)
		}
		if c := count(a, map[string]string{"core": "0"}); c != 6 {
			t.Errorf("a{core=0} keeps %v points, want 6", c)
		}
		if c := count(b, nil); c != 12 {
			t.Errorf("b keeps %v points, want 12", c)
		}
		// Every tenant.
		if n := must[int64](t)(s.DeletePointsBefore(ctxT, "", t0.Add(100*time.Second))); n < 8+20 {
			t.Errorf("deleted %d, want at least 28", n)
		}
		if c := count(a, nil); c != 2 {
			t.Errorf("a keeps %v points, want 2", c)
		}
		if c := count(b, map[string]string{"core": "0"}); c != 2 {
			t.Errorf("b{core=0} keeps %v points, want 2", c)
		}
		if n := must[int64](t)(s.DeletePointsBefore(ctxT, "no-such-tenant", t0.Add(time.Hour))); n != 0 {
			t.Errorf("deleted %d for an unknown tenant", n)
		}
	})
}

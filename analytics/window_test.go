package analytics

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"livedash"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// t0 is aligned to every bucket width (1 s, 5 s, 15 s).
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func pt(code string, t time.Time, v float64, labels map[string]string) livedash.MetricPoint {
	return livedash.MetricPoint{Code: code, Time: t, Value: v, Labels: labels}
}

func summary(t *testing.T, e *Engine, code string, labels map[string]string) Summary {
	t.Helper()
	s, ok := e.Summary("t1", code, labels)
	if !ok {
		t.Fatalf("no summary for %s %v", code, labels)
	}
	return s
}

func checkStats(t *testing.T, got WindowStats, count int, lo, hi, mean, rate, p95 float64) {
	t.Helper()
	if got.Count != count || got.Min != lo || got.Max != hi || !approx(got.Mean, mean, 1e-12) || !approx(got.RatePerSec, rate, 1e-9) {
		t.Errorf("%v window: got count %d min %v max %v mean %v rate %v; want %d %v %v %v %v",
			got.Window, got.Count, got.Min, got.Max, got.Mean, got.RatePerSec, count, lo, hi, mean, rate)
	}
	if !approx(got.P95, p95, relAccuracy) {
		t.Errorf("%v window: p95 %v, want %v within 1%%", got.Window, got.P95, p95)
	}
}

func approx(a, b, rel float64) bool { return math.Abs(a-b) <= rel*math.Max(1, math.Abs(b)) }

// exactP95 is the nearest-rank 95th percentile.
func exactP95(vs []float64) float64 {
	s := slices.Clone(vs)
	slices.Sort(s)
	return s[int(math.Ceil(0.95*float64(len(s))))-1]
}

func TestWindowStatsExact(t *testing.T) {
	clk := &clock{t: t0}
	e := New(Config{Now: clk.Now})
	lab := map[string]string{"host": "a"}
	var pts []livedash.MetricPoint
	for i := 1; i <= 60; i++ { // value i at t0 + (i-1) s
		pts = append(pts, pt("m", t0.Add(time.Duration(i-1)*time.Second), float64(i), lab))
	}
	clk.Set(t0.Add(59500 * time.Millisecond))
	e.Observe("t1", pts)

	s := summary(t, e, "m", lab)
	if s.Code != "m" || s.Labels["host"] != "a" || len(s.Windows) != 3 {
		t.Fatalf("summary %+v", s)
	}
	for i, w := range []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute} {
		if s.Windows[i].Window != w {
			t.Errorf("window %d is %v, want %v", i, s.Windows[i].Window, w)
		}
		checkStats(t, s.Windows[i], 60, 1, 60, 30.5, 1, 57)
	}

	// 30 s later the 1 m window has dropped the first 30 points (values 1..30)
	clk.Set(t0.Add(89500 * time.Millisecond))
	s = summary(t, e, "m", lab)
	checkStats(t, s.Windows[0], 30, 31, 60, 45.5, 1, 59)
	checkStats(t, s.Windows[1], 60, 1, 60, 30.5, 1, 57)

	// at 5m02s the 5 m window (5 s buckets) holds the buckets from t0+5s: values 6..60
	clk.Set(t0.Add(5*time.Minute + 2*time.Second))
	s = summary(t, e, "m", lab)
	if s.Windows[0].Count != 0 || s.Windows[0].Min != 0 || s.Windows[0].P95 != 0 {
		t.Errorf("1 m window not empty: %+v", s.Windows[0])
	}
	checkStats(t, s.Windows[1], 55, 6, 60, 33, 1, exactP95(seq(6, 60)))
	checkStats(t, s.Windows[2], 60, 1, 60, 30.5, 1, 57)

	clk.Set(t0.Add(16 * time.Minute))
	s = summary(t, e, "m", lab)
	for _, w := range s.Windows {
		if w.Count != 0 {
			t.Errorf("%v window still holds %d points", w.Window, w.Count)
		}
	}
}

func seq(from, to int) []float64 {
	var s []float64
	for i := from; i <= to; i++ {
		s = append(s, float64(i))
	}
	return s
}

func TestRateOfChange(t *testing.T) {
	clk := &clock{t: t0.Add(time.Minute)}
	e := New(Config{Now: clk.Now})
	var pts []livedash.MetricPoint
	// v = 5 - 2.5 t at irregular times, several points per bucket
	for ms := 0; ms < 59000; ms += 700 {
		s := float64(ms) / 1000
		pts = append(pts, pt("down", t0.Add(time.Duration(ms)*time.Millisecond), 5-2.5*s, nil))
	}
	e.Observe("t1", pts)
	for _, w := range summary(t, e, "down", nil).Windows {
		if !approx(w.RatePerSec, -2.5, 1e-9) {
			t.Errorf("%v: rate %v, want -2.5", w.Window, w.RatePerSec)
		}
	}
	// a single point, or several at one instant, has no rate
	ts := t0.Add(30 * time.Second)
	e.Observe("t1", []livedash.MetricPoint{pt("flat", ts, 1, nil), pt("flat", ts, 3, nil)})
	if w := summary(t, e, "flat", nil).Windows[0]; w.RatePerSec != 0 || w.Count != 2 || w.Mean != 2 {
		t.Errorf("flat: %+v", w)
	}
}

func TestP95ErrorBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for name, gen := range map[string]func() float64{
		"lognormal": func() float64 { return math.Exp(rng.NormFloat64()*2 + 3) },
		"uniform":   func() float64 { return rng.Float64() * 10000 },
		"mixed sign": func() float64 {
			return rng.NormFloat64() * 50
		},
		"mostly zero": func() float64 {
			if rng.IntN(10) < 9 {
				return 0
			}
			return rng.Float64()
		},
	} {
		for _, perSec := range []int{1, 50, 2000} { // 2000/s puts up to 2000 points in one bucket
			clk := &clock{t: t0.Add(59 * time.Second)}
			e := New(Config{Now: clk.Now, Windows: []time.Duration{time.Minute}})
			var vals []float64
			var pts []livedash.MetricPoint
			for i := 0; i < 59*perSec; i++ {
				v := gen()
				vals = append(vals, v)
				pts = append(pts, pt("m", t0.Add(time.Duration(i)*time.Second/time.Duration(perSec)), v, nil))
			}
			e.Observe("t1", pts)
			w := summary(t, e, "m", nil).Windows[0]
			want := exactP95(vals)
			if math.Abs(w.P95-want) > w.P95RelError*math.Abs(want)+1e-12 || w.P95RelError > 0.081 {
				t.Errorf("%s at %d/s: p95 %v, exact %v (error %.3f%%, bound %.1f%%)", name, perSec, w.P95, want,
					100*math.Abs(w.P95-want)/math.Abs(want), 100*w.P95RelError)
			}
			t.Logf("%s at %d/s: p95 error %.3f%%, bound %.1f%%", name, perSec, 100*math.Abs(w.P95-want)/math.Abs(want), 100*w.P95RelError)
			if w.Count != len(vals) {
				t.Errorf("%s: count %d, want %d", name, w.Count, len(vals))
			}
		}
	}
}

func TestMemoryBoundedUnderHighRate(t *testing.T) {
	clk := &clock{t: t0.Add(time.Second)}
	e := New(Config{Now: clk.Now})
	rng := rand.New(rand.NewPCG(3, 4))
	pts := make([]livedash.MetricPoint, 100_000) // 100,000 distinct values in one second
	for i := range pts {
		pts[i] = pt("m", t0.Add(time.Duration(i)*10*time.Microsecond), math.Exp(rng.Float64()*40-20), nil)
	}
	e.Observe("t1", pts)
	s := e.series[string(e.appendKey("t1", "m", nil))]
	for _, w := range s.windows {
		for _, b := range w.buckets {
			if len(b.hist) > maxBins {
				t.Fatalf("bucket holds %d bins, cap %d", len(b.hist), maxBins)
			}
		}
	}
	vals := make([]float64, len(pts))
	for i, p := range pts {
		vals[i] = p.Value
	}
	w := summary(t, e, "m", nil).Windows[0]
	want := exactP95(vals)
	if math.Abs(w.P95-want) > w.P95RelError*want {
		t.Errorf("p95 %v, exact %v, bound %v", w.P95, want, w.P95RelError)
	}
	if w.P95RelError > 0.2 {
		t.Errorf("bound %v for values spanning e^40 in one bucket", w.P95RelError)
	}
	t.Logf("values spanning e^40 in one bucket: p95 error %.2f%%, bound %.1f%%", 100*math.Abs(w.P95-want)/want, 100*w.P95RelError)
}

func TestOldAndFuturePoints(t *testing.T) {
	clk := &clock{t: t0.Add(10 * time.Minute)}
	e := New(Config{Now: clk.Now})
	e.Observe("t1", []livedash.MetricPoint{
		pt("m", t0.Add(10*time.Minute-2*time.Minute), 7, nil), // older than 1 m, inside 5 m
		pt("m", t0.Add(time.Hour), 9, nil),                    // from the future: taken as now
		pt("m", time.Time{}, 11, nil),                         // no time: now
		pt("m", t0, math.NaN(), nil),                          // ignored
		pt("", t0, 1, nil),                                    // ignored
	})
	s := summary(t, e, "m", nil)
	checkStats(t, s.Windows[0], 2, 9, 11, 10, 0, 11)
	checkStats(t, s.Windows[1], 3, 7, 11, 9, s.Windows[1].RatePerSec, 11)
	if s.Windows[1].RatePerSec <= 0 {
		t.Errorf("rate %v, want > 0", s.Windows[1].RatePerSec)
	}
}

func TestBinMapping(t *testing.T) {
	for _, v := range []float64{1e-9, 0.001, 0.5, 1, 1.01, 2, 99.5, 100, 12345.678, 1e12, -3, -1e6} {
		got := binValue(binKey(v), 0)
		if math.Abs(got-v) > relAccuracy*math.Abs(v) {
			t.Errorf("bin of %v reports %v", v, got)
		}
	}
	for _, v := range []float64{3, 1e-5, -7, 1234} {
		for s := uint8(1); s < 5; s++ {
			if got := binValue(coarsen(binKey(v), s), s); math.Abs(got-v) > relError(s)*math.Abs(v) {
				t.Errorf("level %d bin of %v reports %v (bound %v)", s, v, got, relError(s))
			}
		}
	}
	if binKey(0) != 0 || binKey(1e-15) != 0 {
		t.Error("tiny values are not in the zero bin")
	}
	prev := binKey(-1e9)
	for _, v := range []float64{-1e3, -1, -1e-3, 0, 1e-3, 1, 1e3, 1e9} {
		k := binKey(v)
		if k <= prev {
			t.Errorf("binKey(%v) = %d not above %d", v, k, prev)
		}
		prev = k
	}
}

func TestSelectRank(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := 0; trial < 200; trial++ {
		n := 1 + rng.IntN(300)
		h := make([]binCount, n)
		var expanded []int32
		for i := range h {
			h[i] = binCount{key: int32(rng.IntN(50) - 25), n: uint32(1 + rng.IntN(5))}
			for j := uint32(0); j < h[i].n; j++ {
				expanded = append(expanded, h[i].key)
			}
		}
		slices.Sort(expanded)
		rank := 1 + rng.IntN(len(expanded))
		if got := selectRank(slices.Clone(h), uint64(rank)); got != expanded[rank-1] {
			t.Fatalf("selectRank(rank %d) = %d, want %d", rank, got, expanded[rank-1])
		}
	}
}

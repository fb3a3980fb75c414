package service

import (
	"math"
	"testing"
	"time"

	"livedash"
	"livedash/analytics"
)

// leastSquares is the slope, per second, of the line through (i seconds, ys[i]).
func leastSquares(ys []float64) float64 {
	n := float64(len(ys))
	var st, sv, stt, stv float64
	for i, y := range ys {
		x := float64(i)
		st, sv, stt, stv = st+x, sv+y, stt+x*x, stv+x*y
	}
	return (stv - st*sv/n) / (stt - st*st/n)
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func TestIngestFeedsAnalyticsAndPublishesInsights(t *testing.T) {
	e := newEnv(t)
	eng := analytics.New(analytics.Config{Now: e.clock.Now, MinSamples: 10, Sustain: 5 * time.Second})
	svc := New(Config{Store: e.store, Publisher: e.pub, Now: e.clock.Now, Analytics: eng})
	core1 := map[string]string{"core": "1"}

	// One point per second, one batch per point: cpu steps from 10 to 50 at point 20; cpu{core=1}
	// stays flat. The step is out of band from point 20 and has lasted Sustain (5 s) at point 25.
	const n, step = 40, 20
	var values []float64
	var insights []published
	for i := range n {
		at := time.Duration(i) * time.Second
		e.clock.Set(t0.Add(at))
		v := 10.0
		if i >= step {
			v = 50
		}
		values = append(values, v)
		p := pt("cpu", at, v)
		lp := livedash.MetricPoint{Code: "cpu", Time: t0.Add(at), Value: 5, Labels: core1}
		if _, err := svc.Ingest(ctxT, tenantA, []livedash.MetricPoint{p, lp}); err != nil {
			t.Fatal(err)
		}
		evs := e.pub.take()
		for j, ev := range evs {
			if ev.Event != EventInsight {
				continue
			}
			if ev.Channel != "metrics.acme" {
				t.Errorf("insight on %s", ev.Channel)
			}
			if j == 0 || evs[j-1].Event != EventMetricUpdate {
				t.Errorf("insight not after the batch's metric_update: %v", evs)
			}
			if i != step+5 {
				t.Errorf("insight at point %d, want %d", i, step+5)
			}
			insights = append(insights, ev)
		}
	}
	if len(insights) != 1 {
		t.Fatalf("%d insight events, want exactly 1: %v", len(insights), insights)
	}
	in := decode[analytics.Insight](t, insights[0])
	if in.Tenant != tenantA || in.Code != "cpu" || len(in.Labels) != 0 || in.Kind != analytics.KindSustainedHigh ||
		in.Severity != analytics.SeverityCritical || in.ID == "" || !in.Time.Equal(t0.Add((step+5)*time.Second)) ||
		!near(in.Value, 50) || !near(in.Baseline, 10) || in.Message == "" {
		t.Errorf("insight %+v", in)
	}

	// Insights: any role of the tenant, newest first; another tenant sees none.
	for _, p := range []livedash.Principal{e.viewer, e.editor, e.admin} {
		list, err := svc.Insights(ctxT, p, 10)
		if err != nil || len(list) != 1 || list[0].ID != in.ID || list[0].Message != in.Message {
			t.Fatalf("Insights as %v = %+v, %v", p.Roles, list, err)
		}
	}
	if list, err := svc.Insights(ctxT, e.outsider, 10); err != nil || list == nil || len(list) != 0 {
		t.Fatalf("Insights of another tenant = %+v, %v", list, err)
	}
	_, err := svc.Insights(ctxT, e.norole, 10)
	wantCode(t, err, livedash.EForbidden)
	_, err = svc.Insights(ctxT, livedash.Principal{}, 10)
	wantCode(t, err, livedash.EUnauthenticated)

	// MetricSummary: every series of the code, or one; the 1 m window holds all 40 points.
	sums, err := svc.MetricSummary(ctxT, e.viewer, "cpu", nil)
	if err != nil || len(sums) != 2 {
		t.Fatalf("MetricSummary(all) = %+v, %v", sums, err)
	}
	if len(sums[0].Labels) != 0 || sums[1].Labels["core"] != "1" {
		t.Fatalf("series order %+v", sums)
	}
	main := sums[0]
	if len(main.Windows) != 3 || main.Windows[0].Window != time.Minute || main.Windows[2].Window != 15*time.Minute {
		t.Fatalf("windows %+v", main.Windows)
	}
	for _, w := range main.Windows {
		if w.Count != n || w.Min != 10 || w.Max != 50 || !near(w.Mean, 30) ||
			math.Abs(w.P95-50) > 50*w.P95RelError || !near(w.P95RelError, 0.01) || !near(w.RatePerSec, leastSquares(values)) {
			t.Errorf("window %v: %+v (rate want %v)", w.Window, w, leastSquares(values))
		}
	}
	one, err := svc.MetricSummary(ctxT, e.viewer, "cpu", core1)
	if err != nil || len(one) != 1 || one[0].Labels["core"] != "1" {
		t.Fatalf("MetricSummary(core=1) = %+v, %v", one, err)
	}
	if w := one[0].Windows[0]; w.Count != n || w.Min != 5 || w.Max != 5 || w.Mean != 5 || w.RatePerSec != 0 {
		t.Errorf("core=1 window %+v", w)
	}
	if one, err := svc.MetricSummary(ctxT, e.viewer, "cpu", map[string]string{}); err != nil || len(one) != 1 || one[0].Windows[0].Max != 50 {
		t.Fatalf("MetricSummary(main series) = %+v, %v", one, err)
	}

	_, err = svc.MetricSummary(ctxT, e.viewer, "cpu", map[string]string{"core": "9"})
	wantCode(t, err, livedash.ENotFound)
	_, err = svc.MetricSummary(ctxT, e.viewer, "mem", nil)
	wantCode(t, err, livedash.ENotFound)
	_, err = svc.MetricSummary(ctxT, e.outsider, "cpu", nil) // another tenant's series of the same code
	wantCode(t, err, livedash.ENotFound)
	_, err = svc.MetricSummary(ctxT, e.norole, "cpu", nil)
	wantCode(t, err, livedash.EForbidden)
	_, err = svc.MetricSummary(ctxT, e.viewer, "bad code", nil)
	wantCode(t, err, livedash.EBadRequest)
	_, err = svc.MetricSummary(ctxT, e.viewer, "cpu", map[string]string{"bad name": "x"})
	wantCode(t, err, livedash.EBadRequest)

	// A failed write feeds nothing to the engine.
	if _, err := svc.Ingest(ctxT, tenantA, []livedash.MetricPoint{pt("cpu", 40*time.Second, 1), {Code: "bad code"}}); err == nil {
		t.Fatal("bad batch accepted")
	}
	if sums, _ := svc.MetricSummary(ctxT, e.viewer, "cpu", map[string]string{}); sums[0].Windows[0].Min != 10 {
		t.Errorf("a refused batch reached the engine: %+v", sums[0].Windows[0])
	}
	if evs := e.pub.take(); len(evs) != 0 {
		t.Errorf("a refused batch published %v", evs)
	}
}

func TestWithoutAnalyticsIngestPublishesNoInsight(t *testing.T) {
	e := newEnv(t)
	for i := range 100 {
		v := 10.0
		if i >= 50 {
			v = 1000
		}
		e.clock.Set(t0.Add(time.Duration(i) * time.Second))
		e.ingest(pt("cpu", time.Duration(i)*time.Second, v))
	}
	for _, ev := range e.pub.take() {
		if ev.Event == EventInsight {
			t.Fatalf("insight published with analytics off: %s", ev.Data)
		}
	}
	if list, err := e.svc.Insights(ctxT, e.viewer, 0); err != nil || list == nil || len(list) != 0 {
		t.Fatalf("Insights = %+v, %v", list, err)
	}
}

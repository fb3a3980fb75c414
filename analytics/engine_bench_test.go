package analytics

import (
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"livedash"
)

// benchHosts builds one batch per host as the collector sends them: codes × perCode series
// (label sets) per host, one point per series. Values are drawn around 50 ± 10.
func benchHosts(hosts, codes, perCode int) [][]livedash.MetricPoint {
	rng := rand.New(rand.NewPCG(1, 1))
	out := make([][]livedash.MetricPoint, hosts)
	for h := range out {
		for c := 0; c < codes; c++ {
			for i := 0; i < perCode; i++ {
				out[h] = append(out[h], livedash.MetricPoint{
					Code:   fmt.Sprintf("host.metric.%d", c),
					Value:  50 + 10*rng.NormFloat64(),
					Labels: map[string]string{"host": fmt.Sprintf("host-%d", h), "iface": fmt.Sprintf("eth%d", i)},
				})
			}
		}
	}
	return out
}

// BenchmarkObserve feeds 1,000 series (10 hosts × 25 codes × 4 label sets), one batch per host
// and one point per series per simulated second, so windows roll and buckets are reused as in
// production. It reports the cost per point: 10,000 points/s needs 100,000 ns/point or less.
func BenchmarkObserve(b *testing.B) {
	hosts := benchHosts(10, 25, 4)
	clk := &clock{}
	e := New(Config{Now: clk.Now})
	b.ReportAllocs()
	n := 0
	for i := 0; b.Loop(); i++ {
		bt := hosts[i%len(hosts)]
		ts := t0.Add(time.Duration(i/len(hosts)) * time.Second)
		for j := range bt {
			bt[j].Time = ts
			bt[j].Value += float64(j%3) - 1
		}
		clk.Set(ts)
		e.Observe("bench", bt)
		n += len(bt)
	}
	perPoint := float64(b.Elapsed().Nanoseconds()) / float64(n)
	b.ReportMetric(perPoint, "ns/point")
	b.ReportMetric(1e9/perPoint, "points/s")
}

// BenchmarkObserveParallel runs the same load from several goroutines (tenants) at once.
func BenchmarkObserveParallel(b *testing.B) {
	e := New(Config{})
	b.ReportAllocs()
	var tenant atomic.Int32
	b.RunParallel(func(pb *testing.PB) {
		name := fmt.Sprintf("t%d", tenant.Add(1))
		hosts := benchHosts(10, 25, 4)
		for i := 0; pb.Next(); i++ {
			e.Observe(name, hosts[i%len(hosts)])
		}
	})
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*100), "ns/point")
}

// BenchmarkSummary is one Summary of a full 15 m series.
func BenchmarkSummary(b *testing.B) {
	clk := &clock{}
	e := New(Config{Now: clk.Now})
	lab := map[string]string{"host": "a"}
	for s := 0; s < 900; s++ {
		ts := t0.Add(time.Duration(s) * time.Second)
		clk.Set(ts)
		e.Observe("t", []livedash.MetricPoint{{Code: "m", Time: ts, Value: float64(s % 97), Labels: lab}})
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := e.Summary("t", "m", lab); !ok {
			b.Fatal("no summary")
		}
	}
}

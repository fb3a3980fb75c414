package sqlstore

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"livedash"
)

// benchStores returns a fresh SQLite store, and the PostgreSQL and MySQL suite stores when they
// are configured.
func benchStores(b *testing.B, fn func(b *testing.B, s *Store)) {
	b.Run(SQLite, func(b *testing.B) {
		s, err := Open(context.Background(), "", b.TempDir(), testOptions...)
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		fn(b, s)
	})
	for _, be := range backends[1:] {
		b.Run(be.name, func(b *testing.B) {
			if os.Getenv(be.env) == "" {
				b.Skipf("set %s to benchmark %s", be.env, be.name)
			}
			be.once.Do(func() { be.store, be.cleanup, be.err = openTestStore(be.name, os.Getenv(be.env)) })
			if be.err != nil {
				b.Fatal(be.err)
			}
			fn(b, be.store)
		})
	}
}

func benchTenant(b *testing.B, s *Store) string {
	tn, err := s.CreateTenant(ctxT, livedash.Tenant{ID: "bench-" + randomHex(6), Name: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	return tn.ID
}

// BenchmarkWritePoints measures batched ingest: each batch spreads its points over 10 series
// (host=h0..h9), one point per second per series, later batches later in time.
func BenchmarkWritePoints(b *testing.B) {
	const series = 10
	for _, batch := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			benchStores(b, func(b *testing.B, s *Store) {
				tn := benchTenant(b, s)
				pts := make([]livedash.MetricPoint, batch)
				for i := range pts {
					pts[i] = livedash.MetricPoint{Code: "cpu.usage", Value: float64(i % 100), Labels: map[string]string{"host": fmt.Sprint("h", i%series)}}
				}
				perSeries := batch / series
				iter := 0
				for b.Loop() {
					base := t0.Add(time.Duration(iter*perSeries) * time.Second)
					for i := range pts {
						pts[i].Time = base.Add(time.Duration(i/series) * time.Second)
					}
					if err := s.WritePoints(ctxT, tn, pts); err != nil {
						b.Fatal(err)
					}
					iter++
				}
				b.ReportMetric(float64(iter*batch)/b.Elapsed().Seconds(), "points/s")
			})
		})
	}
}

// BenchmarkQuerySeries measures the chart query: one hour of 1-second points of one series (among
// 10 such series) downsampled to 300 steps of 12s.
func BenchmarkQuerySeries(b *testing.B) {
	benchStores(b, func(b *testing.B, s *Store) {
		tn := benchTenant(b, s)
		var pts []livedash.MetricPoint
		for sec := range 3600 {
			for h := range 10 {
				pts = append(pts, livedash.MetricPoint{Code: "cpu.usage", Time: t0.Add(time.Duration(sec) * time.Second), Value: float64((sec * (h + 1)) % 97),
					Labels: map[string]string{"host": fmt.Sprint("h", h)}})
			}
		}
		if err := s.WritePoints(ctxT, tn, pts); err != nil {
			b.Fatal(err)
		}
		for _, agg := range []string{livedash.AggAvg, livedash.AggMax, livedash.AggLast} {
			b.Run(agg, func(b *testing.B) {
				q := livedash.SeriesQuery{Code: "cpu.usage", Labels: map[string]string{"host": "h3"}, From: t0, To: t0.Add(time.Hour), Step: 12 * time.Second, Agg: agg}
				for b.Loop() {
					got, err := s.QuerySeries(ctxT, tn, q)
					if err != nil {
						b.Fatal(err)
					}
					if len(got) != 300 {
						b.Fatalf("%d points, want 300", len(got))
					}
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/query")
			})
		}
	})
}

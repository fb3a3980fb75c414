package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"livedash"
	"livedash/config"
)

// benchServer starts the wired server in-process (SQLite in a temp dir, collector off).
func benchServer(b *testing.B) *server {
	b.Helper()
	getenv := func(k string) string {
		return map[string]string{
			"LIVEDASH_ADDR": "127.0.0.1:0", "LIVEDASH_DATA_DIR": b.TempDir(), "LIVEDASH_API_KEY": testKey,
			"LIVEDASH_COLLECTOR_ENABLED": "false", "LIVEDASH_MAX_CONNECTIONS_PER_IP": "0", "LIVEDASH_MAX_CONNECTIONS_PER_USER": "0",
		}[k]
	}
	cfg, err := config.Load(nil, nil, getenv)
	if err != nil {
		b.Fatal(err)
	}
	s, err := newServer(context.Background(), cfg, slog.New(slog.DiscardHandler), io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.run(ctx, nil) }()
	b.Cleanup(func() { cancel(); <-done })
	return s
}

func ingestBody(batch, round int, start time.Time) []byte {
	type pt struct {
		Code  string  `json:"code"`
		Value float64 `json:"value"`
		TS    int64   `json:"ts"`
	}
	pts := make([]pt, batch)
	for i := range pts {
		// 10 codes, one point per code per millisecond step: every point is a new sample.
		pts[i] = pt{Code: "bench.m" + strconv.Itoa(i%10), Value: float64(i), TS: start.Add(time.Duration(round*batch+i) * time.Millisecond).UnixMilli()}
	}
	b, _ := json.Marshal(map[string]any{"points": pts})
	return b
}

func postIngest(b *testing.B, base string, body []byte) {
	req, _ := http.NewRequest("POST", base+"/api/v1/metrics", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-API-Key", testKey)
	req.Header.Set("X-Livedash-Tenant", "default")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Fatalf("ingest: %d", resp.StatusCode)
	}
}

// BenchmarkIngestAPI is batched metric ingest end to end: HTTP request, JSON decode, SQLite write,
// one metric_update per code. With subscribers on metrics.{tenant} the request must cost the same:
// fan-out happens after it, in the hub's dispatchers and writers. The paced cases compare the
// request's own latency with 0 and 1,000 subscribers.
func BenchmarkIngestAPI(b *testing.B) {
	for _, tc := range []struct {
		batch, subs int
		pace        time.Duration
	}{{1000, 0, 0}, {5000, 0, 0}, {10, 0, 100 * time.Millisecond}, {10, 1000, 100 * time.Millisecond}} {
		name := fmt.Sprintf("batch=%d/subscribers=%d", tc.batch, tc.subs)
		if tc.pace > 0 {
			name += "/paced"
		}
		b.Run(name, func(b *testing.B) {
			s := benchServer(b)
			base := s.baseURL()
			for i := range tc.subs {
				tok, _ := s.minter.Mint(principalFor("sub"+strconv.Itoa(i), "default"), time.Hour)
				rawSubscriber(b, "ws"+base[len("http"):]+"/ws?token="+tok)
			}
			start := time.Now().Add(-time.Hour)
			bodies := make([][]byte, 16)
			round := 0
			b.ResetTimer()
			for b.Loop() {
				b.StopTimer()
				if bodies[round%16] == nil || round >= 16 {
					bodies[round%16] = ingestBody(tc.batch, round, start)
				}
				body := bodies[round%16]
				round++
				// Paced runs leave time for the fan-out between requests (untimed), so they
				// measure the request alone: it must not grow with the subscribers.
				time.Sleep(tc.pace)
				b.StartTimer()
				postIngest(b, base, body)
			}
			b.ReportMetric(float64(b.N*tc.batch)/b.Elapsed().Seconds(), "points/s")
		})
	}
}

// BenchmarkSeriesAPI is the chart query through the API: one hour of 1-second points of one
// series, downsampled to 300 points.
func BenchmarkSeriesAPI(b *testing.B) {
	s := benchServer(b)
	base := s.baseURL()
	end := time.Now().Truncate(12 * time.Second) // buckets align to the step
	start := end.Add(-time.Hour)
	type pt struct {
		Code  string  `json:"code"`
		Value float64 `json:"value"`
		TS    int64   `json:"ts"`
	}
	for off := 0; off < 3600; off += 900 {
		pts := make([]pt, 900)
		for i := range pts {
			pts[i] = pt{Code: "bench.cpu", Value: float64((off + i) % 100), TS: start.Add(time.Duration(off+i) * time.Second).UnixMilli()}
		}
		body, _ := json.Marshal(map[string]any{"points": pts})
		postIngest(b, base, body)
	}
	q := url.Values{"from": {strconv.FormatInt(start.UnixMilli(), 10)}, "to": {strconv.FormatInt(end.UnixMilli(), 10)}, "step": {"12s"}, "agg": {"avg"}}
	tok, _ := s.minter.Mint(principalFor("reader", "default"), time.Hour)
	u := base + "/api/v1/metrics/bench.cpu/series?" + q.Encode()
	for b.Loop() {
		req, _ := http.NewRequest("GET", u, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var r struct{ Points [][2]float64 }
		err = json.NewDecoder(resp.Body).Decode(&r)
		resp.Body.Close()
		if err != nil || len(r.Points) != 300 {
			b.Fatalf("series: %d points, %v", len(r.Points), err)
		}
	}
}

func principalFor(user, tenant string) livedash.Principal {
	return livedash.Principal{UserID: user, Tenant: tenant, Roles: []string{livedash.RoleViewer}}
}

// rawSubscriber subscribes to metrics over a bare WebSocket and discards what arrives, so that
// subscribers cost the benchmark process next to nothing.
func rawSubscriber(b *testing.B, url string) {
	b.Helper()
	conn, _, _, err := ws.Dial(context.Background(), url)
	if err != nil {
		b.Fatal(err)
	}
	if err := wsutil.WriteClientText(conn, []byte(`{"type":"subscribe","id":1,"channels":["metrics"]}`)); err != nil {
		b.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, conn) }()
	b.Cleanup(func() { conn.Close() })
}

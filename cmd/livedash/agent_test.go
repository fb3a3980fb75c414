package main

import (
	"context"
	"io"
	"testing"
	"time"

	"livedash"
	"livedash/agent"
)

// TestAgentPushesToRealServer: an agent pushes batches over the ingest API of a real server in
// process; while the server is away the agent buffers, and the points arrive once it is back.
func TestAgentPushesToRealServer(t *testing.T) {
	getenv := testEnv(t, map[string]string{"LIVEDASH_COLLECTOR_ENABLED": "false"})
	start := func() (*server, func()) {
		ctx, cancel := context.WithCancel(context.Background())
		ready := make(chan *server, 1)
		done := make(chan error, 1)
		go func() { done <- serve(ctx, nil, getenv, io.Discard, io.Discard, ready) }()
		return <-ready, func() { cancel(); <-done }
	}
	srv, stop := start()
	a, err := agent.New(agent.Config{Server: srv.baseURL(), APIKey: testKey, Tenant: srv.tenant,
		MinRetry: 20 * time.Millisecond, MaxRetry: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	t0 := time.Now().Add(-time.Minute).Truncate(time.Second)
	batch := func(from, n int) []livedash.MetricPoint {
		pts := make([]livedash.MetricPoint, n)
		for i := range pts {
			pts[i] = livedash.MetricPoint{Code: "agent.test", Value: float64(from + i), Time: t0.Add(time.Duration(from+i) * time.Second),
				Labels: map[string]string{"host": "host-b"}}
		}
		return pts
	}
	count := func(s *server) int {
		pts, err := s.store.QuerySeries(context.Background(), s.tenant, livedash.SeriesQuery{Code: "agent.test",
			Labels: map[string]string{"host": "host-b"}, From: t0, To: t0.Add(time.Minute), Step: time.Second, Agg: livedash.AggCount})
		if err != nil {
			return -1
		}
		return len(pts)
	}
	a.Add(batch(0, 10))
	waitUntil(t, func() bool { return count(srv) == 10 })

	stop() // the server goes away; the agent keeps what it samples
	a.Add(batch(10, 20))
	time.Sleep(150 * time.Millisecond)
	if a.Buffered() != 20 {
		t.Fatalf("buffered %d while the server is down, want 20", a.Buffered())
	}
	base := srv.baseURL()
	getenv2 := getenv
	getenv = func(k string) string { // the same address and data dir: the server comes back
		if k == "LIVEDASH_ADDR" {
			return base[len("http://"):]
		}
		return getenv2(k)
	}
	srv, stop = start()
	defer stop()
	waitUntil(t, func() bool { return count(srv) == 30 })
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10 s")
		}
	}
}

package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"testing"
	"time"

	"livedash"
	"livedash/client"
)

// TestHostMetricsFlowLive: the collector's samples go through ingest: a client subscribed to
// metrics receives metric_update for host.cpu.percent, and the points are stored.
func TestHostMetricsFlowLive(t *testing.T) {
	getenv := testEnv(t, map[string]string{"LIVEDASH_COLLECTOR_INTERVAL": "200ms"})
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan *server, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, nil, getenv, io.Discard, io.Discard, ready) }()
	srv := <-ready
	defer func() { cancel(); <-done }()

	tok := mintToken(t, getenv, "--user", "viewer1", "--tenant", srv.tenant)
	cpu := make(chan float64, 16)
	c, err := client.Dial(ctx, client.Options{URL: srv.baseURL(), Token: tok, Channels: []string{"metrics"},
		OnEvent: func(e client.Event) {
			var m struct {
				Code string  `json:"code"`
				Last float64 `json:"last"`
			}
			if e.Event == "metric_update" && json.Unmarshal(e.Data, &m) == nil && m.Code == "host.cpu.percent" {
				select {
				case cpu <- m.Last:
				default:
				}
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for range 2 {
		select {
		case v := <-cpu:
			if v < 0 || v > 100 {
				t.Fatalf("host.cpu.percent = %v", v)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no live host.cpu.percent within 5 s")
		}
	}
	hostname, _ := os.Hostname()
	pts, err := srv.store.QuerySeries(ctx, srv.tenant, livedash.SeriesQuery{Code: "host.cpu.percent",
		Labels: map[string]string{"host": hostname}, From: time.Now().Add(-time.Minute), To: time.Now().Add(time.Second), Step: time.Second, Agg: livedash.AggLast})
	if err != nil || len(pts) == 0 {
		t.Fatalf("stored series: %d points, %v", len(pts), err)
	}
}

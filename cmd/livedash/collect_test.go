package main

import (
	"context"
	"encoding/json"
	"io"
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
	// The contract: the totals of the server's own host carry no labels.
	pts, err := srv.store.QuerySeries(ctx, srv.tenant, livedash.SeriesQuery{Code: "host.cpu.percent",
		From: time.Now().Add(-time.Minute), To: time.Now().Add(time.Second), Step: time.Second, Agg: livedash.AggLast})
	if err != nil || len(pts) == 0 {
		t.Fatalf("stored series: %d points, %v", len(pts), err)
	}
	// The seeded Host metrics dashboard shows it: its "CPU now" widget has a value.
	viewer := livedash.Principal{UserID: "viewer1", Tenant: srv.tenant, Roles: []string{livedash.RoleViewer}}
	page, err := srv.svc.ListDashboards(ctx, viewer, livedash.ListOptions{})
	if err != nil || len(page.Items) == 0 {
		t.Fatalf("dashboards: %v %v", page.Items, err)
	}
	_, widgets, err := srv.svc.Dashboard(ctx, viewer, page.Items[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range widgets {
		if w.Title == "CPU now" {
			v, err := srv.svc.WidgetValue(ctx, viewer, w.ID)
			if err != nil || v.Value == nil {
				t.Fatalf("CPU now widget value: %+v %v", v, err)
			}
			return
		}
	}
	t.Fatal("no CPU now widget on the Host metrics dashboard")
}

// TestDemoMode: serve --demo seeds the Demo shop dashboard and streams its synthetic metrics.
func TestDemoMode(t *testing.T) {
	getenv := testEnv(t, map[string]string{"LIVEDASH_COLLECTOR_ENABLED": "false"})
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan *server, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, []string{"--demo"}, getenv, io.Discard, io.Discard, ready) }()
	srv := <-ready
	defer func() { cancel(); <-done }()

	dashes, err := srv.store.ListDashboards(ctx, srv.tenant, livedash.DashboardFilter{}, livedash.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, d := range dashes.Items {
		names[d.Name] = true
	}
	if !names["Demo shop"] || !names["Host metrics"] {
		t.Fatalf("dashboards %v", names)
	}
	tok := mintToken(t, getenv, "--user", "v", "--tenant", srv.tenant)
	got := make(chan string, 8)
	c, err := client.Dial(ctx, client.Options{URL: srv.baseURL(), Token: tok, Channels: []string{"metrics"},
		OnEvent: func(e client.Event) {
			var m struct{ Code string }
			if json.Unmarshal(e.Data, &m) == nil && m.Code == "demo.latency_ms" {
				select {
				case got <- m.Code:
				default:
				}
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	select {
	case <-got:
	case <-time.After(4 * time.Second):
		t.Fatal("no demo metric within 4 s")
	}
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"time"

	"livedash"
	"livedash/sqlstore"
)

// Demo mode (serve --demo) gives a newcomer a live dashboard in one command: a project, a shared
// "Demo shop" dashboard over synthetic metrics, an alert rule, and a stream of samples every
// second that goes through the normal ingest (history, metric_update, alerts).

const demoDashboard = "Demo shop"

// Synthetic metric codes of the demo.
const (
	demoOrders  = "demo.orders_per_min"
	demoLatency = "demo.latency_ms"
	demoErrors  = "demo.error_percent"
)

// seedDemo creates the demo's records once (it is idempotent across restarts).
func seedDemo(ctx context.Context, st *sqlstore.Store, tenant string) error {
	dashes, err := st.ListDashboards(ctx, tenant, livedash.DashboardFilter{}, livedash.ListOptions{Limit: livedash.MaxLimit})
	if err != nil {
		return err
	}
	for _, d := range dashes.Items {
		if d.Name == demoDashboard {
			return nil
		}
	}
	users, err := st.ListUsers(ctx, tenant, livedash.ListOptions{Limit: livedash.MaxLimit})
	if err != nil {
		return err
	}
	owner := ""
	for _, u := range users.Items {
		if u.HasRole(livedash.RoleAdmin) {
			owner = u.ID
			break
		}
	}
	if owner == "" {
		return fmt.Errorf("demo: tenant %s has no admin to own the demo", tenant)
	}
	for _, d := range []livedash.MetricDefinition{
		{Code: demoOrders, Name: "Orders", Unit: "count/min"},
		{Code: demoLatency, Name: "Checkout latency", Unit: "ms"},
		{Code: demoErrors, Name: "Error rate", Unit: "percent"},
	} {
		d.Tenant = tenant
		if _, err := st.DefineMetric(ctx, tenant, d); err != nil {
			return err
		}
	}
	if _, err := st.CreateProject(ctx, tenant, livedash.Project{Name: "Demo shop", Description: "A synthetic online shop", Members: []string{owner}}); err != nil {
		return err
	}
	d, err := st.CreateDashboard(ctx, tenant, livedash.Dashboard{OwnerID: owner, Name: demoDashboard,
		Description: "Synthetic shop metrics, one sample per second.", Visibility: livedash.VisibilityShared, Layout: json.RawMessage(`{"columns":12}`)})
	if err != nil {
		return err
	}
	ten := livedash.Duration(10 * time.Minute)
	minute := livedash.Duration(time.Minute)
	for _, w := range []livedash.Widget{
		{Type: livedash.WidgetStat, Title: "Orders / min", Query: livedash.MetricQuery{Codes: []string{demoOrders}, Aggregation: livedash.AggLast, Range: minute}, Position: livedash.GridPos{X: 0, Y: 0, W: 4, H: 2}},
		{Type: livedash.WidgetGauge, Title: "Error rate", Query: livedash.MetricQuery{Codes: []string{demoErrors}, Aggregation: livedash.AggAvg, Range: minute}, Position: livedash.GridPos{X: 4, Y: 0, W: 4, H: 2}, Options: json.RawMessage(`{"unit":"percent"}`)},
		{Type: livedash.WidgetAlertList, Title: "Alerts", Position: livedash.GridPos{X: 8, Y: 0, W: 4, H: 2}},
		{Type: livedash.WidgetTimeseries, Title: "Checkout latency", Query: livedash.MetricQuery{Codes: []string{demoLatency}, Aggregation: livedash.AggAvg, Range: ten}, Position: livedash.GridPos{X: 0, Y: 2, W: 8, H: 4}, Options: json.RawMessage(`{"unit":"ms"}`)},
		{Type: livedash.WidgetText, Title: "About", Position: livedash.GridPos{X: 8, Y: 2, W: 4, H: 4}, Options: json.RawMessage(`{"text":"Synthetic data from livedash serve --demo. Latency spikes above 300 ms fire the 'Slow checkout' alert."}`)},
	} {
		w.DashboardID = d.ID
		if len(w.Options) == 0 {
			w.Options = json.RawMessage(`{}`)
		}
		if _, err := st.CreateWidget(ctx, tenant, w); err != nil {
			return fmt.Errorf("demo widget %q: %w", w.Title, err)
		}
	}
	_, err = st.CreateAlertRule(ctx, tenant, livedash.AlertRule{Name: "Slow checkout", MetricCode: demoLatency,
		Comparison: livedash.CompareGT, Threshold: 300, For: livedash.Duration(5 * time.Second),
		Severity: livedash.SeverityWarning, Recipients: livedash.Recipients{Roles: []string{livedash.RoleAdmin}}, Enabled: true})
	return err
}

// runDemoStream ingests one synthetic sample per metric every second: daily-ish waves, noise and,
// now and then, a latency spike that lasts long enough to fire the alert.
func runDemoStream(ctx context.Context, ingest ingestFunc, tenant string, log *slog.Logger) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	spike := 0
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			phase := float64(now.Unix()%600) / 600 * 2 * math.Pi
			if spike == 0 && rand.IntN(120) == 0 {
				spike = 12
			}
			latency := 120 + 40*math.Sin(phase) + rand.NormFloat64()*10
			if spike > 0 {
				latency += 300
				spike--
			}
			pts := []livedash.MetricPoint{
				{Code: demoOrders, Time: now, Value: math.Round(80 + 30*math.Sin(phase) + rand.NormFloat64()*5)},
				{Code: demoLatency, Time: now, Value: latency},
				{Code: demoErrors, Time: now, Value: math.Max(0, 0.5+rand.NormFloat64()*0.2+float64(min(spike, 1))*3)},
			}
			if err := ingest(ctx, tenant, pts); err != nil && ctx.Err() == nil {
				log.Warn("demo ingest", "err", err)
			}
		}
	}
}

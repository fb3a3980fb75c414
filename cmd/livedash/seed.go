package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"livedash"
	"livedash/collector"
)

// dashboardStore is what seeding needs of the store.
type dashboardStore interface {
	CreateDashboard(ctx context.Context, tenant string, d livedash.Dashboard) (livedash.Dashboard, error)
	CreateWidget(ctx context.Context, tenant string, w livedash.Widget) (livedash.Widget, error)
}

// hostDashboard is the dashboard a new tenant starts with: this host's CPU, memory, network and
// disk, live. Widget options carry the unit so the web app formats values.
func hostDashboard(ctx context.Context, st dashboardStore, tenant, owner string) (livedash.Dashboard, error) {
	d, err := st.CreateDashboard(ctx, tenant, livedash.Dashboard{
		OwnerID: owner, Name: "Host metrics", Description: "CPU, memory, network and disk of the livedash host, live.",
		Visibility: livedash.VisibilityShared, Layout: json.RawMessage(`{"columns":12}`),
	})
	if err != nil {
		return d, fmt.Errorf("seed dashboard: %w", err)
	}
	fifteen := livedash.Duration(15 * time.Minute)
	minute := livedash.Duration(time.Minute)
	widgets := []struct {
		typ, title, unit string
		codes            []string
		agg              string
		rng              livedash.Duration
		pos              livedash.GridPos
	}{
		{livedash.WidgetStat, "CPU now", "percent", []string{collector.CodeCPUPercent}, livedash.AggLast, minute, livedash.GridPos{X: 0, Y: 0, W: 3, H: 2}},
		{livedash.WidgetGauge, "Memory used", "percent", []string{collector.CodeMemUsedPercent}, livedash.AggLast, minute, livedash.GridPos{X: 3, Y: 0, W: 3, H: 2}},
		{livedash.WidgetStat, "Load (1 min)", "", []string{collector.CodeLoad1}, livedash.AggLast, minute, livedash.GridPos{X: 6, Y: 0, W: 3, H: 2}},
		{livedash.WidgetStat, "livedash connections", "", []string{collector.CodeConnections}, livedash.AggLast, minute, livedash.GridPos{X: 9, Y: 0, W: 3, H: 2}},
		{livedash.WidgetTimeseries, "CPU", "percent", []string{collector.CodeCPUPercent}, livedash.AggAvg, fifteen, livedash.GridPos{X: 0, Y: 2, W: 6, H: 4}},
		{livedash.WidgetTimeseries, "Memory used", "bytes", []string{collector.CodeMemUsed}, livedash.AggAvg, fifteen, livedash.GridPos{X: 6, Y: 2, W: 6, H: 4}},
		{livedash.WidgetTimeseries, "Network", "bytes/s", []string{collector.CodeNetRxBytes, collector.CodeNetTxBytes}, livedash.AggAvg, fifteen, livedash.GridPos{X: 0, Y: 6, W: 6, H: 4}},
		{livedash.WidgetTimeseries, "Disk", "bytes/s", []string{collector.CodeDiskReadBytes, collector.CodeDiskWriteBytes}, livedash.AggAvg, fifteen, livedash.GridPos{X: 6, Y: 6, W: 6, H: 4}},
	}
	for _, w := range widgets {
		opts, _ := json.Marshal(map[string]string{"unit": w.unit})
		if _, err := st.CreateWidget(ctx, tenant, livedash.Widget{
			DashboardID: d.ID, Type: w.typ, Title: w.title, Options: opts, Position: w.pos,
			Query: livedash.MetricQuery{Codes: w.codes, Aggregation: w.agg, Range: w.rng},
		}); err != nil {
			return d, fmt.Errorf("seed widget %q: %w", w.title, err)
		}
	}
	return d, nil
}

// defineHostMetrics registers the collector's metric codes (names, units) in tenant, so charts
// and pickers know them before the first sample.
func defineHostMetrics(ctx context.Context, st interface {
	DefineMetric(context.Context, string, livedash.MetricDefinition) (livedash.MetricDefinition, error)
}, tenant string) error {
	for _, d := range collector.Definitions {
		d.Tenant = tenant
		if _, err := st.DefineMetric(ctx, tenant, d); err != nil {
			return err
		}
	}
	return nil
}

package main

import (
	"context"
	"log/slog"
	"time"

	"livedash"
	"livedash/collector"
	"livedash/realtime"
)

// ingestFunc stores a batch of points of a tenant and publishes it (the service's Ingest).
type ingestFunc func(ctx context.Context, tenant string, points []livedash.MetricPoint) error

// runCollector samples this host every interval and sends each batch through ingest into
// tenant, like any producer: stored with retention, metric_update on metrics.{tenant}, alert
// rules evaluated. livedash's own connection count and delivery rate are added from the hub.
func runCollector(ctx context.Context, interval time.Duration, hub *realtime.Hub, ingest ingestFunc, tenant string, log *slog.Logger) {
	var delivered collector.Rate
	c := collector.New(collector.Config{
		Interval: interval,
		OmitHost: true, // this host's totals are the contract's unlabelled series
		Logger:   log,
		Self: func() []livedash.MetricPoint {
			st := hub.Stats()
			pts := []livedash.MetricPoint{{Code: collector.CodeConnections, Value: float64(st.Connections["total"])}}
			if r, ok := delivered.Update(time.Now(), st.Messages.Out); ok {
				pts = append(pts, livedash.MetricPoint{Code: collector.CodeDeliveredPerSec, Value: r})
			}
			return pts
		},
	})
	_ = c.Run(ctx, func(ctx context.Context, pts []livedash.MetricPoint) {
		if err := ingest(ctx, tenant, pts); err != nil && ctx.Err() == nil {
			log.Warn("host metrics ingest", "err", err)
		}
	})
}

package livedash

import (
	"context"
	"time"
)

// MetricPoint is one sample of a metric. Labels distinguish series of one code (e.g. iface=eth0);
// a point without labels belongs to the metric's main series.
type MetricPoint struct {
	Code   string            `json:"code"`
	Time   time.Time         `json:"ts"`
	Value  float64           `json:"value"`
	Labels map[string]string `json:"labels,omitempty"`
}

// MetricDefinition describes a metric code of a tenant.
type MetricDefinition struct {
	Tenant string `json:"tenant"`
	Code   string `json:"code"`
	Name   string `json:"name"`
	Unit   string `json:"unit"` // e.g. "percent", "bytes", "bytes/s", "count"
}

// MetricIngester takes batches of points for a tenant: it stores them and publishes one
// metric_update per code per batch on metrics.{tenant}.
type MetricIngester interface {
	Ingest(ctx context.Context, tenant string, points []MetricPoint) error
}

package service

import (
	"context"

	"livedash"
	"livedash/analytics"
)

// observe feeds a stored batch of tenant to the analytics engine and publishes each insight it
// reports as one insight event on metrics.{tenant}: one encode and one Publish per insight,
// nothing per subscriber.
func (s *Service) observe(ctx context.Context, tenant string, pts []livedash.MetricPoint) {
	if s.analytics == nil {
		return
	}
	for _, in := range s.analytics.Observe(tenant, pts) {
		s.publish(ctx, EventInsight, in, metricsChannel(tenant))
	}
}

// Insights returns up to limit recent insights of p's tenant, newest first (all that are kept
// when limit <= 0). Any role. Insights live in memory on the node that computed them; without an
// analytics engine there are none.
func (s *Service) Insights(_ context.Context, p livedash.Principal, limit int) ([]analytics.Insight, error) {
	if err := canRead(p); err != nil {
		return nil, err
	}
	if s.analytics == nil {
		return []analytics.Insight{}, nil
	}
	out := s.analytics.Insights(p.Tenant, limit)
	if out == nil {
		out = []analytics.Insight{}
	}
	return out, nil
}

// MetricSummary returns the rolling window statistics of code in p's tenant: of every series of
// the code (in a stable order) when labels is nil, else of the one series with exactly labels
// (an empty map is the main series). Any role. ENotFound when no such series is tracked (never
// ingested, idle for long enough to be forgotten, or analytics is off).
func (s *Service) MetricSummary(_ context.Context, p livedash.Principal, code string, labels map[string]string) ([]analytics.Summary, error) {
	if err := canRead(p); err != nil {
		return nil, err
	}
	if !livedash.ValidMetricCode(code) {
		return nil, livedash.Errorf(livedash.EBadRequest, "code: %q is not a metric code", code)
	}
	if err := livedash.ValidateLabels("labels", labels); err != nil {
		return nil, err
	}
	if s.analytics == nil {
		return nil, livedash.Errorf(livedash.ENotFound, "no statistics of metric %q: analytics is off", code)
	}
	if labels == nil {
		sums := s.analytics.Summaries(p.Tenant, code)
		if len(sums) == 0 {
			return nil, livedash.Errorf(livedash.ENotFound, "no recent series of metric %q", code)
		}
		return sums, nil
	}
	sum, ok := s.analytics.Summary(p.Tenant, code, labels)
	if !ok {
		return nil, livedash.Errorf(livedash.ENotFound, "no recent series of metric %q with labels %s", code, livedash.LabelsKey(labels))
	}
	return []analytics.Summary{sum}, nil
}

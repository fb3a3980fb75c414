package service

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"livedash"
)

// MaxEventPoints is the most points of one series a metric_update carries (the latest ones); the
// store keeps every point of the batch.
const MaxEventPoints = 1000

// IngestResult tells what an Ingest stored.
type IngestResult struct {
	Accepted int      `json:"accepted"` // points stored
	Codes    []string `json:"codes"`    // distinct metric codes of the batch, sorted
}

// IngestAs ingests points into p's tenant. Editors and admins.
func (s *Service) IngestAs(ctx context.Context, p livedash.Principal, points []livedash.MetricPoint) (IngestResult, error) {
	if err := canEdit(p); err != nil {
		return IngestResult{}, err
	}
	return s.Ingest(ctx, p.Tenant, points)
}

// Ingest stores a batch of points of tenant (all or none; a point without a time is taken at
// now), then publishes one metric_update per code on metrics.{tenant}, feeds the analytics engine
// (publishing an insight per insight it reports), evaluates the alert rules of the batch's codes
// and refreshes the values of the stat/gauge widgets showing them. Callers
// (API keys, the collector) are trusted: there is no principal.
func (s *Service) Ingest(ctx context.Context, tenant string, points []livedash.MetricPoint) (IngestResult, error) {
	if tenant == "" {
		return IngestResult{}, livedash.Errorf(livedash.EBadRequest, "tenant: must not be empty")
	}
	if len(points) == 0 {
		return IngestResult{Codes: []string{}}, nil
	}
	now := s.now().UTC()
	pts := make([]livedash.MetricPoint, len(points))
	for i, pt := range points {
		if err := pt.Validate(); err != nil {
			return IngestResult{}, livedash.Errorf(livedash.EBadRequest, "points[%d].%s", i, livedash.ErrorMessage(err))
		}
		if pt.Time.IsZero() {
			pt.Time = now
		}
		pt.Time = pt.Time.UTC().Truncate(time.Millisecond)
		pts[i] = pt
	}
	if err := s.store.WritePoints(ctx, tenant, pts); err != nil {
		return IngestResult{}, err
	}

	batch := groupBatch(pts)
	codes := make([]string, len(batch))
	for i, bc := range batch {
		codes[i] = bc.code
		s.publish(ctx, EventMetricUpdate, bc.event(), metricsChannel(tenant))
	}
	s.observe(ctx, tenant, pts)
	s.evaluateAlerts(ctx, tenant, batch)
	series := make(map[string]map[string]bool, len(batch))
	for _, bc := range batch {
		keys := make(map[string]bool, len(bc.series))
		for _, bs := range bc.series {
			keys[bs.key] = true
		}
		series[bc.code] = keys
	}
	s.refreshValues(ctx, tenant, series)
	return IngestResult{Accepted: len(pts), Codes: codes}, nil
}

// batchSeries is the points of one series in a batch, in time order, one per millisecond (the
// last given wins, as in the store).
type batchSeries struct {
	key    string
	labels map[string]string
	points []livedash.SeriesPoint
}

// batchCode is the series of one code in a batch, by label key (the main series first).
type batchCode struct {
	code   string
	series []*batchSeries
}

// seriesOf returns the series of the batch with label key key, or nil.
func (bc *batchCode) seriesOf(key string) *batchSeries {
	for _, bs := range bc.series {
		if bs.key == key {
			return bs
		}
	}
	return nil
}

// groupBatch groups validated points by code and series, sorted by code and label key.
func groupBatch(pts []livedash.MetricPoint) []*batchCode {
	byCode := map[string]*batchCode{}
	bySeries := map[[2]string]*batchSeries{}
	for _, pt := range pts {
		key := livedash.LabelsKey(pt.Labels)
		bs := bySeries[[2]string{pt.Code, key}]
		if bs == nil {
			bs = &batchSeries{key: key, labels: pt.Labels}
			bySeries[[2]string{pt.Code, key}] = bs
			bc := byCode[pt.Code]
			if bc == nil {
				bc = &batchCode{code: pt.Code}
				byCode[pt.Code] = bc
			}
			bc.series = append(bc.series, bs)
		}
		bs.points = append(bs.points, livedash.SeriesPoint{Time: pt.Time.UnixMilli(), Value: pt.Value})
	}
	out := make([]*batchCode, 0, len(byCode))
	for _, bc := range byCode {
		slices.SortFunc(bc.series, func(a, b *batchSeries) int { return strings.Compare(a.key, b.key) })
		for _, bs := range bc.series {
			slices.SortStableFunc(bs.points, func(a, b livedash.SeriesPoint) int { return cmp.Compare(a.Time, b.Time) })
			// Keep the last of equal times.
			kept := bs.points[:0]
			for i, p := range bs.points {
				if i+1 < len(bs.points) && bs.points[i+1].Time == p.Time {
					continue
				}
				kept = append(kept, p)
			}
			bs.points = kept
		}
		out = append(out, bc)
	}
	slices.SortFunc(out, func(a, b *batchCode) int { return strings.Compare(a.code, b.code) })
	return out
}

// event is the metric_update of the code: the main series as points and last, labelled series
// under series; at most MaxEventPoints (the latest) per series.
func (bc *batchCode) event() MetricEvent {
	ev := MetricEvent{Code: bc.code}
	for _, bs := range bc.series {
		pts := bs.points
		if len(pts) > MaxEventPoints {
			pts = pts[len(pts)-MaxEventPoints:]
		}
		last := pts[len(pts)-1].Value
		if bs.key == "" {
			ev.Points, ev.Last = pts, &last
			continue
		}
		ev.Series = append(ev.Series, MetricSeriesEvent{Labels: bs.labels, Points: pts, Last: last})
	}
	return ev
}

// MetricDefinitions lists the metric definitions of p's tenant, by code. Any role.
func (s *Service) MetricDefinitions(ctx context.Context, p livedash.Principal, opt livedash.ListOptions) (livedash.Page[livedash.MetricDefinition], error) {
	if err := canRead(p); err != nil {
		return livedash.Page[livedash.MetricDefinition]{}, err
	}
	return s.store.ListMetricDefinitions(ctx, p.Tenant, opt)
}

// Series returns the points of one series of p's tenant (see livedash.SeriesQuery). Any role.
func (s *Service) Series(ctx context.Context, p livedash.Principal, q livedash.SeriesQuery) ([]livedash.SeriesPoint, error) {
	if err := canRead(p); err != nil {
		return nil, err
	}
	q, err := q.Normalize()
	if err != nil {
		return nil, err
	}
	return s.store.QuerySeries(ctx, p.Tenant, q)
}

// alertMessage is the message of an alert rule r fired by value.
func alertMessage(r livedash.AlertRule, value float64) string {
	m := fmt.Sprintf("%s: %s is %g (%s %g)", r.Name, r.MetricCode, value, r.Comparison, r.Threshold)
	if len(m) > livedash.MaxBodyLen { // cannot happen with valid rules; keep FireAlert's check happy
		m = m[:livedash.MaxBodyLen]
	}
	return m
}

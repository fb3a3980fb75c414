package service

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"livedash"
)

// WidgetValue is the computed value of a stat or gauge widget: each code of its query reduced
// over the query's range with its aggregation.
type WidgetValue struct {
	WidgetID    string            `json:"widget_id"`
	DashboardID string            `json:"dashboard_id"`
	Version     int64             `json:"version"` // the widget version it was computed for
	Aggregation string            `json:"aggregation"`
	Range       livedash.Duration `json:"range"`
	Value       *float64          `json:"value"`  // the first code's value; null when it has no point in range
	Values      []CodeValue       `json:"values"` // one per query code, in query order
	ComputedAt  time.Time         `json:"computed_at"`
}

// CodeValue is the value of one code of a widget query; Value is null when the code has no
// point in the range.
type CodeValue struct {
	Code  string   `json:"code"`
	Value *float64 `json:"value"`
}

// sameValues reports whether a and b hold the same values (not comparing when they were computed).
func sameValues(a, b WidgetValue) bool {
	if len(a.Values) != len(b.Values) {
		return false
	}
	for i := range a.Values {
		x, y := a.Values[i], b.Values[i]
		if x.Code != y.Code || (x.Value == nil) != (y.Value == nil) || (x.Value != nil && *x.Value != *y.Value) {
			return false
		}
	}
	return true
}

// CacheStats counts WidgetValue calls answered from the cache (Hits) and computed (Misses).
type CacheStats struct {
	Hits    uint64  `json:"hits"`
	Misses  uint64  `json:"misses"`
	HitRate float64 `json:"hit_rate"` // Hits / (Hits+Misses); 0 before any call
	Entries int     `json:"entries"`
}

type cacheKey struct{ tenant, widget string }

// cacheEntry is the cached value of one widget. gen grows with every invalidation, so that a
// computation that started before an invalidation does not store its (older) result.
type cacheEntry struct {
	version int64
	gen     uint64
	valid   bool
	has     bool // value holds a value computed for version (valid or not)
	value   WidgetValue
}

type widgetCache struct {
	mu           sync.Mutex
	entries      map[cacheKey]*cacheEntry
	hits, misses atomic.Uint64
}

// get returns the valid value of key for version.
func (c *widgetCache) get(k cacheKey, version int64) (WidgetValue, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[k]
	if e == nil || !e.valid || e.version != version {
		return WidgetValue{}, false
	}
	return e.value, true
}

// begin starts a computation of key for version, invalidating what is cached when invalidate is
// set, and returns the generation to store the result under.
func (c *widgetCache) begin(k cacheKey, version int64, invalidate bool) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[k]
	if e == nil || e.version != version {
		e = &cacheEntry{version: version}
		c.entries[k] = e
	}
	if invalidate {
		e.gen++
		e.valid = false
	}
	return e.gen
}

// put stores v for key if no invalidation happened since begin returned gen. changed reports
// whether v differs from the value held before (any value: a first one is a change).
func (c *widgetCache) put(k cacheKey, gen uint64, v WidgetValue) (stored, changed bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[k]
	if e == nil || e.version != v.Version || e.gen != gen {
		return false, false
	}
	changed = !e.has || !sameValues(e.value, v)
	e.value, e.valid, e.has = v, true, true
	return true, changed
}

// remove forgets the widgets of tenant.
func (c *widgetCache) remove(tenant string, widgetIDs ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range widgetIDs {
		delete(c.entries, cacheKey{tenant, id})
	}
}

// CacheStats returns the counters of the widget value cache.
func (s *Service) CacheStats() CacheStats {
	st := CacheStats{Hits: s.cache.hits.Load(), Misses: s.cache.misses.Load()}
	if total := st.Hits + st.Misses; total > 0 {
		st.HitRate = float64(st.Hits) / float64(total)
	}
	s.cache.mu.Lock()
	st.Entries = len(s.cache.entries)
	s.cache.mu.Unlock()
	return st
}

// WidgetValue returns the computed value of stat or gauge widget widgetID, from the cache when
// it holds one for the widget's version. Any role may read it; the widget's dashboard must be
// visible to p (ENotFound otherwise). Other widget types are EBadRequest.
func (s *Service) WidgetValue(ctx context.Context, p livedash.Principal, widgetID string) (WidgetValue, error) {
	if err := canRead(p); err != nil {
		return WidgetValue{}, err
	}
	iw, ok, err := s.lookupWidget(ctx, p.Tenant, widgetID)
	if err != nil {
		return WidgetValue{}, err
	}
	if !ok || !iw.Dash.canView(p, p.Tenant) {
		return WidgetValue{}, livedash.Errorf(livedash.ENotFound, "widget %s not found", widgetID)
	}
	w := iw.Widget
	if !valueWidget(w.Type) {
		return WidgetValue{}, livedash.Errorf(livedash.EBadRequest, "widget %s is a %s widget: only stat and gauge widgets have a computed value", widgetID, w.Type)
	}
	k := cacheKey{p.Tenant, w.ID}
	if v, ok := s.cache.get(k, w.Version); ok {
		s.cache.hits.Add(1)
		return v, nil
	}
	s.cache.misses.Add(1)
	gen := s.cache.begin(k, w.Version, false)
	v, err := s.computeValue(ctx, p.Tenant, w)
	if err != nil {
		return WidgetValue{}, err
	}
	s.cache.put(k, gen, v)
	return v, nil
}

// computeValue reduces each code of w's query over its range with its aggregation (one step
// covering the whole range: steps are aligned to the epoch, so a step longer than the time since
// the epoch holds the whole range).
func (s *Service) computeValue(ctx context.Context, tenant string, w livedash.Widget) (WidgetValue, error) {
	q := w.Query
	rng := time.Duration(q.Range)
	if rng <= 0 {
		rng = time.Duration(livedash.DefaultQueryRange)
	}
	agg := q.Aggregation
	if agg == "" {
		agg = livedash.AggAvg
	}
	now := s.now().UTC()
	to := now.Truncate(time.Millisecond).Add(time.Millisecond) // include a point written at now
	from := to.Add(-rng)
	step := time.Duration(max(to.UnixMilli(), rng.Milliseconds())+1) * time.Millisecond
	v := WidgetValue{
		WidgetID: w.ID, DashboardID: w.DashboardID, Version: w.Version, Aggregation: agg,
		Range: livedash.Duration(rng), Values: make([]CodeValue, 0, len(q.Codes)), ComputedAt: now,
	}
	for _, code := range q.Codes {
		pts, err := s.store.QuerySeries(ctx, tenant, livedash.SeriesQuery{Code: code, Labels: q.Labels, From: from, To: to, Step: step, Agg: agg})
		if err != nil {
			return WidgetValue{}, err
		}
		cv := CodeValue{Code: code}
		if len(pts) > 0 {
			x := pts[len(pts)-1].Value
			cv.Value = &x
		}
		v.Values = append(v.Values, cv)
	}
	if len(v.Values) > 0 {
		v.Value = v.Values[0].Value
	}
	return v, nil
}

// refreshValues recomputes, after an ingest batch of tenant, the values of the stat/gauge widgets
// showing one of the batch's series, and publishes widget_update for each value that changed.
func (s *Service) refreshValues(ctx context.Context, tenant string, series map[string]map[string]bool) {
	codes := make([]string, 0, len(series))
	for c := range series {
		codes = append(codes, c)
	}
	widgets, err := s.widgetsOfCodes(ctx, tenant, codes)
	if err != nil {
		s.log.Warn("widget index", "tenant", tenant, "err", err)
		return
	}
	for _, iw := range widgets {
		w := iw.Widget
		key := livedash.LabelsKey(w.Query.Labels)
		touched := false
		for _, c := range w.Query.Codes {
			if series[c][key] {
				touched = true
				break
			}
		}
		if !touched {
			continue
		}
		k := cacheKey{tenant, w.ID}
		gen := s.cache.begin(k, w.Version, true)
		v, err := s.computeValue(ctx, tenant, w)
		if err != nil {
			s.log.Warn("computing widget value", "tenant", tenant, "widget", w.ID, "err", err)
			continue
		}
		if stored, changed := s.cache.put(k, gen, v); stored && changed {
			s.publish(ctx, EventWidgetUpdate, WidgetEvent{
				DashboardID: w.DashboardID, WidgetID: w.ID, Version: w.Version, Change: ChangeValue, Value: &v,
			}, boardChannels(iw.Dash.Owner, w.DashboardID, iw.Dash.shared())...)
		}
	}
}

// Package analytics keeps rolling statistics of metric series and detects anomalies in them.
//
// Every series (tenant + code + labels) gets rolling windows (1 m, 5 m, 15 m by default) with
// count, min, max, mean, an approximate p95 and the rate of change, kept in fixed rings of time
// buckets so memory per series does not depend on the point rate (see window.go for the exact
// semantics and the p95 error bound), and an EWMA baseline with a z-score band whose sustained
// breaches become insights worded for a person (see anomaly.go).
//
// Observe costs O(1) per point (plus O(labels) to find the series); all methods are safe for
// concurrent use.
package analytics

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"livedash"
)

// Config configures an Engine. The zero value is usable: every field has a default.
type Config struct {
	Windows    []time.Duration // rolling windows; default 1m, 5m, 15m
	Alpha      float64         // EWMA weight of a new point, in (0, 1]; default 0.01
	ZThreshold float64         // band half-width in standard deviations; default 3
	MinSamples int             // points that form a baseline before anything is judged; default 30
	// Sustain is how long a series must stay out of band before an insight fires; default 1m.
	// Negative: fire on the first out-of-band point (kinds "spike" and "drop").
	Sustain time.Duration
	// Cooldown is the least time between two insights of one series; default 15m; negative: none.
	Cooldown time.Duration
	Now      func() time.Time
	// Describe names a code and gives its unit ("percent", "bytes", "bytes/s", ...) for the
	// wording of insights; default: the code itself, no unit.
	Describe func(code string) (name, unit string)

	// MaxSeries bounds the series tracked (about 30 KB each for a series sampled every second);
	// points of further new series are dropped and counted in Stats. Default 20,000.
	MaxSeries   int
	MaxInsights int // recent insights kept per tenant; default 200
}

// Insight is a notable change in a series, worded for a person.
type Insight struct {
	ID       string            `json:"id"`
	Tenant   string            `json:"tenant"`
	Code     string            `json:"code"`
	Labels   map[string]string `json:"labels,omitempty"`
	Time     time.Time         `json:"ts"`
	Severity string            `json:"severity"` // info | warning | critical
	Kind     string            `json:"kind"`     // sustained_high | sustained_low | spike | drop
	Value    float64           `json:"value"`    // mean of the episode's points
	Baseline float64           `json:"baseline"` // the usual level (EWMA mean) it deviates from
	ZScore   float64           `json:"z"`        // (Value - Baseline) / standard deviation
	Message  string            `json:"message"`
}

// Insight kinds and severities.
const (
	KindSustainedHigh = "sustained_high"
	KindSustainedLow  = "sustained_low"
	KindSpike         = "spike"
	KindDrop          = "drop"

	SeverityInfo     = "info"
	SeverityWarning  = "warning"
	SeverityCritical = "critical"
)

// Summary is the rolling statistics of one series, one entry per configured window.
type Summary struct {
	Code    string            `json:"code"`
	Labels  map[string]string `json:"labels,omitempty"`
	Windows []WindowStats     `json:"windows"`
}

// Stats describes the engine's load.
type Stats struct {
	Series        int    // series tracked now
	DroppedPoints uint64 // points refused because MaxSeries was reached, since start
}

// minIdleTTL is how long at least a series that receives no point is kept (with its baseline);
// the engine keeps it for twice its longest window if that is longer.
const minIdleTTL = time.Hour

// Engine computes rolling windows and insights. Create it with New.
type Engine struct {
	cfg     Config
	now     func() time.Time
	idleTTL int64

	mu        sync.Mutex
	series    map[string]*series
	byCode    map[string][]*series // tenant\x00code → series, for Summaries
	insights  map[string]*insightRing
	dropped   uint64
	seq       uint64
	lastSweep int64
	keyBuf    []byte
	labelKeys []string
	scratch   []binCount
}

type series struct {
	key     string
	codeKey string
	pos     int // index in byCode[codeKey]
	tenant  string
	code    string
	labels  map[string]string
	windows []*window
	last    int64 // unix nanos of the newest point fed to the detector
	seen    int64 // unix nanos (engine clock) of the last point received
	det     detector
}

// New returns an engine for cfg.
func New(cfg Config) *Engine {
	if len(cfg.Windows) == 0 {
		cfg.Windows = []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute}
	} else {
		cfg.Windows = slices.Clone(cfg.Windows)
	}
	if cfg.Alpha <= 0 || cfg.Alpha > 1 {
		cfg.Alpha = 0.01
	}
	if cfg.ZThreshold <= 0 {
		cfg.ZThreshold = 3
	}
	if cfg.MinSamples <= 0 {
		cfg.MinSamples = 30
	}
	if cfg.Sustain == 0 {
		cfg.Sustain = time.Minute
	}
	if cfg.Cooldown == 0 {
		cfg.Cooldown = 15 * time.Minute
	}
	if cfg.MaxSeries <= 0 {
		cfg.MaxSeries = 20_000
	}
	if cfg.MaxInsights <= 0 {
		cfg.MaxInsights = 200
	}
	e := &Engine{
		cfg:      cfg,
		now:      cfg.Now,
		series:   map[string]*series{},
		byCode:   map[string][]*series{},
		insights: map[string]*insightRing{},
	}
	if e.now == nil {
		e.now = time.Now
	}
	ttl := minIdleTTL
	for _, w := range cfg.Windows {
		ttl = max(ttl, 2*w)
	}
	e.idleTTL = int64(ttl)
	return e
}

// appendKey appends the series key of tenant, code and labels (sorted by name) to the engine's
// key buffer. Caller holds mu.
func (e *Engine) appendKey(tenant, code string, labels map[string]string) []byte {
	b := append(e.keyBuf[:0], tenant...)
	b = append(b, 0)
	b = append(b, code...)
	switch len(labels) {
	case 0:
	case 1:
		for k, v := range labels {
			b = append(append(append(append(b, 0), k...), 1), v...)
		}
	default:
		ks := e.labelKeys[:0]
		for k := range labels {
			ks = append(ks, k)
		}
		slices.Sort(ks)
		for _, k := range ks {
			b = append(append(append(append(b, 0), k...), 1), labels[k]...)
		}
		clear(ks)
		e.labelKeys = ks[:0]
	}
	e.keyBuf = b
	return b
}

// Observe feeds a batch of points of tenant and returns the insights that fired because of it
// (nil if none). Points without a code or with a NaN or infinite value are ignored; a point
// without a time is taken as now, and one from the future is taken as now. A point older than a
// window is left out of that window; a point older than the series' newest point still counts
// in the windows but not in anomaly detection.
func (e *Engine) Observe(tenant string, points []livedash.MetricPoint) []Insight {
	if len(points) == 0 {
		return nil
	}
	var fired []pendingInsight
	e.mu.Lock()
	now := e.now().UnixNano()
	for i := range points {
		p := &points[i]
		if p.Code == "" || math.IsNaN(p.Value) || math.IsInf(p.Value, 0) {
			continue
		}
		t := now
		if !p.Time.IsZero() {
			t = min(now, p.Time.UnixNano())
		}
		s := e.series[string(e.appendKey(tenant, p.Code, p.Labels))]
		if s == nil {
			if s = e.newSeries(tenant, p); s == nil {
				continue
			}
		}
		s.seen = now
		key := binKey(p.Value)
		for w := range s.windows {
			s.windows[w].add(t, p.Value, key)
		}
		if t < s.last {
			continue
		}
		s.last = t
		if f, ok := s.det.observe(t, p.Value, &e.cfg); ok {
			e.seq++
			fired = append(fired, pendingInsight{s: s, f: f, seq: e.seq})
		}
	}
	if now-e.lastSweep >= int64(time.Minute) {
		e.sweep(now)
	}
	// Copy what the insights need while the lock is held; word them without it (Describe is
	// the caller's code).
	out := make([]Insight, len(fired))
	for i, pi := range fired {
		out[i] = Insight{Tenant: pi.s.tenant, Code: pi.s.code, Labels: cloneLabels(pi.s.labels)}
	}
	e.mu.Unlock()
	if len(fired) == 0 {
		return nil
	}
	for i, pi := range fired {
		e.word(&out[i], pi.f, pi.seq)
	}
	e.mu.Lock()
	for i := range out {
		r := e.insights[out[i].Tenant]
		if r == nil {
			r = &insightRing{buf: make([]Insight, 0, min(e.cfg.MaxInsights, 16))}
			e.insights[out[i].Tenant] = r
		}
		r.add(out[i], e.cfg.MaxInsights)
	}
	e.mu.Unlock()
	ret := slices.Clone(out) // the ring keeps out's label maps; the caller gets its own
	for i := range ret {
		ret[i].Labels = cloneLabels(ret[i].Labels)
	}
	return ret
}

type pendingInsight struct {
	s   *series
	f   firing
	seq uint64
}

func (e *Engine) newSeries(tenant string, p *livedash.MetricPoint) *series {
	if len(e.series) >= e.cfg.MaxSeries {
		e.dropped++
		return nil
	}
	s := &series{
		key:     string(e.keyBuf),
		codeKey: tenant + "\x00" + p.Code,
		tenant:  tenant,
		code:    p.Code,
		labels:  cloneLabels(p.Labels),
		windows: make([]*window, len(e.cfg.Windows)),
	}
	for i, w := range e.cfg.Windows {
		s.windows[i] = newWindow(w)
	}
	e.series[s.key] = s
	list := e.byCode[s.codeKey]
	s.pos = len(list)
	e.byCode[s.codeKey] = append(list, s)
	return s
}

// sweep forgets series that received nothing for idleTTL, and the insights of tenants that have
// no series left. Caller holds mu.
func (e *Engine) sweep(now int64) {
	e.lastSweep = now
	for k, s := range e.series {
		if now-s.seen < e.idleTTL {
			continue
		}
		delete(e.series, k)
		list := e.byCode[s.codeKey]
		last := len(list) - 1
		list[s.pos] = list[last]
		list[s.pos].pos = s.pos
		list[last] = nil
		if last == 0 {
			delete(e.byCode, s.codeKey)
		} else {
			e.byCode[s.codeKey] = list[:last]
		}
	}
	if len(e.insights) == 0 {
		return
	}
	live := map[string]bool{}
	for _, s := range e.series {
		live[s.tenant] = true
	}
	for tenant := range e.insights {
		if !live[tenant] {
			delete(e.insights, tenant)
		}
	}
}

func cloneLabels(l map[string]string) map[string]string {
	if len(l) == 0 {
		return nil
	}
	c := make(map[string]string, len(l))
	for k, v := range l {
		c[k] = v
	}
	return c
}

// Summary returns the rolling windows of one series as of now; ok is false if the series is
// unknown (never seen, or forgotten after an idle hour).
func (e *Engine) Summary(tenant, code string, labels map[string]string) (Summary, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.series[string(e.appendKey(tenant, code, labels))]
	if s == nil {
		return Summary{}, false
	}
	return e.summary(s, e.now().UnixNano()), true
}

// Summaries returns the summaries of every series of code in tenant (one per label set), in a
// stable order.
func (e *Engine) Summaries(tenant, code string) []Summary {
	type keyed struct {
		key string
		sum Summary
	}
	e.mu.Lock()
	now := e.now().UnixNano()
	list := e.byCode[tenant+"\x00"+code]
	ks := make([]keyed, len(list))
	for i, s := range list {
		ks[i] = keyed{s.key, e.summary(s, now)}
	}
	e.mu.Unlock()
	slices.SortFunc(ks, func(a, b keyed) int { return strings.Compare(a.key, b.key) })
	out := make([]Summary, len(ks))
	for i := range ks {
		out[i] = ks[i].sum
	}
	return out
}

func (e *Engine) summary(s *series, now int64) Summary {
	sum := Summary{Code: s.code, Labels: cloneLabels(s.labels), Windows: make([]WindowStats, len(s.windows))}
	for i := range s.windows {
		sum.Windows[i] = s.windows[i].stats(now, &e.scratch)
	}
	if cap(e.scratch) > 1<<16 {
		e.scratch = nil
	}
	return sum
}

// Insights returns up to limit recent insights of tenant, newest first (all that are kept when
// limit <= 0). At most MaxInsights are kept per tenant.
func (e *Engine) Insights(tenant string, limit int) []Insight {
	e.mu.Lock()
	defer e.mu.Unlock()
	r := e.insights[tenant]
	if r == nil {
		return nil
	}
	n := len(r.buf)
	if limit > 0 {
		n = min(n, limit)
	}
	out := make([]Insight, 0, n)
	for i := 0; i < n; i++ {
		in := r.at(i)
		in.Labels = cloneLabels(in.Labels)
		out = append(out, in)
	}
	return out
}

// Stats reports the engine's load.
func (e *Engine) Stats() Stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	return Stats{Series: len(e.series), DroppedPoints: e.dropped}
}

// insightRing keeps the newest insights of a tenant.
type insightRing struct {
	buf  []Insight
	next int // where the next one goes once buf is full
}

func (r *insightRing) add(in Insight, capacity int) {
	if len(r.buf) < capacity {
		r.buf = append(r.buf, in)
		return
	}
	r.buf[r.next] = in
	r.next = (r.next + 1) % len(r.buf)
}

// at returns the i-th newest insight.
func (r *insightRing) at(i int) Insight {
	n := len(r.buf)
	return r.buf[((r.next-1-i)%n+n)%n]
}

func insightID(t int64, seq uint64) string {
	return strconv.FormatInt(t/int64(time.Millisecond), 36) + "-" + strconv.FormatUint(seq, 36)
}

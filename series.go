package livedash

import (
	"context"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Aggregations of a series query: how the points of one step are reduced to one value.
const (
	AggAvg   = "avg"
	AggMin   = "min"
	AggMax   = "max"
	AggLast  = "last" // the value of the latest point of the step
	AggSum   = "sum"
	AggCount = "count" // how many points the step holds
)

// Aggregations lists the known aggregations.
var Aggregations = []string{AggAvg, AggMin, AggMax, AggLast, AggSum, AggCount}

// Bounds of metric codes, labels and series queries.
const (
	MaxMetricCodeLen   = 128
	MaxLabels          = 16
	MaxLabelNameLen    = 64
	MaxLabelValueLen   = 256
	DefaultSeriesSteps = 300    // steps of a query whose Step is 0
	MaxSeriesSteps     = 11_000 // most steps one query may ask for
)

// ValidMetricCode reports whether code can name a metric: 1..128 characters of letters, digits,
// '_', '.', ':' and '-', starting with a letter or digit.
func ValidMetricCode(code string) bool { return isIdent(code, MaxMetricCodeLen, "_.:-") }

// ValidateLabels checks label names (like metric codes, at most 64 characters) and values (valid
// UTF-8 of at most 256 bytes), at most 16 labels.
func ValidateLabels(field string, labels map[string]string) error {
	if len(labels) > MaxLabels {
		return invalid(field, "must have at most %d labels", MaxLabels)
	}
	for k, v := range labels {
		if !isIdent(k, MaxLabelNameLen, "_.:-") {
			return invalid(field, "%q is not a label name", k)
		}
		if len(v) > MaxLabelValueLen {
			return invalid(field, "value of %q must be at most %d bytes", k, MaxLabelValueLen)
		}
		if err := checkText(field, v, MaxLabelValueLen); err != nil {
			return err
		}
	}
	return nil
}

// LabelsKey returns the canonical text of a label set, which identifies a series of a metric:
// "k1=v1,k2=v2" with names sorted, ',' and '\' in values escaped by '\'. No labels give "".
func LabelsKey(labels map[string]string) string {
	switch len(labels) {
	case 0:
		return ""
	case 1:
		for k, v := range labels {
			return k + "=" + escapeLabel(v)
		}
	}
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(escapeLabel(labels[k]))
	}
	return b.String()
}

func escapeLabel(v string) string {
	if !strings.ContainsAny(v, `,\`) {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == ',' || v[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

// ParseLabelsKey is the inverse of LabelsKey; it returns nil for "".
func ParseLabelsKey(key string) map[string]string {
	if key == "" {
		return nil
	}
	labels := map[string]string{}
	var name string
	var val strings.Builder
	inValue := false
	for i := 0; i < len(key); i++ {
		c := key[i]
		switch {
		case !inValue && c == '=':
			name = val.String()
			val.Reset()
			inValue = true
		case inValue && c == '\\' && i+1 < len(key):
			i++
			val.WriteByte(key[i])
		case inValue && c == ',':
			labels[name] = val.String()
			val.Reset()
			inValue = false
		default:
			val.WriteByte(c)
		}
	}
	labels[name] = val.String()
	return labels
}

// Validate checks code, value (finite) and labels. A zero Time is allowed: the store uses the
// time of writing.
func (p MetricPoint) Validate() error {
	if !ValidMetricCode(p.Code) {
		return invalid("code", "%q is not a metric code (1 to %d letters, digits, '_', '.', ':', '-')", p.Code, MaxMetricCodeLen)
	}
	if math.IsNaN(p.Value) || math.IsInf(p.Value, 0) {
		return invalid("value", "must be a finite number")
	}
	return ValidateLabels("labels", p.Labels)
}

// Validate checks code, name (empty is allowed: the store uses the code) and unit.
func (d MetricDefinition) Validate() error {
	if !ValidMetricCode(d.Code) {
		return invalid("code", "%q is not a metric code (1 to %d letters, digits, '_', '.', ':', '-')", d.Code, MaxMetricCodeLen)
	}
	if err := checkText("name", d.Name, MaxNameLen); err != nil {
		return err
	}
	if len(d.Unit) > 32 {
		return invalid("unit", "must be at most 32 characters")
	}
	return checkText("unit", d.Unit, 32)
}

// SeriesQuery asks for the points of one series (Code with exactly the label set Labels; no labels
// is the main series) in [From, To), reduced to one value per Step with Agg. Steps are aligned to
// multiples of Step since the Unix epoch, so the first may start before From.
type SeriesQuery struct {
	Code   string            `json:"code"`
	Labels map[string]string `json:"labels,omitempty"`
	From   time.Time         `json:"from"`
	To     time.Time         `json:"to"`
	Step   time.Duration     `json:"step"` // 0: (To-From)/DefaultSeriesSteps rounded up to a millisecond
	Agg    string            `json:"agg"`  // AggAvg when empty
}

// Normalize validates q and fills in the defaults (Step, Agg); times are made UTC.
func (q SeriesQuery) Normalize() (SeriesQuery, error) {
	if !ValidMetricCode(q.Code) {
		return q, invalid("code", "%q is not a metric code", q.Code)
	}
	if err := ValidateLabels("labels", q.Labels); err != nil {
		return q, err
	}
	if q.From.IsZero() || q.To.IsZero() {
		return q, invalid("from", "from and to are required")
	}
	if !q.From.Before(q.To) {
		return q, invalid("to", "must be after from")
	}
	q.From, q.To = q.From.UTC(), q.To.UTC()
	if q.Agg == "" {
		q.Agg = AggAvg
	}
	if err := oneOf("agg", q.Agg, Aggregations); err != nil {
		return q, err
	}
	span := q.To.Sub(q.From)
	switch {
	case q.Step < 0:
		return q, invalid("step", "must not be negative")
	case q.Step == 0:
		q.Step = (span + DefaultSeriesSteps - 1) / DefaultSeriesSteps
		q.Step = (q.Step + time.Millisecond - 1).Truncate(time.Millisecond)
	case q.Step%time.Millisecond != 0:
		return q, invalid("step", "must be a whole number of milliseconds")
	}
	if steps := span/q.Step + 1; steps > MaxSeriesSteps {
		return q, invalid("step", "%s gives %d steps over %s; at most %d are allowed", q.Step, steps, span, MaxSeriesSteps)
	}
	return q, nil
}

// SeriesPoint is one step of a series: its start in Unix milliseconds and its value. It reads and
// writes JSON as the pair [unix_ms, value], the shape chart libraries take.
type SeriesPoint struct {
	Time  int64
	Value float64
}

// MarshalJSON writes [unix_ms, value].
func (p SeriesPoint) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 32)
	b = append(b, '[')
	b = strconv.AppendInt(b, p.Time, 10)
	b = append(b, ',')
	b = strconv.AppendFloat(b, p.Value, 'g', -1, 64)
	return append(b, ']'), nil
}

// UnmarshalJSON reads [unix_ms, value].
func (p *SeriesPoint) UnmarshalJSON(b []byte) error {
	var pair [2]json.Number
	if err := json.Unmarshal(b, &pair); err != nil {
		return err
	}
	t, err := pair[0].Int64()
	if err != nil {
		return err
	}
	v, err := pair[1].Float64()
	if err != nil {
		return err
	}
	p.Time, p.Value = t, v
	return nil
}

// MetricStore keeps metric definitions and points of each tenant. Writing points for a code
// without a definition defines it (name = code, no unit).
type MetricStore interface {
	// DefineMetric creates or updates (name, unit) the definition of d.Code.
	DefineMetric(ctx context.Context, tenant string, d MetricDefinition) (MetricDefinition, error)
	// MetricDefinition returns the definition of code; ENotFound if there is none.
	MetricDefinition(ctx context.Context, tenant, code string) (MetricDefinition, error)
	// ListMetricDefinitions lists definitions ordered by code.
	ListMetricDefinitions(ctx context.Context, tenant string, opt ListOptions) (Page[MetricDefinition], error)
	// DeleteMetricDefinition deletes the definition of code and every point of the code.
	DeleteMetricDefinition(ctx context.Context, tenant, code string) error
	// ListSeries returns the label sets of the series of code that were written, sorted by
	// LabelsKey (the main series is an empty map).
	ListSeries(ctx context.Context, tenant, code string) ([]map[string]string, error)

	// WritePoints stores points in one transaction: all or none. A point of an existing series and
	// millisecond replaces the stored value. Times are kept to the millisecond.
	WritePoints(ctx context.Context, tenant string, points []MetricPoint) error
	// QuerySeries returns one point per step holding data, in time order (steps without points
	// are left out).
	QuerySeries(ctx context.Context, tenant string, q SeriesQuery) ([]SeriesPoint, error)
	// DeletePointsBefore deletes the points of tenant older than before and returns how many it
	// deleted; tenant "" applies to every tenant (the retention job).
	DeletePointsBefore(ctx context.Context, tenant string, before time.Time) (int64, error)
}

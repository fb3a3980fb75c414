package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"livedash"
)

// MaxIngestPoints is the most points one ingest request may carry.
const MaxIngestPoints = 10_000

type ingestRequest struct {
	Tenant string         `json:"tenant,omitempty"` // API-key requests only (or X-Livedash-Tenant)
	Points []pointRequest `json:"points"`
}

type pointRequest struct {
	Code   string            `json:"code"`
	Value  *float64          `json:"value"`
	TS     json.RawMessage   `json:"ts"` // RFC 3339 string or Unix milliseconds; now when absent
	Labels map[string]string `json:"labels"`
}

func handleMetricIngest(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decode[ingestRequest](w, r, d.MaxBodyBytes)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		points, err := req.points()
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		if byAPIKey(r) {
			tenant := r.Header.Get(TenantHeader)
			if req.Tenant != "" && tenant != "" && req.Tenant != tenant {
				writeError(w, r, d.Logger, badField("tenant", "differs from the "+TenantHeader+" header"))
				return
			}
			if tenant == "" {
				tenant = req.Tenant
			}
			if !livedash.ValidTenantID(tenant) {
				writeError(w, r, d.Logger, badField("tenant", "name the tenant in the "+TenantHeader+" header or the body's \"tenant\""))
				return
			}
			if _, err := d.Tenants.Tenant(r.Context(), tenant); err != nil {
				writeError(w, r, d.Logger, err)
				return
			}
			res, err := d.Service.Ingest(r.Context(), tenant, points)
			if err != nil {
				writeError(w, r, d.Logger, err)
				return
			}
			encode(w, http.StatusOK, res)
			return
		}
		p := principalOf(r)
		if req.Tenant != "" && req.Tenant != p.Tenant {
			writeError(w, r, d.Logger, errorf(livedash.EForbidden, "a token ingests into its own tenant %q only", p.Tenant))
			return
		}
		res, err := d.Service.IngestAs(r.Context(), p, points)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		encode(w, http.StatusOK, res)
	})
}

// points converts and validates the request's points; errors name the point ("points[3].value").
// A point without ts keeps the zero time, which the service takes as now.
func (req ingestRequest) points() ([]livedash.MetricPoint, error) {
	switch {
	case len(req.Points) == 0:
		return nil, badField("points", "must hold at least one point")
	case len(req.Points) > MaxIngestPoints:
		return nil, badField("points", fmt.Sprintf("must hold at most %d points", MaxIngestPoints))
	}
	out := make([]livedash.MetricPoint, len(req.Points))
	for i, pr := range req.Points {
		field := func(name string) string { return fmt.Sprintf("points[%d].%s", i, name) }
		if pr.Value == nil {
			return nil, badField(field("value"), "is required")
		}
		ts, err := parseTime(pr.TS)
		if err != nil {
			return nil, badField(field("ts"), err.Error())
		}
		p := livedash.MetricPoint{Code: pr.Code, Value: *pr.Value, Time: ts, Labels: pr.Labels}
		if err := p.Validate(); err != nil {
			return nil, prefixed(fmt.Sprintf("points[%d]", i), err)
		}
		out[i] = p
	}
	return out, nil
}

// parseTime reads a JSON time: an RFC 3339 string or a number of Unix milliseconds. Absent or
// null gives the zero time.
func parseTime(raw json.RawMessage) (time.Time, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return time.Time{}, nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return time.Time{}, fmt.Errorf("must be an RFC 3339 time or Unix milliseconds")
		}
		return parseTimeText(s)
	}
	return parseTimeText(string(raw))
}

// parseTimeText reads an RFC 3339 time or a whole number of Unix milliseconds.
func parseTimeText(s string) (time.Time, error) {
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		if ms < 0 || ms > 253402300799999 {
			return time.Time{}, fmt.Errorf("is out of range")
		}
		return time.UnixMilli(ms).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("must be an RFC 3339 time (2026-01-02T15:04:05Z) or Unix milliseconds")
	}
	return t, nil
}

// prefixed prefixes the field of a validation error: "code: …" becomes "points[2].code: …".
func prefixed(prefix string, err error) error {
	msg := livedash.ErrorMessage(err)
	if livedash.ErrorCode(err) != livedash.EBadRequest {
		return err
	}
	if field, problem, ok := fieldOf(msg); ok {
		return badField(prefix+"."+field, problem)
	}
	return errorf(livedash.EBadRequest, "%s: %s", prefix, msg)
}

func handleMetricList(d Deps) http.Handler { return listHandler(d, d.Service.MetricDefinitions) }

type seriesResponse struct {
	Code   string                 `json:"code"`
	Labels map[string]string      `json:"labels,omitempty"`
	From   time.Time              `json:"from"`
	To     time.Time              `json:"to"`
	Step   string                 `json:"step"`
	Agg    string                 `json:"agg"`
	Points []livedash.SeriesPoint `json:"points"`
}

// DefaultSeriesRange is how far back a series query without from goes.
const DefaultSeriesRange = time.Hour

func handleSeries(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q, err := seriesQuery(r, time.Now())
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		if q, err = q.Normalize(); err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		points, err := d.Service.Series(r.Context(), principalOf(r), q)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		if points == nil {
			points = []livedash.SeriesPoint{}
		}
		encode(w, http.StatusOK, seriesResponse{
			Code: q.Code, Labels: q.Labels, From: q.From, To: q.To,
			Step: livedash.Duration(q.Step).String(), Agg: q.Agg, Points: points,
		})
	})
}

// seriesQuery reads /metrics/{code}/series?from=&to=&step=&agg=&labels=k=v,… . to defaults to
// now, from to DefaultSeriesRange before to.
func seriesQuery(r *http.Request, now time.Time) (livedash.SeriesQuery, error) {
	v := r.URL.Query()
	q := livedash.SeriesQuery{Code: r.PathValue("code"), Agg: v.Get("agg")}
	var err error
	if s := v.Get("to"); s != "" {
		if q.To, err = parseTimeText(s); err != nil {
			return q, badField("to", err.Error())
		}
	} else {
		q.To = now
	}
	if s := v.Get("from"); s != "" {
		if q.From, err = parseTimeText(s); err != nil {
			return q, badField("from", err.Error())
		}
	} else {
		q.From = q.To.Add(-DefaultSeriesRange)
	}
	if s := v.Get("step"); s != "" {
		if q.Step, err = parseStep(s); err != nil {
			return q, badField("step", err.Error())
		}
	}
	if q.Labels, err = labelsParam(v.Get("labels")); err != nil {
		return q, err
	}
	return q, nil
}

// labelsParam reads a labels query parameter, name=value pairs separated by commas ("," and "\"
// in values escaped by "\", as in livedash.LabelsKey). "" gives nil.
func labelsParam(s string) (map[string]string, error) {
	if s == "" {
		return nil, nil
	}
	bad := badField("labels", "must be name=value pairs separated by commas")
	// Every pair needs a non-empty name and an "=", and no name may repeat.
	names := map[string]bool{}
	start, inValue := 0, false
	for i := 0; i <= len(s); i++ {
		switch {
		case i == len(s) || (inValue && s[i] == ','):
			if !inValue {
				return nil, bad
			}
			inValue, start = false, i+1
		case inValue && s[i] == '\\':
			i++
		case !inValue && s[i] == '=':
			name := s[start:i]
			if name == "" || names[name] {
				return nil, bad
			}
			names[name], inValue = true, true
		case !inValue && s[i] == ',':
			return nil, bad
		}
	}
	labels := livedash.ParseLabelsKey(s)
	if err := livedash.ValidateLabels("labels", labels); err != nil {
		return nil, err
	}
	return labels, nil
}

// summaryResponse is the answer of GET /metrics/{code}/summary.
type summaryResponse struct {
	Code   string          `json:"code"`
	Series []seriesSummary `json:"series"`
}

type seriesSummary struct {
	Labels  map[string]string `json:"labels"` // {} for the main series
	Windows []windowSummary   `json:"windows"`
}

// windowSummary is analytics.WindowStats with the window as a Go duration string.
type windowSummary struct {
	Window      string  `json:"window"`
	Count       int     `json:"count"`
	Min         float64 `json:"min"`
	Max         float64 `json:"max"`
	Mean        float64 `json:"mean"`
	P95         float64 `json:"p95"`
	P95RelError float64 `json:"p95_rel_error"`
	RatePerSec  float64 `json:"rate_per_sec"`
}

func handleMetricSummary(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code := r.PathValue("code")
		labels, err := labelsParam(r.URL.Query().Get("labels"))
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		sums, err := d.Service.MetricSummary(r.Context(), principalOf(r), code, labels)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		resp := summaryResponse{Code: code, Series: make([]seriesSummary, len(sums))}
		for i, sum := range sums {
			ss := seriesSummary{Labels: sum.Labels, Windows: make([]windowSummary, len(sum.Windows))}
			if ss.Labels == nil {
				ss.Labels = map[string]string{}
			}
			for j, ws := range sum.Windows {
				ss.Windows[j] = windowSummary{
					Window: livedash.Duration(ws.Window).String(), Count: ws.Count,
					Min: ws.Min, Max: ws.Max, Mean: ws.Mean, P95: ws.P95, P95RelError: ws.P95RelError,
					RatePerSec: ws.RatePerSec,
				}
			}
			resp.Series[i] = ss
		}
		encode(w, http.StatusOK, resp)
	})
}

// parseStep reads a Go duration ("30s", "5m") or a number of seconds ("60", "0.5").
func parseStep(s string) (time.Duration, error) {
	if secs, err := strconv.ParseFloat(s, 64); err == nil {
		if secs <= 0 || secs > 1e9 {
			return 0, fmt.Errorf("must be a positive number of seconds or a duration such as 30s")
		}
		return time.Duration(secs * float64(time.Second)).Round(time.Millisecond), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("must be a positive duration such as 30s or 5m, or a number of seconds")
	}
	return d, nil
}

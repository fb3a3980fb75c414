package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"livedash"
	"livedash/analytics"
	"livedash/service"
)

func TestMetricSummaryAndInsights(t *testing.T) {
	// Fires on the first out-of-band point once 10 points have formed the baseline.
	eng := analytics.New(analytics.Config{MinSamples: 10, Sustain: -1})
	e := newEnvWith(t, func(c *service.Config) { c.Analytics = eng })

	// 20 points a second apart ending 10 s ago: 10 for 15 s, then 100.
	base := time.Now().Add(-30 * time.Second).Truncate(time.Second)
	var points []any
	for i := range 20 {
		v := 10
		if i >= 15 {
			v = 100
		}
		ts := base.Add(time.Duration(i) * time.Second).UnixMilli()
		points = append(points,
			map[string]any{"code": "cpu", "value": v, "ts": ts},
			map[string]any{"code": "cpu", "value": 1, "ts": ts, "labels": map[string]string{"core": "1", "host": "a,b"}})
	}
	e.do("POST", "/api/v1/metrics", map[string]any{"points": points}, e.as("acme/editor")).wantStatus(http.StatusOK)
	var insightEvents []livedash.Publication
	e.pub.mu.Lock()
	for _, p := range e.pub.pubs {
		if p.Event == service.EventInsight {
			insightEvents = append(insightEvents, p)
		}
	}
	e.pub.mu.Unlock()
	if len(insightEvents) != 1 || insightEvents[0].Channel != "metrics.acme" {
		t.Fatalf("insight events %v", e.pub.events())
	}

	// Insights: any role of the tenant; another tenant has none.
	var list struct {
		Items []analytics.Insight `json:"items"`
	}
	e.do("GET", "/api/v1/insights", nil, e.as("acme/viewer")).wantStatus(http.StatusOK).into(&list)
	if len(list.Items) != 1 {
		t.Fatalf("insights %+v", list)
	}
	in := list.Items[0]
	if in.Code != "cpu" || in.Kind != analytics.KindSpike || in.Value != 100 || in.Baseline != 10 ||
		!in.Time.Equal(base.Add(15*time.Second)) || in.Message == "" {
		t.Errorf("insight %+v", in)
	}
	var ev analytics.Insight
	if err := json.Unmarshal(insightEvents[0].Data, &ev); err != nil || ev.ID != in.ID {
		t.Errorf("event %s, listed %+v", insightEvents[0].Data, in)
	}
	r := e.do("GET", "/api/v1/insights?limit=5", nil, e.as("other/admin")).wantStatus(http.StatusOK)
	if string(r.body) != `{"items":[]}`+"\n" && string(r.body) != `{"items":[]}` {
		t.Errorf("other tenant's insights %s", r.body)
	}
	for _, q := range []string{"limit=-1", "limit=501", "limit=many"} {
		e.do("GET", "/api/v1/insights?"+q, nil, e.as("acme/viewer")).wantField("limit")
	}

	// Summary of every series of the code; windows as Go durations.
	r = e.do("GET", "/api/v1/metrics/cpu/summary", nil, e.as("acme/viewer")).wantStatus(http.StatusOK)
	if !strings.Contains(string(r.body), `"window":"1m"`) || !strings.Contains(string(r.body), `"window":"15m"`) {
		t.Errorf("windows are not duration strings: %s", r.body)
	}
	var sum struct {
		Code   string `json:"code"`
		Series []struct {
			Labels  map[string]string `json:"labels"`
			Windows []struct {
				Window      string  `json:"window"`
				Count       int     `json:"count"`
				Min         float64 `json:"min"`
				Max         float64 `json:"max"`
				Mean        float64 `json:"mean"`
				P95         float64 `json:"p95"`
				P95RelError float64 `json:"p95_rel_error"`
				RatePerSec  float64 `json:"rate_per_sec"`
			} `json:"windows"`
		} `json:"series"`
	}
	r.into(&sum)
	if sum.Code != "cpu" || len(sum.Series) != 2 || sum.Series[0].Labels == nil || len(sum.Series[0].Labels) != 0 ||
		sum.Series[1].Labels["host"] != "a,b" || len(sum.Series[0].Windows) != 3 {
		t.Fatalf("summary %s", r.body)
	}
	w := sum.Series[0].Windows[0]
	if w.Window != "1m" || w.Count != 20 || w.Min != 10 || w.Max != 100 || w.Mean != (15*10+5*100)/20.0 ||
		w.P95 < 99 || w.P95 > 100 || w.P95RelError <= 0 || w.RatePerSec <= 0 {
		t.Errorf("1m window %+v", w)
	}

	// One series by its labels (a comma in a value escaped as in LabelsKey).
	r = e.do("GET", `/api/v1/metrics/cpu/summary?labels=host=a\,b,core=1`, nil, e.as("acme/viewer")).wantStatus(http.StatusOK)
	r.into(&sum)
	if len(sum.Series) != 1 || sum.Series[0].Labels["core"] != "1" || sum.Series[0].Windows[0].Count != 20 || sum.Series[0].Windows[0].Max != 1 {
		t.Fatalf("labelled summary %s", r.body)
	}

	// Bad labels and codes are 400; unknown codes, label sets and other tenants' series 404.
	for _, q := range []string{"labels=nolabel", "labels=a=1,b", "labels==1", "labels=a=1,a=2", "labels=bad%20name=x", "labels=a=1,,b=2"} {
		e.do("GET", "/api/v1/metrics/cpu/summary?"+q, nil, e.as("acme/viewer")).wantField("labels")
	}
	e.do("GET", "/api/v1/metrics/bad%20code/summary", nil, e.as("acme/viewer")).wantField("code")
	e.do("GET", "/api/v1/metrics/nope/summary", nil, e.as("acme/viewer")).wantError(http.StatusNotFound, livedash.ENotFound)
	e.do("GET", "/api/v1/metrics/cpu/summary?labels=core=9", nil, e.as("acme/viewer")).wantError(http.StatusNotFound, livedash.ENotFound)
	e.do("GET", "/api/v1/metrics/cpu/summary", nil, e.as("other/admin")).wantError(http.StatusNotFound, livedash.ENotFound)
	e.do("GET", "/api/v1/metrics/cpu/summary", nil).wantError(http.StatusUnauthorized, livedash.EUnauthenticated)
	e.do("GET", "/api/v1/insights", nil).wantError(http.StatusUnauthorized, livedash.EUnauthenticated)
}

func TestSummaryAndInsightsWithAnalyticsOff(t *testing.T) {
	e := newEnv(t)
	e.do("POST", "/api/v1/metrics", map[string]any{"points": []any{map[string]any{"code": "cpu", "value": 1}}}, e.as("acme/editor")).wantStatus(http.StatusOK)
	e.do("GET", "/api/v1/metrics/cpu/summary", nil, e.as("acme/viewer")).wantError(http.StatusNotFound, livedash.ENotFound)
	var list struct {
		Items []analytics.Insight `json:"items"`
	}
	e.do("GET", "/api/v1/insights", nil, e.as("acme/viewer")).wantStatus(http.StatusOK).into(&list)
	if list.Items == nil || len(list.Items) != 0 {
		t.Fatalf("insights %+v", list)
	}
}

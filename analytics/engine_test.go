package analytics

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"livedash"
)

func TestSeriesKeyedByTenantCodeAndLabels(t *testing.T) {
	clk := &clock{t: t0.Add(30 * time.Second)}
	e := New(Config{Now: clk.Now})
	a := map[string]string{"host": "a", "iface": "eth0"}
	e.Observe("t1", []livedash.MetricPoint{
		pt("m", t0, 1, a),
		pt("m", t0, 2, map[string]string{"iface": "eth0", "host": "a"}), // same labels
		pt("m", t0, 10, map[string]string{"host": "b", "iface": "eth0"}),
		pt("m", t0, 100, nil),
	})
	e.Observe("t2", []livedash.MetricPoint{pt("m", t0, 1000, a)})
	a["host"] = "changed" // the engine keeps its own copy

	s, ok := e.Summary("t1", "m", map[string]string{"iface": "eth0", "host": "a"})
	if !ok || s.Windows[0].Count != 2 || s.Windows[0].Mean != 1.5 || s.Labels["host"] != "a" {
		t.Errorf("t1 host a: %+v, %v", s, ok)
	}
	if s, _ := e.Summary("t2", "m", map[string]string{"iface": "eth0", "host": "a"}); s.Windows[0].Mean != 1000 {
		t.Errorf("t2: %+v", s)
	}
	if _, ok := e.Summary("t1", "m", map[string]string{"host": "a"}); ok {
		t.Error("a label subset matched a series")
	}
	if _, ok := e.Summary("t3", "m", nil); ok {
		t.Error("unknown tenant has a summary")
	}
	all := e.Summaries("t1", "m")
	if len(all) != 3 {
		t.Fatalf("Summaries: %d, want 3", len(all))
	}
	var means []string
	for _, s := range all {
		means = append(means, fmt.Sprint(s.Windows[0].Mean))
	}
	if got := strings.Join(means, " "); got != "100 1.5 10" { // sorted by labels: none, host=a, host=b
		t.Errorf("Summaries order by means: %s", got)
	}
	if st := e.Stats(); st.Series != 4 {
		t.Errorf("Stats = %+v", st)
	}
}

func TestInsightsNewestFirstAndBounded(t *testing.T) {
	clk := &clock{}
	e := New(Config{Now: clk.Now, Sustain: -1, Cooldown: -1, MaxInsights: 5})
	// each series: 40 quiet points, then one spike
	for n := 0; n < 8; n++ {
		code := fmt.Sprintf("m%d", n)
		start := t0.Add(time.Duration(n) * time.Minute)
		got := feed(e, clk, code, nil, start, 41, func(i int) float64 {
			if i == 40 {
				return 1000
			}
			return 10 + float64(i%2)
		})
		if len(got) != 1 {
			t.Fatalf("%s: %d insights", code, len(got))
		}
	}
	list := e.Insights("t1", 0)
	if len(list) != 5 {
		t.Fatalf("%d insights kept, want 5", len(list))
	}
	for i, in := range list {
		if want := fmt.Sprintf("m%d", 7-i); in.Code != want {
			t.Errorf("insight %d is %s, want %s (newest first)", i, in.Code, want)
		}
	}
	if l := e.Insights("t1", 2); len(l) != 2 || l[0].Code != "m7" || l[1].Code != "m6" {
		t.Errorf("limit 2: %v", l)
	}
	if l := e.Insights("other", 10); len(l) != 0 {
		t.Errorf("other tenant sees %d insights", len(l))
	}
	ids := map[string]bool{}
	for _, in := range list {
		if ids[in.ID] {
			t.Errorf("duplicate id %s", in.ID)
		}
		ids[in.ID] = true
	}
}

func TestIdleSeriesForgottenAndMaxSeries(t *testing.T) {
	clk := &clock{t: t0}
	e := New(Config{Now: clk.Now, MaxSeries: 3, Sustain: -1})
	e.Observe("t1", []livedash.MetricPoint{pt("a", t0, 1, nil), pt("b", t0, 1, nil), pt("c", t0, 1, nil), pt("d", t0, 1, nil)})
	if st := e.Stats(); st.Series != 3 || st.DroppedPoints != 1 {
		t.Errorf("Stats = %+v, want 3 series, 1 dropped", st)
	}
	// a keeps reporting; b and c fall silent for over an hour
	for m := 1; m <= 70; m++ {
		clk.Set(t0.Add(time.Duration(m) * time.Minute))
		e.Observe("t1", []livedash.MetricPoint{pt("a", clk.Now(), 1, nil)})
	}
	if st := e.Stats(); st.Series != 1 {
		t.Errorf("Stats = %+v, want 1 series after an idle hour", st)
	}
	if _, ok := e.Summary("t1", "b", nil); ok {
		t.Error("idle series b still has a summary")
	}
	if got := e.Summaries("t1", "b"); len(got) != 0 {
		t.Errorf("Summaries of a forgotten code: %v", got)
	}
	e.Observe("t1", []livedash.MetricPoint{pt("d", clk.Now(), 1, nil)})
	if _, ok := e.Summary("t1", "d", nil); !ok {
		t.Error("a new series is refused once there is room again")
	}
}

func TestConcurrentUse(t *testing.T) {
	e := New(Config{Sustain: -1, Cooldown: -1, Describe: describe})
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		tenant := fmt.Sprintf("t%d", g%2)
		wg.Go(func() {
			labels := map[string]string{"host": tenant}
			for i := 0; i < 2000; i++ {
				v := 10 + float64(i%3)
				if i%500 == 499 {
					v = 1e6
				}
				e.Observe(tenant, []livedash.MetricPoint{
					{Code: "host.cpu.percent", Value: v, Labels: labels},
					{Code: "other", Value: v},
				})
			}
		})
		wg.Go(func() {
			for i := 0; i < 500; i++ {
				e.Summary(tenant, "host.cpu.percent", map[string]string{"host": tenant})
				e.Summaries(tenant, "other")
				e.Insights(tenant, 10)
				e.Stats()
			}
		})
	}
	wg.Wait()
	if len(e.Insights("t0", 0)) == 0 {
		t.Error("no insights from the spikes")
	}
}

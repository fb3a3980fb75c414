package service

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"livedash"
)

func TestIngestPublishesOneMetricUpdatePerCode(t *testing.T) {
	e := newEnv(t)
	eth0 := map[string]string{"iface": "eth0"}
	batch := []livedash.MetricPoint{
		pt("cpu", 2*time.Second, 30),
		pt("cpu", 0, 10),
		pt("cpu", time.Second, 20),
		pt("cpu", time.Second, 25), // same millisecond: the last wins
		{Code: "net.rx", Time: t0, Value: 100, Labels: eth0},
		{Code: "net.rx", Time: t0.Add(time.Second), Value: 150, Labels: eth0},
		{Code: "mem", Value: 7}, // no time: now
	}
	res := e.ingest(batch...)
	if res.Accepted != len(batch) || !slices.Equal(res.Codes, []string{"cpu", "mem", "net.rx"}) {
		t.Fatalf("result = %+v", res)
	}
	evs := e.pub.take()
	if got := channels(t, evs, EventMetricUpdate); !slices.Equal(got, []string{"metrics.acme", "metrics.acme", "metrics.acme"}) {
		t.Fatalf("channels = %v, want one metric_update per code", got)
	}
	ms := t0.UnixMilli()
	want := map[string]string{
		"cpu":    fmt.Sprintf(`{"code":"cpu","points":[[%d,10],[%d,25],[%d,30]],"last":30}`, ms, ms+1000, ms+2000),
		"mem":    fmt.Sprintf(`{"code":"mem","points":[[%d,7]],"last":7}`, ms),
		"net.rx": fmt.Sprintf(`{"code":"net.rx","series":[{"labels":{"iface":"eth0"},"points":[[%d,100],[%d,150]],"last":150}]}`, ms, ms+1000),
	}
	for _, ev := range evs {
		var head struct{ Code string }
		_ = json.Unmarshal(ev.Data, &head)
		if string(ev.Data) != want[head.Code] {
			t.Errorf("metric_update of %s = %s\nwant %s", head.Code, ev.Data, want[head.Code])
		}
	}
	// Stored: the series answers what the event said.
	got, err := e.svc.Series(ctxT, e.viewer, livedash.SeriesQuery{Code: "cpu", From: t0, To: t0.Add(time.Minute), Step: time.Second})
	if err != nil || len(got) != 3 || got[1].Value != 25 {
		t.Fatalf("Series = %v, %v", got, err)
	}
	defs, err := e.svc.MetricDefinitions(ctxT, e.viewer, livedash.ListOptions{})
	if err != nil || len(defs.Items) != 3 {
		t.Fatalf("MetricDefinitions = %+v, %v", defs, err)
	}
	if res, err := e.svc.Ingest(ctxT, tenantA, nil); err != nil || res.Accepted != 0 || len(e.pub.take()) != 0 {
		t.Fatalf("empty batch = %+v, %v", res, err)
	}
}

// alertRule creates "cpu > 90 for 1m" sent to the viewer by id and to admins by role.
func (e *env) alertRule(forDur time.Duration, labels map[string]string) livedash.AlertRule {
	e.t.Helper()
	r, err := e.svc.CreateAlertRule(ctxT, e.editor, livedash.AlertRule{
		Name: "CPU high", MetricCode: "cpu", Labels: labels, Comparison: livedash.CompareGT, Threshold: 90,
		For: livedash.Duration(forDur), Severity: livedash.SeverityCritical, Enabled: true,
		Recipients: livedash.Recipients{Users: []string{e.viewer.UserID}, Roles: []string{livedash.RoleAdmin}},
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// alertEvents returns the alert events among evs (ignoring metric and widget updates).
func alertEvents(evs []published) []published {
	var out []published
	for _, ev := range evs {
		if ev.Event == EventNewAlert || ev.Event == EventAlertUpdate {
			out = append(out, ev)
		}
	}
	return out
}

func TestAlertLifecycle(t *testing.T) {
	e := newEnv(t)
	r := e.alertRule(time.Minute, nil)
	recipients := sortedStrings("alerts."+e.viewer.UserID, "alerts."+e.admin.UserID)

	steps := []struct {
		name   string
		points []livedash.MetricPoint
		event  string // "" for none
		change string
		state  string // state of the rule's latest alert afterwards ("" for none)
	}{
		{"breached, not yet for 1m", []livedash.MetricPoint{pt("cpu", 0, 95), pt("cpu", 30*time.Second, 96)}, "", "", ""},
		{"other code and other series ignored", []livedash.MetricPoint{pt("mem", 70*time.Second, 99),
			{Code: "cpu", Time: t0.Add(70 * time.Second), Value: 1, Labels: map[string]string{"core": "0"}}}, "", "", ""},
		{"breached for 1m fires", []livedash.MetricPoint{pt("cpu", 60*time.Second, 97)}, EventNewAlert, livedash.AlertFiring, livedash.AlertFiring},
		{"still breached: no second alert", []livedash.MetricPoint{pt("cpu", 90*time.Second, 98), pt("cpu", 100*time.Second, 99)}, "", "", livedash.AlertFiring},
		{"recovered resolves", []livedash.MetricPoint{pt("cpu", 120*time.Second, 50)}, EventAlertUpdate, ChangeResolved, livedash.AlertResolved},
		{"recovered again: nothing", []livedash.MetricPoint{pt("cpu", 130*time.Second, 40)}, "", "", livedash.AlertResolved},
		{"a new breach in one batch fires once", []livedash.MetricPoint{pt("cpu", 150*time.Second, 91), pt("cpu", 180*time.Second, 92), pt("cpu", 210*time.Second, 93), pt("cpu", 240*time.Second, 94)},
			EventNewAlert, livedash.AlertFiring, livedash.AlertFiring},
	}
	var lastID string
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			e.ingest(st.points...)
			evs := alertEvents(e.pub.take())
			if st.event == "" {
				if len(evs) != 0 {
					t.Fatalf("published %v", evs)
				}
			} else {
				if got := channels(t, evs, st.event); !slices.Equal(got, recipients) {
					t.Fatalf("%s channels = %v, want %v", st.event, got, recipients)
				}
				for _, ev := range evs {
					a := decode[AlertEvent](t, ev)
					if a.Change != st.change || a.Alert.RuleID != r.ID || a.Alert.State != st.state {
						t.Fatalf("event = %+v", a)
					}
					if st.event == EventNewAlert && (a.Alert.ID == lastID || a.Alert.Value != map[bool]float64{true: 97, false: 93}[lastID == ""]) {
						t.Fatalf("new alert %+v (previous %s)", a.Alert, lastID)
					}
				}
				lastID = decode[AlertEvent](t, evs[0]).Alert.ID
			}
			page, err := e.svc.ListAlerts(ctxT, e.viewer, livedash.AlertFilter{RuleID: r.ID}, livedash.ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if st.state == "" {
				if len(page.Items) != 0 {
					t.Fatalf("alerts = %+v", page.Items)
				}
				return
			}
			if len(page.Items) == 0 || page.Items[0].State != st.state {
				t.Fatalf("alerts = %+v, want the latest %s", page.Items, st.state)
			}
		})
	}

	t.Run("acknowledge", func(t *testing.T) {
		a, err := e.svc.AcknowledgeAlert(ctxT, e.viewer, lastID)
		if err != nil || a.State != livedash.AlertAcknowledged || a.AcknowledgedBy != e.viewer.UserID {
			t.Fatalf("AcknowledgeAlert = %+v, %v", a, err)
		}
		evs := e.pub.take()
		if got := channels(t, evs, EventAlertUpdate); !slices.Equal(got, recipients) {
			t.Fatalf("channels = %v", got)
		}
		if ev := decode[AlertEvent](t, evs[0]); ev.Change != ChangeAcknowledged || ev.By != e.viewer.UserID || ev.Alert.ID != lastID {
			t.Fatalf("event = %+v", ev)
		}
		_, err = e.svc.AcknowledgeAlert(ctxT, e.admin, lastID)
		wantCode(t, err, livedash.EConflict)
		if evs := e.pub.take(); len(evs) != 0 {
			t.Fatalf("a failed acknowledge published %v", evs)
		}
	})

	t.Run("acknowledged alert resolves", func(t *testing.T) {
		e.ingest(pt("cpu", 300*time.Second, 10))
		evs := alertEvents(e.pub.take())
		if got := channels(t, evs, EventAlertUpdate); !slices.Equal(got, recipients) {
			t.Fatalf("channels = %v", got)
		}
		if ev := decode[AlertEvent](t, evs[0]); ev.Change != ChangeResolved || ev.Alert.State != livedash.AlertResolved || ev.Alert.ID != lastID {
			t.Fatalf("event = %+v", ev)
		}
	})
}

func TestAlertFiresAtOnceAndAfterRestart(t *testing.T) {
	e := newEnv(t)
	core0 := map[string]string{"core": "0"}
	r := e.alertRule(0, core0)
	labelled := func(at time.Duration, v float64) livedash.MetricPoint {
		return livedash.MetricPoint{Code: "cpu", Time: t0.Add(at), Value: v, Labels: core0}
	}
	e.ingest(pt("cpu", 0, 99)) // the main series: not the rule's
	if evs := alertEvents(e.pub.take()); len(evs) != 0 {
		t.Fatalf("published %v", evs)
	}
	e.ingest(labelled(0, 99))
	if got := channels(t, alertEvents(e.pub.take()), EventNewAlert); len(got) != 2 {
		t.Fatalf("new_alert channels = %v", got)
	}

	// A restarted node does not know the alert is open: it finds it in the store.
	e.svc = e.newService()
	e.ingest(labelled(10*time.Second, 99))
	if evs := alertEvents(e.pub.take()); len(evs) != 0 {
		t.Fatalf("restart: still breached published %v", evs)
	}
	e.svc = e.newService()
	e.ingest(labelled(20*time.Second, 5))
	evs := alertEvents(e.pub.take())
	if got := channels(t, evs, EventAlertUpdate); len(got) != 2 {
		t.Fatalf("alert_update channels = %v", got)
	}

	// Deleting a rule with an open alert announces its resolution.
	e.ingest(labelled(30*time.Second, 99))
	e.pub.take()
	if err := e.svc.DeleteAlertRule(ctxT, e.editor, r.ID, 0); err != nil {
		t.Fatal(err)
	}
	evs = e.pub.take()
	if got := channels(t, evs, EventAlertUpdate); len(got) != 2 {
		t.Fatalf("delete: alert_update channels = %v", got)
	}
	if ev := decode[AlertEvent](t, evs[0]); ev.Alert.State != livedash.AlertResolved || ev.By != e.editor.UserID {
		t.Fatalf("event = %+v", ev)
	}
	e.ingest(labelled(40*time.Second, 99))
	if evs := alertEvents(e.pub.take()); len(evs) != 0 {
		t.Fatalf("deleted rule fired: %v", evs)
	}
}

func TestWidgetValueCache(t *testing.T) {
	e := newEnv(t)
	d := e.dashboard(e.editor, livedash.VisibilityShared)
	avg := e.widget(e.editor, d.ID, statWidget(livedash.AggAvg, "cpu"))
	mx := e.widget(e.editor, d.ID, statWidget(livedash.AggMax, "cpu", "mem"))
	text := e.widget(e.editor, d.ID, livedash.Widget{Type: livedash.WidgetText, Title: "note", Position: livedash.GridPos{W: 1, H: 1}})
	e.clock.Set(t0.Add(10 * time.Minute))
	e.ingest(pt("cpu", 0, 10), pt("cpu", time.Minute, 30), pt("cpu", -2*time.Hour, 1000)) // the last is out of range
	e.pub.take()
	board := sortedStrings("dashboard."+e.editor.UserID, "board."+d.ID)

	value := func(t *testing.T, id string) WidgetValue {
		t.Helper()
		v, err := e.svc.WidgetValue(ctxT, e.viewer, id)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	stats := func(t *testing.T, hits, misses uint64) {
		t.Helper()
		if st := e.svc.CacheStats(); st.Hits != hits || st.Misses != misses {
			t.Fatalf("stats = %+v, want %d hits and %d misses", st, hits, misses)
		}
	}
	num := func(f *float64) any {
		if f == nil {
			return nil
		}
		return *f
	}

	// The ingest above refreshed both widgets already (they show cpu): reads hit.
	stats(t, 0, 0)
	if v := value(t, avg.ID); num(v.Value) != 20.0 {
		t.Fatalf("avg value = %v", num(v.Value))
	}
	stats(t, 1, 0)

	// A fresh service (restarted node) builds its index from the store and misses once.
	e.svc = e.newService()
	v := value(t, mx.ID)
	if num(v.Value) != 30.0 || len(v.Values) != 2 || v.Values[1].Code != "mem" || v.Values[1].Value != nil {
		t.Fatalf("max value = %+v", v)
	}
	stats(t, 0, 1)
	value(t, mx.ID)
	value(t, avg.ID)
	stats(t, 1, 2)
	if st := e.svc.CacheStats(); st.Entries != 2 || st.HitRate != 1.0/3 {
		t.Fatalf("stats = %+v", st)
	}

	tests := []struct {
		name    string
		points  []livedash.MetricPoint
		updates map[string]float64 // widget id → new value published
	}{
		{"new max and avg", []livedash.MetricPoint{pt("cpu", 2*time.Minute, 50)}, map[string]float64{avg.ID: 30, mx.ID: 50}},
		{"lower point: max unchanged", []livedash.MetricPoint{pt("cpu", 3*time.Minute, 20)}, map[string]float64{avg.ID: 27.5}},
		{"other code: nothing", []livedash.MetricPoint{pt("disk", 3*time.Minute, 30)}, nil},
		{"labelled series of the code: nothing", []livedash.MetricPoint{{Code: "cpu", Time: t0, Value: 1, Labels: map[string]string{"core": "1"}}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.ingest(tt.points...)
			var got []published
			for _, ev := range e.pub.take() {
				if ev.Event == EventWidgetUpdate {
					got = append(got, ev)
				}
			}
			if len(got) != 2*len(tt.updates) {
				t.Fatalf("widget_update events = %v, want %d", got, 2*len(tt.updates))
			}
			byWidget := map[string][]string{}
			for _, p := range got {
				ev := decode[WidgetEvent](t, p)
				want, ok := tt.updates[ev.WidgetID]
				if !ok || ev.Change != ChangeValue || ev.Value == nil || num(ev.Value.Value) != want || ev.Version != 1 {
					t.Fatalf("event = %s", p.Data)
				}
				byWidget[ev.WidgetID] = append(byWidget[ev.WidgetID], p.Channel)
			}
			for id, chans := range byWidget {
				if slices.Sort(chans); !slices.Equal(chans, board) {
					t.Fatalf("widget %s channels = %v", id, chans)
				}
			}
			// What was published is what is served, from the cache.
			before := e.svc.CacheStats()
			for id, want := range tt.updates {
				if v := value(t, id); num(v.Value) != want {
					t.Fatalf("value of %s = %v, want %v", id, num(v.Value), want)
				}
			}
			if after := e.svc.CacheStats(); after.Misses != before.Misses {
				t.Fatalf("refreshed values missed: %+v → %+v", before, after)
			}
		})
	}

	t.Run("new version misses", func(t *testing.T) {
		w := avg
		w.Query.Aggregation = livedash.AggMin
		u, err := e.svc.UpdateWidget(ctxT, e.editor, w)
		if err != nil {
			t.Fatal(err)
		}
		before := e.svc.CacheStats()
		v := value(t, u.ID)
		if num(v.Value) != 10.0 || v.Version != 2 || v.Aggregation != livedash.AggMin {
			t.Fatalf("value = %+v", v)
		}
		if after := e.svc.CacheStats(); after.Misses != before.Misses+1 {
			t.Fatalf("stats %+v → %+v, want one miss", before, after)
		}
	})

	t.Run("deleted widget is forgotten", func(t *testing.T) {
		if err := e.svc.DeleteWidget(ctxT, e.editor, mx.ID, 0); err != nil {
			t.Fatal(err)
		}
		_, err := e.svc.WidgetValue(ctxT, e.viewer, mx.ID)
		wantCode(t, err, livedash.ENotFound)
		if st := e.svc.CacheStats(); st.Entries != 1 {
			t.Fatalf("stats = %+v", st)
		}
	})

	t.Run("text widget has no value", func(t *testing.T) {
		_, err := e.svc.WidgetValue(ctxT, e.viewer, text.ID)
		wantCode(t, err, livedash.EBadRequest)
	})
}

// TestConcurrentUse runs ingests, reads and edits together (for -race).
func TestConcurrentUse(t *testing.T) {
	e := newEnv(t)
	e.alertRule(0, nil)
	d := e.dashboard(e.editor, livedash.VisibilityShared, statWidget(livedash.AggLast, "cpu"))
	w := d.Widgets[0]
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 10 {
				at := time.Duration(g*100+i) * time.Second
				if _, err := e.svc.Ingest(ctxT, tenantA, []livedash.MetricPoint{pt("cpu", at, float64(80+i*2))}); err != nil {
					t.Error(err)
				}
				if _, err := e.svc.WidgetValue(ctxT, e.viewer, w.ID); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Go(func() {
		for i := range 5 {
			nw := statWidget(livedash.AggAvg, "cpu")
			nw.DashboardID = d.ID
			nw.Title = fmt.Sprint(i)
			if _, err := e.svc.CreateWidget(ctxT, e.editor, nw); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Wait()
	page, err := e.svc.ListAlerts(ctxT, e.admin, livedash.AlertFilter{Open: true}, livedash.ListOptions{})
	if err != nil || len(page.Items) > 1 {
		t.Fatalf("open alerts = %+v, %v", page.Items, err)
	}
}

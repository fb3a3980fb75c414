package sqlstore

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"livedash"
)

func timeseries(title string, x int) livedash.Widget {
	return livedash.Widget{
		Type: livedash.WidgetTimeseries, Title: title,
		Query:    livedash.MetricQuery{Codes: []string{"cpu"}, Aggregation: livedash.AggAvg, Range: livedash.Duration(time.Hour), Labels: map[string]string{"host": "a"}},
		Options:  json.RawMessage(`{"color": "red"}`),
		Position: livedash.GridPos{X: x, Y: 0, W: 6, H: 4},
	}
}

// wantConflict fails unless err is a *VersionConflict with the current version.
func wantConflict(t *testing.T, err error, current int64) {
	t.Helper()
	wantCode(t, err, livedash.EConflict)
	vc, ok := errors.AsType[*livedash.VersionConflict](err)
	if !ok || vc.Current != current {
		t.Fatalf("error %v: want a VersionConflict with current version %d", err, current)
	}
}

func TestDashboards(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		tn := newTenant(t, s)
		owner, other := newUser(t, s, tn, "owner"), newUser(t, s, tn, "other")
		d := must[livedash.Dashboard](t)(s.CreateDashboard(ctxT, tn, livedash.Dashboard{
			OwnerID: owner.ID, Name: "Ops", Description: "all", Layout: json.RawMessage(`{ "columns": 12 }`),
			Widgets: []livedash.Widget{timeseries("CPU", 0), {Type: livedash.WidgetText, Title: "Notes", Position: livedash.GridPos{X: 6, W: 6, H: 2}}},
		}))
		if d.Version != 1 || d.Visibility != livedash.VisibilityPrivate || string(d.Layout) != `{"columns":12}` || len(d.Widgets) != 2 {
			t.Fatalf("created %+v", d)
		}
		got := must[livedash.Dashboard](t)(s.Dashboard(ctxT, tn, d.ID))
		if got.Name != "Ops" || got.OwnerID != owner.ID || got.Version != 1 || len(got.Widgets) != 2 || !got.UpdatedAt.Equal(d.UpdatedAt) {
			t.Fatalf("Dashboard = %+v", got)
		}
		w := got.Widgets[0]
		if w.Title != "CPU" || w.Version != 1 || w.DashboardID != d.ID || w.Query.Labels["host"] != "a" || w.Query.Range != livedash.Duration(time.Hour) ||
			string(w.Options) != `{"color":"red"}` || w.Position != (livedash.GridPos{X: 0, Y: 0, W: 6, H: 4}) {
			t.Errorf("widget = %+v", w)
		}
		nullLayout := must[livedash.Dashboard](t)(s.CreateDashboard(ctxT, tn, livedash.Dashboard{OwnerID: owner.ID, Name: "null layout", Layout: json.RawMessage("null")}))
		if string(nullLayout.Layout) != "{}" {
			t.Errorf("null layout stored as %s", nullLayout.Layout)
		}
		ok(t, s.DeleteDashboard(ctxT, tn, nullLayout.ID, 0))
		if got.Widgets[1].Query.Codes == nil || string(got.Widgets[1].Options) != "{}" {
			t.Errorf("text widget = %+v", got.Widgets[1])
		}

		for _, tt := range []struct {
			name string
			d    livedash.Dashboard
		}{
			{"no name", livedash.Dashboard{OwnerID: owner.ID}},
			{"bad visibility", livedash.Dashboard{OwnerID: owner.ID, Name: "x", Visibility: "public"}},
			{"layout not an object", livedash.Dashboard{OwnerID: owner.ID, Name: "x", Layout: json.RawMessage(`[1]`)}},
			{"no owner", livedash.Dashboard{Name: "x"}},
			{"bad widget", livedash.Dashboard{OwnerID: owner.ID, Name: "x", Widgets: []livedash.Widget{{Type: "pie"}}}},
			{"widget without query", livedash.Dashboard{OwnerID: owner.ID, Name: "x", Widgets: []livedash.Widget{{Type: livedash.WidgetGauge, Position: livedash.GridPos{W: 1, H: 1}}}}},
		} {
			_, err := s.CreateDashboard(ctxT, tn, tt.d)
			if livedash.ErrorCode(err) != livedash.EBadRequest {
				t.Errorf("%s: error %v, want bad_request", tt.name, err)
			}
		}

		// Optimistic updates: the first writer wins, the second gets the current version.
		a, b := got, got
		a.Name, a.Visibility = "Ops (shared)", livedash.VisibilityShared
		a = must[livedash.Dashboard](t)(s.UpdateDashboard(ctxT, tn, a))
		if a.Version != 2 || a.Name != "Ops (shared)" || a.Visibility != livedash.VisibilityShared || len(a.Widgets) != 2 {
			t.Fatalf("updated %+v", a)
		}
		b.Name = "Ops (mine)"
		_, err := s.UpdateDashboard(ctxT, tn, b)
		wantConflict(t, err, 2)
		if cur := must[livedash.Dashboard](t)(s.Dashboard(ctxT, tn, d.ID)); cur.Name != "Ops (shared)" {
			t.Errorf("stale update overwrote: %q", cur.Name)
		}
		b.Version = 0
		_, err = s.UpdateDashboard(ctxT, tn, b)
		wantCode(t, err, livedash.EBadRequest)
		b.ID, b.Version = "nope", 1
		_, err = s.UpdateDashboard(ctxT, tn, b)
		wantCode(t, err, livedash.ENotFound)

		// Visibility: shared for the tenant, private for the owner.
		priv := must[livedash.Dashboard](t)(s.CreateDashboard(ctxT, tn, livedash.Dashboard{OwnerID: owner.ID, Name: "Mine"}))
		theirs := must[livedash.Dashboard](t)(s.CreateDashboard(ctxT, tn, livedash.Dashboard{OwnerID: other.ID, Name: "Theirs"}))
		list := func(f livedash.DashboardFilter) []string {
			var out []string
			for _, d := range must[livedash.Page[livedash.Dashboard]](t)(s.ListDashboards(ctxT, tn, f, livedash.ListOptions{})).Items {
				if d.Widgets != nil {
					t.Errorf("list carries widgets")
				}
				out = append(out, d.ID)
			}
			return out
		}
		for _, tt := range []struct {
			name string
			f    livedash.DashboardFilter
			want []string
		}{
			{"everything", livedash.DashboardFilter{}, []string{d.ID, priv.ID, theirs.ID}},
			{"owner views", livedash.DashboardFilter{Viewer: owner.ID}, []string{d.ID, priv.ID}},
			{"other views", livedash.DashboardFilter{Viewer: other.ID}, []string{d.ID, theirs.ID}},
			{"stranger views", livedash.DashboardFilter{Viewer: "stranger"}, []string{d.ID}},
			{"owned by other", livedash.DashboardFilter{Owner: other.ID}, []string{theirs.ID}},
		} {
			if got := list(tt.f); !slices.Equal(got, tt.want) {
				t.Errorf("%s: ListDashboards = %v, want %v", tt.name, got, tt.want)
			}
		}
		for _, tt := range []struct {
			p    livedash.Principal
			id   string
			want bool
		}{
			{owner.Principal(nil), priv.ID, true},
			{other.Principal(nil), priv.ID, false},
			{other.Principal(nil), d.ID, true},
			{livedash.Principal{UserID: owner.ID, Tenant: "elsewhere"}, d.ID, false},
			{owner.Principal(nil), "nope", false},
		} {
			if got := must[bool](t)(s.CanViewBoard(ctxT, tt.p, tt.id)); got != tt.want {
				t.Errorf("CanViewBoard(%s, %s) = %v, want %v", tt.p.UserID, tt.id, got, tt.want)
			}
		}

		// Delete: stale version refused, then deleted with its widgets.
		wantConflict(t, s.DeleteDashboard(ctxT, tn, d.ID, 1), 2)
		ok(t, s.DeleteDashboard(ctxT, tn, d.ID, 2))
		_, err = s.Dashboard(ctxT, tn, d.ID)
		wantCode(t, err, livedash.ENotFound)
		_, err = s.Widget(ctxT, tn, d.ID, w.ID)
		wantCode(t, err, livedash.ENotFound)
		wantCode(t, s.DeleteDashboard(ctxT, tn, d.ID, 0), livedash.ENotFound)
		ok(t, s.DeleteDashboard(ctxT, tn, priv.ID, 0))
	})
}

func TestWidgets(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		tn := newTenant(t, s)
		d := must[livedash.Dashboard](t)(s.CreateDashboard(ctxT, tn, livedash.Dashboard{OwnerID: "u1", Name: "Board"}))
		d2 := must[livedash.Dashboard](t)(s.CreateDashboard(ctxT, tn, livedash.Dashboard{OwnerID: "u1", Name: "Other board"}))

		w1 := timeseries("one", 0)
		w1.DashboardID = d.ID
		w1 = must[livedash.Widget](t)(s.CreateWidget(ctxT, tn, w1))
		w2 := livedash.Widget{DashboardID: d.ID, Type: livedash.WidgetStat, Title: "two", Query: livedash.MetricQuery{Codes: []string{"mem"}, Aggregation: livedash.AggLast},
			Position: livedash.GridPos{X: 6, W: 3, H: 2}}
		w2 = must[livedash.Widget](t)(s.CreateWidget(ctxT, tn, w2))
		if w1.Version != 1 || w2.Version != 1 || w1.Tenant != tn {
			t.Fatalf("created %+v %+v", w1, w2)
		}
		_, err := s.CreateWidget(ctxT, tn, livedash.Widget{DashboardID: "nope", Type: livedash.WidgetText, Position: livedash.GridPos{W: 1, H: 1}})
		wantCode(t, err, livedash.ENotFound)
		_, err = s.CreateWidget(ctxT, tn, livedash.Widget{DashboardID: d.ID, Type: livedash.WidgetText, Position: livedash.GridPos{X: 47, W: 2, H: 1}})
		wantCode(t, err, livedash.EBadRequest)
		_, err = s.CreateWidget(ctxT, tn, livedash.Widget{DashboardID: d.ID, Type: livedash.WidgetTimeseries, Query: livedash.MetricQuery{Codes: []string{"cpu"}, Aggregation: "median"}, Position: livedash.GridPos{W: 1, H: 1}})
		wantCode(t, err, livedash.EBadRequest)

		ws := must[[]livedash.Widget](t)(s.ListWidgets(ctxT, tn, d.ID))
		if len(ws) != 2 || ws[0].ID != w1.ID || ws[1].ID != w2.ID {
			t.Fatalf("ListWidgets = %+v", ws)
		}
		_, err = s.ListWidgets(ctxT, tn, "nope")
		wantCode(t, err, livedash.ENotFound)
		_, err = s.Widget(ctxT, tn, d2.ID, w1.ID) // right widget, wrong dashboard
		wantCode(t, err, livedash.ENotFound)

		// Concurrent edits of one widget.
		a, b := w1, w1
		a.Title = "one (a)"
		a = must[livedash.Widget](t)(s.UpdateWidget(ctxT, tn, a))
		if a.Version != 2 || a.Title != "one (a)" {
			t.Fatalf("updated %+v", a)
		}
		b.Title = "one (b)"
		_, err = s.UpdateWidget(ctxT, tn, b)
		wantConflict(t, err, 2)
		b.DashboardID = d2.ID
		b.Version = 2
		_, err = s.UpdateWidget(ctxT, tn, b)
		wantCode(t, err, livedash.ENotFound)

		// Moves: all or none.
		moved := must[[]livedash.Widget](t)(s.MoveWidgets(ctxT, tn, d.ID, []livedash.WidgetMove{
			{ID: w1.ID, Version: 2, Position: livedash.GridPos{X: 0, Y: 4, W: 12, H: 4}},
			{ID: w2.ID, Version: 1, Position: livedash.GridPos{X: 0, Y: 0, W: 12, H: 4}},
		}))
		if len(moved) != 2 || moved[0].Version != 3 || moved[0].Position.Y != 4 || moved[1].Version != 2 || moved[1].Position.W != 12 {
			t.Fatalf("moved %+v", moved)
		}
		_, err = s.MoveWidgets(ctxT, tn, d.ID, []livedash.WidgetMove{
			{ID: w2.ID, Version: 2, Position: livedash.GridPos{X: 1, Y: 1, W: 1, H: 1}},
			{ID: w1.ID, Version: 2, Position: livedash.GridPos{X: 1, Y: 1, W: 1, H: 1}}, // stale
		})
		wantConflict(t, err, 3)
		if cur := must[livedash.Widget](t)(s.Widget(ctxT, tn, d.ID, w2.ID)); cur.Version != 2 || cur.Position.X != 0 {
			t.Errorf("a failed move changed a widget: %+v", cur)
		}
		_, err = s.MoveWidgets(ctxT, tn, d.ID, []livedash.WidgetMove{{ID: w2.ID, Version: 2, Position: livedash.GridPos{W: 0, H: 1}}})
		wantCode(t, err, livedash.EBadRequest)
		_, err = s.MoveWidgets(ctxT, tn, d2.ID, []livedash.WidgetMove{{ID: w2.ID, Version: 2, Position: livedash.GridPos{W: 1, H: 1}}})
		wantCode(t, err, livedash.ENotFound)

		// Widget edits do not change the dashboard's version.
		if cur := must[livedash.Dashboard](t)(s.Dashboard(ctxT, tn, d.ID)); cur.Version != 1 {
			t.Errorf("dashboard version = %d after widget edits", cur.Version)
		}

		wantConflict(t, s.DeleteWidget(ctxT, tn, d.ID, w1.ID, 1), 3)
		wantCode(t, s.DeleteWidget(ctxT, tn, d2.ID, w1.ID, 0), livedash.ENotFound)
		ok(t, s.DeleteWidget(ctxT, tn, d.ID, w1.ID, 3))
		ok(t, s.DeleteWidget(ctxT, tn, d.ID, w2.ID, 0))
		wantCode(t, s.DeleteWidget(ctxT, tn, d.ID, w2.ID, 0), livedash.ENotFound)
		if ws := must[[]livedash.Widget](t)(s.ListWidgets(ctxT, tn, d.ID)); len(ws) != 0 {
			t.Errorf("widgets left: %+v", ws)
		}
	})
}

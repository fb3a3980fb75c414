package service

import (
	"errors"
	"slices"
	"testing"

	"livedash"
)

func TestDashboardEvents(t *testing.T) {
	e := newEnv(t)
	owner := "dashboard." + e.editor.UserID

	t.Run("create shared", func(t *testing.T) {
		d := e.dashboard(e.editor, livedash.VisibilityShared)
		evs := e.pub.take()
		if got, want := channels(t, evs, EventDashboardUpdate), sortedStrings(owner, "board."+d.ID); !slices.Equal(got, want) {
			t.Fatalf("channels = %v, want %v", got, want)
		}
		ev := decode[DashboardEvent](t, evs[0])
		if ev.DashboardID != d.ID || ev.Version != 1 || ev.Change != ChangeCreated || ev.By != e.editor.UserID || ev.Dashboard == nil || ev.Dashboard.Name != "Board" {
			t.Fatalf("event = %+v", ev)
		}
	})

	t.Run("create private", func(t *testing.T) {
		e.dashboard(e.editor, livedash.VisibilityPrivate)
		if got := channels(t, e.pub.take(), EventDashboardUpdate); !slices.Equal(got, []string{owner}) {
			t.Fatalf("channels = %v, want only the owner's", got)
		}
	})

	d := e.dashboard(e.editor, livedash.VisibilityShared)
	priv := e.dashboard(e.editor, livedash.VisibilityPrivate)
	e.pub.take()
	board := sortedStrings(owner, "board."+d.ID)

	tests := []struct {
		name     string
		op       func() error
		event    string
		channels []string
		check    func(t *testing.T, p published)
	}{
		{"update shared", func() error {
			d.Name = "Renamed"
			u, err := e.svc.UpdateDashboard(ctxT, e.editor2, d)
			d = u
			return err
		}, EventDashboardUpdate, board, func(t *testing.T, p published) {
			ev := decode[DashboardEvent](t, p)
			if ev.Change != ChangeUpdated || ev.Version != 2 || ev.By != e.editor2.UserID || ev.Dashboard.Name != "Renamed" {
				t.Fatalf("event = %+v", ev)
			}
		}},
		{"private made shared", func() error {
			priv.Visibility = livedash.VisibilityShared
			u, err := e.svc.UpdateDashboard(ctxT, e.editor, priv)
			priv = u
			return err
		}, EventDashboardUpdate, nil, func(t *testing.T, p published) {
			if ev := decode[DashboardEvent](t, p); ev.Dashboard.Visibility != livedash.VisibilityShared {
				t.Fatalf("event = %+v", ev)
			}
		}},
		{"widget added", func() error {
			w := e.widget(e.editor, d.ID, statWidget(livedash.AggAvg, "cpu"))
			d.Widgets = append(d.Widgets, w)
			return nil
		}, EventDashboardUpdate, board, func(t *testing.T, p published) {
			ev := decode[DashboardEvent](t, p)
			if ev.Change != ChangeWidgetAdded || ev.Widget == nil || ev.Widget.ID != d.Widgets[0].ID || ev.DashboardID != d.ID {
				t.Fatalf("event = %+v", ev)
			}
		}},
		{"widget config", func() error {
			w := d.Widgets[0]
			w.Title = "CPU"
			w.DashboardID = ""
			u, err := e.svc.UpdateWidget(ctxT, e.admin, w)
			d.Widgets[0] = u
			return err
		}, EventWidgetUpdate, board, func(t *testing.T, p published) {
			ev := decode[WidgetEvent](t, p)
			if ev.Change != ChangeConfig || ev.WidgetID != d.Widgets[0].ID || ev.Version != 2 || ev.Widget == nil || ev.Widget.Title != "CPU" || ev.By != e.admin.UserID {
				t.Fatalf("event = %+v", ev)
			}
		}},
		{"widget removed", func() error {
			return e.svc.DeleteWidget(ctxT, e.editor, d.Widgets[0].ID, d.Widgets[0].Version)
		}, EventDashboardUpdate, board, func(t *testing.T, p published) {
			ev := decode[DashboardEvent](t, p)
			if ev.Change != ChangeWidgetRemoved || ev.WidgetID != d.Widgets[0].ID {
				t.Fatalf("event = %+v", ev)
			}
		}},
		{"delete", func() error {
			return e.svc.DeleteDashboard(ctxT, e.editor, d.ID, d.Version)
		}, EventDashboardUpdate, board, func(t *testing.T, p published) {
			ev := decode[DashboardEvent](t, p)
			if ev.Change != ChangeDeleted || ev.DashboardID != d.ID || ev.Version != d.Version || ev.Dashboard != nil {
				t.Fatalf("event = %+v", ev)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.op(); err != nil {
				t.Fatal(err)
			}
			evs := e.pub.take()
			got := channels(t, evs, tt.event)
			want := tt.channels
			if want == nil {
				want = sortedStrings(owner, "board."+priv.ID)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("channels = %v, want %v", got, want)
			}
			for _, p := range evs {
				tt.check(t, p)
			}
		})
	}
}

func TestNoEventWhenWriteFails(t *testing.T) {
	e := newEnv(t)
	d := e.dashboard(e.editor, livedash.VisibilityShared, statWidget(livedash.AggAvg, "cpu"))
	w := d.Widgets[0]
	fresh := d
	fresh.Name = "first"
	if _, err := e.svc.UpdateDashboard(ctxT, e.editor, fresh); err != nil {
		t.Fatal(err)
	}
	w2 := w
	w2.Title = "first"
	if _, err := e.svc.UpdateWidget(ctxT, e.editor, w2); err != nil {
		t.Fatal(err)
	}
	// A project and a rule with an open alert, each changed once since version 1 was read.
	pr, err := e.svc.CreateProject(ctxT, e.editor, livedash.Project{Name: "Apollo"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.UpdateProject(ctxT, e.editor, pr); err != nil {
		t.Fatal(err)
	}
	r, err := e.svc.CreateAlertRule(ctxT, e.editor, livedash.AlertRule{Name: "r", MetricCode: "cpu", Comparison: livedash.CompareGT,
		Threshold: 1, Severity: livedash.SeverityWarning, Enabled: true, Recipients: livedash.Recipients{Users: []string{e.editor.UserID}}})
	if err != nil {
		t.Fatal(err)
	}
	open, _, err := e.store.FireAlert(ctxT, tenantA, r.ID, 2, "m")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.UpdateAlertRule(ctxT, e.editor, r); err != nil {
		t.Fatal(err)
	}
	e.pub.take()

	tests := []struct {
		name string
		op   func() error
		code string
	}{
		{"stale dashboard update", func() error { d.Name = "stale"; _, err := e.svc.UpdateDashboard(ctxT, e.editor, d); return err }, livedash.EConflict},
		{"stale dashboard delete", func() error { return e.svc.DeleteDashboard(ctxT, e.editor, d.ID, d.Version) }, livedash.EConflict},
		{"stale widget update", func() error { w.Title = "stale"; _, err := e.svc.UpdateWidget(ctxT, e.editor, w); return err }, livedash.EConflict},
		{"stale widget delete", func() error { return e.svc.DeleteWidget(ctxT, e.editor, w.ID, w.Version) }, livedash.EConflict},
		{"forbidden", func() error {
			_, err := e.svc.CreateDashboard(ctxT, e.viewer, livedash.Dashboard{Name: "x"})
			return err
		}, livedash.EForbidden},
		{"invalid", func() error {
			_, err := e.svc.CreateWidget(ctxT, e.editor, livedash.Widget{DashboardID: d.ID, Type: "pie"})
			return err
		}, livedash.EBadRequest},
		{"unknown widget", func() error { return e.svc.DeleteWidget(ctxT, e.editor, "nope", 1) }, livedash.ENotFound},
		{"invalid ingest", func() error {
			_, err := e.svc.Ingest(ctxT, tenantA, []livedash.MetricPoint{{Code: "bad code"}})
			return err
		}, livedash.EBadRequest},
		{"project missing", func() error {
			_, err := e.svc.UpdateProject(ctxT, e.editor, livedash.Project{ID: "nope", Name: "x", Status: livedash.ProjectPaused, Version: 1})
			return err
		}, livedash.ENotFound},
		{"stale project update", func() error {
			pr.Status = livedash.ProjectPaused
			_, err := e.svc.UpdateProject(ctxT, e.editor, pr)
			return err
		}, livedash.EConflict},
		{"project update without version", func() error {
			p := pr
			p.Status, p.Version = livedash.ProjectPaused, 0
			_, err := e.svc.UpdateProject(ctxT, e.editor, p)
			return err
		}, livedash.EBadRequest},
		{"stale project delete", func() error { return e.svc.DeleteProject(ctxT, e.editor, pr.ID, pr.Version) }, livedash.EConflict},
		{"stale rule update (disabling)", func() error {
			r.Enabled = false
			_, err := e.svc.UpdateAlertRule(ctxT, e.editor, r)
			return err
		}, livedash.EConflict},
		{"rule update without version", func() error {
			x := r
			x.Enabled, x.Version = false, 0
			_, err := e.svc.UpdateAlertRule(ctxT, e.editor, x)
			return err
		}, livedash.EBadRequest},
		{"stale rule delete", func() error { return e.svc.DeleteAlertRule(ctxT, e.editor, r.ID, r.Version) }, livedash.EConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.op()
			wantCode(t, err, tt.code)
			if tt.code == livedash.EConflict {
				if vc, ok := errors.AsType[*livedash.VersionConflict](err); !ok || vc.Current != 2 {
					t.Fatalf("err = %v, want a *VersionConflict with current version 2", err)
				}
			}
			if evs := e.pub.take(); len(evs) != 0 {
				t.Fatalf("published %v after a failed write", evs)
			}
		})
	}
	// Neither the stale disabling nor the stale delete resolved the rule's alert.
	if a, err := e.store.Alert(ctxT, tenantA, open.ID); err != nil || a.State != livedash.AlertFiring {
		t.Fatalf("alert after stale writes: %+v, %v", a, err)
	}
}

func TestPublishFailureIsNotAnError(t *testing.T) {
	e := newEnv(t)
	e.pub.fail = true
	d, err := e.svc.CreateDashboard(ctxT, e.editor, livedash.Dashboard{Name: "x"})
	if err != nil {
		t.Fatalf("CreateDashboard = %v, want success although the hub is down", err)
	}
	if _, _, err := e.svc.Dashboard(ctxT, e.editor, d.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Ingest(ctxT, tenantA, []livedash.MetricPoint{pt("cpu", 0, 1)}); err != nil {
		t.Fatalf("Ingest = %v", err)
	}
}

func TestProjectEvents(t *testing.T) {
	e := newEnv(t)
	pr, err := e.svc.CreateProject(ctxT, e.editor, livedash.Project{Name: "Apollo", Members: []string{e.viewer.UserID}})
	if err != nil {
		t.Fatal(err)
	}
	if evs := e.pub.take(); len(evs) != 0 {
		t.Fatalf("create published %v", evs)
	}
	tests := []struct {
		name   string
		change func(p *livedash.Project)
		want   *ProjectEvent
	}{
		{"status", func(p *livedash.Project) { p.Status = livedash.ProjectPaused },
			&ProjectEvent{ProjectID: pr.ID, Version: 2, Name: "Apollo", Status: livedash.ProjectPaused, PreviousStatus: livedash.ProjectActive, By: e.editor.UserID}},
		{"name", func(p *livedash.Project) { p.Name = "Artemis" },
			&ProjectEvent{ProjectID: pr.ID, Version: 3, Name: "Artemis", PreviousName: "Apollo", Status: livedash.ProjectPaused, PreviousStatus: livedash.ProjectPaused, By: e.editor.UserID}},
		{"description only", func(p *livedash.Project) { p.Description = "moon" }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.change(&pr)
			u, err := e.svc.UpdateProject(ctxT, e.editor, pr)
			if err != nil {
				t.Fatal(err)
			}
			pr = u
			evs := e.pub.take()
			if tt.want == nil {
				if len(evs) != 0 {
					t.Fatalf("published %v", evs)
				}
				return
			}
			if got := channels(t, evs, EventProjectUpdate); !slices.Equal(got, []string{"project." + pr.ID}) {
				t.Fatalf("channels = %v", got)
			}
			if ev := decode[ProjectEvent](t, evs[0]); ev != *tt.want {
				t.Fatalf("event = %+v, want %+v", ev, *tt.want)
			}
		})
	}
}

func TestSystemNotificationEvent(t *testing.T) {
	e := newEnv(t)
	n, err := e.svc.CreateNotification(ctxT, e.admin, livedash.Notification{Title: "Maintenance", Body: "at 22:00", Severity: livedash.SeverityWarning})
	if err != nil {
		t.Fatal(err)
	}
	evs := e.pub.take()
	if got := channels(t, evs, EventSystemNotification); !slices.Equal(got, []string{"system." + tenantA}) {
		t.Fatalf("channels = %v", got)
	}
	ev := decode[NotificationEvent](t, evs[0])
	if ev.Notification.ID != n.ID || ev.Notification.Title != "Maintenance" || ev.Notification.AuthorID != e.admin.UserID || ev.Notification.Severity != livedash.SeverityWarning {
		t.Fatalf("event = %+v", ev)
	}
	if c, err := e.svc.UnreadCount(ctxT, e.viewer); err != nil || c != 1 {
		t.Fatalf("UnreadCount = %d, %v", c, err)
	}
	if _, err := e.svc.MarkNotificationRead(ctxT, e.viewer, n.ID); err != nil {
		t.Fatal(err)
	}
	if c, err := e.svc.UnreadCount(ctxT, e.viewer); err != nil || c != 0 {
		t.Fatalf("UnreadCount after read = %d, %v", c, err)
	}
}

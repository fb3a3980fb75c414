package sqlstore

import (
	"context"
	"testing"
	"time"

	"livedash"
)

// world is one of everything in one tenant.
type world struct {
	tenant    string
	user      livedash.User
	project   livedash.Project
	dashboard livedash.Dashboard
	widget    livedash.Widget
	rule      livedash.AlertRule
	alert     livedash.Alert
	note      livedash.Notification
}

func newWorld(t *testing.T, s *Store) world {
	t.Helper()
	var w world
	w.tenant = newTenant(t, s)
	w.user = newUser(t, s, w.tenant, "alice", livedash.RoleAdmin)
	w.project = must[livedash.Project](t)(s.CreateProject(ctxT, w.tenant, livedash.Project{Name: "P", Members: []string{w.user.ID}}))
	wd := timeseries("cpu", 0)
	w.dashboard = must[livedash.Dashboard](t)(s.CreateDashboard(ctxT, w.tenant, livedash.Dashboard{Name: "D", OwnerID: w.user.ID, Visibility: livedash.VisibilityShared, Widgets: []livedash.Widget{wd}}))
	w.widget = w.dashboard.Widgets[0]
	w.rule = must[livedash.AlertRule](t)(s.CreateAlertRule(ctxT, w.tenant, cpuRule(livedash.Recipients{Users: []string{w.user.ID}})))
	var err error
	w.alert, _, err = s.FireAlert(ctxT, w.tenant, w.rule.ID, 99, "hot")
	ok(t, err)
	w.note = must[livedash.Notification](t)(s.CreateNotification(ctxT, w.tenant, livedash.Notification{AuthorID: w.user.ID, Title: "N"}))
	must[livedash.MetricDefinition](t)(s.DefineMetric(ctxT, w.tenant, livedash.MetricDefinition{Code: "cpu", Name: "CPU", Unit: "percent"}))
	ok(t, s.WritePoints(ctxT, w.tenant, twelvePoints("cpu", nil, 1)))
	ok(t, s.WritePoints(ctxT, w.tenant, twelvePoints("cpu", map[string]string{"host": "a"}, 1)))
	return w
}

// TestTenantIsolation calls every tenant-scoped method as tenant B with tenant A's ids: reads
// find nothing, writes are not found and change nothing.
func TestTenantIsolation(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		a := newWorld(t, s)
		b := newTenant(t, s)
		bUser := newUser(t, s, b, "mallory", livedash.RoleAdmin)
		notFound := func(name string, err error) {
			t.Helper()
			if livedash.ErrorCode(err) != livedash.ENotFound {
				t.Errorf("%s as tenant B: error %v, want not_found", name, err)
			}
		}
		empty := func(name string, n int, err error) {
			t.Helper()
			if err != nil || n != 0 {
				t.Errorf("%s as tenant B: %d items, error %v; want none", name, n, err)
			}
		}
		lo := livedash.ListOptions{}

		// Users.
		_, err := s.User(ctxT, b, a.user.ID)
		notFound("User", err)
		_, err = s.UserByEmail(ctxT, b, a.user.Email)
		notFound("UserByEmail", err)
		_, err = s.UpdateUser(ctxT, b, livedash.User{ID: a.user.ID, Email: "x@example.com", DisplayName: "x", Roles: []string{"admin"}})
		notFound("UpdateUser", err)
		notFound("SetPassword", s.SetPassword(ctxT, b, a.user.ID, "hijacked!"))
		_, err = s.Authenticate(ctxT, b, a.user.Email, "password1")
		wantCode(t, err, livedash.EUnauthenticated)
		notFound("DeleteUser", s.DeleteUser(ctxT, b, a.user.ID))
		users, err := s.ListUsers(ctxT, b, lo)
		if err != nil || len(users.Items) != 1 || users.Items[0].ID != bUser.ID {
			t.Errorf("ListUsers as B: %+v %v", users, err)
		}

		// Projects.
		_, err = s.Project(ctxT, b, a.project.ID)
		notFound("Project", err)
		// A stale version is not found too, not a conflict telling A's current version.
		for _, v := range []int64{a.project.Version, a.project.Version + 5} {
			_, err = s.UpdateProject(ctxT, b, livedash.Project{ID: a.project.ID, Name: "x", Version: v})
			notFound("UpdateProject", err)
			notFound("DeleteProject", s.DeleteProject(ctxT, b, a.project.ID, v))
		}
		notFound("DeleteProject (any version)", s.DeleteProject(ctxT, b, a.project.ID, 0))
		notFound("AddProjectMember", s.AddProjectMember(ctxT, b, a.project.ID, bUser.ID))
		notFound("AddProjectMember (A's user)", s.AddProjectMember(ctxT, b, must[livedash.Project](t)(s.CreateProject(ctxT, b, livedash.Project{Name: "B"})).ID, a.user.ID))
		notFound("RemoveProjectMember", s.RemoveProjectMember(ctxT, b, a.project.ID, a.user.ID))
		_, err = s.CreateProject(ctxT, b, livedash.Project{Name: "x", Members: []string{a.user.ID}})
		notFound("CreateProject with A's user", err)
		ps, err := s.ListProjects(ctxT, b, livedash.ProjectFilter{Member: a.user.ID}, lo)
		empty("ListProjects", len(ps.Items), err)
		up, err := s.UserProjects(ctxT, b, a.user.ID)
		empty("UserProjects", len(up), err)

		// Dashboards and widgets.
		_, err = s.Dashboard(ctxT, b, a.dashboard.ID)
		notFound("Dashboard", err)
		d := a.dashboard
		d.Name = "pwned"
		_, err = s.UpdateDashboard(ctxT, b, d)
		notFound("UpdateDashboard", err)
		notFound("DeleteDashboard", s.DeleteDashboard(ctxT, b, a.dashboard.ID, 0))
		ds, err := s.ListDashboards(ctxT, b, livedash.DashboardFilter{}, lo)
		empty("ListDashboards", len(ds.Items), err)
		_, err = s.Widget(ctxT, b, a.dashboard.ID, a.widget.ID)
		notFound("Widget", err)
		_, err = s.ListWidgets(ctxT, b, a.dashboard.ID)
		notFound("ListWidgets", err)
		nw := timeseries("x", 0)
		nw.DashboardID = a.dashboard.ID
		_, err = s.CreateWidget(ctxT, b, nw)
		notFound("CreateWidget", err)
		w := a.widget
		w.Title = "pwned"
		_, err = s.UpdateWidget(ctxT, b, w)
		notFound("UpdateWidget", err)
		_, err = s.MoveWidgets(ctxT, b, a.dashboard.ID, []livedash.WidgetMove{{ID: a.widget.ID, Version: 1, Position: livedash.GridPos{W: 1, H: 1}}})
		notFound("MoveWidgets", err)
		notFound("DeleteWidget", s.DeleteWidget(ctxT, b, a.dashboard.ID, a.widget.ID, 0))
		if can := must[bool](t)(s.CanViewBoard(ctxT, bUser.Principal(nil), a.dashboard.ID)); can {
			t.Error("CanViewBoard: B's user may view A's shared dashboard")
		}

		// Metrics.
		_, err = s.MetricDefinition(ctxT, b, "cpu")
		notFound("MetricDefinition", err)
		defs, err := s.ListMetricDefinitions(ctxT, b, lo)
		empty("ListMetricDefinitions", len(defs.Items), err)
		notFound("DeleteMetricDefinition", s.DeleteMetricDefinition(ctxT, b, "cpu"))
		series, err := s.ListSeries(ctxT, b, "cpu")
		empty("ListSeries", len(series), err)
		for _, labels := range []map[string]string{nil, {"host": "a"}} {
			pts, err := s.QuerySeries(ctxT, b, livedash.SeriesQuery{Code: "cpu", Labels: labels, From: t0.Add(-time.Hour), To: t0.Add(time.Hour)})
			empty("QuerySeries", len(pts), err)
		}
		n, err := s.DeletePointsBefore(ctxT, b, t0.Add(time.Hour))
		empty("DeletePointsBefore", int(n), err)
		// B writing the same code makes its own series and definition.
		ok(t, s.WritePoints(ctxT, b, []livedash.MetricPoint{{Code: "cpu", Time: t0, Value: -1}}))
		must[livedash.MetricDefinition](t)(s.DefineMetric(ctxT, b, livedash.MetricDefinition{Code: "cpu", Name: "B's CPU"}))

		// Alerts.
		_, err = s.AlertRule(ctxT, b, a.rule.ID)
		notFound("AlertRule", err)
		rules, err := s.ListAlertRules(ctxT, b, livedash.AlertRuleFilter{}, lo)
		empty("ListAlertRules", len(rules.Items), err)
		r := a.rule
		r.Threshold = -1
		for _, v := range []int64{a.rule.Version, a.rule.Version + 5} {
			r.Version = v
			_, err = s.UpdateAlertRule(ctxT, b, r)
			notFound("UpdateAlertRule", err)
			notFound("DeleteAlertRule", s.DeleteAlertRule(ctxT, b, a.rule.ID, v))
		}
		notFound("DeleteAlertRule (any version)", s.DeleteAlertRule(ctxT, b, a.rule.ID, 0))
		_, err = s.AlertRecipients(ctxT, b, a.rule.ID)
		notFound("AlertRecipients", err)
		_, err = s.CreateAlertRule(ctxT, b, cpuRule(livedash.Recipients{Users: []string{a.user.ID}}))
		notFound("CreateAlertRule with A's user", err)
		_, _, err = s.FireAlert(ctxT, b, a.rule.ID, 1, "")
		notFound("FireAlert", err)
		_, err = s.Alert(ctxT, b, a.alert.ID)
		notFound("Alert", err)
		alerts, err := s.ListAlerts(ctxT, b, livedash.AlertFilter{}, lo)
		empty("ListAlerts", len(alerts.Items), err)
		_, err = s.AcknowledgeAlert(ctxT, b, a.alert.ID, bUser.ID)
		notFound("AcknowledgeAlert", err)
		_, err = s.ResolveAlert(ctxT, b, a.alert.ID)
		notFound("ResolveAlert", err)

		// Notifications.
		_, err = s.Notification(ctxT, b, bUser.ID, a.note.ID)
		notFound("Notification", err)
		notes, err := s.ListNotifications(ctxT, b, bUser.ID, livedash.NotificationFilter{}, lo)
		empty("ListNotifications", len(notes.Items), err)
		_, err = s.MarkNotificationRead(ctxT, b, a.user.ID, a.note.ID)
		notFound("MarkNotificationRead", err)
		marked, err := s.MarkAllNotificationsRead(ctxT, b, a.user.ID)
		empty("MarkAllNotificationsRead", int(marked), err)
		unread, err := s.UnreadNotificationCount(ctxT, b, bUser.ID)
		empty("UnreadNotificationCount", int(unread), err)
		notFound("DeleteNotification", s.DeleteNotification(ctxT, b, a.note.ID))

		// A's world is untouched.
		if u := must[livedash.User](t)(s.Authenticate(ctxT, a.tenant, a.user.Email, "password1")); u.ID != a.user.ID {
			t.Error("A's user changed")
		}
		if p := must[livedash.Project](t)(s.Project(ctxT, a.tenant, a.project.ID)); p.Name != "P" || len(p.Members) != 1 {
			t.Errorf("A's project changed: %+v", p)
		}
		if d := must[livedash.Dashboard](t)(s.Dashboard(ctxT, a.tenant, a.dashboard.ID)); d.Name != "D" || d.Version != 1 || len(d.Widgets) != 1 || d.Widgets[0].Version != 1 {
			t.Errorf("A's dashboard changed: %+v", d)
		}
		if def := must[livedash.MetricDefinition](t)(s.MetricDefinition(ctxT, a.tenant, "cpu")); def.Name != "CPU" {
			t.Errorf("A's definition changed: %+v", def)
		}
		pts := must[[]livedash.SeriesPoint](t)(s.QuerySeries(ctxT, a.tenant, livedash.SeriesQuery{Code: "cpu", From: t0, To: t0.Add(time.Hour), Step: time.Hour, Agg: livedash.AggMin}))
		if len(pts) != 1 || pts[0].Value != 0 {
			t.Errorf("A's points changed: %v", pts)
		}
		if r := must[livedash.AlertRule](t)(s.AlertRule(ctxT, a.tenant, a.rule.ID)); r.Threshold != 90 {
			t.Errorf("A's rule changed: %+v", r)
		}
		if al := must[livedash.Alert](t)(s.Alert(ctxT, a.tenant, a.alert.ID)); al.State != livedash.AlertFiring {
			t.Errorf("A's alert changed: %+v", al)
		}
		if n := must[livedash.Notification](t)(s.Notification(ctxT, a.tenant, a.user.ID, a.note.ID)); n.Read {
			t.Error("A's notification marked read by B")
		}
	})
}

func TestDirectory(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		a := newWorld(t, s)
		for _, tt := range []struct {
			name   string
			lookup func(context.Context, string) (string, bool, error)
			id     string
			want   string
		}{
			{"project", s.ProjectTenant, a.project.ID, a.tenant},
			{"unknown project", s.ProjectTenant, "nope", ""},
			{"user", s.UserTenant, a.user.ID, a.tenant},
			{"unknown user", s.UserTenant, "nope", ""},
		} {
			tenant, found, err := tt.lookup(ctxT, tt.id)
			if err != nil || tenant != tt.want || found != (tt.want != "") {
				t.Errorf("%s: %q %v %v", tt.name, tenant, found, err)
			}
		}
	})
}

func TestDeleteTenantCascades(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		a := newWorld(t, s)
		keep := newWorld(t, s)
		ok(t, s.DeleteTenant(ctxT, a.tenant))
		for _, table := range []string{"users", "projects", "dashboards", "widgets", "metric_definitions", "metric_series", "alert_rules", "alerts", "notifications", "notification_reads", "project_members"} {
			var n int
			ok(t, s.read().queryRow(ctxT, "SELECT COUNT(*) FROM "+table+" WHERE tenant = ?", a.tenant).Scan(&n))
			if n != 0 {
				t.Errorf("%s keeps %d rows of the deleted tenant", table, n)
			}
		}
		var n int
		ok(t, s.read().queryRow(ctxT, "SELECT COUNT(*) FROM metric_points WHERE series_id IN (?, ?)",
			seriesID(a.tenant, "cpu", ""), seriesID(a.tenant, "cpu", "host=a")).Scan(&n))
		if n != 0 {
			t.Errorf("%d points of the deleted tenant left", n)
		}
		if _, found, _ := s.UserTenant(ctxT, a.user.ID); found {
			t.Error("user of the deleted tenant still found")
		}
		// The other tenant keeps everything.
		if d := must[livedash.Dashboard](t)(s.Dashboard(ctxT, keep.tenant, keep.dashboard.ID)); len(d.Widgets) != 1 {
			t.Errorf("other tenant's dashboard: %+v", d)
		}
		pts := must[[]livedash.SeriesPoint](t)(s.QuerySeries(ctxT, keep.tenant, livedash.SeriesQuery{Code: "cpu", From: t0, To: t0.Add(time.Hour), Step: time.Hour, Agg: livedash.AggCount}))
		if len(pts) != 1 || pts[0].Value != 12 {
			t.Errorf("other tenant's points: %v", pts)
		}
		// The deleted tenant's metric writes are refused.
		wantCode(t, s.WritePoints(ctxT, a.tenant, []livedash.MetricPoint{{Code: "cpu", Time: t0, Value: 1}}), livedash.ENotFound)
	})
}

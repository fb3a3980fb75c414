package service

import (
	"testing"
	"time"

	"livedash"
)

// TestPermissions runs every method as each kind of caller. The columns are: a viewer, the
// editor who owns the fixtures, another editor, an admin (all of tenant acme), an admin of
// another tenant, and a principal with no known role. Fixtures are made afresh for every call.
func TestPermissions(t *testing.T) {
	e := newEnv(t)
	const (
		ok = ""
		fb = livedash.EForbidden
		nf = livedash.ENotFound
		cf = livedash.EConflict
		br = livedash.EBadRequest
	)
	shared := func() livedash.Dashboard {
		return e.dashboard(e.editor, livedash.VisibilityShared, statWidget(livedash.AggAvg, "cpu"))
	}
	private := func() livedash.Dashboard {
		return e.dashboard(e.editor, livedash.VisibilityPrivate, statWidget(livedash.AggAvg, "cpu"))
	}
	project := func() livedash.Project {
		pr, err := e.svc.CreateProject(ctxT, e.editor, livedash.Project{Name: "P"})
		if err != nil {
			t.Fatal(err)
		}
		return pr
	}
	rule := func() livedash.AlertRule {
		r, err := e.svc.CreateAlertRule(ctxT, e.editor, livedash.AlertRule{Name: "r", MetricCode: "cpu", Comparison: livedash.CompareGT,
			Threshold: 1, Severity: livedash.SeverityWarning, Enabled: true, Recipients: livedash.Recipients{Users: []string{e.editor.UserID}}})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	alert := func(recipient string) livedash.Alert {
		r, err := e.svc.CreateAlertRule(ctxT, e.editor, livedash.AlertRule{Name: "r", MetricCode: "cpu", Comparison: livedash.CompareGT,
			Threshold: 1, Severity: livedash.SeverityWarning, Enabled: true, Recipients: livedash.Recipients{Users: []string{recipient}}})
		if err != nil {
			t.Fatal(err)
		}
		a, _, err := e.store.FireAlert(ctxT, tenantA, r.ID, 2, "m")
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	notification := func() livedash.Notification {
		n, err := e.svc.CreateNotification(ctxT, e.admin, livedash.Notification{Title: "hi"})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	newWidget := func(d livedash.Dashboard) livedash.Widget {
		w := statWidget(livedash.AggMax, "mem")
		w.DashboardID = d.ID
		return w
	}
	changed := func(w livedash.Widget) livedash.Widget { w.Title = "changed"; return w }
	s := e.svc
	counter := 0

	tests := []struct {
		name string
		op   func(p livedash.Principal) error
		want [6]string // viewer, editor (owner), editor2, admin, outsider, norole
	}{
		{"ListDashboards", func(p livedash.Principal) error {
			_, err := s.ListDashboards(ctxT, p, livedash.ListOptions{})
			return err
		},
			[6]string{ok, ok, ok, ok, ok, fb}},
		{"Dashboard/shared", func(p livedash.Principal) error { _, _, err := s.Dashboard(ctxT, p, shared().ID); return err },
			[6]string{ok, ok, ok, ok, nf, fb}},
		{"Dashboard/private", func(p livedash.Principal) error { _, _, err := s.Dashboard(ctxT, p, private().ID); return err },
			[6]string{nf, ok, nf, nf, nf, fb}},
		{"CreateDashboard", func(p livedash.Principal) error {
			_, err := s.CreateDashboard(ctxT, p, livedash.Dashboard{Name: "x"})
			return err
		}, [6]string{fb, ok, ok, ok, ok, fb}},
		{"UpdateDashboard/shared", func(p livedash.Principal) error {
			d := shared()
			d.Name = "renamed"
			_, err := s.UpdateDashboard(ctxT, p, d)
			return err
		}, [6]string{fb, ok, ok, ok, nf, fb}},
		{"UpdateDashboard/private", func(p livedash.Principal) error {
			d := private()
			d.Name = "renamed"
			_, err := s.UpdateDashboard(ctxT, p, d)
			return err
		}, [6]string{fb, ok, nf, nf, nf, fb}},
		{"DeleteDashboard/shared", func(p livedash.Principal) error { d := shared(); return s.DeleteDashboard(ctxT, p, d.ID, d.Version) },
			[6]string{fb, ok, ok, ok, nf, fb}},
		{"DeleteDashboard/private", func(p livedash.Principal) error { d := private(); return s.DeleteDashboard(ctxT, p, d.ID, d.Version) },
			[6]string{fb, ok, nf, nf, nf, fb}},
		{"CreateWidget/shared", func(p livedash.Principal) error { _, err := s.CreateWidget(ctxT, p, newWidget(shared())); return err },
			[6]string{fb, ok, ok, ok, nf, fb}},
		{"CreateWidget/private", func(p livedash.Principal) error { _, err := s.CreateWidget(ctxT, p, newWidget(private())); return err },
			[6]string{fb, ok, nf, nf, nf, fb}},
		{"UpdateWidget/shared", func(p livedash.Principal) error {
			_, err := s.UpdateWidget(ctxT, p, changed(shared().Widgets[0]))
			return err
		},
			[6]string{fb, ok, ok, ok, nf, fb}},
		{"UpdateWidget/private", func(p livedash.Principal) error {
			w := changed(private().Widgets[0])
			w.DashboardID = "" // resolved through the index
			_, err := s.UpdateWidget(ctxT, p, w)
			return err
		}, [6]string{fb, ok, nf, nf, nf, fb}},
		{"DeleteWidget/shared", func(p livedash.Principal) error {
			w := shared().Widgets[0]
			return s.DeleteWidget(ctxT, p, w.ID, w.Version)
		},
			[6]string{fb, ok, ok, ok, nf, fb}},
		{"DeleteWidget/private", func(p livedash.Principal) error {
			w := private().Widgets[0]
			return s.DeleteWidget(ctxT, p, w.ID, w.Version)
		},
			[6]string{fb, ok, nf, nf, nf, fb}},
		{"WidgetValue/shared", func(p livedash.Principal) error { _, err := s.WidgetValue(ctxT, p, shared().Widgets[0].ID); return err },
			[6]string{ok, ok, ok, ok, nf, fb}},
		{"WidgetValue/private", func(p livedash.Principal) error {
			_, err := s.WidgetValue(ctxT, p, private().Widgets[0].ID)
			return err
		},
			[6]string{nf, ok, nf, nf, nf, fb}},

		{"ListProjects", func(p livedash.Principal) error {
			_, err := s.ListProjects(ctxT, p, livedash.ListOptions{})
			return err
		},
			[6]string{ok, ok, ok, ok, ok, fb}},
		{"Project", func(p livedash.Principal) error { _, err := s.Project(ctxT, p, project().ID); return err },
			[6]string{ok, ok, ok, ok, nf, fb}},
		{"CreateProject", func(p livedash.Principal) error {
			_, err := s.CreateProject(ctxT, p, livedash.Project{Name: "P"})
			return err
		}, [6]string{fb, ok, ok, ok, ok, fb}},
		{"UpdateProject", func(p livedash.Principal) error {
			pr := project()
			pr.Status = livedash.ProjectPaused
			_, err := s.UpdateProject(ctxT, p, pr)
			return err
		}, [6]string{fb, ok, ok, ok, nf, fb}},
		{"UpdateProject/stale", func(p livedash.Principal) error {
			pr := project()
			if _, err := s.UpdateProject(ctxT, e.editor, pr); err != nil {
				return err
			}
			pr.Status = livedash.ProjectPaused
			_, err := s.UpdateProject(ctxT, p, pr)
			return err
		}, [6]string{fb, cf, cf, cf, nf, fb}}, // another tenant learns nothing, not even that it exists
		{"UpdateProject/no-version", func(p livedash.Principal) error {
			pr := project()
			pr.Version = 0
			_, err := s.UpdateProject(ctxT, p, pr)
			return err
		}, [6]string{fb, br, br, br, nf, fb}},
		{"DeleteProject", func(p livedash.Principal) error { pr := project(); return s.DeleteProject(ctxT, p, pr.ID, pr.Version) },
			[6]string{fb, ok, ok, ok, nf, fb}},
		{"DeleteProject/any-version", func(p livedash.Principal) error { return s.DeleteProject(ctxT, p, project().ID, 0) },
			[6]string{fb, ok, ok, ok, nf, fb}},
		{"DeleteProject/wrong-version", func(p livedash.Principal) error {
			pr := project()
			return s.DeleteProject(ctxT, p, pr.ID, pr.Version+1)
		},
			[6]string{fb, cf, cf, cf, nf, fb}},

		{"IngestAs", func(p livedash.Principal) error {
			_, err := s.IngestAs(ctxT, p, []livedash.MetricPoint{pt("cpu", 0, 1)})
			return err
		}, [6]string{fb, ok, ok, ok, ok, fb}},
		{"Insights", func(p livedash.Principal) error { _, err := s.Insights(ctxT, p, 10); return err },
			[6]string{ok, ok, ok, ok, ok, fb}},
		{"MetricSummary", func(p livedash.Principal) error { _, err := s.MetricSummary(ctxT, p, "cpu", nil); return err },
			[6]string{nf, nf, nf, nf, nf, fb}}, // analytics is off in this service
		{"MetricDefinitions", func(p livedash.Principal) error {
			_, err := s.MetricDefinitions(ctxT, p, livedash.ListOptions{})
			return err
		}, [6]string{ok, ok, ok, ok, ok, fb}},
		{"Series", func(p livedash.Principal) error {
			_, err := s.Series(ctxT, p, livedash.SeriesQuery{Code: "cpu", From: t0.Add(-time.Hour), To: t0})
			return err
		}, [6]string{ok, ok, ok, ok, ok, fb}},

		{"ListAlertRules", func(p livedash.Principal) error {
			_, err := s.ListAlertRules(ctxT, p, livedash.ListOptions{})
			return err
		},
			[6]string{ok, ok, ok, ok, ok, fb}},
		{"AlertRule", func(p livedash.Principal) error { _, err := s.AlertRule(ctxT, p, rule().ID); return err },
			[6]string{ok, ok, ok, ok, nf, fb}},
		{"CreateAlertRule", func(p livedash.Principal) error {
			_, err := s.CreateAlertRule(ctxT, p, livedash.AlertRule{Name: "r", MetricCode: "cpu", Comparison: livedash.CompareGT, Severity: livedash.SeverityInfo})
			return err
		}, [6]string{fb, ok, ok, ok, ok, fb}},
		{"UpdateAlertRule", func(p livedash.Principal) error {
			r := rule()
			r.Threshold = 5
			_, err := s.UpdateAlertRule(ctxT, p, r)
			return err
		}, [6]string{fb, ok, ok, ok, nf, fb}},
		{"UpdateAlertRule/stale", func(p livedash.Principal) error {
			r := rule()
			if _, err := s.UpdateAlertRule(ctxT, e.editor, r); err != nil {
				return err
			}
			r.Threshold = 5
			_, err := s.UpdateAlertRule(ctxT, p, r)
			return err
		}, [6]string{fb, cf, cf, cf, nf, fb}},
		{"UpdateAlertRule/no-version", func(p livedash.Principal) error {
			r := rule()
			r.Version = 0
			_, err := s.UpdateAlertRule(ctxT, p, r)
			return err
		}, [6]string{fb, br, br, br, br, fb}}, // the store asks for the version before looking the rule up
		{"DeleteAlertRule", func(p livedash.Principal) error { r := rule(); return s.DeleteAlertRule(ctxT, p, r.ID, r.Version) },
			[6]string{fb, ok, ok, ok, nf, fb}},
		{"DeleteAlertRule/any-version", func(p livedash.Principal) error { return s.DeleteAlertRule(ctxT, p, rule().ID, 0) },
			[6]string{fb, ok, ok, ok, nf, fb}},
		{"DeleteAlertRule/wrong-version", func(p livedash.Principal) error { r := rule(); return s.DeleteAlertRule(ctxT, p, r.ID, r.Version+1) },
			[6]string{fb, cf, cf, cf, nf, fb}},
		{"ListAlerts", func(p livedash.Principal) error {
			_, err := s.ListAlerts(ctxT, p, livedash.AlertFilter{Open: true}, livedash.ListOptions{})
			return err
		}, [6]string{ok, ok, ok, ok, ok, fb}},
		{"AcknowledgeAlert/not-recipient", func(p livedash.Principal) error {
			_, err := s.AcknowledgeAlert(ctxT, p, alert(e.editor2.UserID).ID)
			return err
		}, [6]string{fb, ok, ok, ok, nf, fb}},
		{"AcknowledgeAlert/recipient-viewer", func(p livedash.Principal) error {
			_, err := s.AcknowledgeAlert(ctxT, p, alert(e.viewer.UserID).ID)
			return err
		}, [6]string{ok, ok, ok, ok, nf, fb}},

		{"ListNotifications", func(p livedash.Principal) error {
			_, err := s.ListNotifications(ctxT, p, livedash.NotificationFilter{}, livedash.ListOptions{})
			return err
		}, [6]string{ok, ok, ok, ok, ok, fb}},
		{"CreateNotification", func(p livedash.Principal) error {
			_, err := s.CreateNotification(ctxT, p, livedash.Notification{Title: "t"})
			return err
		}, [6]string{fb, fb, fb, ok, ok, fb}},
		{"MarkNotificationRead", func(p livedash.Principal) error {
			_, err := s.MarkNotificationRead(ctxT, p, notification().ID)
			return err
		}, [6]string{ok, ok, ok, ok, nf, fb}},
		{"UnreadCount", func(p livedash.Principal) error { _, err := s.UnreadCount(ctxT, p); return err },
			[6]string{ok, ok, ok, ok, ok, fb}},

		{"ListUsers", func(p livedash.Principal) error { _, err := s.ListUsers(ctxT, p, livedash.ListOptions{}); return err },
			[6]string{fb, fb, fb, ok, ok, fb}},
		{"CreateUser", func(p livedash.Principal) error {
			counter++
			_, err := s.CreateUser(ctxT, p, livedash.User{Email: "new" + string(rune('a'+counter%26)) + time.Duration(counter).String() + "@example.com",
				DisplayName: "New", Roles: []string{livedash.RoleViewer}}, "password1")
			return err
		}, [6]string{fb, fb, fb, ok, ok, fb}},
	}
	callers := []struct {
		name string
		p    livedash.Principal
	}{{"viewer", e.viewer}, {"owner-editor", e.editor}, {"other-editor", e.editor2}, {"admin", e.admin}, {"other-tenant", e.outsider}, {"no-role", e.norole}}
	for _, tt := range tests {
		for i, c := range callers {
			t.Run(tt.name+"/"+c.name, func(t *testing.T) {
				wantCode(t, tt.op(c.p), tt.want[i])
			})
		}
	}
	t.Run("unauthenticated", func(t *testing.T) {
		_, err := s.ListDashboards(ctxT, livedash.Principal{}, livedash.ListOptions{})
		wantCode(t, err, livedash.EUnauthenticated)
	})
	t.Run("validation", func(t *testing.T) {
		_, err := s.CreateDashboard(ctxT, e.editor, livedash.Dashboard{Name: " "})
		wantCode(t, err, livedash.EBadRequest)
		_, err = s.CreateUser(ctxT, e.admin, livedash.User{Email: "short@example.com", DisplayName: "S", Roles: []string{livedash.RoleViewer}}, "short")
		wantCode(t, err, livedash.EBadRequest)
		_, err = s.ListAlerts(ctxT, e.viewer, livedash.AlertFilter{State: "exploded"}, livedash.ListOptions{})
		wantCode(t, err, livedash.EBadRequest)
	})
}

package sqlstore

import (
	"slices"
	"testing"
	"time"

	"livedash"
)

func cpuRule(recipients livedash.Recipients) livedash.AlertRule {
	return livedash.AlertRule{
		Name: "CPU high", MetricCode: "cpu", Labels: map[string]string{"host": "a"}, Comparison: livedash.CompareGT, Threshold: 90,
		For: livedash.Duration(5 * time.Minute), Severity: livedash.SeverityCritical, Recipients: recipients, Enabled: true,
	}
}

func TestAlertRules(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		tn := newTenant(t, s)
		admin := newUser(t, s, tn, "admin", livedash.RoleAdmin)
		ed := newUser(t, s, tn, "ed", livedash.RoleEditor, livedash.RoleViewer)
		viewer := newUser(t, s, tn, "vi", livedash.RoleViewer)

		r := must[livedash.AlertRule](t)(s.CreateAlertRule(ctxT, tn, cpuRule(livedash.Recipients{Users: []string{viewer.ID}, Roles: []string{livedash.RoleAdmin}})))
		got := must[livedash.AlertRule](t)(s.AlertRule(ctxT, tn, r.ID))
		if got.Name != "CPU high" || got.Labels["host"] != "a" || got.For != livedash.Duration(5*time.Minute) || !got.Enabled ||
			got.Threshold != 90 || !slices.Equal(got.Recipients.Users, []string{viewer.ID}) || !got.CreatedAt.Equal(r.CreatedAt) {
			t.Errorf("AlertRule = %+v", got)
		}
		want := sortedCopy([]string{admin.ID, viewer.ID})
		if got := must[[]string](t)(s.AlertRecipients(ctxT, tn, r.ID)); !slices.Equal(got, want) {
			t.Errorf("AlertRecipients = %v, want %v", got, want)
		}

		for _, tt := range []struct {
			name string
			edit func(*livedash.AlertRule)
			code string
		}{
			{"bad comparison", func(r *livedash.AlertRule) { r.Comparison = ">" }, livedash.EBadRequest},
			{"bad severity", func(r *livedash.AlertRule) { r.Severity = "fatal" }, livedash.EBadRequest},
			{"bad code", func(r *livedash.AlertRule) { r.MetricCode = "" }, livedash.EBadRequest},
			{"negative for", func(r *livedash.AlertRule) { r.For = -1 }, livedash.EBadRequest},
			{"bad role", func(r *livedash.AlertRule) { r.Recipients.Roles = []string{"boss"} }, livedash.EBadRequest},
			{"unknown user", func(r *livedash.AlertRule) { r.Recipients.Users = []string{"ghost"} }, livedash.ENotFound},
		} {
			rule := cpuRule(livedash.Recipients{})
			tt.edit(&rule)
			_, err := s.CreateAlertRule(ctxT, tn, rule)
			if livedash.ErrorCode(err) != tt.code {
				t.Errorf("%s: error %v, want %s", tt.name, err, tt.code)
			}
		}

		r.Threshold, r.Enabled, r.Recipients = 95.5, false, livedash.Recipients{Roles: []string{livedash.RoleEditor}}
		upd := must[livedash.AlertRule](t)(s.UpdateAlertRule(ctxT, tn, r))
		if upd.Threshold != 95.5 || upd.Enabled {
			t.Errorf("updated %+v", upd)
		}
		if got := must[[]string](t)(s.AlertRecipients(ctxT, tn, r.ID)); !slices.Equal(got, []string{ed.ID}) {
			t.Errorf("AlertRecipients after update = %v", got)
		}
		_, err := s.UpdateAlertRule(ctxT, tn, livedash.AlertRule{ID: "nope", Name: "x", MetricCode: "x", Comparison: "gt", Severity: "info", Version: 1})
		wantCode(t, err, livedash.ENotFound)

		mem := must[livedash.AlertRule](t)(s.CreateAlertRule(ctxT, tn, livedash.AlertRule{Name: "mem", MetricCode: "mem", Comparison: livedash.CompareLT, Threshold: 1, Severity: livedash.SeverityWarning, Enabled: true}))
		list := func(f livedash.AlertRuleFilter) []string {
			var out []string
			for _, r := range must[livedash.Page[livedash.AlertRule]](t)(s.ListAlertRules(ctxT, tn, f, livedash.ListOptions{})).Items {
				out = append(out, r.ID)
			}
			return out
		}
		if got := list(livedash.AlertRuleFilter{}); !slices.Equal(got, []string{r.ID, mem.ID}) {
			t.Errorf("all rules: %v", got)
		}
		if got := list(livedash.AlertRuleFilter{EnabledOnly: true}); !slices.Equal(got, []string{mem.ID}) {
			t.Errorf("enabled rules: %v", got)
		}
		if got := list(livedash.AlertRuleFilter{MetricCode: "cpu"}); !slices.Equal(got, []string{r.ID}) {
			t.Errorf("cpu rules: %v", got)
		}

		ok(t, s.DeleteAlertRule(ctxT, tn, mem.ID, 0))
		wantCode(t, s.DeleteAlertRule(ctxT, tn, mem.ID, 0), livedash.ENotFound)
		_, err = s.AlertRule(ctxT, tn, mem.ID)
		wantCode(t, err, livedash.ENotFound)
		_, err = s.AlertRecipients(ctxT, tn, mem.ID)
		wantCode(t, err, livedash.ENotFound)
	})
}

func TestAlertStates(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		tn := newTenant(t, s)
		ops := newUser(t, s, tn, "ops", livedash.RoleEditor)
		r := must[livedash.AlertRule](t)(s.CreateAlertRule(ctxT, tn, cpuRule(livedash.Recipients{})))

		a, created, err := s.FireAlert(ctxT, tn, r.ID, 97.5, "cpu at 97.5%")
		ok(t, err)
		if !created || a.State != livedash.AlertFiring || a.Value != 97.5 || a.Threshold != 90 || a.RuleName != "CPU high" ||
			a.Severity != livedash.SeverityCritical || a.Labels["host"] != "a" || a.FiredAt.IsZero() || a.AcknowledgedAt != nil || a.ResolvedAt != nil {
			t.Fatalf("fired %+v (created %v)", a, created)
		}
		// One open alert per rule: firing again returns it.
		again, created, err := s.FireAlert(ctxT, tn, r.ID, 99, "cpu at 99%")
		ok(t, err)
		if created || again.ID != a.ID || again.Value != 97.5 {
			t.Errorf("fired again: %+v (created %v)", again, created)
		}
		_, _, err = s.FireAlert(ctxT, tn, "nope", 1, "")
		wantCode(t, err, livedash.ENotFound)

		// firing → acknowledged → resolved.
		acked := must[livedash.Alert](t)(s.AcknowledgeAlert(ctxT, tn, a.ID, ops.ID))
		if acked.State != livedash.AlertAcknowledged || acked.AcknowledgedBy != ops.ID || acked.AcknowledgedAt == nil || acked.AcknowledgedAt.Before(a.FiredAt) {
			t.Fatalf("acknowledged %+v", acked)
		}
		_, err = s.AcknowledgeAlert(ctxT, tn, a.ID, ops.ID)
		wantCode(t, err, livedash.EConflict)
		_, err = s.AcknowledgeAlert(ctxT, tn, a.ID, "")
		wantCode(t, err, livedash.EBadRequest)
		// Still open: firing again returns it.
		if again, created, err = s.FireAlert(ctxT, tn, r.ID, 99, ""); err != nil || created || again.ID != a.ID {
			t.Errorf("fire while acknowledged: %+v %v %v", again, created, err)
		}
		resolved := must[livedash.Alert](t)(s.ResolveAlert(ctxT, tn, a.ID))
		if resolved.State != livedash.AlertResolved || resolved.ResolvedAt == nil || resolved.AcknowledgedBy != ops.ID {
			t.Fatalf("resolved %+v", resolved)
		}
		_, err = s.ResolveAlert(ctxT, tn, a.ID)
		wantCode(t, err, livedash.EConflict)
		_, err = s.AcknowledgeAlert(ctxT, tn, a.ID, ops.ID)
		wantCode(t, err, livedash.EConflict)
		_, err = s.ResolveAlert(ctxT, tn, "nope")
		wantCode(t, err, livedash.ENotFound)
		_, err = s.AcknowledgeAlert(ctxT, tn, "nope", ops.ID)
		wantCode(t, err, livedash.ENotFound)

		// Resolved: the rule fires anew; firing → resolved directly.
		b, created, err := s.FireAlert(ctxT, tn, r.ID, 91, "again")
		ok(t, err)
		if !created || b.ID == a.ID {
			t.Fatalf("second alert %+v (created %v)", b, created)
		}
		list := func(f livedash.AlertFilter) []string {
			var out []string
			for _, a := range must[livedash.Page[livedash.Alert]](t)(s.ListAlerts(ctxT, tn, f, livedash.ListOptions{})).Items {
				out = append(out, a.ID)
			}
			return out
		}
		for _, tt := range []struct {
			name string
			f    livedash.AlertFilter
			want []string
		}{
			{"all, newest first", livedash.AlertFilter{}, []string{b.ID, a.ID}},
			{"open", livedash.AlertFilter{Open: true}, []string{b.ID}},
			{"resolved", livedash.AlertFilter{State: livedash.AlertResolved}, []string{a.ID}},
			{"firing", livedash.AlertFilter{State: livedash.AlertFiring}, []string{b.ID}},
			{"acknowledged", livedash.AlertFilter{State: livedash.AlertAcknowledged}, nil},
			{"of the rule", livedash.AlertFilter{RuleID: r.ID}, []string{b.ID, a.ID}},
			{"of another rule", livedash.AlertFilter{RuleID: "nope"}, nil},
		} {
			if got := list(tt.f); !slices.Equal(got, tt.want) {
				t.Errorf("%s: ListAlerts = %v, want %v", tt.name, got, tt.want)
			}
		}
		_, err = s.ListAlerts(ctxT, tn, livedash.AlertFilter{State: "sleeping"}, livedash.ListOptions{})
		wantCode(t, err, livedash.EBadRequest)
		if got := must[livedash.Alert](t)(s.ResolveAlert(ctxT, tn, b.ID)); got.State != livedash.AlertResolved || got.AcknowledgedAt != nil {
			t.Errorf("resolved from firing: %+v", got)
		}

		// Deleting a rule resolves its open alert and keeps the history.
		c, _, err := s.FireAlert(ctxT, tn, r.ID, 92, "")
		ok(t, err)
		ok(t, s.DeleteAlertRule(ctxT, tn, r.ID, 0))
		if got := must[livedash.Alert](t)(s.Alert(ctxT, tn, c.ID)); got.State != livedash.AlertResolved {
			t.Errorf("alert of a deleted rule: %+v", got)
		}
		if got := list(livedash.AlertFilter{RuleID: r.ID}); len(got) != 3 {
			t.Errorf("history of a deleted rule: %v", got)
		}
		_, err = s.Alert(ctxT, tn, "nope")
		wantCode(t, err, livedash.ENotFound)
	})
}

func TestCheckAlertTransition(t *testing.T) {
	for _, tt := range []struct {
		from, to string
		ok       bool
	}{
		{livedash.AlertFiring, livedash.AlertAcknowledged, true},
		{livedash.AlertFiring, livedash.AlertResolved, true},
		{livedash.AlertAcknowledged, livedash.AlertResolved, true},
		{livedash.AlertAcknowledged, livedash.AlertFiring, false},
		{livedash.AlertAcknowledged, livedash.AlertAcknowledged, false},
		{livedash.AlertResolved, livedash.AlertFiring, false},
		{livedash.AlertResolved, livedash.AlertAcknowledged, false},
	} {
		if err := livedash.CheckAlertTransition(tt.from, tt.to); (err == nil) != tt.ok || (err != nil && livedash.ErrorCode(err) != livedash.EConflict) {
			t.Errorf("%s → %s: %v", tt.from, tt.to, err)
		}
	}
}

func TestAlertRuleVersions(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		tn := newTenant(t, s)
		r := must[livedash.AlertRule](t)(s.CreateAlertRule(ctxT, tn, cpuRule(livedash.Recipients{})))
		if r.Version != 1 {
			t.Fatalf("created with version %d, want 1", r.Version)
		}
		if got := must[livedash.AlertRule](t)(s.AlertRule(ctxT, tn, r.ID)); got.Version != 1 {
			t.Fatalf("AlertRule version = %d, want 1", got.Version)
		}

		// Two editors read version 1: the first update wins and moves the version on, the second
		// gets a conflict naming the current version and changes nothing.
		a, b := r, r
		a.Threshold = 80
		a = must[livedash.AlertRule](t)(s.UpdateAlertRule(ctxT, tn, a))
		if a.Version != 2 || a.Threshold != 80 {
			t.Fatalf("updated %+v, want version 2 and threshold 80", a)
		}
		b.Name = "CPU very high"
		_, err := s.UpdateAlertRule(ctxT, tn, b)
		wantConflict(t, err, 2)
		if cur := must[livedash.AlertRule](t)(s.AlertRule(ctxT, tn, r.ID)); cur.Name != "CPU high" || cur.Threshold != 80 || cur.Version != 2 {
			t.Errorf("stale update changed the rule: %+v", cur)
		}
		a.Enabled = false
		a = must[livedash.AlertRule](t)(s.UpdateAlertRule(ctxT, tn, a))
		if a.Version != 3 {
			t.Errorf("second update: version %d, want 3", a.Version)
		}
		if page := must[livedash.Page[livedash.AlertRule]](t)(s.ListAlertRules(ctxT, tn, livedash.AlertRuleFilter{}, livedash.ListOptions{})); len(page.Items) != 1 || page.Items[0].Version != 3 {
			t.Errorf("listed %+v, want version 3", page.Items)
		}

		b.Version = 0
		_, err = s.UpdateAlertRule(ctxT, tn, b)
		wantCode(t, err, livedash.EBadRequest)
		b.ID, b.Version = "nope", 1
		_, err = s.UpdateAlertRule(ctxT, tn, b)
		wantCode(t, err, livedash.ENotFound)

		// Deletes: a stale version is a conflict and keeps the rule; the current one deletes it.
		wantConflict(t, s.DeleteAlertRule(ctxT, tn, r.ID, 2), 3)
		must[livedash.AlertRule](t)(s.AlertRule(ctxT, tn, r.ID))
		ok(t, s.DeleteAlertRule(ctxT, tn, r.ID, 3))
		wantCode(t, s.DeleteAlertRule(ctxT, tn, r.ID, 3), livedash.ENotFound)
		_, err = s.AlertRule(ctxT, tn, r.ID)
		wantCode(t, err, livedash.ENotFound)
	})
}

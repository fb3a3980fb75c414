package service

import (
	"context"
	"slices"
	"sync"
	"time"

	"livedash"
)

// Alert evaluation happens in Ingest: each enabled rule whose metric code is in the batch looks
// at the points of its series (the code with exactly the rule's labels) in time order. A rule
// breached continuously (by point times) for its for-duration fires (FireAlert; new_alert to
// its recipients when the store opened a new alert); a point that no longer breaches it resolves
// its open alert (ResolveAlert; alert_update). The "breached since" state lives in memory per
// rule; after a restart an open alert is found through the store.

// tenantAlerts holds the enabled rules of a tenant and their evaluation state.
type tenantAlerts struct {
	mu       sync.Mutex
	byCode   map[string][]livedash.AlertRule // nil until loaded
	loadedAt time.Time
	state    map[string]*ruleState // by rule id
}

// ruleState is the evaluation state of one rule.
type ruleState struct {
	version  int64     // the rule's Version: a changed rule starts over (even within one millisecond)
	last     time.Time // time of the latest point seen; older points are ignored
	breached bool
	since    time.Time // first point of the current breach
	fired    bool      // an alert is open for the current breach (as far as we know)
	checked  bool      // whether we know if the rule has an open alert (false after a start)
}

func (s *Service) tenantAlerts(tenant string) *tenantAlerts {
	s.alertMu.Lock()
	defer s.alertMu.Unlock()
	ta := s.alerts[tenant]
	if ta == nil {
		ta = &tenantAlerts{state: map[string]*ruleState{}}
		s.alerts[tenant] = ta
	}
	return ta
}

// rules returns the enabled rules of tenant by metric code, loading them when they were never
// loaded, were changed by this service or are older than RuleRefresh.
func (s *Service) rules(ctx context.Context, tenant string) (*tenantAlerts, map[string][]livedash.AlertRule, error) {
	ta := s.tenantAlerts(tenant)
	ta.mu.Lock()
	byCode := ta.byCode
	fresh := byCode != nil && (s.ruleRefresh < 0 || s.now().Sub(ta.loadedAt) < s.ruleRefresh)
	ta.mu.Unlock()
	if fresh {
		return ta, byCode, nil
	}
	byCode = map[string][]livedash.AlertRule{}
	opt := livedash.ListOptions{Limit: livedash.MaxLimit}
	for {
		page, err := s.store.ListAlertRules(ctx, tenant, livedash.AlertRuleFilter{EnabledOnly: true}, opt)
		if err != nil {
			return nil, nil, err
		}
		for _, r := range page.Items {
			byCode[r.MetricCode] = append(byCode[r.MetricCode], r)
		}
		if page.NextCursor == "" {
			break
		}
		opt.Cursor = page.NextCursor
	}
	ta.mu.Lock()
	ta.byCode, ta.loadedAt = byCode, s.now()
	ta.mu.Unlock()
	return ta, byCode, nil
}

// rulesChanged makes the next ingest reload the rules of tenant and forgets the state of ruleID.
func (s *Service) rulesChanged(tenant, ruleID string) {
	ta := s.tenantAlerts(tenant)
	ta.mu.Lock()
	defer ta.mu.Unlock()
	ta.byCode = nil
	delete(ta.state, ruleID)
}

// alertAction is what evaluation decided for a rule: fire with value, or resolve its open alert.
type alertAction struct {
	rule  livedash.AlertRule
	fire  bool
	value float64
}

// evaluateAlerts evaluates the rules of the batch's codes and carries out what they decide.
func (s *Service) evaluateAlerts(ctx context.Context, tenant string, batch []*batchCode) {
	ta, byCode, err := s.rules(ctx, tenant)
	if err != nil {
		s.log.Warn("loading alert rules", "tenant", tenant, "err", err)
		return
	}
	var actions []alertAction
	ta.mu.Lock()
	for _, bc := range batch {
		for _, r := range byCode[bc.code] {
			bs := bc.seriesOf(livedash.LabelsKey(r.Labels))
			if bs == nil {
				continue
			}
			st := ta.state[r.ID]
			if st == nil || st.version != r.Version {
				st = &ruleState{version: r.Version}
				ta.state[r.ID] = st
			}
			actions = st.evaluate(r, bs.points, actions)
		}
	}
	ta.mu.Unlock()

	for _, a := range actions {
		if a.fire {
			if !s.fire(ctx, tenant, a.rule, a.value) {
				ta.mu.Lock()
				if st := ta.state[a.rule.ID]; st != nil {
					st.fired = false // try again with the next breaching point
				}
				ta.mu.Unlock()
			}
			continue
		}
		s.resolveOpen(ctx, tenant, a.rule.ID)
	}
}

// evaluate runs the points of the rule's series (in time order) through the state and appends
// the actions they call for.
func (st *ruleState) evaluate(r livedash.AlertRule, points []livedash.SeriesPoint, actions []alertAction) []alertAction {
	forDur := time.Duration(r.For)
	for _, p := range points {
		t := time.UnixMilli(p.Time)
		if t.Before(st.last) {
			continue
		}
		st.last = t
		if r.Breached(p.Value) {
			if !st.breached {
				st.breached, st.since = true, t
			}
			if !st.fired && t.Sub(st.since) >= forDur {
				st.fired, st.checked = true, true
				actions = append(actions, alertAction{rule: r, fire: true, value: p.Value})
			}
			continue
		}
		st.breached = false
		if st.fired || !st.checked {
			actions = append(actions, alertAction{rule: r})
		}
		st.fired, st.checked = false, true
	}
	return actions
}

// fire opens an alert of rule r and, when it is new, sends new_alert to the rule's recipients.
// It reports whether the store holds an open alert now.
func (s *Service) fire(ctx context.Context, tenant string, r livedash.AlertRule, value float64) bool {
	a, created, err := s.store.FireAlert(ctx, tenant, r.ID, value, alertMessage(r, value))
	if err != nil {
		s.log.Warn("firing alert", "tenant", tenant, "rule", r.ID, "err", err)
		return false
	}
	if created {
		s.publishAlert(ctx, tenant, EventNewAlert, AlertEvent{Change: livedash.AlertFiring, Alert: a}, nil)
	}
	return true
}

// resolveOpen resolves the open alert of rule ruleID, if any, and sends alert_update.
func (s *Service) resolveOpen(ctx context.Context, tenant, ruleID string) {
	page, err := s.store.ListAlerts(ctx, tenant, livedash.AlertFilter{RuleID: ruleID, Open: true}, livedash.ListOptions{Limit: 1})
	if err != nil {
		s.log.Warn("finding open alert", "tenant", tenant, "rule", ruleID, "err", err)
		return
	}
	for _, open := range page.Items {
		a, err := s.store.ResolveAlert(ctx, tenant, open.ID)
		if livedash.ErrorCode(err) == livedash.EConflict {
			continue // resolved by someone else meanwhile
		}
		if err != nil {
			s.log.Warn("resolving alert", "tenant", tenant, "alert", open.ID, "err", err)
			continue
		}
		s.publishAlert(ctx, tenant, EventAlertUpdate, AlertEvent{Change: ChangeResolved, Alert: a}, nil)
	}
}

// publishAlert sends an alert event to alerts.{user} of every recipient of the alert's rule
// (recipients when given, else asked from the store).
func (s *Service) publishAlert(ctx context.Context, tenant, event string, ev AlertEvent, recipients []string) {
	if recipients == nil {
		var err error
		recipients, err = s.store.AlertRecipients(ctx, tenant, ev.Alert.RuleID)
		if err != nil {
			s.log.Warn("alert recipients", "tenant", tenant, "rule", ev.Alert.RuleID, "err", err)
			return
		}
	}
	channels := make([]string, len(recipients))
	for i, u := range recipients {
		channels[i] = alertsChannel(u)
	}
	s.publish(ctx, event, ev, channels...)
}

// ListAlertRules lists the alert rules of p's tenant. Any role.
func (s *Service) ListAlertRules(ctx context.Context, p livedash.Principal, opt livedash.ListOptions) (livedash.Page[livedash.AlertRule], error) {
	if err := canRead(p); err != nil {
		return livedash.Page[livedash.AlertRule]{}, err
	}
	return s.store.ListAlertRules(ctx, p.Tenant, livedash.AlertRuleFilter{}, opt)
}

// AlertRule returns alert rule id. Any role.
func (s *Service) AlertRule(ctx context.Context, p livedash.Principal, id string) (livedash.AlertRule, error) {
	if err := canRead(p); err != nil {
		return livedash.AlertRule{}, err
	}
	return s.store.AlertRule(ctx, p.Tenant, id)
}

// CreateAlertRule creates rule r with version 1. Editors and admins.
func (s *Service) CreateAlertRule(ctx context.Context, p livedash.Principal, r livedash.AlertRule) (livedash.AlertRule, error) {
	if err := canEdit(p); err != nil {
		return livedash.AlertRule{}, err
	}
	r.ID, r.Tenant, r.Version = "", p.Tenant, 0
	if err := r.Validate(); err != nil {
		return livedash.AlertRule{}, err
	}
	created, err := s.store.CreateAlertRule(ctx, p.Tenant, r)
	if err != nil {
		return livedash.AlertRule{}, err
	}
	s.rulesChanged(p.Tenant, created.ID)
	return created, nil
}

// UpdateAlertRule replaces rule r.ID; r.Version is the version the caller read (a stale one is
// *livedash.VersionConflict). Its evaluation starts over. Disabling a rule resolves its open alert
// (alert_update). Editors and admins.
func (s *Service) UpdateAlertRule(ctx context.Context, p livedash.Principal, r livedash.AlertRule) (livedash.AlertRule, error) {
	if err := canEdit(p); err != nil {
		return livedash.AlertRule{}, err
	}
	r.Tenant = p.Tenant
	if err := r.Validate(); err != nil {
		return livedash.AlertRule{}, err
	}
	updated, err := s.store.UpdateAlertRule(ctx, p.Tenant, r)
	if err != nil {
		return livedash.AlertRule{}, err
	}
	s.rulesChanged(p.Tenant, updated.ID)
	if !updated.Enabled {
		s.resolveOpen(ctx, p.Tenant, updated.ID)
	}
	return updated, nil
}

// DeleteAlertRule deletes rule id if its version is still version (0: any); the store resolves
// its open alert, which is announced with alert_update to the rule's recipients. Editors and
// admins.
func (s *Service) DeleteAlertRule(ctx context.Context, p livedash.Principal, id string, version int64) error {
	if err := canEdit(p); err != nil {
		return err
	}
	// What the deletion will resolve, and who hears of it, must be read before.
	open, err := s.store.ListAlerts(ctx, p.Tenant, livedash.AlertFilter{RuleID: id, Open: true}, livedash.ListOptions{Limit: 1})
	if err != nil {
		return err
	}
	var recipients []string
	if len(open.Items) > 0 {
		if recipients, err = s.store.AlertRecipients(ctx, p.Tenant, id); err != nil {
			return err
		}
	}
	if err := s.store.DeleteAlertRule(ctx, p.Tenant, id, version); err != nil {
		return err
	}
	s.rulesChanged(p.Tenant, id)
	for _, o := range open.Items {
		a, err := s.store.Alert(ctx, p.Tenant, o.ID)
		if err != nil {
			s.log.Warn("reading resolved alert", "tenant", p.Tenant, "alert", o.ID, "err", err)
			continue
		}
		if a.State == livedash.AlertResolved && recipients != nil {
			s.publishAlert(ctx, p.Tenant, EventAlertUpdate, AlertEvent{Change: ChangeResolved, By: p.UserID, Alert: a}, recipients)
		}
	}
	return nil
}

// ListAlerts lists the alerts of p's tenant matching f, newest first. Any role.
func (s *Service) ListAlerts(ctx context.Context, p livedash.Principal, f livedash.AlertFilter, opt livedash.ListOptions) (livedash.Page[livedash.Alert], error) {
	if err := canRead(p); err != nil {
		return livedash.Page[livedash.Alert]{}, err
	}
	if err := f.Validate(); err != nil {
		return livedash.Page[livedash.Alert]{}, err
	}
	return s.store.ListAlerts(ctx, p.Tenant, f, opt)
}

// AcknowledgeAlert moves firing alert id to acknowledged by p and sends alert_update to the
// rule's recipients. Editors and admins; viewers only for alerts sent to them.
func (s *Service) AcknowledgeAlert(ctx context.Context, p livedash.Principal, id string) (livedash.Alert, error) {
	if err := canRead(p); err != nil {
		return livedash.Alert{}, err
	}
	a, err := s.store.Alert(ctx, p.Tenant, id)
	if err != nil {
		return livedash.Alert{}, err
	}
	recipients, err := s.store.AlertRecipients(ctx, p.Tenant, a.RuleID)
	if err != nil && livedash.ErrorCode(err) != livedash.ENotFound {
		return livedash.Alert{}, err
	}
	if canEdit(p) != nil && !slices.Contains(recipients, p.UserID) {
		return livedash.Alert{}, livedash.Errorf(livedash.EForbidden, "only editors, admins and its recipients may acknowledge an alert")
	}
	acked, err := s.store.AcknowledgeAlert(ctx, p.Tenant, id, p.UserID)
	if err != nil {
		return livedash.Alert{}, err
	}
	if recipients == nil {
		recipients = []string{}
	}
	s.publishAlert(ctx, p.Tenant, EventAlertUpdate, AlertEvent{Change: ChangeAcknowledged, By: p.UserID, Alert: acked}, recipients)
	return acked, nil
}

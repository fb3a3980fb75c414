package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"livedash"
)

const alertColumns = "id, tenant, rule_id, rule_name, metric_code, labels_key, severity, state, value, threshold, message, fired_at, acknowledged_at, acknowledged_by, resolved_at"

func scanAlert(sc scanner) (livedash.Alert, error) {
	var a livedash.Alert
	var labels string
	var fired int64
	var acked, resolved sql.NullInt64
	var ackedBy sql.NullString
	err := sc.Scan(&a.ID, &a.Tenant, &a.RuleID, &a.RuleName, &a.MetricCode, &labels, &a.Severity, &a.State, &a.Value,
		&a.Threshold, &a.Message, &fired, &acked, &ackedBy, &resolved)
	a.Labels = livedash.ParseLabelsKey(labels)
	a.FiredAt = fromMS(fired)
	a.AcknowledgedAt, a.AcknowledgedBy, a.ResolvedAt = fromNullMS(acked), ackedBy.String, fromNullMS(resolved)
	return a, err
}

// errOpenRace means another writer opened an alert of the rule between our check and insert.
var errOpenRace = errors.New("open alert race")

// FireAlert implements livedash.AlertStore. The unique (tenant, open_rule) index keeps one open
// alert per rule even when evaluators on several nodes fire together: the loser of the race
// retries and finds the winner's alert.
func (s *Store) FireAlert(ctx context.Context, tenant, ruleID string, value float64, message string) (livedash.Alert, bool, error) {
	if err := livedash.ValidateAlertMessage(message); err != nil {
		return livedash.Alert{}, false, err
	}
	for attempt := 0; ; attempt++ {
		a, created, err := s.fireAlert(ctx, tenant, ruleID, value, message)
		if errors.Is(err, errOpenRace) && attempt == 0 {
			continue
		}
		return a, created, fail("fire alert", err)
	}
}

func (s *Store) fireAlert(ctx context.Context, tenant, ruleID string, value float64, message string) (livedash.Alert, bool, error) {
	var a livedash.Alert
	created := false
	err := s.write(ctx, func(r runner) error {
		rule, err := s.alertRule(ctx, r, tenant, ruleID)
		if err != nil {
			return err
		}
		a, err = scanAlert(r.queryRow(ctx, "SELECT "+alertColumns+" FROM alerts WHERE tenant = ? AND open_rule = ?", tenant, ruleID))
		if err == nil || !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		now := s.nowMS()
		a = livedash.Alert{
			ID: s.newID(), Tenant: tenant, RuleID: rule.ID, RuleName: rule.Name, MetricCode: rule.MetricCode,
			Labels: rule.Labels, Severity: rule.Severity, State: livedash.AlertFiring, Value: value,
			Threshold: rule.Threshold, Message: message, FiredAt: fromMS(now),
		}
		_, err = r.exec(ctx, "INSERT INTO alerts ("+alertColumns+", open_rule) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, ?)",
			a.ID, tenant, a.RuleID, a.RuleName, a.MetricCode, livedash.LabelsKey(a.Labels), a.Severity, a.State, a.Value,
			a.Threshold, a.Message, now, ruleID)
		if s.d.isUniqueViolation(err) {
			return errOpenRace
		}
		created = err == nil
		return err
	})
	return a, created, err
}

// Alert implements livedash.AlertStore.
func (s *Store) Alert(ctx context.Context, tenant, id string) (livedash.Alert, error) {
	a, err := scanAlert(s.read().queryRow(ctx, "SELECT "+alertColumns+" FROM alerts WHERE tenant = ? AND id = ?", tenant, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, notFound("alert", id)
	}
	return a, fail("alert", err)
}

// ListAlerts implements livedash.AlertStore.
func (s *Store) ListAlerts(ctx context.Context, tenant string, f livedash.AlertFilter, opt livedash.ListOptions) (livedash.Page[livedash.Alert], error) {
	var none livedash.Page[livedash.Alert]
	if err := f.Validate(); err != nil {
		return none, err
	}
	lq, err := newListQuery(opt)
	if err != nil {
		return none, err
	}
	q := "SELECT " + alertColumns + " FROM alerts WHERE tenant = ?"
	args := []any{tenant}
	if lq.after != "" {
		q += " AND id < ?"
		args = append(args, lq.after)
	}
	if f.State != "" {
		q += " AND state = ?"
		args = append(args, f.State)
	}
	if f.Open {
		q += " AND open_rule IS NOT NULL"
	}
	if f.RuleID != "" {
		q += " AND rule_id = ?"
		args = append(args, f.RuleID)
	}
	q += " ORDER BY id DESC LIMIT ?"
	args = append(args, lq.limit+1)
	rows, err := s.read().query(ctx, q, args...)
	if err != nil {
		return none, fail("list alerts", err)
	}
	defer rows.Close()
	var out []livedash.Alert
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return none, fail("list alerts", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return none, fail("list alerts", err)
	}
	return page(out, lq.limit, func(a livedash.Alert) string { return a.ID }), nil
}

// AcknowledgeAlert implements livedash.AlertStore.
func (s *Store) AcknowledgeAlert(ctx context.Context, tenant, id, userID string) (livedash.Alert, error) {
	if userID == "" {
		return livedash.Alert{}, livedash.Errorf(livedash.EBadRequest, "acknowledged_by: must name a user")
	}
	return s.transition(ctx, tenant, id, livedash.AlertAcknowledged,
		"UPDATE alerts SET state = ?, acknowledged_at = ?, acknowledged_by = ? WHERE tenant = ? AND id = ? AND state = ?",
		livedash.AlertAcknowledged, s.nowMS(), userID, tenant, id, livedash.AlertFiring)
}

// ResolveAlert implements livedash.AlertStore.
func (s *Store) ResolveAlert(ctx context.Context, tenant, id string) (livedash.Alert, error) {
	return s.transition(ctx, tenant, id, livedash.AlertResolved,
		"UPDATE alerts SET state = ?, resolved_at = ?, open_rule = NULL WHERE tenant = ? AND id = ? AND state IN (?, ?)",
		livedash.AlertResolved, s.nowMS(), tenant, id, livedash.AlertFiring, livedash.AlertAcknowledged)
}

// transition runs a conditional state change; when it matches no row it tells why: ENotFound or
// the EConflict of livedash.CheckAlertTransition.
func (s *Store) transition(ctx context.Context, tenant, id, to, update string, args ...any) (livedash.Alert, error) {
	err := s.write(ctx, func(r runner) error {
		n, err := rowsAffected(r.exec(ctx, update, args...))
		if err != nil || n > 0 {
			return err
		}
		var state string
		err = r.queryRow(ctx, "SELECT state FROM alerts WHERE tenant = ? AND id = ?", tenant, id).Scan(&state)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("alert", id)
		}
		if err != nil {
			return err
		}
		if err := livedash.CheckAlertTransition(state, to); err != nil {
			return err
		}
		return errors.New("alert changed state concurrently")
	})
	if err != nil {
		return livedash.Alert{}, fail("alert "+to, err)
	}
	return s.Alert(ctx, tenant, id)
}

package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"livedash"
)

const ruleColumns = "id, tenant, name, metric_code, labels_key, comparison, threshold, for_ms, severity, recipients_json, enabled, version, created_at, updated_at"

func scanRule(sc scanner) (livedash.AlertRule, error) {
	var r livedash.AlertRule
	var labels, recipients string
	var forMS, enabled, created, updated int64
	err := sc.Scan(&r.ID, &r.Tenant, &r.Name, &r.MetricCode, &labels, &r.Comparison, &r.Threshold, &forMS, &r.Severity,
		&recipients, &enabled, &r.Version, &created, &updated)
	if err != nil {
		return r, err
	}
	r.Labels = livedash.ParseLabelsKey(labels)
	r.For = livedash.Duration(time.Duration(forMS) * time.Millisecond)
	r.Enabled = enabled != 0
	r.CreatedAt, r.UpdatedAt = fromMS(created), fromMS(updated)
	return r, json.Unmarshal([]byte(recipients), &r.Recipients)
}

// ruleArgs returns the stored values of the fields a caller sets, in ruleColumns order from
// name to enabled.
func ruleArgs(r livedash.AlertRule) ([]any, error) {
	recipients, err := json.Marshal(r.Recipients)
	if err != nil {
		return nil, err
	}
	enabled := 0
	if r.Enabled {
		enabled = 1
	}
	return []any{r.Name, r.MetricCode, livedash.LabelsKey(r.Labels), r.Comparison, r.Threshold,
		time.Duration(r.For).Milliseconds(), r.Severity, string(recipients), enabled}, nil
}

// checkRecipients fails with ENotFound for a recipient user not of tenant.
func checkRecipients(ctx context.Context, r runner, tenant string, rec livedash.Recipients) error {
	for _, u := range rec.Users {
		if err := requireUser(ctx, r, tenant, u); err != nil {
			return err
		}
	}
	return nil
}

// CreateAlertRule implements livedash.AlertStore.
func (s *Store) CreateAlertRule(ctx context.Context, tenant string, rule livedash.AlertRule) (livedash.AlertRule, error) {
	if err := rule.Validate(); err != nil {
		return livedash.AlertRule{}, err
	}
	rule.For = livedash.Duration(time.Duration(rule.For).Truncate(time.Millisecond))
	args, err := ruleArgs(rule)
	if err != nil {
		return livedash.AlertRule{}, fail("create alert rule", err)
	}
	now := s.nowMS()
	rule.ID, rule.Tenant, rule.Version = s.newID(), tenant, 1
	rule.CreatedAt, rule.UpdatedAt = fromMS(now), fromMS(now)
	err = s.write(ctx, func(r runner) error {
		if err := requireTenant(ctx, r, tenant); err != nil {
			return err
		}
		if err := checkRecipients(ctx, r, tenant, rule.Recipients); err != nil {
			return err
		}
		all := append(append([]any{rule.ID, tenant}, args...), rule.Version, now, now)
		_, err := r.exec(ctx, "INSERT INTO alert_rules ("+ruleColumns+") VALUES ("+placeholders(len(all))+")", all...)
		return err
	})
	if err != nil {
		return livedash.AlertRule{}, fail("create alert rule", err)
	}
	return rule, nil
}

// AlertRule implements livedash.AlertStore.
func (s *Store) AlertRule(ctx context.Context, tenant, id string) (livedash.AlertRule, error) {
	return s.alertRule(ctx, s.read(), tenant, id)
}

func (s *Store) alertRule(ctx context.Context, r runner, tenant, id string) (livedash.AlertRule, error) {
	rule, err := scanRule(r.queryRow(ctx, "SELECT "+ruleColumns+" FROM alert_rules WHERE tenant = ? AND id = ?", tenant, id))
	if errors.Is(err, sql.ErrNoRows) {
		return rule, notFound("alert rule", id)
	}
	return rule, fail("alert rule", err)
}

// ListAlertRules implements livedash.AlertStore.
func (s *Store) ListAlertRules(ctx context.Context, tenant string, f livedash.AlertRuleFilter, opt livedash.ListOptions) (livedash.Page[livedash.AlertRule], error) {
	var none livedash.Page[livedash.AlertRule]
	lq, err := newListQuery(opt)
	if err != nil {
		return none, err
	}
	q := "SELECT " + ruleColumns + " FROM alert_rules WHERE tenant = ? AND id > ?"
	args := []any{tenant, lq.after}
	if f.MetricCode != "" {
		q += " AND metric_code = ?"
		args = append(args, f.MetricCode)
	}
	if f.EnabledOnly {
		q += " AND enabled = 1"
	}
	q += " ORDER BY id LIMIT ?"
	args = append(args, lq.limit+1)
	rows, err := s.read().query(ctx, q, args...)
	if err != nil {
		return none, fail("list alert rules", err)
	}
	defer rows.Close()
	var out []livedash.AlertRule
	for rows.Next() {
		rule, err := scanRule(rows)
		if err != nil {
			return none, fail("list alert rules", err)
		}
		out = append(out, rule)
	}
	if err := rows.Err(); err != nil {
		return none, fail("list alert rules", err)
	}
	return page(out, lq.limit, func(r livedash.AlertRule) string { return r.ID }), nil
}

// UpdateAlertRule implements livedash.AlertStore.
func (s *Store) UpdateAlertRule(ctx context.Context, tenant string, rule livedash.AlertRule) (livedash.AlertRule, error) {
	if err := rule.Validate(); err != nil {
		return livedash.AlertRule{}, err
	}
	if rule.Version <= 0 {
		return livedash.AlertRule{}, livedash.Errorf(livedash.EBadRequest, "version: is required (the version the update is based on)")
	}
	rule.For = livedash.Duration(time.Duration(rule.For).Truncate(time.Millisecond))
	args, err := ruleArgs(rule)
	if err != nil {
		return livedash.AlertRule{}, fail("update alert rule", err)
	}
	var updated livedash.AlertRule
	err = s.write(ctx, func(r runner) error {
		// The update comes first and the recipients are checked after it (an unknown one rolls
		// it back): versionMismatch must be the first read of the transaction to see the current
		// version on MySQL.
		n, err := rowsAffected(r.exec(ctx, "UPDATE alert_rules SET name = ?, metric_code = ?, labels_key = ?, comparison = ?, threshold = ?, for_ms = ?, severity = ?, recipients_json = ?, enabled = ?, version = version + 1, updated_at = ? WHERE tenant = ? AND id = ? AND version = ?",
			append(args, s.nowMS(), tenant, rule.ID, rule.Version)...))
		if err != nil {
			return err
		}
		if n == 0 {
			return versionMismatch(ctx, r, "alert rule", "alert_rules", tenant, rule.ID)
		}
		if err := checkRecipients(ctx, r, tenant, rule.Recipients); err != nil {
			return err
		}
		// Read back in the transaction: the caller gets the version it wrote, not a later one.
		updated, err = s.alertRule(ctx, r, tenant, rule.ID)
		return err
	})
	if err != nil {
		return livedash.AlertRule{}, fail("update alert rule", err)
	}
	return updated, nil
}

// DeleteAlertRule implements livedash.AlertStore.
func (s *Store) DeleteAlertRule(ctx context.Context, tenant, id string, version int64) error {
	err := s.write(ctx, func(r runner) error {
		if err := deleteVersioned(ctx, r, "alert rule", "alert_rules", tenant, id, version); err != nil {
			return err
		}
		_, err := r.exec(ctx, "UPDATE alerts SET state = ?, open_rule = NULL, resolved_at = ? WHERE tenant = ? AND open_rule = ?",
			livedash.AlertResolved, s.nowMS(), tenant, id)
		return err
	})
	return fail("delete alert rule", err)
}

// AlertRecipients implements livedash.AlertStore.
func (s *Store) AlertRecipients(ctx context.Context, tenant, ruleID string) ([]string, error) {
	rule, err := s.AlertRule(ctx, tenant, ruleID)
	if err != nil {
		return nil, err
	}
	rows, err := s.read().query(ctx, "SELECT id, roles FROM users WHERE tenant = ? ORDER BY id", tenant)
	if err != nil {
		return nil, fail("alert recipients", err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var id, roles string
		if err := rows.Scan(&id, &roles); err != nil {
			return nil, fail("alert recipients", err)
		}
		if slices.Contains(rule.Recipients.Users, id) || slices.ContainsFunc(splitList(roles), func(role string) bool {
			return slices.Contains(rule.Recipients.Roles, role)
		}) {
			out = append(out, id)
		}
	}
	return out, fail("alert recipients", rows.Err())
}

package livedash

import (
	"context"
	"math"
	"time"
)

// Comparisons of an alert rule: the rule is breached while value <comparison> threshold.
const (
	CompareGT  = "gt"
	CompareGTE = "gte"
	CompareLT  = "lt"
	CompareLTE = "lte"
	CompareEQ  = "eq"
	CompareNE  = "ne"
)

// Comparisons lists the known comparisons.
var Comparisons = []string{CompareGT, CompareGTE, CompareLT, CompareLTE, CompareEQ, CompareNE}

// Severities of alerts and notifications.
const (
	SeverityInfo     = "info"
	SeverityWarning  = "warning"
	SeverityCritical = "critical"
)

// Severities lists the known severities, least severe first.
var Severities = []string{SeverityInfo, SeverityWarning, SeverityCritical}

// Alert states. An alert starts firing, may be acknowledged, and ends resolved:
// firing → acknowledged → resolved, or firing → resolved.
const (
	AlertFiring       = "firing"
	AlertAcknowledged = "acknowledged"
	AlertResolved     = "resolved"
)

// AlertStates lists the known alert states.
var AlertStates = []string{AlertFiring, AlertAcknowledged, AlertResolved}

// MaxAlertFor is the longest for-duration of a rule.
const MaxAlertFor = Duration(7 * 24 * time.Hour)

// Compare reports whether value compared with threshold by cmp holds; false for an unknown cmp.
func Compare(cmp string, value, threshold float64) bool {
	switch cmp {
	case CompareGT:
		return value > threshold
	case CompareGTE:
		return value >= threshold
	case CompareLT:
		return value < threshold
	case CompareLTE:
		return value <= threshold
	case CompareEQ:
		return value == threshold
	case CompareNE:
		return value != threshold
	}
	return false
}

// Recipients are who an alert is sent to: users by id and every user holding one of the roles.
type Recipients struct {
	Users []string `json:"users,omitempty"`
	Roles []string `json:"roles,omitempty"`
}

// AlertRule fires an alert when the series (MetricCode, Labels) stays beyond Threshold for For.
// Version starts at 1 and grows by one with every update; updates carry the version they were
// based on.
type AlertRule struct {
	ID         string            `json:"id"`
	Tenant     string            `json:"tenant"`
	Name       string            `json:"name"`
	MetricCode string            `json:"metric_code"`
	Labels     map[string]string `json:"labels,omitempty"`
	Comparison string            `json:"comparison"`
	Threshold  float64           `json:"threshold"`
	For        Duration          `json:"for"` // how long the condition must hold; 0: at once
	Severity   string            `json:"severity"`
	Recipients Recipients        `json:"recipients"`
	Enabled    bool              `json:"enabled"`
	Version    int64             `json:"version"`
	CreatedAt  time.Time         `json:"created_at"`
	UpdatedAt  time.Time         `json:"updated_at"`
}

// Validate checks name, metric code, labels, comparison, threshold, for-duration, severity and
// recipients (known roles, no empty user ids).
func (r AlertRule) Validate() error {
	if err := checkName("name", r.Name, MaxNameLen); err != nil {
		return err
	}
	if !ValidMetricCode(r.MetricCode) {
		return invalid("metric_code", "%q is not a metric code", r.MetricCode)
	}
	if err := ValidateLabels("labels", r.Labels); err != nil {
		return err
	}
	if err := oneOf("comparison", r.Comparison, Comparisons); err != nil {
		return err
	}
	if math.IsNaN(r.Threshold) || math.IsInf(r.Threshold, 0) {
		return invalid("threshold", "must be a finite number")
	}
	if r.For < 0 || r.For > MaxAlertFor {
		return invalid("for", "must be between 0 and %s", MaxAlertFor)
	}
	if err := oneOf("severity", r.Severity, Severities); err != nil {
		return err
	}
	for _, u := range r.Recipients.Users {
		if u == "" {
			return invalid("recipients.users", "must not contain an empty user id")
		}
	}
	return ValidateRoles("recipients.roles", r.Recipients.Roles, false)
}

// Breached reports whether value breaches the rule's threshold.
func (r AlertRule) Breached(value float64) bool { return Compare(r.Comparison, value, r.Threshold) }

// Alert is one firing of a rule, from firing to resolved. It keeps a copy of the rule's metric,
// labels, severity and threshold as they were when it fired.
type Alert struct {
	ID             string            `json:"id"`
	Tenant         string            `json:"tenant"`
	RuleID         string            `json:"rule_id"`
	RuleName       string            `json:"rule_name"`
	MetricCode     string            `json:"metric_code"`
	Labels         map[string]string `json:"labels,omitempty"`
	Severity       string            `json:"severity"`
	State          string            `json:"state"`
	Value          float64           `json:"value"` // the value that breached the rule
	Threshold      float64           `json:"threshold"`
	Message        string            `json:"message"`
	FiredAt        time.Time         `json:"fired_at"`
	AcknowledgedAt *time.Time        `json:"acknowledged_at,omitempty"`
	AcknowledgedBy string            `json:"acknowledged_by,omitempty"` // a user id
	ResolvedAt     *time.Time        `json:"resolved_at,omitempty"`
}

// Open reports whether the alert is not resolved yet.
func (a Alert) Open() bool { return a.State == AlertFiring || a.State == AlertAcknowledged }

// CheckAlertTransition returns nil when an alert may go from state from to state to, and an
// EConflict error saying why not otherwise.
func CheckAlertTransition(from, to string) error {
	switch {
	case from == AlertFiring && (to == AlertAcknowledged || to == AlertResolved):
		return nil
	case from == AlertAcknowledged && to == AlertResolved:
		return nil
	case from == to:
		return Errorf(EConflict, "alert is already %s", from)
	default:
		return Errorf(EConflict, "an alert that is %s cannot become %s", from, to)
	}
}

// AlertRuleFilter narrows ListAlertRules; empty fields match everything.
type AlertRuleFilter struct {
	MetricCode  string
	EnabledOnly bool
}

// AlertFilter narrows ListAlerts; empty fields match everything.
type AlertFilter struct {
	State  string // one of AlertStates
	Open   bool   // only firing or acknowledged alerts
	RuleID string
}

// Validate checks State (empty or known).
func (f AlertFilter) Validate() error {
	if f.State == "" {
		return nil
	}
	return oneOf("state", f.State, AlertStates)
}

// AlertStore keeps alert rules and the alerts they fire. At most one alert per rule is open
// (firing or acknowledged) at a time. Rule updates and deletes are optimistic, as in
// DashboardStore: a stale version fails with *VersionConflict carrying the current version.
type AlertStore interface {
	// CreateAlertRule stores r with version 1; its recipient users must be users of tenant
	// (ENotFound otherwise).
	CreateAlertRule(ctx context.Context, tenant string, r AlertRule) (AlertRule, error)
	// AlertRule returns rule id; ENotFound if there is none.
	AlertRule(ctx context.Context, tenant, id string) (AlertRule, error)
	// ListAlertRules lists the rules matching f in creation order.
	ListAlertRules(ctx context.Context, tenant string, f AlertRuleFilter, opt ListOptions) (Page[AlertRule], error)
	// UpdateAlertRule replaces every field a caller sets of rule r.ID if its version is still
	// r.Version, and returns it with the next version.
	UpdateAlertRule(ctx context.Context, tenant string, r AlertRule) (AlertRule, error)
	// DeleteAlertRule deletes rule id, if its version is still version (0: whatever the version),
	// and resolves its open alert; its alerts are kept.
	DeleteAlertRule(ctx context.Context, tenant, id string, version int64) error
	// AlertRecipients returns the ids of the users of tenant rule ruleID is sent to (listed users
	// that exist, and users holding a listed role), sorted.
	AlertRecipients(ctx context.Context, tenant, ruleID string) ([]string, error)

	// FireAlert opens an alert of rule ruleID for value. If the rule already has an open alert it
	// is returned unchanged with created false.
	FireAlert(ctx context.Context, tenant, ruleID string, value float64, message string) (a Alert, created bool, err error)
	// Alert returns alert id; ENotFound if there is none.
	Alert(ctx context.Context, tenant, id string) (Alert, error)
	// ListAlerts lists the alerts matching f, newest first.
	ListAlerts(ctx context.Context, tenant string, f AlertFilter, opt ListOptions) (Page[Alert], error)
	// AcknowledgeAlert moves firing alert id to acknowledged by userID; EConflict from any other
	// state.
	AcknowledgeAlert(ctx context.Context, tenant, id, userID string) (Alert, error)
	// ResolveAlert moves open alert id to resolved; EConflict if it is resolved already.
	ResolveAlert(ctx context.Context, tenant, id string) (Alert, error)
}

// ValidateAlertMessage checks the message of a fired alert.
func ValidateAlertMessage(message string) error { return checkText("message", message, MaxBodyLen) }

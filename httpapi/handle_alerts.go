package httpapi

import (
	"net/http"

	"livedash"
)

type alertRuleRequest struct {
	Name       string              `json:"name"`
	MetricCode string              `json:"metric_code"`
	Labels     map[string]string   `json:"labels"`
	Comparison string              `json:"comparison"`
	Threshold  float64             `json:"threshold"`
	For        livedash.Duration   `json:"for"`
	Severity   string              `json:"severity"`
	Recipients livedash.Recipients `json:"recipients"`
	Enabled    *bool               `json:"enabled"` // true when absent
}

func (req alertRuleRequest) rule() livedash.AlertRule {
	enabled := req.Enabled == nil || *req.Enabled
	return livedash.AlertRule{
		Name: req.Name, MetricCode: req.MetricCode, Labels: req.Labels, Comparison: req.Comparison,
		Threshold: req.Threshold, For: req.For, Severity: req.Severity, Recipients: req.Recipients,
		Enabled: enabled,
	}
}

func handleAlertRuleList(d Deps) http.Handler { return listHandler(d, d.Service.ListAlertRules) }

func handleAlertRuleCreate(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decode[alertRuleRequest](w, r, d.MaxBodyBytes)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		rule, err := d.Service.CreateAlertRule(r.Context(), principalOf(r), req.rule())
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		encodeVersioned(w, http.StatusCreated, rule, rule.Version)
	})
}

func handleAlertRuleGet(d Deps) http.Handler {
	return getHandler(d, d.Service.AlertRule, func(r livedash.AlertRule) int64 { return r.Version })
}

func handleAlertRuleDelete(d Deps) http.Handler { return deleteHandler(d, d.Service.DeleteAlertRule) }

func handleAlertList(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		opt, err := listOptions(r)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		q := r.URL.Query()
		f := livedash.AlertFilter{State: q.Get("state"), RuleID: q.Get("rule_id")}
		if f.Open, err = boolParam(r, "open"); err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		if err := f.Validate(); err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		page, err := d.Service.ListAlerts(r.Context(), principalOf(r), f, opt)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		encode(w, http.StatusOK, pageOf(page))
	})
}

func handleAlertAck(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, err := d.Service.AcknowledgeAlert(r.Context(), principalOf(r), r.PathValue("id"))
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		encode(w, http.StatusOK, a)
	})
}

// alertRulePatchRequest changes the fields it carries; Version (or If-Match) is the version the
// client read.
type alertRulePatchRequest struct {
	Name       *string              `json:"name"`
	MetricCode *string              `json:"metric_code"`
	Labels     *map[string]string   `json:"labels"`
	Comparison *string              `json:"comparison"`
	Threshold  *float64             `json:"threshold"`
	For        *livedash.Duration   `json:"for"`
	Severity   *string              `json:"severity"`
	Recipients *livedash.Recipients `json:"recipients"`
	Enabled    *bool                `json:"enabled"`
	Version    *int64               `json:"version"`
}

func handleAlertRuleUpdate(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decode[alertRulePatchRequest](w, r, d.MaxBodyBytes)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		version, err := versionOf(r, req.Version, true)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		caller := principalOf(r)
		// The fields the body leaves out keep their current values. The store refuses the update
		// unless the rule is still at version, so a rule changed since the client read it is a
		// conflict, never a merge of its edits with someone else's.
		rule, err := d.Service.AlertRule(r.Context(), caller, r.PathValue("id"))
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		set(&rule.Name, req.Name)
		set(&rule.MetricCode, req.MetricCode)
		set(&rule.Labels, req.Labels)
		set(&rule.Comparison, req.Comparison)
		set(&rule.Threshold, req.Threshold)
		set(&rule.For, req.For)
		set(&rule.Severity, req.Severity)
		set(&rule.Recipients, req.Recipients)
		set(&rule.Enabled, req.Enabled)
		rule.Version = version
		rule, err = d.Service.UpdateAlertRule(r.Context(), caller, rule)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		encodeVersioned(w, http.StatusOK, rule, rule.Version)
	})
}

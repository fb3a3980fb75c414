package service

import "livedash"

// Event names (a public contract, see EVENTS.md).
const (
	EventDashboardUpdate    = "dashboard_update"
	EventWidgetUpdate       = "widget_update"
	EventProjectUpdate      = "project_update"
	EventMetricUpdate       = "metric_update"
	EventNewAlert           = "new_alert"
	EventAlertUpdate        = "alert_update"
	EventSystemNotification = "system_notification"
	EventInsight            = "insight" // data: an analytics.Insight
)

// Changes named by dashboard_update, widget_update and alert_update.
const (
	ChangeCreated       = "created"
	ChangeUpdated       = "updated"
	ChangeDeleted       = "deleted"
	ChangeWidgetAdded   = "widget_added"
	ChangeWidgetRemoved = "widget_removed"
	ChangeConfig        = "config"
	ChangeValue         = "value"
	ChangeAcknowledged  = "acknowledged"
	ChangeResolved      = "resolved"
)

// DashboardEvent is the data of dashboard_update.
type DashboardEvent struct {
	DashboardID string              `json:"dashboard_id"`
	Version     int64               `json:"version"` // the dashboard's version after the change
	Change      string              `json:"change"`
	By          string              `json:"by"`                  // user id of the writer
	Dashboard   *livedash.Dashboard `json:"dashboard,omitempty"` // created, updated (without widgets)
	Widget      *livedash.Widget    `json:"widget,omitempty"`    // widget_added
	WidgetID    string              `json:"widget_id,omitempty"` // widget_removed
}

// WidgetEvent is the data of widget_update.
type WidgetEvent struct {
	DashboardID string           `json:"dashboard_id"`
	WidgetID    string           `json:"widget_id"`
	Version     int64            `json:"version"` // the widget's version
	Change      string           `json:"change"`  // config or value
	By          string           `json:"by,omitempty"`
	Widget      *livedash.Widget `json:"widget,omitempty"` // config
	Value       *WidgetValue     `json:"value,omitempty"`  // value
}

// ProjectEvent is the data of project_update.
type ProjectEvent struct {
	ProjectID      string `json:"project_id"`
	Version        int64  `json:"version"` // the project's version after the change
	Name           string `json:"name"`
	PreviousName   string `json:"previous_name,omitempty"` // only when the name changed
	Status         string `json:"status"`
	PreviousStatus string `json:"previous_status"`
	By             string `json:"by"`
}

// MetricEvent is the data of metric_update: the points of one code in one ingest batch.
type MetricEvent struct {
	Code   string                 `json:"code"`
	Points []livedash.SeriesPoint `json:"points,omitempty"` // main series (no labels), [unix_ms, value] in time order
	Last   *float64               `json:"last,omitempty"`   // value of the main series' latest point
	Series []MetricSeriesEvent    `json:"series,omitempty"` // labelled series, by label set
}

// MetricSeriesEvent is one labelled series of a metric_update.
type MetricSeriesEvent struct {
	Labels map[string]string      `json:"labels"`
	Points []livedash.SeriesPoint `json:"points"`
	Last   float64                `json:"last"`
}

// AlertEvent is the data of new_alert and alert_update.
type AlertEvent struct {
	Change string         `json:"change"`       // firing (new_alert), acknowledged or resolved
	By     string         `json:"by,omitempty"` // user id, for acknowledged
	Alert  livedash.Alert `json:"alert"`
}

// NotificationEvent is the data of system_notification.
type NotificationEvent struct {
	Notification livedash.Notification `json:"notification"`
}

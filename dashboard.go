package livedash

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Dashboard visibilities.
const (
	VisibilityShared  = "shared"  // every user of the tenant may view it
	VisibilityPrivate = "private" // only the owner may
)

// Visibilities lists the known dashboard visibilities.
var Visibilities = []string{VisibilityShared, VisibilityPrivate}

// Widget types.
const (
	WidgetTimeseries = "timeseries"
	WidgetStat       = "stat"
	WidgetGauge      = "gauge"
	WidgetTable      = "table"
	WidgetAlertList  = "alert_list"
	WidgetText       = "text"
)

// WidgetTypes lists the known widget types.
var WidgetTypes = []string{WidgetTimeseries, WidgetStat, WidgetGauge, WidgetTable, WidgetAlertList, WidgetText}

// MaxWidgets is the most widgets one dashboard holds.
const MaxWidgets = 100

// Grid bounds of a widget position.
const (
	MaxGridColumns = 48
	MaxGridRows    = 1000
)

// Dashboard is a named grid of widgets owned by one user. Version starts at 1 and grows by one
// with every update of the dashboard's own fields; updates carry the version they were based on.
type Dashboard struct {
	ID          string          `json:"id"`
	Tenant      string          `json:"tenant"`
	OwnerID     string          `json:"owner_id"`
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Layout      json.RawMessage `json:"layout"`     // a JSON object owned by the web app (e.g. {"columns":12}); {} when empty
	Visibility  string          `json:"visibility"` // VisibilityShared or VisibilityPrivate; private when empty on create
	Version     int64           `json:"version"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
	Widgets     []Widget        `json:"widgets,omitempty"` // filled by DashboardStore.Dashboard, not by lists
}

// Validate checks the fields a caller sets, including the widgets given with a new dashboard.
func (d Dashboard) Validate() error {
	if err := checkName("name", d.Name, MaxNameLen); err != nil {
		return err
	}
	if err := checkText("description", d.Description, MaxDescriptionLen); err != nil {
		return err
	}
	if err := checkJSONObject("layout", d.Layout); err != nil {
		return err
	}
	if d.Visibility != "" {
		if err := oneOf("visibility", d.Visibility, Visibilities); err != nil {
			return err
		}
	}
	if len(d.Widgets) > MaxWidgets {
		return invalid("widgets", "must be at most %d", MaxWidgets)
	}
	for i, w := range d.Widgets {
		if err := w.Validate(); err != nil {
			return prefixField(fmt.Sprintf("widgets[%d]", i), err)
		}
	}
	return nil
}

// CanView reports whether p may view d: a user of d's tenant when d is shared, its owner when
// private.
func (d Dashboard) CanView(p Principal) bool {
	if p.Tenant != d.Tenant {
		return false
	}
	return d.Visibility == VisibilityShared || p.UserID == d.OwnerID
}

// GridPos is a widget's place on the dashboard grid, in grid cells.
type GridPos struct {
	X int `json:"x"`
	Y int `json:"y"`
	W int `json:"w"`
	H int `json:"h"`
}

// Validate checks that the position lies on the grid with a size of at least one cell.
func (g GridPos) Validate() error {
	switch {
	case g.X < 0 || g.Y < 0:
		return invalid("position", "x and y must not be negative")
	case g.W < 1 || g.H < 1:
		return invalid("position", "w and h must be at least 1")
	case g.X+g.W > MaxGridColumns:
		return invalid("position", "x+w must be at most %d", MaxGridColumns)
	case g.Y+g.H > MaxGridRows:
		return invalid("position", "y+h must be at most %d", MaxGridRows)
	}
	return nil
}

// MetricQuery is what a widget shows: one or more metric codes (of one label set), aggregated
// per step over the last Range.
type MetricQuery struct {
	Codes       []string          `json:"codes"`
	Labels      map[string]string `json:"labels,omitempty"`
	Aggregation string            `json:"aggregation"`    // one of Aggregations; AggAvg when empty
	Range       Duration          `json:"range"`          // how far back; DefaultQueryRange when 0
	Step        Duration          `json:"step,omitempty"` // 0: chosen from Range
}

// Widget query defaults and bounds.
const (
	DefaultQueryRange = Duration(time.Hour)
	MaxQueryRange     = Duration(400 * 24 * time.Hour)
	MaxQueryCodes     = 20
)

// Validate checks the query; required asks for at least one code.
func (q MetricQuery) Validate(required bool) error {
	if required && len(q.Codes) == 0 {
		return invalid("query.codes", "must name at least one metric")
	}
	if len(q.Codes) > MaxQueryCodes {
		return invalid("query.codes", "must name at most %d metrics", MaxQueryCodes)
	}
	for _, c := range q.Codes {
		if !ValidMetricCode(c) {
			return invalid("query.codes", "%q is not a metric code", c)
		}
	}
	if err := ValidateLabels("query.labels", q.Labels); err != nil {
		return err
	}
	if q.Aggregation != "" {
		if err := oneOf("query.aggregation", q.Aggregation, Aggregations); err != nil {
			return err
		}
	}
	if q.Range < 0 || q.Range > MaxQueryRange {
		return invalid("query.range", "must be between 0 and %s", MaxQueryRange)
	}
	if q.Step < 0 || (q.Step > 0 && q.Step < Duration(time.Millisecond)) {
		return invalid("query.step", "must be 0 (automatic) or at least 1ms")
	}
	return nil
}

// Widget is one panel of a dashboard. Version starts at 1 and grows by one with every update.
type Widget struct {
	ID          string          `json:"id"`
	Tenant      string          `json:"tenant"`
	DashboardID string          `json:"dashboard_id"`
	Type        string          `json:"type"`
	Title       string          `json:"title"`
	Query       MetricQuery     `json:"query"`
	Options     json.RawMessage `json:"options"` // a JSON object owned by the web app; {} when empty
	Position    GridPos         `json:"position"`
	Version     int64           `json:"version"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
}

// NeedsQuery reports whether widgets of type t show metric data (text and alert lists do not).
func NeedsQuery(t string) bool { return t != WidgetText && t != WidgetAlertList }

// Validate checks type, title (may be empty), query (required for metric widgets), options and
// position.
func (w Widget) Validate() error {
	if err := oneOf("type", w.Type, WidgetTypes); err != nil {
		return err
	}
	if err := checkText("title", w.Title, MaxNameLen); err != nil {
		return err
	}
	if err := w.Query.Validate(NeedsQuery(w.Type)); err != nil {
		return err
	}
	if err := checkJSONObject("options", w.Options); err != nil {
		return err
	}
	return w.Position.Validate()
}

// WidgetMove moves or resizes widget ID, based on its version Version.
type WidgetMove struct {
	ID       string  `json:"id"`
	Version  int64   `json:"version"`
	Position GridPos `json:"position"`
}

// DashboardFilter narrows ListDashboards; empty fields match everything.
type DashboardFilter struct {
	// Viewer is a user id: only dashboards this user may view (shared ones and their own private
	// ones). The HTTP layer always sets it to the caller.
	Viewer string
	// Owner is a user id: only dashboards this user owns.
	Owner string
}

// DashboardStore keeps dashboards and their widgets. Updates and deletes are optimistic: they carry
// the version the caller read, and a stale one fails with *VersionConflict (code EConflict)
// carrying the current version. The store does not check visibility (use Dashboard.CanView).
type DashboardStore interface {
	// CreateDashboard stores d, and the widgets it carries, with version 1.
	CreateDashboard(ctx context.Context, tenant string, d Dashboard) (Dashboard, error)
	// Dashboard returns dashboard id with its widgets; ENotFound if there is none.
	Dashboard(ctx context.Context, tenant, id string) (Dashboard, error)
	// ListDashboards lists dashboards (without widgets) matching f, in creation order.
	ListDashboards(ctx context.Context, tenant string, f DashboardFilter, opt ListOptions) (Page[Dashboard], error)
	// UpdateDashboard replaces name, description, layout and visibility of d.ID if its version is
	// still d.Version, and returns it with the next version. Widgets and owner are not changed.
	UpdateDashboard(ctx context.Context, tenant string, d Dashboard) (Dashboard, error)
	// DeleteDashboard deletes dashboard id and its widgets if its version is still version (0:
	// whatever the version).
	DeleteDashboard(ctx context.Context, tenant, id string, version int64) error

	// CreateWidget adds w to dashboard w.DashboardID with version 1.
	CreateWidget(ctx context.Context, tenant string, w Widget) (Widget, error)
	// Widget returns widget id of dashboard dashboardID; ENotFound if there is none.
	Widget(ctx context.Context, tenant, dashboardID, id string) (Widget, error)
	// ListWidgets returns the widgets of dashboard dashboardID in creation order.
	ListWidgets(ctx context.Context, tenant, dashboardID string) ([]Widget, error)
	// UpdateWidget replaces type, title, query, options and position of w.ID if its version is
	// still w.Version, and returns it with the next version.
	UpdateWidget(ctx context.Context, tenant string, w Widget) (Widget, error)
	// MoveWidgets changes the positions of several widgets of one dashboard at once: all or none
	// (a stale version of any fails the whole move). It returns the moved widgets.
	MoveWidgets(ctx context.Context, tenant, dashboardID string, moves []WidgetMove) ([]Widget, error)
	// DeleteWidget deletes widget id if its version is still version (0: whatever the version).
	DeleteWidget(ctx context.Context, tenant, dashboardID, id string, version int64) error
}

// Directory answers the access questions a token alone cannot (the channel policy's view of the
// store). Lookups are by globally unique id, not scoped to a tenant.
type Directory interface {
	// ProjectTenant returns the tenant owning projectID; ok is false for an unknown project.
	ProjectTenant(ctx context.Context, projectID string) (tenant string, ok bool, err error)
	// UserTenant returns the tenant of userID; ok is false for an unknown user.
	UserTenant(ctx context.Context, userID string) (tenant string, ok bool, err error)
	// CanViewBoard reports whether p may view dashboard dashboardID (see Dashboard.CanView); false
	// for an unknown dashboard.
	CanViewBoard(ctx context.Context, p Principal, dashboardID string) (bool, error)
}

// prefixField returns err with its message prefixed by field ("widgets[2].title: ...").
func prefixField(field string, err error) error {
	if e, ok := err.(*Error); ok {
		return &Error{Code: e.Code, Message: field + "." + e.Message}
	}
	return err
}

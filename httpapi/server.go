// Package httpapi serves the livedash REST API under /api/v1: authentication (login, logout, the
// session cookie and its CSRF header), the tenant's users, projects, dashboards and widgets,
// metric ingest, series, rolling summaries and insights, alert rules and alerts, notifications and the operator's tenants.
//
// The whole API is listed in routes.go; each resource has its handle_<resource>.go of small
// handler makers; requests and responses go through encode/decode (encode.go) and every error
// through one table (errors.go). The domain rules live in the service; this package only speaks
// HTTP.
package httpapi

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"time"

	"livedash"
	"livedash/analytics"
	"livedash/service"
)

// Service is the domain service the API drives. Every method that takes a Principal scopes the
// call to its tenant and checks its roles. *service.Service implements it.
type Service interface {
	ListDashboards(ctx context.Context, p livedash.Principal, opt livedash.ListOptions) (livedash.Page[livedash.Dashboard], error)
	Dashboard(ctx context.Context, p livedash.Principal, id string) (livedash.Dashboard, []livedash.Widget, error)
	CreateDashboard(ctx context.Context, p livedash.Principal, d livedash.Dashboard) (livedash.Dashboard, error)
	UpdateDashboard(ctx context.Context, p livedash.Principal, d livedash.Dashboard) (livedash.Dashboard, error)
	DeleteDashboard(ctx context.Context, p livedash.Principal, id string, version int64) error

	Widget(ctx context.Context, p livedash.Principal, dashboardID, id string) (livedash.Widget, error)
	CreateWidget(ctx context.Context, p livedash.Principal, w livedash.Widget) (livedash.Widget, error)
	UpdateWidget(ctx context.Context, p livedash.Principal, w livedash.Widget) (livedash.Widget, error)
	DeleteWidget(ctx context.Context, p livedash.Principal, id string, version int64) error
	WidgetValue(ctx context.Context, p livedash.Principal, widgetID string) (service.WidgetValue, error)

	ListProjects(ctx context.Context, p livedash.Principal, opt livedash.ListOptions) (livedash.Page[livedash.Project], error)
	Project(ctx context.Context, p livedash.Principal, id string) (livedash.Project, error)
	CreateProject(ctx context.Context, p livedash.Principal, pr livedash.Project) (livedash.Project, error)
	UpdateProject(ctx context.Context, p livedash.Principal, pr livedash.Project) (livedash.Project, error)
	DeleteProject(ctx context.Context, p livedash.Principal, id string, version int64) error

	Ingest(ctx context.Context, tenant string, points []livedash.MetricPoint) (service.IngestResult, error)
	IngestAs(ctx context.Context, p livedash.Principal, points []livedash.MetricPoint) (service.IngestResult, error)
	MetricDefinitions(ctx context.Context, p livedash.Principal, opt livedash.ListOptions) (livedash.Page[livedash.MetricDefinition], error)
	Series(ctx context.Context, p livedash.Principal, q livedash.SeriesQuery) ([]livedash.SeriesPoint, error)
	MetricSummary(ctx context.Context, p livedash.Principal, code string, labels map[string]string) ([]analytics.Summary, error)
	Insights(ctx context.Context, p livedash.Principal, limit int) ([]analytics.Insight, error)

	ListAlertRules(ctx context.Context, p livedash.Principal, opt livedash.ListOptions) (livedash.Page[livedash.AlertRule], error)
	AlertRule(ctx context.Context, p livedash.Principal, id string) (livedash.AlertRule, error)
	CreateAlertRule(ctx context.Context, p livedash.Principal, r livedash.AlertRule) (livedash.AlertRule, error)
	UpdateAlertRule(ctx context.Context, p livedash.Principal, r livedash.AlertRule) (livedash.AlertRule, error)
	DeleteAlertRule(ctx context.Context, p livedash.Principal, id string, version int64) error
	ListAlerts(ctx context.Context, p livedash.Principal, f livedash.AlertFilter, opt livedash.ListOptions) (livedash.Page[livedash.Alert], error)
	AcknowledgeAlert(ctx context.Context, p livedash.Principal, id string) (livedash.Alert, error)

	ListNotifications(ctx context.Context, p livedash.Principal, f livedash.NotificationFilter, opt livedash.ListOptions) (livedash.Page[livedash.Notification], error)
	CreateNotification(ctx context.Context, p livedash.Principal, n livedash.Notification) (livedash.Notification, error)
	MarkNotificationRead(ctx context.Context, p livedash.Principal, id string) (livedash.Notification, error)
	UnreadCount(ctx context.Context, p livedash.Principal) (int64, error)

	ListUsers(ctx context.Context, p livedash.Principal, opt livedash.ListOptions) (livedash.Page[livedash.User], error)
	CreateUser(ctx context.Context, p livedash.Principal, u livedash.User, password string) (livedash.User, error)
}

var _ Service = (*service.Service)(nil)

// Verifier turns a token into the principal it names (auth.Verifier).
type Verifier interface {
	Verify(token string) (livedash.Principal, error)
}

// Minter issues tokens for principals (auth.Minter).
type Minter interface {
	Mint(p livedash.Principal, ttl time.Duration) (string, error)
}

// Defaults of Deps.
const (
	DefaultTokenTTL     = 12 * time.Hour
	DefaultMaxBodyBytes = 1 << 20
)

// Deps is what the API needs.
type Deps struct {
	Service Service
	Tenants livedash.TenantStore // POST /api/v1/tenants and GET /api/v1/me
	// Users authenticates logins (Authenticate with tenant "" looks the email up in every
	// tenant) and reads the caller's user for /me. When it also has UserProjects (as
	// *sqlstore.Store does), login tokens carry the user's projects claim.
	Users    livedash.UserStore
	Verifier Verifier
	Minter   Minter
	// APIKey authorises ingest for any tenant (with X-Livedash-Tenant) and POST /api/v1/tenants.
	// Empty disables API-key access.
	APIKey        string
	TokenTTL      time.Duration // lifetime of login tokens and the session cookie; DefaultTokenTTL when 0
	SecureCookies bool          // set Secure on the session cookie (serve over HTTPS)
	MaxBodyBytes  int64         // largest request body; DefaultMaxBodyBytes when 0
	Logger        *slog.Logger
}

// NewServer returns the handler of /api/v1/… . Mount it at the root of the server's mux (the
// paths include the /api/v1 prefix).
func NewServer(deps Deps) http.Handler {
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	deps.Logger = deps.Logger.With("component", "httpapi")
	if deps.TokenTTL <= 0 {
		deps.TokenTTL = DefaultTokenTTL
	}
	if deps.MaxBodyBytes <= 0 {
		deps.MaxBodyBytes = DefaultMaxBodyBytes
	}
	mux := http.NewServeMux()
	addRoutes(mux, deps)
	return recoverPanics(deps.Logger, mux)
}

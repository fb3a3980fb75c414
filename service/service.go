// Package service holds the domain services of livedash: every operation authorises its caller
// (a livedash.Principal, scoped to its tenant), writes through the store and, once the write has
// committed, publishes the live events of EVENTS.md. A failed publish is logged, never returned:
// the write succeeded.
//
// Besides the store, the service keeps three pieces of in-memory state per tenant:
//   - an index of dashboards and widgets (owner, visibility, the widgets' queries, code → widgets),
//     built from the store on first use and kept up to date by the service's own writes (and
//     rebuilt after IndexTTL, for writes made by other nodes);
//   - the cached computed values of stat and gauge widgets, per widget and version;
//   - the alert rules and, per rule, how long it has been breached (see alerts.go).
package service

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"livedash"
	"livedash/analytics"
)

// Store is every store the service writes through (sqlstore.Store implements it).
type Store interface {
	livedash.TenantStore
	livedash.UserStore
	livedash.ProjectStore
	livedash.DashboardStore
	livedash.MetricStore
	livedash.AlertStore
	livedash.NotificationStore
}

// Publisher is the real-time hub (realtime.Hub implements it). Publish must not wait for
// subscribers.
type Publisher interface {
	Publish(ctx context.Context, channel, event string, data any) (livedash.Publication, error)
}

// Defaults of Config.
const (
	DefaultIndexTTL    = time.Minute
	DefaultRuleRefresh = 30 * time.Second
)

// Config holds the dependencies of a Service. Store is required; a nil Publisher publishes
// nothing, a nil Logger logs nothing, a nil Now is time.Now.
type Config struct {
	Store     Store
	Publisher Publisher
	Logger    *slog.Logger
	Now       func() time.Time

	// IndexTTL is how long the per-tenant index of dashboards and widgets is trusted before it is
	// rebuilt from the store (writes of other nodes); DefaultIndexTTL when 0, never when negative.
	IndexTTL time.Duration
	// RuleRefresh is how long the alert rules of a tenant are trusted before they are reloaded
	// from the store (rules changed by other nodes); DefaultRuleRefresh when 0, never when negative.
	RuleRefresh time.Duration

	// Analytics, when set, receives every ingested batch (after it is stored) and keeps the
	// rolling windows and insights behind MetricSummary and Insights; its insights are published
	// as insight events. Nil turns analytics off. Give it the same clock as Now.
	Analytics *analytics.Engine
}

// Service implements the domain operations. It is safe for concurrent use.
type Service struct {
	store       Store
	pub         Publisher
	log         *slog.Logger
	now         func() time.Time
	indexTTL    time.Duration
	ruleRefresh time.Duration
	analytics   *analytics.Engine

	idxMu   sync.Mutex
	indexes map[string]*tenantIndex // by tenant

	cache widgetCache

	alertMu sync.Mutex
	alerts  map[string]*tenantAlerts // by tenant
}

// New returns a Service on cfg.
func New(cfg Config) *Service {
	s := &Service{
		store:       cfg.Store,
		pub:         cfg.Publisher,
		log:         cfg.Logger,
		now:         cfg.Now,
		indexTTL:    cfg.IndexTTL,
		ruleRefresh: cfg.RuleRefresh,
		analytics:   cfg.Analytics,
		indexes:     map[string]*tenantIndex{},
		alerts:      map[string]*tenantAlerts{},
	}
	s.cache.entries = map[cacheKey]*cacheEntry{}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.log = s.log.With("component", "service")
	if s.now == nil {
		s.now = time.Now
	}
	if s.indexTTL == 0 {
		s.indexTTL = DefaultIndexTTL
	}
	if s.ruleRefresh == 0 {
		s.ruleRefresh = DefaultRuleRefresh
	}
	return s
}

// --- authorisation ---

// authorise checks that p is an authenticated principal holding one of roles (any known role
// when roles is empty).
func authorise(p livedash.Principal, roles ...string) error {
	if p.UserID == "" || p.Tenant == "" {
		return livedash.Errorf(livedash.EUnauthenticated, "no authenticated user")
	}
	if len(roles) == 0 {
		roles = livedash.Roles
	}
	if !p.HasAnyRole(roles) {
		return livedash.Errorf(livedash.EForbidden, "this needs one of the roles %v", roles)
	}
	return nil
}

var (
	readRoles  = []string{livedash.RoleViewer, livedash.RoleEditor, livedash.RoleAdmin}
	editRoles  = []string{livedash.RoleEditor, livedash.RoleAdmin}
	adminRoles = []string{livedash.RoleAdmin}
)

func canRead(p livedash.Principal) error  { return authorise(p, readRoles...) }
func canEdit(p livedash.Principal) error  { return authorise(p, editRoles...) }
func canAdmin(p livedash.Principal) error { return authorise(p, adminRoles...) }

// --- publishing ---

// publish sends one event to each channel after a committed write. The payload is encoded once
// and shared by every channel; failures are logged. The caller's cancellation does not stop it:
// the write it reports has happened.
func (s *Service) publish(ctx context.Context, event string, data any, channels ...string) {
	if s.pub == nil || len(channels) == 0 {
		return
	}
	raw, err := json.Marshal(data)
	if err != nil {
		s.log.Error("encoding event", "event", event, "err", err)
		return
	}
	ctx = context.WithoutCancel(ctx)
	for _, ch := range channels {
		if _, err := s.pub.Publish(ctx, ch, event, json.RawMessage(raw)); err != nil {
			s.log.Warn("publish failed", "channel", ch, "event", event, "err", err)
		}
	}
}

// Channel names (docs/protocol.md).
func dashboardChannel(userID string) string { return livedash.KindDashboard + "." + userID }
func boardChannel(id string) string         { return livedash.KindBoard + "." + id }
func projectChannel(id string) string       { return livedash.KindProject + "." + id }
func metricsChannel(tenant string) string   { return livedash.KindMetrics + "." + tenant }
func alertsChannel(userID string) string    { return livedash.KindAlerts + "." + userID }
func systemChannel(tenant string) string    { return livedash.KindSystem + "." + tenant }

// boardChannels are the channels of dashboard and widget events: the owner's dashboard.{owner},
// and board.{id} when the dashboard is (or, for a change of visibility, was) shared.
func boardChannels(ownerID, dashboardID string, shared bool) []string {
	if shared {
		return []string{dashboardChannel(ownerID), boardChannel(dashboardID)}
	}
	return []string{dashboardChannel(ownerID)}
}

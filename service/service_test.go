package service

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"livedash"
	"livedash/sqlstore"
)

var ctxT = context.Background()

// published is one recorded Publish call.
type published struct {
	Channel, Event string
	Data           json.RawMessage
}

// recorder is a Publisher that records what is published (encoded as the hub would).
type recorder struct {
	mu     sync.Mutex
	events []published
	fail   bool
}

func (r *recorder) Publish(_ context.Context, channel, event string, data any) (livedash.Publication, error) {
	b, err := json.Marshal(data)
	if err != nil {
		return livedash.Publication{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail {
		return livedash.Publication{}, errors.New("hub down")
	}
	r.events = append(r.events, published{channel, event, b})
	return livedash.Publication{Channel: channel, Event: event, Data: b}, nil
}

// take returns the recorded events and forgets them.
func (r *recorder) take() []published {
	r.mu.Lock()
	defer r.mu.Unlock()
	ev := r.events
	r.events = nil
	return ev
}

// clock is a settable clock shared by the store and the service.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

var t0 = time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)

// env is a service on a fresh SQLite store with tenant "acme" and its users, and tenant "other"
// with an admin.
type env struct {
	t     *testing.T
	store *sqlstore.Store
	svc   *Service
	pub   *recorder
	clock *clock

	viewer, editor, editor2, admin, outsider, norole livedash.Principal
}

const tenantA, tenantB = "acme", "other"

func newEnv(t *testing.T) *env {
	t.Helper()
	c := &clock{t: t0}
	st, err := sqlstore.Open(ctxT, "", t.TempDir(), sqlstore.WithPasswordCost(bcrypt.MinCost), sqlstore.WithClock(c.Now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{t: t, store: st, pub: &recorder{}, clock: c}
	for _, id := range []string{tenantA, tenantB} {
		if _, err := st.CreateTenant(ctxT, livedash.Tenant{ID: id, Name: id}); err != nil {
			t.Fatal(err)
		}
	}
	e.viewer = e.user(tenantA, "viewer", livedash.RoleViewer)
	e.editor = e.user(tenantA, "editor", livedash.RoleEditor)
	e.editor2 = e.user(tenantA, "editor2", livedash.RoleEditor)
	e.admin = e.user(tenantA, "admin", livedash.RoleAdmin)
	e.outsider = e.user(tenantB, "outsider", livedash.RoleAdmin)
	e.norole = livedash.Principal{UserID: "ghost", Tenant: tenantA, Roles: []string{"guest"}}
	e.svc = e.newService()
	return e
}

// newService returns another service on the same store and publisher (a restarted node).
func (e *env) newService() *Service {
	return New(Config{Store: e.store, Publisher: e.pub, Now: e.clock.Now})
}

func (e *env) user(tenant, name string, roles ...string) livedash.Principal {
	e.t.Helper()
	u, err := e.store.CreateUser(ctxT, tenant, livedash.User{Email: name + "@example.com", DisplayName: name, Roles: roles}, "password1")
	if err != nil {
		e.t.Fatal(err)
	}
	return u.Principal(nil)
}

func (e *env) dashboard(owner livedash.Principal, visibility string, widgets ...livedash.Widget) livedash.Dashboard {
	e.t.Helper()
	d, err := e.svc.CreateDashboard(ctxT, owner, livedash.Dashboard{Name: "Board", Visibility: visibility, Widgets: widgets})
	if err != nil {
		e.t.Fatal(err)
	}
	return d
}

func statWidget(agg string, codes ...string) livedash.Widget {
	return livedash.Widget{
		Type: livedash.WidgetStat, Title: "stat", Position: livedash.GridPos{W: 2, H: 2},
		Query: livedash.MetricQuery{Codes: codes, Aggregation: agg, Range: livedash.Duration(time.Hour)},
	}
}

func (e *env) widget(p livedash.Principal, dashboardID string, w livedash.Widget) livedash.Widget {
	e.t.Helper()
	w.DashboardID = dashboardID
	w, err := e.svc.CreateWidget(ctxT, p, w)
	if err != nil {
		e.t.Fatal(err)
	}
	return w
}

func (e *env) ingest(points ...livedash.MetricPoint) IngestResult {
	e.t.Helper()
	res, err := e.svc.Ingest(ctxT, tenantA, points)
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

func pt(code string, at time.Duration, v float64) livedash.MetricPoint {
	return livedash.MetricPoint{Code: code, Time: t0.Add(at), Value: v}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := livedash.ErrorCode(err); got != code {
		t.Fatalf("error code = %q, want %q (err: %v)", got, code, err)
	}
}

// decode decodes an event's data into a T.
func decode[T any](t *testing.T, p published) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(p.Data, &v); err != nil {
		t.Fatalf("decoding %s on %s: %v", p.Event, p.Channel, err)
	}
	return v
}

// channels returns the channels of events, sorted, checking that all are event.
func channels(t *testing.T, events []published, event string) []string {
	t.Helper()
	var out []string
	for _, ev := range events {
		if ev.Event != event {
			t.Fatalf("got event %s on %s (%s), want only %s", ev.Event, ev.Channel, ev.Data, event)
		}
		out = append(out, ev.Channel)
	}
	slices.Sort(out)
	return out
}

func sortedStrings(s ...string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func TestWidgetByID(t *testing.T) {
	e := newEnv(t)
	shared := e.dashboard(e.editor, livedash.VisibilityShared)
	private := e.dashboard(e.editor, livedash.VisibilityPrivate)
	ws := e.widget(e.editor, shared.ID, statWidget("avg", "cpu"))
	wp := e.widget(e.editor, private.ID, statWidget("avg", "cpu"))

	tests := []struct {
		name     string
		p        livedash.Principal
		dash, id string
		want     string // widget id, or the error code
	}{
		{"shared, by id only", e.viewer, "", ws.ID, ws.ID},
		{"shared, with its dashboard", e.viewer, shared.ID, ws.ID, ws.ID},
		{"wrong dashboard hint", e.viewer, private.ID, ws.ID, livedash.ENotFound},
		{"private, its owner", e.editor, "", wp.ID, wp.ID},
		{"private, another user", e.editor2, "", wp.ID, livedash.ENotFound},
		{"private, an admin of the tenant", e.admin, "", wp.ID, livedash.ENotFound},
		{"another tenant", e.outsider, "", ws.ID, livedash.ENotFound},
		{"unknown", e.viewer, "", "nope", livedash.ENotFound},
		{"no role", e.norole, "", ws.ID, livedash.EForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := e.svc.Widget(ctxT, tt.p, tt.dash, tt.id)
			got := w.ID
			if err != nil {
				got = livedash.ErrorCode(err)
			}
			if got != tt.want {
				t.Errorf("Widget = %q (%v), want %q", got, err, tt.want)
			}
		})
	}
	// A restarted node has no widget index yet: it finds the widget in the store.
	if w, err := e.newService().Widget(ctxT, e.viewer, "", ws.ID); err != nil || w.ID != ws.ID || w.Version != ws.Version {
		t.Errorf("after a restart: %+v, %v", w, err)
	}
}

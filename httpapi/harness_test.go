package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"livedash"
	"livedash/auth"
	"livedash/service"
	"livedash/sqlstore"
)

const testAPIKey = "test-api-key"

// recordingPublisher records what the service publishes.
type recordingPublisher struct {
	mu   sync.Mutex
	pubs []livedash.Publication
}

func (p *recordingPublisher) Publish(_ context.Context, channel, event string, data any) (livedash.Publication, error) {
	b, err := json.Marshal(data)
	if err != nil {
		return livedash.Publication{}, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	pub := livedash.Publication{Channel: channel, Event: event, Seq: uint64(len(p.pubs) + 1), Time: time.Now(), Data: b}
	p.pubs = append(p.pubs, pub)
	return pub, nil
}

func (p *recordingPublisher) events() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, pub := range p.pubs {
		out = append(out, pub.Event+" "+pub.Channel)
	}
	return out
}

// env is a server on a real service and SQLite store with two tenants: "acme" (users admin,
// editor, viewer) and "other" (users admin, editor).
type env struct {
	t     *testing.T
	srv   *httptest.Server
	store *sqlstore.Store
	pub   *recordingPublisher
	mint  *auth.Minter
	users map[string]livedash.User // "acme/admin" → user
	tok   map[string]string        // "acme/admin" → token
}

const testPassword = "correct horse battery"

func newEnv(t *testing.T, tweak ...func(*Deps)) *env {
	t.Helper()
	return newEnvWith(t, nil, tweak...)
}

// newEnvWith is newEnv with the service's Config changed by configure (if not nil) first.
func newEnvWith(t *testing.T, configure func(*service.Config), tweak ...func(*Deps)) *env {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, "", t.TempDir(), sqlstore.WithPasswordCost(4))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	pub := &recordingPublisher{}
	cfg := service.Config{Store: st, Publisher: pub}
	if configure != nil {
		configure(&cfg)
	}
	svc := service.New(cfg)
	secret := []byte("0123456789abcdef0123456789abcdef")
	v, err := auth.NewVerifier(auth.VerifierConfig{Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	m := auth.NewMinter(secret, "", "")
	e := &env{t: t, store: st, pub: pub, mint: m, users: map[string]livedash.User{}, tok: map[string]string{}}
	for _, tenant := range []string{"acme", "other"} {
		if _, err := st.CreateTenant(ctx, livedash.Tenant{ID: tenant, Name: strings.ToUpper(tenant)}); err != nil {
			t.Fatal(err)
		}
		roles := []string{livedash.RoleAdmin, livedash.RoleEditor, livedash.RoleViewer}
		if tenant == "other" {
			roles = roles[:2]
		}
		for _, role := range roles {
			u, err := st.CreateUser(ctx, tenant, livedash.User{
				Email: role + "@" + tenant + ".test", DisplayName: role + " of " + tenant, Roles: []string{role},
			}, testPassword)
			if err != nil {
				t.Fatal(err)
			}
			tok, err := m.Mint(u.Principal(nil), time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			e.users[tenant+"/"+role] = u
			e.tok[tenant+"/"+role] = tok
		}
	}
	deps := Deps{
		Service: svc, Tenants: st, Users: st, Verifier: v, Minter: m, APIKey: testAPIKey,
		TokenTTL: time.Hour, MaxBodyBytes: 64 << 10,
	}
	for _, f := range tweak {
		f(&deps)
	}
	e.srv = httptest.NewServer(NewServer(deps))
	t.Cleanup(e.srv.Close)
	return e
}

// response is a finished response with its body read.
type response struct {
	t      *testing.T
	status int
	header http.Header
	body   []byte
	resp   *http.Response
}

// json decodes the body into a map (failing the test if it is not a JSON object).
func (r response) json() map[string]any {
	r.t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		r.t.Fatalf("body is not a JSON object: %v: %s", err, r.body)
	}
	return m
}

// into decodes the body into v.
func (r response) into(v any) {
	r.t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		r.t.Fatalf("decoding %T: %v: %s", v, err, r.body)
	}
}

// errBody returns the "error" member of an error response.
func (r response) errBody() map[string]any {
	r.t.Helper()
	m, ok := r.json()["error"].(map[string]any)
	if !ok {
		r.t.Fatalf("no error envelope: %s", r.body)
	}
	return m
}

// wantStatus fails the test unless the status is want.
func (r response) wantStatus(want int) response {
	r.t.Helper()
	if r.status != want {
		r.t.Fatalf("status %d, want %d: %s", r.status, want, r.body)
	}
	return r
}

// wantError checks status and error code.
func (r response) wantError(status int, code string) map[string]any {
	r.t.Helper()
	r.wantStatus(status)
	e := r.errBody()
	if e["code"] != code {
		r.t.Fatalf("error code %v, want %s: %s", e["code"], code, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		r.t.Fatalf("Content-Type %q", ct)
	}
	return e
}

// wantField checks a 400 naming field.
func (r response) wantField(field string) {
	r.t.Helper()
	e := r.wantError(http.StatusBadRequest, livedash.EBadRequest)
	fields, _ := e["fields"].(map[string]any)
	if _, ok := fields[field]; !ok {
		r.t.Fatalf("fields %v do not name %q: %s", fields, field, r.body)
	}
}

// opt changes a request.
type opt func(*http.Request)

func header(k, v string) opt { return func(r *http.Request) { r.Header.Set(k, v) } }

func cookie(tok string) opt {
	return func(r *http.Request) { r.AddCookie(&http.Cookie{Name: SessionCookie, Value: tok}) }
}

// as authenticates by bearer token of user key ("acme/editor"); "" sends no credentials.
func (e *env) as(key string) opt {
	return func(r *http.Request) {
		if key != "" {
			r.Header.Set("Authorization", "Bearer "+e.tok[key])
		}
	}
}

// do sends a request; body is JSON-encoded unless it is a string or []byte (sent as is).
func (e *env) do(method, path string, body any, opts ...opt) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, o := range opts {
		o(req)
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{t: e.t, status: resp.StatusCode, header: resp.Header, body: b, resp: resp}
}

// id returns the "id" of a JSON object response.
func (r response) id() string {
	r.t.Helper()
	id, _ := r.json()["id"].(string)
	if id == "" {
		r.t.Fatalf("no id: %s", r.body)
	}
	return id
}

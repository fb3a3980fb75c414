package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"livedash"
)

// concrete turns a route pattern into a path (ids that exist nowhere).
func concrete(pattern string) string {
	r := strings.NewReplacer("{id}", "01nonexistent", "{code}", "cpu.usage")
	return r.Replace(pattern)
}

func TestEveryProtectedRouteRefusesAnonymousCalls(t *testing.T) {
	e := newEnv(t)
	for _, rt := range routes {
		if rt.access == public {
			continue
		}
		t.Run(rt.method+" "+rt.pattern, func(t *testing.T) {
			var body any
			if rt.method != http.MethodGet && rt.method != http.MethodDelete {
				body = "{}"
			}
			r := e.do(rt.method, concrete(rt.pattern), body)
			r.wantError(http.StatusUnauthorized, livedash.EUnauthenticated)
			if r.header.Get("WWW-Authenticate") == "" {
				t.Error("no WWW-Authenticate")
			}
			e.do(rt.method, concrete(rt.pattern), body, header("Authorization", "Bearer not-a-token")).
				wantError(http.StatusUnauthorized, livedash.EUnauthenticated)
		})
	}
}

func TestUnknownPathAndWrongMethod(t *testing.T) {
	e := newEnv(t)
	e.do("GET", "/api/v1/nope", nil, e.as("acme/admin")).wantError(http.StatusNotFound, livedash.ENotFound)
	e.do("GET", "/api/v1/dashboards/x/y/z", nil).wantError(http.StatusNotFound, livedash.ENotFound)
	r := e.do("PUT", "/api/v1/dashboards/abc", "{}", e.as("acme/admin"))
	r.wantError(http.StatusMethodNotAllowed, codeMethodNotAllowed)
	if allow := r.header.Get("Allow"); allow != "DELETE, GET, HEAD, PATCH" {
		t.Errorf("Allow %q", allow)
	}
	e.do("DELETE", "/api/v1/users", nil).wantError(http.StatusMethodNotAllowed, codeMethodNotAllowed)
}

func TestLoginSetsCookieAndLogoutClearsIt(t *testing.T) {
	e := newEnv(t)
	r := e.do("POST", "/api/v1/auth/login", map[string]string{"email": "editor@acme.test", "password": testPassword}).wantStatus(http.StatusOK)
	var lr struct {
		Token string        `json:"token"`
		User  livedash.User `json:"user"`
	}
	r.into(&lr)
	if lr.Token == "" || lr.User.Email != "editor@acme.test" || lr.User.Tenant != "acme" {
		t.Fatalf("login response %s", r.body)
	}
	if strings.Contains(string(r.body), "password") {
		t.Fatalf("login response leaks a password field: %s", r.body)
	}
	cs := r.resp.Cookies()
	if len(cs) != 1 {
		t.Fatalf("cookies %v", cs)
	}
	c := cs[0]
	if c.Name != SessionCookie || c.Value != lr.Token || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.Secure || c.MaxAge != 3600 {
		t.Fatalf("cookie %+v", c)
	}

	// The cookie authenticates reads, and writes with the CSRF header.
	me := e.do("GET", "/api/v1/me", nil, cookie(c.Value)).wantStatus(http.StatusOK).json()
	if me["user"].(map[string]any)["email"] != "editor@acme.test" || me["tenant"].(map[string]any)["name"] != "ACME" {
		t.Fatalf("me %v", me)
	}
	if me["unread_notifications"] != float64(0) {
		t.Fatalf("me %v", me)
	}

	// Logout with the cookie needs the CSRF header; it clears the cookie.
	e.do("POST", "/api/v1/auth/logout", nil, cookie(c.Value)).wantError(http.StatusForbidden, codeCSRF)
	r = e.do("POST", "/api/v1/auth/logout", nil, cookie(c.Value), header(CSRFHeader, "1")).wantStatus(http.StatusNoContent)
	cs = r.resp.Cookies()
	if len(cs) != 1 || cs[0].Name != SessionCookie || cs[0].Value != "" || cs[0].MaxAge >= 0 || !cs[0].HttpOnly || cs[0].Path != "/" {
		t.Fatalf("logout cookie %+v", cs)
	}

	// Wrong password, unknown email: one 401. Missing fields: 400 naming them.
	e.do("POST", "/api/v1/auth/login", map[string]string{"email": "editor@acme.test", "password": "wrong password"}).
		wantError(http.StatusUnauthorized, livedash.EUnauthenticated)
	e.do("POST", "/api/v1/auth/login", map[string]string{"email": "nobody@acme.test", "password": testPassword}).
		wantError(http.StatusUnauthorized, livedash.EUnauthenticated)
	e.do("POST", "/api/v1/auth/login", map[string]string{"password": testPassword}).wantField("email")
	e.do("POST", "/api/v1/auth/login", map[string]string{"email": "editor@acme.test"}).wantField("password")
	e.do("POST", "/api/v1/auth/login", map[string]string{"email": "a@b.c", "password": "x", "remember": "1"}).wantField("remember")
	e.do("POST", "/api/v1/auth/login", `{"email":`).wantError(http.StatusBadRequest, livedash.EBadRequest)
}

func TestSecureCookies(t *testing.T) {
	e := newEnv(t, func(d *Deps) { d.SecureCookies = true })
	r := e.do("POST", "/api/v1/auth/login", map[string]string{"email": "viewer@acme.test", "password": testPassword}).wantStatus(http.StatusOK)
	if c := r.resp.Cookies(); len(c) != 1 || !c[0].Secure {
		t.Fatalf("cookie %+v", c)
	}
	r = e.do("POST", "/api/v1/auth/logout", nil).wantStatus(http.StatusNoContent)
	if c := r.resp.Cookies(); len(c) != 1 || !c[0].Secure {
		t.Fatalf("logout cookie %+v", c)
	}
}

func TestCSRFOnCookieAuthenticatedWrites(t *testing.T) {
	e := newEnv(t)
	tok := e.tok["acme/editor"]
	body := map[string]string{"name": "Ops"}
	e.do("POST", "/api/v1/dashboards", body, cookie(tok)).wantError(http.StatusForbidden, codeCSRF)
	e.do("POST", "/api/v1/dashboards", body, cookie(tok), header(CSRFHeader, "yes")).wantError(http.StatusForbidden, codeCSRF)
	id := e.do("POST", "/api/v1/dashboards", body, cookie(tok), header(CSRFHeader, "1")).wantStatus(http.StatusCreated).id()
	// Reads need no header; bearer writes need none.
	e.do("GET", "/api/v1/dashboards/"+id, nil, cookie(tok)).wantStatus(http.StatusOK)
	e.do("PATCH", "/api/v1/dashboards/"+id, map[string]any{"name": "Ops 2", "version": 1}, cookie(tok)).wantError(http.StatusForbidden, codeCSRF)
	e.do("DELETE", "/api/v1/dashboards/"+id, nil, cookie(tok)).wantError(http.StatusForbidden, codeCSRF)
	e.do("PATCH", "/api/v1/dashboards/"+id, map[string]any{"name": "Ops 2", "version": 1}, e.as("acme/editor")).wantStatus(http.StatusOK)
	e.do("POST", "/api/v1/metrics", map[string]any{"points": []any{map[string]any{"code": "x", "value": 1}}}, cookie(tok)).
		wantError(http.StatusForbidden, codeCSRF)
}

func TestDashboards(t *testing.T) {
	e := newEnv(t)
	// Create: editors and admins; viewers cannot.
	e.do("POST", "/api/v1/dashboards", map[string]any{"name": "Nope"}, e.as("acme/viewer")).wantError(http.StatusForbidden, livedash.EForbidden)
	r := e.do("POST", "/api/v1/dashboards", map[string]any{
		"name": "Ops", "description": "all of it", "visibility": "shared", "layout": map[string]any{"columns": 12},
		"widgets": []any{map[string]any{"type": "text", "title": "Hello", "position": map[string]int{"x": 0, "y": 0, "w": 4, "h": 2}}},
	}, e.as("acme/editor")).wantStatus(http.StatusCreated)
	var d struct {
		livedash.Dashboard
		Widgets []livedash.Widget `json:"widgets"`
	}
	r.into(&d)
	if d.Name != "Ops" || d.Version != 1 || d.Tenant != "acme" || d.OwnerID != e.users["acme/editor"].ID || len(d.Widgets) != 1 {
		t.Fatalf("created %s", r.body)
	}
	if r.header.Get("ETag") != `"1"` {
		t.Errorf("ETag %q", r.header.Get("ETag"))
	}

	// Read: any role of the tenant (shared); GET includes the widgets.
	r = e.do("GET", "/api/v1/dashboards/"+d.ID, nil, e.as("acme/viewer")).wantStatus(http.StatusOK)
	r.into(&d)
	if len(d.Widgets) != 1 || d.Widgets[0].Title != "Hello" {
		t.Fatalf("get %s", r.body)
	}
	list := e.do("GET", "/api/v1/dashboards", nil, e.as("acme/viewer")).wantStatus(http.StatusOK).json()
	if items := list["items"].([]any); len(items) != 1 {
		t.Fatalf("list %v", list)
	}

	// Update with the version in the body, then with If-Match; a stale version is 409 with the
	// current version.
	r = e.do("PATCH", "/api/v1/dashboards/"+d.ID, map[string]any{"name": "Ops v2", "version": 1}, e.as("acme/editor")).wantStatus(http.StatusOK)
	r.into(&d)
	if d.Name != "Ops v2" || d.Version != 2 || d.Description != "all of it" || d.Visibility != "shared" || len(d.Widgets) != 1 {
		t.Fatalf("patched %s", r.body)
	}
	r = e.do("PATCH", "/api/v1/dashboards/"+d.ID, map[string]any{"description": "less"}, e.as("acme/admin"), header("If-Match", `"2"`)).wantStatus(http.StatusOK)
	r.into(&d)
	if d.Version != 3 || d.Description != "less" || d.Name != "Ops v2" {
		t.Fatalf("patched %s", r.body)
	}
	eb := e.do("PATCH", "/api/v1/dashboards/"+d.ID, map[string]any{"name": "Late", "version": 2}, e.as("acme/editor")).wantError(http.StatusConflict, livedash.EConflict)
	if eb["current_version"] != float64(3) {
		t.Fatalf("conflict %v", eb)
	}
	e.do("PATCH", "/api/v1/dashboards/"+d.ID, map[string]any{"name": "x"}, e.as("acme/editor")).wantField("version")
	e.do("PATCH", "/api/v1/dashboards/"+d.ID, map[string]any{"name": "x", "version": 3}, e.as("acme/editor"), header("If-Match", `"2"`)).wantField("version")
	e.do("PATCH", "/api/v1/dashboards/"+d.ID, map[string]any{"name": "x"}, e.as("acme/editor"), header("If-Match", "abc")).wantField("If-Match")
	e.do("PATCH", "/api/v1/dashboards/"+d.ID, map[string]any{"name": "", "version": 3}, e.as("acme/editor")).wantField("name")
	e.do("PATCH", "/api/v1/dashboards/"+d.ID, map[string]any{"visibility": "public", "version": 3}, e.as("acme/editor")).wantField("visibility")
	e.do("PATCH", "/api/v1/dashboards/"+d.ID, map[string]any{"name": "x", "version": 3}, e.as("acme/viewer")).wantError(http.StatusForbidden, livedash.EForbidden)

	// Bad input on create.
	e.do("POST", "/api/v1/dashboards", `{"name":`, e.as("acme/editor")).wantError(http.StatusBadRequest, livedash.EBadRequest)
	e.do("POST", "/api/v1/dashboards", `not json`, e.as("acme/editor")).wantError(http.StatusBadRequest, livedash.EBadRequest)
	e.do("POST", "/api/v1/dashboards", ``, e.as("acme/editor")).wantError(http.StatusBadRequest, livedash.EBadRequest)
	e.do("POST", "/api/v1/dashboards", `{"name":"a"} {"name":"b"}`, e.as("acme/editor")).wantError(http.StatusBadRequest, livedash.EBadRequest)
	e.do("POST", "/api/v1/dashboards", map[string]any{"name": "a", "owner_id": "me"}, e.as("acme/editor")).wantField("owner_id")
	e.do("POST", "/api/v1/dashboards", map[string]any{"name": 5}, e.as("acme/editor")).wantField("name")
	e.do("POST", "/api/v1/dashboards", map[string]any{"name": "  "}, e.as("acme/editor")).wantField("name")
	e.do("POST", "/api/v1/dashboards", map[string]any{"name": "a", "layout": []int{1}}, e.as("acme/editor")).wantField("layout")
	e.do("POST", "/api/v1/dashboards", map[string]any{"name": "a", "widgets": []any{map[string]any{"type": "pie"}}}, e.as("acme/editor")).wantField("widgets[0].type")

	// Another tenant sees nothing and changes nothing.
	e.do("GET", "/api/v1/dashboards/"+d.ID, nil, e.as("other/admin")).wantError(http.StatusNotFound, livedash.ENotFound)
	e.do("PATCH", "/api/v1/dashboards/"+d.ID, map[string]any{"name": "mine", "version": 3}, e.as("other/admin")).wantError(http.StatusNotFound, livedash.ENotFound)
	e.do("DELETE", "/api/v1/dashboards/"+d.ID, nil, e.as("other/admin")).wantError(http.StatusNotFound, livedash.ENotFound)
	if items := e.do("GET", "/api/v1/dashboards", nil, e.as("other/admin")).json()["items"].([]any); len(items) != 0 {
		t.Fatalf("tenant other lists %v", items)
	}

	// Delete: viewer no; stale If-Match 409; then gone.
	e.do("DELETE", "/api/v1/dashboards/"+d.ID, nil, e.as("acme/viewer")).wantError(http.StatusForbidden, livedash.EForbidden)
	e.do("DELETE", "/api/v1/dashboards/"+d.ID, nil, e.as("acme/editor"), header("If-Match", `"1"`)).wantError(http.StatusConflict, livedash.EConflict)
	e.do("DELETE", "/api/v1/dashboards/"+d.ID, nil, e.as("acme/editor"), header("If-Match", `"3"`)).wantStatus(http.StatusNoContent)
	e.do("GET", "/api/v1/dashboards/"+d.ID, nil, e.as("acme/editor")).wantError(http.StatusNotFound, livedash.ENotFound)
	e.do("DELETE", "/api/v1/dashboards/"+d.ID, nil, e.as("acme/editor")).wantError(http.StatusNotFound, livedash.ENotFound)

	if len(e.pub.events()) == 0 {
		t.Error("the service published nothing")
	}
}

func TestPrivateDashboardsAreTheOwners(t *testing.T) {
	e := newEnv(t)
	id := e.do("POST", "/api/v1/dashboards", map[string]any{"name": "Mine", "visibility": "private"}, e.as("acme/editor")).wantStatus(http.StatusCreated).id()
	e.do("GET", "/api/v1/dashboards/"+id, nil, e.as("acme/editor")).wantStatus(http.StatusOK)
	e.do("GET", "/api/v1/dashboards/"+id, nil, e.as("acme/viewer")).wantError(http.StatusNotFound, livedash.ENotFound)
}

func TestPagination(t *testing.T) {
	e := newEnv(t)
	for i := range 3 {
		e.do("POST", "/api/v1/dashboards", map[string]any{"name": fmt.Sprint("D", i), "visibility": "shared"}, e.as("acme/editor")).wantStatus(http.StatusCreated)
	}
	var p livedash.Page[livedash.Dashboard]
	e.do("GET", "/api/v1/dashboards?limit=2", nil, e.as("acme/viewer")).wantStatus(http.StatusOK).into(&p)
	if len(p.Items) != 2 || p.NextCursor == "" || p.Items[0].Name != "D0" {
		t.Fatalf("page 1 %+v", p)
	}
	var p2 livedash.Page[livedash.Dashboard]
	e.do("GET", "/api/v1/dashboards?limit=2&cursor="+p.NextCursor, nil, e.as("acme/viewer")).wantStatus(http.StatusOK).into(&p2)
	if len(p2.Items) != 1 || p2.NextCursor != "" || p2.Items[0].Name != "D2" {
		t.Fatalf("page 2 %+v", p2)
	}
	e.do("GET", "/api/v1/dashboards?limit=x", nil, e.as("acme/viewer")).wantField("limit")
	e.do("GET", "/api/v1/dashboards?limit=-1", nil, e.as("acme/viewer")).wantField("limit")
	e.do("GET", "/api/v1/dashboards?cursor=%21%21", nil, e.as("acme/viewer")).wantError(http.StatusBadRequest, livedash.EBadRequest)
	// An empty list is [] (not null).
	if string(e.do("GET", "/api/v1/projects", nil, e.as("acme/viewer")).body) != "{\"items\":[]}\n" {
		t.Error("empty list is not {\"items\":[]}")
	}
}

func TestWidgets(t *testing.T) {
	e := newEnv(t)
	dash := e.do("POST", "/api/v1/dashboards", map[string]any{"name": "Ops", "visibility": "shared"}, e.as("acme/editor")).wantStatus(http.StatusCreated).id()
	stat := map[string]any{
		"type": "stat", "title": "CPU", "position": map[string]int{"x": 0, "y": 0, "w": 3, "h": 2},
		"query": map[string]any{"codes": []string{"cpu"}, "aggregation": "max", "range": "1h"},
	}
	e.do("POST", "/api/v1/dashboards/"+dash+"/widgets", stat, e.as("acme/viewer")).wantError(http.StatusForbidden, livedash.EForbidden)
	e.do("POST", "/api/v1/dashboards/"+dash+"/widgets", stat, e.as("other/editor")).wantError(http.StatusNotFound, livedash.ENotFound)
	e.do("POST", "/api/v1/dashboards/nope/widgets", stat, e.as("acme/editor")).wantError(http.StatusNotFound, livedash.ENotFound)
	r := e.do("POST", "/api/v1/dashboards/"+dash+"/widgets", stat, e.as("acme/editor")).wantStatus(http.StatusCreated)
	var w livedash.Widget
	r.into(&w)
	if w.DashboardID != dash || w.Version != 1 || w.Query.Aggregation != "max" {
		t.Fatalf("widget %s", r.body)
	}

	// Bad input names the field.
	bad := map[string]any{"type": "stat", "position": map[string]int{"x": 0, "y": 0, "w": 3, "h": 2}}
	e.do("POST", "/api/v1/dashboards/"+dash+"/widgets", bad, e.as("acme/editor")).wantField("query.codes")
	e.do("POST", "/api/v1/dashboards/"+dash+"/widgets", map[string]any{"type": "text", "position": map[string]int{"w": 0, "h": 1}}, e.as("acme/editor")).wantField("position")
	e.do("POST", "/api/v1/dashboards/"+dash+"/widgets", map[string]any{"type": "text", "color": "red"}, e.as("acme/editor")).wantField("color")
	e.do("POST", "/api/v1/dashboards/"+dash+"/widgets", map[string]any{"type": "text", "query": map[string]any{"range": "forever"}}, e.as("acme/editor")).wantError(http.StatusBadRequest, livedash.EBadRequest)

	// Value of a stat widget, after ingesting.
	e.do("POST", "/api/v1/metrics", map[string]any{"points": []any{map[string]any{"code": "cpu", "value": 42.5}}}, e.as("acme/editor")).wantStatus(http.StatusOK)
	v := e.do("GET", "/api/v1/widgets/"+w.ID+"/value", nil, e.as("acme/viewer")).wantStatus(http.StatusOK).json()
	if v["value"] != 42.5 || v["widget_id"] != w.ID {
		t.Fatalf("value %v", v)
	}
	e.do("GET", "/api/v1/widgets/"+w.ID+"/value", nil, e.as("other/admin")).wantError(http.StatusNotFound, livedash.ENotFound)
	e.do("GET", "/api/v1/widgets/nope/value", nil, e.as("acme/admin")).wantError(http.StatusNotFound, livedash.ENotFound)

	// Partial update keeps the other fields; stale version 409.
	r = e.do("PATCH", "/api/v1/widgets/"+w.ID, map[string]any{"title": "CPU max", "version": 1}, e.as("acme/editor")).wantStatus(http.StatusOK)
	r.into(&w)
	if w.Title != "CPU max" || w.Version != 2 || w.Type != "stat" || len(w.Query.Codes) != 1 || w.Position.W != 3 {
		t.Fatalf("patched %s", r.body)
	}
	r = e.do("PATCH", "/api/v1/widgets/"+w.ID, map[string]any{"position": map[string]int{"x": 3, "y": 0, "w": 3, "h": 2}, "dashboard_id": dash}, e.as("acme/editor"), header("If-Match", `"2"`)).wantStatus(http.StatusOK)
	r.into(&w)
	if w.Position.X != 3 || w.Version != 3 || w.Title != "CPU max" {
		t.Fatalf("patched %s", r.body)
	}
	eb := e.do("PATCH", "/api/v1/widgets/"+w.ID, map[string]any{"title": "late", "version": 1}, e.as("acme/editor")).wantError(http.StatusConflict, livedash.EConflict)
	if eb["current_version"] != float64(3) {
		t.Fatalf("conflict %v", eb)
	}
	e.do("PATCH", "/api/v1/widgets/"+w.ID, map[string]any{"title": "x"}, e.as("acme/editor")).wantField("version")
	e.do("PATCH", "/api/v1/widgets/"+w.ID, map[string]any{"type": "pie", "version": 3}, e.as("acme/editor")).wantField("type")
	e.do("PATCH", "/api/v1/widgets/"+w.ID, map[string]any{"title": "x", "version": 3}, e.as("acme/viewer")).wantError(http.StatusForbidden, livedash.EForbidden)
	e.do("PATCH", "/api/v1/widgets/"+w.ID, map[string]any{"title": "x", "version": 3}, e.as("other/editor")).wantError(http.StatusNotFound, livedash.ENotFound)
	e.do("PATCH", "/api/v1/widgets/nope", map[string]any{"title": "x", "version": 3}, e.as("acme/editor")).wantError(http.StatusNotFound, livedash.ENotFound)

	// Delete.
	e.do("DELETE", "/api/v1/widgets/"+w.ID, nil, e.as("acme/viewer")).wantError(http.StatusForbidden, livedash.EForbidden)
	e.do("DELETE", "/api/v1/widgets/"+w.ID, nil, e.as("other/editor")).wantError(http.StatusNotFound, livedash.ENotFound)
	e.do("DELETE", "/api/v1/widgets/"+w.ID, nil, e.as("acme/editor"), header("If-Match", `"1"`)).wantError(http.StatusConflict, livedash.EConflict)
	e.do("DELETE", "/api/v1/widgets/"+w.ID, nil, e.as("acme/editor")).wantStatus(http.StatusNoContent)
	e.do("GET", "/api/v1/widgets/"+w.ID+"/value", nil, e.as("acme/viewer")).wantError(http.StatusNotFound, livedash.ENotFound)

	// A text widget has no value.
	text := e.do("POST", "/api/v1/dashboards/"+dash+"/widgets", map[string]any{"type": "text", "position": map[string]int{"w": 1, "h": 1}}, e.as("acme/editor")).wantStatus(http.StatusCreated).id()
	e.do("GET", "/api/v1/widgets/"+text+"/value", nil, e.as("acme/viewer")).wantError(http.StatusBadRequest, livedash.EBadRequest)
}

func TestProjects(t *testing.T) {
	e := newEnv(t)
	body := map[string]any{"name": "Apollo", "members": []string{e.users["acme/viewer"].ID}}
	e.do("POST", "/api/v1/projects", body, e.as("acme/viewer")).wantError(http.StatusForbidden, livedash.EForbidden)
	r := e.do("POST", "/api/v1/projects", body, e.as("acme/editor")).wantStatus(http.StatusCreated)
	var p livedash.Project
	r.into(&p)
	if p.Name != "Apollo" || p.Status != livedash.ProjectActive || len(p.Members) != 1 || p.Version != 1 || r.header.Get("ETag") != `"1"` {
		t.Fatalf("created %s (ETag %q)", r.body, r.header.Get("ETag"))
	}
	e.do("POST", "/api/v1/projects", map[string]any{"name": "x", "status": "done"}, e.as("acme/editor")).wantField("status")
	e.do("POST", "/api/v1/projects", map[string]any{"name": ""}, e.as("acme/editor")).wantField("name")
	e.do("POST", "/api/v1/projects", map[string]any{"name": "x", "members": "all"}, e.as("acme/editor")).wantField("members")

	if r := e.do("GET", "/api/v1/projects/"+p.ID, nil, e.as("acme/viewer")).wantStatus(http.StatusOK); r.json()["version"] != float64(1) || r.header.Get("ETag") != `"1"` {
		t.Fatalf("get %s (ETag %q)", r.body, r.header.Get("ETag"))
	}
	if items := e.do("GET", "/api/v1/projects", nil, e.as("acme/viewer")).wantStatus(http.StatusOK).json()["items"].([]any); len(items) != 1 {
		t.Fatalf("list %v", items)
	}

	// Update with the version in the body, then with If-Match; a stale version is 409 with the
	// current version, a missing one 400.
	r = e.do("PATCH", "/api/v1/projects/"+p.ID, map[string]any{"status": "paused", "version": 1}, e.as("acme/editor")).wantStatus(http.StatusOK)
	r.into(&p)
	if p.Status != "paused" || p.Name != "Apollo" || len(p.Members) != 1 || p.Version != 2 || r.header.Get("ETag") != `"2"` {
		t.Fatalf("patched %s (ETag %q)", r.body, r.header.Get("ETag"))
	}
	r = e.do("PATCH", "/api/v1/projects/"+p.ID, map[string]any{"description": "moon"}, e.as("acme/admin"), header("If-Match", `"2"`)).wantStatus(http.StatusOK)
	r.into(&p)
	if p.Version != 3 || p.Description != "moon" || p.Status != "paused" {
		t.Fatalf("patched %s", r.body)
	}
	eb := e.do("PATCH", "/api/v1/projects/"+p.ID, map[string]any{"name": "Late", "version": 2}, e.as("acme/editor")).wantError(http.StatusConflict, livedash.EConflict)
	if eb["current_version"] != float64(3) {
		t.Fatalf("conflict %v", eb)
	}
	if cur := e.do("GET", "/api/v1/projects/"+p.ID, nil, e.as("acme/viewer")).json(); cur["name"] != "Apollo" || cur["version"] != float64(3) {
		t.Fatalf("a stale PATCH changed the project: %v", cur)
	}
	e.do("PATCH", "/api/v1/projects/"+p.ID, map[string]any{"status": "active"}, e.as("acme/editor")).wantField("version")
	e.do("PATCH", "/api/v1/projects/"+p.ID, map[string]any{"status": "active", "version": 0}, e.as("acme/editor")).wantField("version")
	e.do("PATCH", "/api/v1/projects/"+p.ID, map[string]any{"status": "active", "version": 3}, e.as("acme/editor"), header("If-Match", `"2"`)).wantField("version")
	e.do("PATCH", "/api/v1/projects/"+p.ID, map[string]any{"status": "active"}, e.as("acme/editor"), header("If-Match", "abc")).wantField("If-Match")
	e.do("PATCH", "/api/v1/projects/"+p.ID, map[string]any{"status": "active", "version": "3"}, e.as("acme/editor")).wantField("version")
	e.do("PATCH", "/api/v1/projects/"+p.ID, map[string]any{"status": "gone", "version": 3}, e.as("acme/editor")).wantField("status")
	e.do("PATCH", "/api/v1/projects/"+p.ID, map[string]any{"name": "x", "version": 3}, e.as("acme/viewer")).wantError(http.StatusForbidden, livedash.EForbidden)
	e.do("PATCH", "/api/v1/projects/nope", map[string]any{"name": "x", "version": 3}, e.as("acme/editor")).wantError(http.StatusNotFound, livedash.ENotFound)

	// Another tenant sees nothing and changes nothing, whatever version it sends.
	e.do("GET", "/api/v1/projects/"+p.ID, nil, e.as("other/admin")).wantError(http.StatusNotFound, livedash.ENotFound)
	for _, v := range []int{2, 3} {
		e.do("PATCH", "/api/v1/projects/"+p.ID, map[string]any{"name": "mine", "version": v}, e.as("other/admin")).wantError(http.StatusNotFound, livedash.ENotFound)
		e.do("DELETE", "/api/v1/projects/"+p.ID, nil, e.as("other/admin"), header("If-Match", fmt.Sprintf(`"%d"`, v))).wantError(http.StatusNotFound, livedash.ENotFound)
	}
	e.do("DELETE", "/api/v1/projects/"+p.ID, nil, e.as("other/admin")).wantError(http.StatusNotFound, livedash.ENotFound)

	// Delete: viewer no; stale If-Match 409 with the current version; then gone.
	e.do("DELETE", "/api/v1/projects/"+p.ID, nil, e.as("acme/viewer")).wantError(http.StatusForbidden, livedash.EForbidden)
	if eb := e.do("DELETE", "/api/v1/projects/"+p.ID, nil, e.as("acme/admin"), header("If-Match", `"2"`)).wantError(http.StatusConflict, livedash.EConflict); eb["current_version"] != float64(3) {
		t.Fatalf("conflict %v", eb)
	}
	e.do("DELETE", "/api/v1/projects/"+p.ID, nil, e.as("acme/admin"), header("If-Match", "abc")).wantField("If-Match")
	e.do("DELETE", "/api/v1/projects/"+p.ID, nil, e.as("acme/admin"), header("If-Match", `"3"`)).wantStatus(http.StatusNoContent)
	e.do("GET", "/api/v1/projects/"+p.ID, nil, e.as("acme/admin")).wantError(http.StatusNotFound, livedash.ENotFound)
	e.do("DELETE", "/api/v1/projects/"+p.ID, nil, e.as("acme/admin")).wantError(http.StatusNotFound, livedash.ENotFound)

	// Without If-Match, DELETE removes whatever version is stored.
	other := e.do("POST", "/api/v1/projects", map[string]any{"name": "Gemini"}, e.as("acme/editor")).wantStatus(http.StatusCreated).id()
	e.do("PATCH", "/api/v1/projects/"+other, map[string]any{"name": "Gemini 2", "version": 1}, e.as("acme/editor")).wantStatus(http.StatusOK)
	e.do("DELETE", "/api/v1/projects/"+other, nil, e.as("acme/editor")).wantStatus(http.StatusNoContent)
}

func TestUsers(t *testing.T) {
	e := newEnv(t)
	body := map[string]any{"email": "new@acme.test", "display_name": "New", "roles": []string{"viewer"}, "password": "long enough pw"}
	e.do("POST", "/api/v1/users", body, e.as("acme/editor")).wantError(http.StatusForbidden, livedash.EForbidden)
	r := e.do("POST", "/api/v1/users", body, e.as("acme/admin")).wantStatus(http.StatusCreated)
	if strings.Contains(string(r.body), "password") || r.json()["tenant"] != "acme" {
		t.Fatalf("created %s", r.body)
	}
	e.do("POST", "/api/v1/users", body, e.as("acme/admin")).wantError(http.StatusConflict, livedash.EConflict)
	bad := func(k string, v any) map[string]any {
		m := map[string]any{"email": "x@acme.test", "display_name": "X", "roles": []string{"viewer"}, "password": "long enough pw"}
		m[k] = v
		return m
	}
	e.do("POST", "/api/v1/users", bad("email", "not an email"), e.as("acme/admin")).wantField("email")
	e.do("POST", "/api/v1/users", bad("roles", []string{"root"}), e.as("acme/admin")).wantField("roles")
	e.do("POST", "/api/v1/users", bad("password", "short"), e.as("acme/admin")).wantField("password")

	var page livedash.Page[livedash.User]
	e.do("GET", "/api/v1/users", nil, e.as("acme/viewer")).wantError(http.StatusForbidden, livedash.EForbidden)
	e.do("GET", "/api/v1/users", nil, e.as("acme/admin")).wantStatus(http.StatusOK).into(&page)
	if len(page.Items) != 4 {
		t.Fatalf("users %+v", page)
	}
	e.do("GET", "/api/v1/users", nil, e.as("other/admin")).wantStatus(http.StatusOK).into(&page)
	for _, u := range page.Items {
		if u.Tenant != "other" {
			t.Fatalf("tenant other lists %+v", u)
		}
	}
	// The new user can log in.
	e.do("POST", "/api/v1/auth/login", map[string]string{"email": "new@acme.test", "password": "long enough pw"}).wantStatus(http.StatusOK)
}

func TestTenants(t *testing.T) {
	e := newEnv(t)
	e.do("POST", "/api/v1/tenants", map[string]string{"name": "Initech"}, e.as("acme/admin")).wantError(http.StatusUnauthorized, livedash.EUnauthenticated)
	e.do("POST", "/api/v1/tenants", map[string]string{"name": "Initech"}, header(APIKeyHeader, "wrong")).wantError(http.StatusUnauthorized, livedash.EUnauthenticated)
	r := e.do("POST", "/api/v1/tenants", map[string]string{"id": "initech", "name": "Initech"}, header(APIKeyHeader, testAPIKey)).wantStatus(http.StatusCreated)
	if r.json()["id"] != "initech" {
		t.Fatalf("tenant %s", r.body)
	}
	e.do("POST", "/api/v1/tenants", map[string]string{"id": "initech", "name": "Again"}, header(APIKeyHeader, testAPIKey)).wantError(http.StatusConflict, livedash.EConflict)
	e.do("POST", "/api/v1/tenants", map[string]string{"name": ""}, header(APIKeyHeader, testAPIKey)).wantField("name")
	e.do("POST", "/api/v1/tenants", map[string]string{"id": "bad id!", "name": "x"}, header(APIKeyHeader, testAPIKey)).wantField("id")
	// Without a configured key the API key is refused.
	e2 := newEnv(t, func(d *Deps) { d.APIKey = "" })
	e2.do("POST", "/api/v1/tenants", map[string]string{"name": "x"}, header(APIKeyHeader, "")).wantError(http.StatusUnauthorized, livedash.EUnauthenticated)
	e2.do("POST", "/api/v1/tenants", map[string]string{"name": "x"}, header(APIKeyHeader, "anything")).wantError(http.StatusUnauthorized, livedash.EUnauthenticated)
}

func TestIngestAndSeries(t *testing.T) {
	e := newEnv(t)
	base := time.Date(2020, 3, 1, 12, 0, 0, 0, time.UTC)
	points := []any{
		map[string]any{"code": "cpu", "value": 10, "ts": base.Format(time.RFC3339)},
		map[string]any{"code": "cpu", "value": 20, "ts": base.Add(30 * time.Second).UnixMilli()},
		map[string]any{"code": "cpu", "value": 40, "ts": base.Add(90 * time.Second).Format(time.RFC3339Nano)},
		map[string]any{"code": "cpu", "value": 99, "ts": base.UnixMilli(), "labels": map[string]string{"core": "1"}},
	}
	// Tokens: editors and admins of their tenant.
	e.do("POST", "/api/v1/metrics", map[string]any{"points": points}, e.as("acme/viewer")).wantError(http.StatusForbidden, livedash.EForbidden)
	e.do("POST", "/api/v1/metrics", map[string]any{"tenant": "other", "points": points}, e.as("acme/editor")).wantError(http.StatusForbidden, livedash.EForbidden)
	r := e.do("POST", "/api/v1/metrics", map[string]any{"points": points}, e.as("acme/editor")).wantStatus(http.StatusOK)
	if r.json()["accepted"] != float64(4) {
		t.Fatalf("ingest %s", r.body)
	}
	if ev := e.pub.events(); !strings.Contains(strings.Join(ev, "\n"), "metrics.acme") {
		t.Errorf("published %v", ev)
	}

	// API key: tenant from the header or the body.
	one := []any{map[string]any{"code": "mem", "value": 1}}
	r = e.do("POST", "/api/v1/metrics", map[string]any{"points": one}, header(APIKeyHeader, testAPIKey), header(TenantHeader, "other")).wantStatus(http.StatusOK)
	if r.json()["accepted"] != float64(1) {
		t.Fatalf("ingest %s", r.body)
	}
	e.do("POST", "/api/v1/metrics", map[string]any{"tenant": "other", "points": one}, header(APIKeyHeader, testAPIKey)).wantStatus(http.StatusOK)
	e.do("POST", "/api/v1/metrics", map[string]any{"points": one}, header(APIKeyHeader, testAPIKey)).wantField("tenant")
	e.do("POST", "/api/v1/metrics", map[string]any{"tenant": "acme", "points": one}, header(APIKeyHeader, testAPIKey), header(TenantHeader, "other")).wantField("tenant")
	e.do("POST", "/api/v1/metrics", map[string]any{"points": one}, header(APIKeyHeader, testAPIKey), header(TenantHeader, "ghost")).wantError(http.StatusNotFound, livedash.ENotFound)
	e.do("POST", "/api/v1/metrics", map[string]any{"points": one}, header(APIKeyHeader, "wrong"), header(TenantHeader, "other")).wantError(http.StatusUnauthorized, livedash.EUnauthenticated)

	// Bad points name the point and field.
	e.do("POST", "/api/v1/metrics", map[string]any{"points": []any{}}, e.as("acme/editor")).wantField("points")
	e.do("POST", "/api/v1/metrics", map[string]any{}, e.as("acme/editor")).wantField("points")
	e.do("POST", "/api/v1/metrics", map[string]any{"points": []any{map[string]any{"code": "ok", "value": 1}, map[string]any{"code": "bad code", "value": 1}}}, e.as("acme/editor")).wantField("points[1].code")
	e.do("POST", "/api/v1/metrics", map[string]any{"points": []any{map[string]any{"code": "ok"}}}, e.as("acme/editor")).wantField("points[0].value")
	e.do("POST", "/api/v1/metrics", map[string]any{"points": []any{map[string]any{"code": "ok", "value": "high"}}}, e.as("acme/editor")).wantField("points.value")
	e.do("POST", "/api/v1/metrics", map[string]any{"points": []any{map[string]any{"code": "ok", "value": 1, "ts": "yesterday"}}}, e.as("acme/editor")).wantField("points[0].ts")
	e.do("POST", "/api/v1/metrics", map[string]any{"points": []any{map[string]any{"code": "ok", "value": 1, "labels": map[string]string{"bad name": "x"}}}}, e.as("acme/editor")).wantField("points[0].labels")
	e.do("POST", "/api/v1/metrics", map[string]any{"points": []any{map[string]any{"code": "ok", "value": 1, "unit": "s"}}}, e.as("acme/editor")).wantField("unit")

	// Definitions: per tenant.
	var defs livedash.Page[livedash.MetricDefinition]
	e.do("GET", "/api/v1/metrics", nil, e.as("acme/viewer")).wantStatus(http.StatusOK).into(&defs)
	if len(defs.Items) != 1 || defs.Items[0].Code != "cpu" {
		t.Fatalf("acme definitions %+v", defs)
	}
	e.do("GET", "/api/v1/metrics", nil, e.as("other/admin")).wantStatus(http.StatusOK).into(&defs)
	if len(defs.Items) != 1 || defs.Items[0].Code != "mem" {
		t.Fatalf("other definitions %+v", defs)
	}

	// Series: from/to as RFC 3339 or ms, step as duration or seconds, agg, labels.
	type series struct {
		Code   string                 `json:"code"`
		Step   string                 `json:"step"`
		Agg    string                 `json:"agg"`
		Points []livedash.SeriesPoint `json:"points"`
	}
	get := func(query string, who string) series {
		t.Helper()
		var s series
		e.do("GET", "/api/v1/metrics/cpu/series?"+query, nil, e.as(who)).wantStatus(http.StatusOK).into(&s)
		return s
	}
	from, to := base.Format(time.RFC3339), fmt.Sprint(base.Add(2*time.Minute).UnixMilli())
	s := get("from="+from+"&to="+to+"&step=1m&agg=avg", "acme/viewer")
	if s.Code != "cpu" || s.Step != "1m" || s.Agg != "avg" || len(s.Points) != 2 ||
		s.Points[0] != (livedash.SeriesPoint{Time: base.UnixMilli(), Value: 15}) || s.Points[1].Value != 40 {
		t.Fatalf("series %+v", s)
	}
	s = get("from="+from+"&to="+to+"&step=120&agg=max", "acme/viewer")
	if len(s.Points) != 1 || s.Points[0].Value != 40 || s.Step != "2m" {
		t.Fatalf("series %+v", s)
	}
	s = get("from="+from+"&to="+to+"&step=2m&agg=count", "acme/viewer")
	if len(s.Points) != 1 || s.Points[0].Value != 3 {
		t.Fatalf("count %+v", s)
	}
	s = get("from="+from+"&to="+to+"&step=2m&labels=core=1", "acme/viewer")
	if len(s.Points) != 1 || s.Points[0].Value != 99 {
		t.Fatalf("labelled %+v", s)
	}
	// The default range is the last hour, which holds none of these points.
	if s := get("", "acme/viewer"); s.Points == nil || len(s.Points) != 0 {
		t.Fatalf("default range %+v", s)
	}
	// Another tenant's series of the same code is its own (empty).
	if s := get("from="+from+"&to="+to+"&step=1m", "other/admin"); len(s.Points) != 0 {
		t.Fatalf("other tenant reads acme's series: %+v", s)
	}
	for q, field := range map[string]string{
		"from=yesterday":             "from",
		"to=tomorrow":                "to",
		"from=" + to + "&to=" + from: "to",
		"step=fast":                  "step",
		"step=-5":                    "step",
		"from=" + from + "&step=1ms": "step",
		"agg=median":                 "agg",
		"labels=nolabel":             "labels",
		"labels=bad%20name=x":        "labels",
	} {
		e.do("GET", "/api/v1/metrics/cpu/series?"+q, nil, e.as("acme/viewer")).wantField(field)
	}
	e.do("GET", "/api/v1/metrics/bad%20code/series", nil, e.as("acme/viewer")).wantField("code")
}

func TestAlerts(t *testing.T) {
	e := newEnv(t)
	rule := map[string]any{"name": "Hot", "metric_code": "temp", "comparison": "gt", "threshold": 80, "severity": "critical",
		"recipients": map[string]any{"roles": []string{"admin", "editor", "viewer"}}}
	e.do("POST", "/api/v1/alert-rules", rule, e.as("acme/viewer")).wantError(http.StatusForbidden, livedash.EForbidden)
	r := e.do("POST", "/api/v1/alert-rules", rule, e.as("acme/editor")).wantStatus(http.StatusCreated)
	var ar livedash.AlertRule
	r.into(&ar)
	if !ar.Enabled || ar.Threshold != 80 || ar.Tenant != "acme" || ar.Version != 1 || r.header.Get("ETag") != `"1"` {
		t.Fatalf("rule %s (ETag %q)", r.body, r.header.Get("ETag"))
	}
	bad := func(k string, v any) map[string]any {
		m := map[string]any{}
		for k, v := range rule {
			m[k] = v
		}
		m[k] = v
		return m
	}
	e.do("POST", "/api/v1/alert-rules", bad("comparison", "above"), e.as("acme/editor")).wantField("comparison")
	e.do("POST", "/api/v1/alert-rules", bad("severity", "meh"), e.as("acme/editor")).wantField("severity")
	e.do("POST", "/api/v1/alert-rules", bad("metric_code", ""), e.as("acme/editor")).wantField("metric_code")
	e.do("POST", "/api/v1/alert-rules", bad("threshold", "high"), e.as("acme/editor")).wantField("threshold")
	e.do("POST", "/api/v1/alert-rules", bad("for", "a while"), e.as("acme/editor")).wantError(http.StatusBadRequest, livedash.EBadRequest)

	var rules livedash.Page[livedash.AlertRule]
	e.do("GET", "/api/v1/alert-rules", nil, e.as("acme/viewer")).wantStatus(http.StatusOK).into(&rules)
	if len(rules.Items) != 1 {
		t.Fatalf("rules %+v", rules)
	}
	e.do("GET", "/api/v1/alert-rules", nil, e.as("other/admin")).wantStatus(http.StatusOK).into(&rules)
	if len(rules.Items) != 0 {
		t.Fatalf("other tenant lists %+v", rules)
	}

	// One rule: any role of the tenant; other tenants get 404.
	var one livedash.AlertRule
	r = e.do("GET", "/api/v1/alert-rules/"+ar.ID, nil, e.as("acme/viewer")).wantStatus(http.StatusOK)
	r.into(&one)
	if one.ID != ar.ID || one.Name != "Hot" || one.Version != 1 || r.header.Get("ETag") != `"1"` {
		t.Fatalf("get %s (ETag %q)", r.body, r.header.Get("ETag"))
	}
	e.do("GET", "/api/v1/alert-rules/"+ar.ID, nil, e.as("other/admin")).wantError(http.StatusNotFound, livedash.ENotFound)
	e.do("GET", "/api/v1/alert-rules/nope", nil, e.as("acme/viewer")).wantError(http.StatusNotFound, livedash.ENotFound)

	// Update with the version in the body, then with If-Match; a stale version is 409 with the
	// current version, a missing one 400.
	r = e.do("PATCH", "/api/v1/alert-rules/"+ar.ID, map[string]any{"threshold": 50, "for": "0s", "version": 1}, e.as("acme/editor")).wantStatus(http.StatusOK)
	r.into(&ar)
	if ar.Threshold != 50 || ar.Name != "Hot" || ar.Severity != "critical" || !ar.Enabled || ar.Version != 2 || r.header.Get("ETag") != `"2"` {
		t.Fatalf("patched %s (ETag %q)", r.body, r.header.Get("ETag"))
	}
	r = e.do("PATCH", "/api/v1/alert-rules/"+ar.ID, map[string]any{"name": "Too hot"}, e.as("acme/admin"), header("If-Match", `"2"`)).wantStatus(http.StatusOK)
	r.into(&ar)
	if ar.Version != 3 || ar.Name != "Too hot" || ar.Threshold != 50 {
		t.Fatalf("patched %s", r.body)
	}
	eb := e.do("PATCH", "/api/v1/alert-rules/"+ar.ID, map[string]any{"threshold": 1, "version": 2}, e.as("acme/editor")).wantError(http.StatusConflict, livedash.EConflict)
	if eb["current_version"] != float64(3) {
		t.Fatalf("conflict %v", eb)
	}
	e.do("GET", "/api/v1/alert-rules/"+ar.ID, nil, e.as("acme/viewer")).into(&one)
	if one.Threshold != 50 || one.Version != 3 {
		t.Fatalf("a stale PATCH changed the rule: %+v", one)
	}
	e.do("PATCH", "/api/v1/alert-rules/"+ar.ID, map[string]any{"threshold": 1}, e.as("acme/editor")).wantField("version")
	e.do("PATCH", "/api/v1/alert-rules/"+ar.ID, map[string]any{"threshold": 1, "version": -1}, e.as("acme/editor")).wantField("version")
	e.do("PATCH", "/api/v1/alert-rules/"+ar.ID, map[string]any{"threshold": 1, "version": 3}, e.as("acme/editor"), header("If-Match", `"2"`)).wantField("version")
	e.do("PATCH", "/api/v1/alert-rules/"+ar.ID, map[string]any{"threshold": 1}, e.as("acme/editor"), header("If-Match", "abc")).wantField("If-Match")
	e.do("PATCH", "/api/v1/alert-rules/"+ar.ID, map[string]any{"threshold": 1, "version": 1.5}, e.as("acme/editor")).wantField("version")
	e.do("PATCH", "/api/v1/alert-rules/"+ar.ID, map[string]any{"comparison": "above", "version": 3}, e.as("acme/editor")).wantField("comparison")
	e.do("PATCH", "/api/v1/alert-rules/"+ar.ID, map[string]any{"threshold": 1, "version": 3}, e.as("acme/viewer")).wantError(http.StatusForbidden, livedash.EForbidden)
	e.do("PATCH", "/api/v1/alert-rules/"+ar.ID, map[string]any{"threshold": 1, "version": 3}, e.as("other/admin")).wantError(http.StatusNotFound, livedash.ENotFound)
	e.do("PATCH", "/api/v1/alert-rules/"+ar.ID, map[string]any{"threshold": 1, "version": 2}, e.as("other/admin")).wantError(http.StatusNotFound, livedash.ENotFound)
	e.do("PATCH", "/api/v1/alert-rules/nope", map[string]any{"threshold": 1, "version": 1}, e.as("acme/editor")).wantError(http.StatusNotFound, livedash.ENotFound)

	// A breaching point fires an alert; it can be acknowledged once.
	e.do("POST", "/api/v1/metrics", map[string]any{"points": []any{map[string]any{"code": "temp", "value": 95}}}, e.as("acme/editor")).wantStatus(http.StatusOK)
	var alerts livedash.Page[livedash.Alert]
	e.do("GET", "/api/v1/alerts?open=true", nil, e.as("acme/viewer")).wantStatus(http.StatusOK).into(&alerts)
	if len(alerts.Items) != 1 || alerts.Items[0].State != livedash.AlertFiring || alerts.Items[0].Value != 95 {
		t.Fatalf("alerts %+v", alerts)
	}
	id := alerts.Items[0].ID
	e.do("GET", "/api/v1/alerts?state=resolved", nil, e.as("acme/viewer")).wantStatus(http.StatusOK).into(&alerts)
	if len(alerts.Items) != 0 {
		t.Fatalf("resolved %+v", alerts)
	}
	e.do("GET", "/api/v1/alerts?state=burning", nil, e.as("acme/viewer")).wantField("state")
	e.do("GET", "/api/v1/alerts?open=maybe", nil, e.as("acme/viewer")).wantField("open")
	e.do("GET", "/api/v1/alerts", nil, e.as("other/admin")).wantStatus(http.StatusOK).into(&alerts)
	if len(alerts.Items) != 0 {
		t.Fatalf("other tenant lists %+v", alerts)
	}
	e.do("POST", "/api/v1/alerts/"+id+"/ack", nil, e.as("other/admin")).wantError(http.StatusNotFound, livedash.ENotFound)
	r = e.do("POST", "/api/v1/alerts/"+id+"/ack", nil, e.as("acme/editor")).wantStatus(http.StatusOK)
	if r.json()["state"] != livedash.AlertAcknowledged || r.json()["acknowledged_by"] != e.users["acme/editor"].ID {
		t.Fatalf("ack %s", r.body)
	}
	e.do("POST", "/api/v1/alerts/"+id+"/ack", nil, e.as("acme/editor")).wantError(http.StatusConflict, livedash.EConflict)
	e.do("POST", "/api/v1/alerts/nope/ack", nil, e.as("acme/editor")).wantError(http.StatusNotFound, livedash.ENotFound)

	// Delete: viewer no, other tenant 404, stale If-Match 409 with the current version (and the
	// rule's alert stays open), the current one deletes.
	e.do("DELETE", "/api/v1/alert-rules/"+ar.ID, nil, e.as("acme/viewer")).wantError(http.StatusForbidden, livedash.EForbidden)
	e.do("DELETE", "/api/v1/alert-rules/"+ar.ID, nil, e.as("other/admin")).wantError(http.StatusNotFound, livedash.ENotFound)
	e.do("DELETE", "/api/v1/alert-rules/"+ar.ID, nil, e.as("other/admin"), header("If-Match", `"2"`)).wantError(http.StatusNotFound, livedash.ENotFound)
	if eb := e.do("DELETE", "/api/v1/alert-rules/"+ar.ID, nil, e.as("acme/admin"), header("If-Match", `"2"`)).wantError(http.StatusConflict, livedash.EConflict); eb["current_version"] != float64(3) {
		t.Fatalf("conflict %v", eb)
	}
	e.do("GET", "/api/v1/alerts?open=true", nil, e.as("acme/viewer")).wantStatus(http.StatusOK).into(&alerts)
	if len(alerts.Items) != 1 {
		t.Fatalf("open alerts after a stale delete: %+v", alerts)
	}
	e.do("DELETE", "/api/v1/alert-rules/"+ar.ID, nil, e.as("acme/admin"), header("If-Match", "0")).wantField("If-Match")
	e.do("DELETE", "/api/v1/alert-rules/"+ar.ID, nil, e.as("acme/admin"), header("If-Match", `"3"`)).wantStatus(http.StatusNoContent)
	e.do("GET", "/api/v1/alert-rules/"+ar.ID, nil, e.as("acme/admin")).wantError(http.StatusNotFound, livedash.ENotFound)
	e.do("PATCH", "/api/v1/alert-rules/"+ar.ID, map[string]any{"threshold": 1, "version": 3}, e.as("acme/admin")).wantError(http.StatusNotFound, livedash.ENotFound)
	e.do("DELETE", "/api/v1/alert-rules/"+ar.ID, nil, e.as("acme/admin")).wantError(http.StatusNotFound, livedash.ENotFound)

	// Without If-Match, DELETE removes whatever version is stored.
	id = e.do("POST", "/api/v1/alert-rules", rule, e.as("acme/editor")).wantStatus(http.StatusCreated).id()
	e.do("PATCH", "/api/v1/alert-rules/"+id, map[string]any{"enabled": false, "version": 1}, e.as("acme/editor")).wantStatus(http.StatusOK)
	e.do("DELETE", "/api/v1/alert-rules/"+id, nil, e.as("acme/editor")).wantStatus(http.StatusNoContent)
}

func TestNotifications(t *testing.T) {
	e := newEnv(t)
	body := map[string]any{"title": "Maintenance", "body": "Tonight at 10", "severity": "warning"}
	e.do("POST", "/api/v1/notifications", body, e.as("acme/editor")).wantError(http.StatusForbidden, livedash.EForbidden)
	id := e.do("POST", "/api/v1/notifications", body, e.as("acme/admin")).wantStatus(http.StatusCreated).id()
	e.do("POST", "/api/v1/notifications", map[string]any{"title": ""}, e.as("acme/admin")).wantField("title")
	e.do("POST", "/api/v1/notifications", map[string]any{"title": "x", "severity": "dire"}, e.as("acme/admin")).wantField("severity")

	me := e.do("GET", "/api/v1/me", nil, e.as("acme/viewer")).wantStatus(http.StatusOK).json()
	if me["unread_notifications"] != float64(1) {
		t.Fatalf("me %v", me)
	}
	var page livedash.Page[livedash.Notification]
	e.do("GET", "/api/v1/notifications?unread=true", nil, e.as("acme/viewer")).wantStatus(http.StatusOK).into(&page)
	if len(page.Items) != 1 || page.Items[0].Read {
		t.Fatalf("notifications %+v", page)
	}
	e.do("GET", "/api/v1/notifications", nil, e.as("other/admin")).wantStatus(http.StatusOK).into(&page)
	if len(page.Items) != 0 {
		t.Fatalf("other tenant lists %+v", page)
	}
	e.do("POST", "/api/v1/notifications/"+id+"/read", nil, e.as("other/admin")).wantError(http.StatusNotFound, livedash.ENotFound)
	r := e.do("POST", "/api/v1/notifications/"+id+"/read", nil, e.as("acme/viewer")).wantStatus(http.StatusOK)
	if r.json()["read"] != true {
		t.Fatalf("read %s", r.body)
	}
	e.do("GET", "/api/v1/notifications?unread=1", nil, e.as("acme/viewer")).wantStatus(http.StatusOK).into(&page)
	if len(page.Items) != 0 {
		t.Fatalf("unread after read %+v", page)
	}
	e.do("GET", "/api/v1/notifications?unread=perhaps", nil, e.as("acme/viewer")).wantField("unread")
	if me := e.do("GET", "/api/v1/me", nil, e.as("acme/viewer")).json(); me["unread_notifications"] != float64(0) {
		t.Fatalf("me %v", me)
	}
}

func TestMeWithTokenOfUnknownUser(t *testing.T) {
	e := newEnv(t)
	// Tokens minted by `livedash token` may name users that are not stored.
	tok, err := e.mint.Mint(livedash.Principal{UserID: "ghost", Tenant: "acme", Roles: []string{"viewer"}}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	r := e.do("GET", "/api/v1/me", nil, header("Authorization", "Bearer "+tok)).wantStatus(http.StatusOK).json()
	if r["principal"].(map[string]any)["id"] != "ghost" || r["user"] != nil || r["tenant"].(map[string]any)["name"] != "ACME" {
		t.Fatalf("me %v", r)
	}
}

func TestBodyTooLarge(t *testing.T) {
	e := newEnv(t, func(d *Deps) { d.MaxBodyBytes = 1024 })
	big := map[string]any{"name": "x", "description": strings.Repeat("a", 2000)}
	e.do("POST", "/api/v1/dashboards", big, e.as("acme/editor")).wantError(http.StatusRequestEntityTooLarge, livedash.ETooLarge)
	pts := make([]any, 100)
	for i := range pts {
		pts[i] = map[string]any{"code": "cpu", "value": i}
	}
	e.do("POST", "/api/v1/metrics", map[string]any{"points": pts}, header(APIKeyHeader, testAPIKey), header(TenantHeader, "acme")).
		wantError(http.StatusRequestEntityTooLarge, livedash.ETooLarge)
	e.do("POST", "/api/v1/auth/login", map[string]any{"email": strings.Repeat("a", 2000)}).wantError(http.StatusRequestEntityTooLarge, livedash.ETooLarge)
}

func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	e := newEnv(t)
	r := e.do("GET", "/api/v1/openapi.json", nil).wantStatus(http.StatusOK)
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	r.into(&doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.0") {
		t.Fatalf("openapi %q", doc.OpenAPI)
	}
	for _, rt := range routes {
		ops, ok := doc.Paths[rt.pattern]
		if !ok {
			t.Errorf("path %s is missing", rt.pattern)
			continue
		}
		if _, ok := ops[strings.ToLower(rt.method)]; !ok {
			t.Errorf("%s %s is missing", rt.method, rt.pattern)
		}
	}
	// And nothing is described that is not served.
	served := map[string]bool{}
	for _, rt := range routes {
		served[strings.ToLower(rt.method)+" "+rt.pattern] = true
	}
	for path, ops := range doc.Paths {
		for m := range ops {
			if m != "parameters" && !served[m+" "+path] {
				t.Errorf("openapi.json describes %s %s, which routes.go does not serve", m, path)
			}
		}
	}
	// Every $ref resolves.
	var raw map[string]any
	if err := json.Unmarshal(openAPI, &raw); err != nil {
		t.Fatal(err)
	}
	comps := raw["components"].(map[string]any)
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				parts := strings.Split(strings.TrimPrefix(ref, "#/components/"), "/")
				if sec, ok := comps[parts[0]].(map[string]any); !ok || sec[parts[1]] == nil {
					t.Errorf("unresolved $ref %s", ref)
				}
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(raw)
}

// TestLoginRefusesFormBodies: a cross-site form can post text/plain or urlencoded bodies without a
// preflight; login accepts JSON only, so another site cannot log a visitor in.
func TestLoginRefusesFormBodies(t *testing.T) {
	e := newEnv(t)
	for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", ""} {
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/auth/login", strings.NewReader(`{"email":"a@b.c","password":"x"}`))
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || len(resp.Cookies()) != 0 {
			t.Errorf("Content-Type %q: status %d, cookies %v", ct, resp.StatusCode, resp.Cookies())
		}
	}
}

func TestRefreshSession(t *testing.T) {
	e := newEnv(t)
	login := e.do("POST", "/api/v1/auth/login", map[string]string{"email": "editor@acme.test", "password": testPassword}).wantStatus(http.StatusOK)
	old := login.resp.Cookies()[0].Value

	// With the cookie it changes state, so it needs the CSRF header like every other write.
	e.do("POST", "/api/v1/auth/refresh", nil, cookie(old)).wantError(http.StatusForbidden, codeCSRF)
	r := e.do("POST", "/api/v1/auth/refresh", nil, cookie(old), header(CSRFHeader, "1")).wantStatus(http.StatusOK)
	var lr struct {
		Token     string        `json:"token"`
		ExpiresAt time.Time     `json:"expires_at"`
		User      livedash.User `json:"user"`
	}
	r.into(&lr)
	cs := r.resp.Cookies()
	if len(cs) != 1 || cs[0].Name != SessionCookie || cs[0].Value != lr.Token || cs[0].MaxAge != 3600 || !cs[0].HttpOnly {
		t.Fatalf("refresh cookie %+v", cs)
	}
	if lr.User.Email != "editor@acme.test" || time.Until(lr.ExpiresAt) < 59*time.Minute {
		t.Fatalf("refresh response %s", r.body)
	}
	me := e.do("GET", "/api/v1/me", nil, cookie(lr.Token)).wantStatus(http.StatusOK).json()
	if me["user"].(map[string]any)["email"] != "editor@acme.test" {
		t.Fatalf("me with the refreshed token %v", me)
	}

	// A bearer token of a stored user refreshes too; one naming no stored user does not.
	e.do("POST", "/api/v1/auth/refresh", nil, e.as("acme/viewer")).wantStatus(http.StatusOK)
	ghost, err := e.mint.Mint(livedash.Principal{UserID: "ghost", Tenant: "acme", Roles: []string{"admin"}}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	e.do("POST", "/api/v1/auth/refresh", nil, header("Authorization", "Bearer "+ghost)).wantError(http.StatusForbidden, livedash.EForbidden)
	e.do("POST", "/api/v1/auth/refresh", nil).wantError(http.StatusUnauthorized, livedash.EUnauthenticated)
}

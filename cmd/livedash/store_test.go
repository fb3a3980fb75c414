package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"livedash"
	"livedash/sqlstore"
)

// TestFirstRunAndCommands: the first start creates the default tenant and an admin whose
// generated password is printed once and works; later starts do not; migrate, tenant add and
// user add work on the same database.
func TestFirstRunAndCommands(t *testing.T) {
	getenv := testEnv(t, nil)
	start := func() string {
		t.Helper()
		ctx, cancel := context.WithCancel(context.Background())
		ready := make(chan *server, 1)
		done := make(chan error, 1)
		var out syncBuffer
		go func() { done <- serve(ctx, nil, getenv, &out, io.Discard, ready) }()
		select {
		case srv := <-ready:
			resp, err := http.Get(srv.baseURL() + "/websocket/health")
			if err != nil {
				t.Fatal(err)
			}
			var h struct{ Checks map[string]string }
			_ = json.NewDecoder(resp.Body).Decode(&h)
			resp.Body.Close()
			if h.Checks["database"] != "ok" {
				t.Errorf("health checks %v lack the database", h.Checks)
			}
		case err := <-done:
			t.Fatalf("serve: %v", err)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	first := start()
	m := regexp.MustCompile(`admin password \(shown once[^)]*\): (\S+)`).FindStringSubmatch(first)
	if !strings.Contains(first, `created tenant "default", admin admin@localhost`) || m == nil {
		t.Fatalf("first run output:\n%s", first)
	}
	if second := start(); strings.Contains(second, "first run") {
		t.Fatalf("second run bootstrapped again:\n%s", second)
	}
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, "", getenv("LIVEDASH_DATA_DIR"))
	if err != nil {
		t.Fatal(err)
	}
	if u, err := st.Authenticate(ctx, "", "admin@localhost", m[1]); err != nil || u.Tenant != "default" || u.Roles[0] != "admin" {
		t.Fatalf("printed password does not log in: %+v %v", u, err)
	}
	// A new install shows the host metrics first: a shared dashboard of CPU, memory, network, disk.
	dash, err := st.ListDashboards(ctx, "default", livedash.DashboardFilter{}, livedash.ListOptions{})
	if err != nil || len(dash.Items) != 1 || dash.Items[0].Name != "Host metrics" || dash.Items[0].Visibility != livedash.VisibilityShared {
		t.Fatalf("dashboards after first run: %+v %v", dash.Items, err)
	}
	widgets, err := st.ListWidgets(ctx, "default", dash.Items[0].ID)
	if err != nil || len(widgets) != 8 {
		t.Fatalf("host dashboard widgets: %d %v", len(widgets), err)
	}
	if def, err := st.MetricDefinition(ctx, "default", "host.cpu.percent"); err != nil || def.Unit == "" {
		t.Fatalf("host metric definitions: %+v %v", def, err)
	}
	st.Close()

	var out bytes.Buffer
	for _, args := range [][]string{
		{"migrate"},
		{"tenant", "add", "--id", "acme", "--name", "Acme"},
		{"user", "add", "--email", "e@acme.test", "--tenant", "acme", "--role", "editor", "--password", "correct horse battery"},
	} {
		if err := run(ctx, args, getenv, &out, io.Discard); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
	for _, want := range []string{"schema version", "created tenant acme (Acme)", "created user e@acme.test"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("output lacks %q:\n%s", want, out.String())
		}
	}
	if err := run(ctx, []string{"user", "add", "--email", "bad", "--tenant", "acme", "--role", "editor"}, getenv, io.Discard, io.Discard); err == nil {
		t.Fatal("user add accepted an invalid email")
	}
}

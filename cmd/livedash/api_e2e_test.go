package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"livedash/client"
)

// apiClient calls the REST API of an in-process server with a bearer token or the API key.
type apiClient struct {
	t    *testing.T
	base string
}

func (a apiClient) call(method, path, auth string, body any, out any) int {
	a.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, a.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if len(auth) > 4 && auth[:4] == "key:" {
		req.Header.Set("X-API-Key", auth[4:])
		req.Header.Set("X-Livedash-Tenant", "default")
	} else if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			a.t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
	if resp.StatusCode >= 300 {
		a.t.Logf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	return resp.StatusCode
}

func (a apiClient) login(email, password string) (token, userID string) {
	a.t.Helper()
	var r struct {
		Token string `json:"token"`
		User  struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	if st := a.call("POST", "/api/v1/auth/login", "", map[string]string{"email": email, "password": password}, &r); st != 200 {
		a.t.Fatalf("login %s: %d", email, st)
	}
	return r.Token, r.User.ID
}

// events collects a client's events by name.
type events chan client.Event

func (ev events) wait(t *testing.T, name, channel string) client.Event {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case e := <-ev:
			if e.Event == name && e.Channel == channel {
				return e
			}
		case <-deadline:
			t.Fatalf("no %s on %s within 5 s", name, channel)
			return client.Event{}
		}
	}
}

// TestAPIChangesArriveLive is the dashboard system end to end on the real binary's wiring: a viewer
// subscribed over WebSocket sees dashboard_update when an editor changes a shared dashboard through
// the API, metric_update on ingest, new_alert when a rule fires; an admin sees project_update.
func TestAPIChangesArriveLive(t *testing.T) {
	getenv := testEnv(t, map[string]string{"LIVEDASH_ADMIN_PASSWORD": "admin-password-123", "LIVEDASH_COLLECTOR_ENABLED": "false"})
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan *server, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, nil, getenv, io.Discard, io.Discard, ready) }()
	srv := <-ready
	defer func() { cancel(); <-done }()
	api := apiClient{t: t, base: srv.baseURL()}

	admin, _ := api.login("admin@localhost", "admin-password-123")
	for _, u := range []map[string]any{
		{"email": "ed@x.test", "display_name": "Ed", "roles": []string{"editor"}, "password": "editor-password-1"},
		{"email": "vi@x.test", "display_name": "Vi", "roles": []string{"viewer"}, "password": "viewer-password-1"},
	} {
		if st := api.call("POST", "/api/v1/users", admin, u, nil); st != 201 && st != 200 {
			t.Fatalf("create user: %d", st)
		}
	}
	editor, _ := api.login("ed@x.test", "editor-password-1")
	viewer, viewerID := api.login("vi@x.test", "viewer-password-1")

	var dash struct {
		ID      string `json:"id"`
		Version int64  `json:"version"`
	}
	if st := api.call("POST", "/api/v1/dashboards", editor, map[string]any{"name": "Ops", "visibility": "shared"}, &dash); st != 201 && st != 200 {
		t.Fatalf("create dashboard: %d", st)
	}
	var proj struct {
		ID      string `json:"id"`
		Version int64  `json:"version"`
	}
	if st := api.call("POST", "/api/v1/projects", admin, map[string]any{"name": "Apollo"}, &proj); st != 201 && st != 200 {
		t.Fatalf("create project: %d", st)
	}

	listen := func(token string, channels ...string) events {
		ev := make(events, 64)
		c, err := client.Dial(ctx, client.Options{URL: srv.baseURL(), Token: token, Channels: channels,
			OnEvent: func(e client.Event) { ev <- e }})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return ev
	}
	viewerEvents := listen(viewer, "board:"+dash.ID, "metrics", "alerts")
	adminEvents := listen(admin, "project:"+proj.ID)

	// Another user edits the shared dashboard.
	if st := api.call("PATCH", "/api/v1/dashboards/"+dash.ID, editor, map[string]any{"name": "Ops (live)", "version": dash.Version}, nil); st != 200 {
		t.Fatalf("patch dashboard: %d", st)
	}
	e := viewerEvents.wait(t, "dashboard_update", "board."+dash.ID)
	var du struct {
		DashboardID string `json:"dashboard_id"`
		Change      string `json:"change"`
	}
	if json.Unmarshal(e.Data, &du) != nil || du.DashboardID != dash.ID {
		t.Fatalf("dashboard_update = %s", e.Data)
	}
	// A stale version is refused, not silently applied.
	if st := api.call("PATCH", "/api/v1/dashboards/"+dash.ID, editor, map[string]any{"name": "stale", "version": dash.Version}, nil); st != 409 {
		t.Fatalf("stale patch: %d, want 409", st)
	}

	// An alert rule for the viewer, then ingest through the API key: metric_update, then new_alert.
	rule := map[string]any{"name": "hot", "metric_code": "app.temp", "comparison": "gt", "threshold": 50,
		"severity": "critical", "enabled": true, "recipients": map[string]any{"users": []string{viewerID}}}
	if st := api.call("POST", "/api/v1/alert-rules", admin, rule, nil); st != 201 && st != 200 {
		t.Fatalf("create rule: %d", st)
	}
	ingest := map[string]any{"points": []map[string]any{{"code": "app.temp", "value": 72.5}}}
	if st := api.call("POST", "/api/v1/metrics", "key:"+testKey, ingest, nil); st != 200 && st != 202 {
		t.Fatalf("ingest: %d", st)
	}
	mu := viewerEvents.wait(t, "metric_update", "metrics.default")
	if !bytes.Contains(mu.Data, []byte(`"app.temp"`)) {
		t.Fatalf("metric_update = %s", mu.Data)
	}
	na := viewerEvents.wait(t, "new_alert", "alerts."+viewerID)
	if !bytes.Contains(na.Data, []byte(`"firing"`)) && !bytes.Contains(na.Data, []byte(`72.5`)) {
		t.Fatalf("new_alert = %s", na.Data)
	}

	// A project status change, based on the version read at create; the event carries the next.
	if st := api.call("PATCH", "/api/v1/projects/"+proj.ID, admin, map[string]any{"status": "paused", "version": proj.Version}, nil); st != 200 {
		t.Fatalf("patch project: %d", st)
	}
	pu := adminEvents.wait(t, "project_update", "project."+proj.ID)
	if !bytes.Contains(pu.Data, []byte(`"paused"`)) || !bytes.Contains(pu.Data, []byte(`"version":2`)) {
		t.Fatalf("project_update = %s", pu.Data)
	}
	if st := api.call("PATCH", "/api/v1/projects/"+proj.ID, admin, map[string]any{"status": "active", "version": proj.Version}, nil); st != 409 {
		t.Fatalf("stale patch project: %d, want 409", st)
	}
	// The viewer cannot write.
	if st := api.call("POST", "/api/v1/dashboards", viewer, map[string]any{"name": "nope"}, nil); st != 403 {
		t.Fatalf("viewer create dashboard: %d, want 403", st)
	}
}

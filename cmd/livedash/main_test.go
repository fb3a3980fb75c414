package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"livedash/client"
	"livedash/config"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const testKey = "e2e-api-key-0123456789"

// testEnv is the environment of an in-process server: loopback, random port, its own data dir.
func testEnv(t *testing.T, extra map[string]string) func(string) string {
	env := map[string]string{
		"LIVEDASH_ADDR":      "127.0.0.1:0",
		"LIVEDASH_DATA_DIR":  t.TempDir(),
		"LIVEDASH_API_KEY":   testKey,
		"LIVEDASH_LOG_LEVEL": "warn",
	}
	for k, v := range extra {
		env[k] = v
	}
	return func(k string) string { return env[k] }
}

// syncBuffer is an io.Writer safe for the server's concurrent log writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// promValue is the value of an unlabelled sample in a Prometheus text exposition (-1 if absent).
func promValue(exposition, name string) float64 {
	for line := range strings.Lines(exposition) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), name+" "); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				return f
			}
		}
	}
	return -1
}

func mintToken(t *testing.T, getenv func(string) string, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := run(context.Background(), append([]string{"token"}, args...), getenv, &out, &errOut); err != nil {
		t.Fatalf("token: %v: %s", err, errOut.String())
	}
	return strings.TrimSpace(out.String())
}

// TestServeEndToEnd runs the real wiring: a token from `livedash token`, the Go client over a
// real socket, a broadcast through the API, Prometheus metrics, and shutdown with 1012.
func TestServeEndToEnd(t *testing.T) {
	getenv := testEnv(t, nil)
	tok := mintToken(t, getenv, "--user", "u1", "--tenant", "t1", "--role", "viewer")

	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan *server, 1)
	done := make(chan error, 1)
	var stdout, stderr syncBuffer
	go func() { done <- serve(ctx, nil, getenv, &stdout, &stderr, ready) }()
	var srv *server
	select {
	case srv = <-ready:
	case err := <-done:
		t.Fatalf("serve: %v: %s", err, stderr.String())
	}
	base := srv.baseURL()
	if !strings.Contains(stdout.String(), base) || !strings.Contains(stdout.String(), "livedash token") {
		t.Fatalf("start banner does not say where it listens and how to get a token:\n%s", stdout.String())
	}

	events := make(chan client.Event, 10)
	c, err := client.Dial(ctx, client.Options{URL: "ws" + strings.TrimPrefix(base, "http") + "/ws", Token: tok,
		OnEvent: func(e client.Event) { events <- e }})
	if err != nil {
		t.Fatal(err)
	}
	subs, err := c.Subscribe(ctx, "metrics")
	if err != nil || subs[0].Channel != "metrics.t1" {
		t.Fatalf("subscribe: %v %v", subs, err)
	}
	req, _ := http.NewRequest("POST", base+"/dashboard/broadcast", strings.NewReader(`{"channel":"metrics.t1","event":"metric_update","data":{"v":7}}`))
	req.Header.Set("X-API-Key", testKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("broadcast: %v %v", resp, err)
	}
	resp.Body.Close()
	select {
	case e := <-events:
		if e.Event != "metric_update" || e.Seq != 1 || string(e.Data) != `{"v":7}` {
			t.Fatalf("event = %+v", e)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no event")
	}

	resp, err = http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`livedash_connections{transport="websocket"} 1`, "livedash_publications_total ",
		"livedash_widget_cache_hits_total", "go_goroutines"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	// The broadcast, plus any sample the host collector published meanwhile (one a second).
	if n := promValue(string(body), "livedash_publications_total"); n < 1 {
		t.Errorf("livedash_publications_total = %v, want at least 1", n)
	}
	req, _ = http.NewRequest("GET", base+"/websocket/stats", nil)
	req.Header.Set("X-API-Key", testKey)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var stats map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&stats)
	resp.Body.Close()
	if _, ok := stats["widget_cache"].(map[string]any)["hit_rate"]; !ok || stats["connections"] == nil {
		t.Errorf("stats lack the widget cache hit rate or the hub's figures: %v", stats)
	}

	cancel() // what SIGTERM does in main
	if err := <-done; err != nil {
		t.Fatalf("serve returned %v", err)
	}
	waitClosed(t, c, 1012)
}

func waitClosed(t *testing.T, c *client.Client, code int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if c.CloseCode() == code {
			_ = c.Close()
			return
		}
	}
	t.Fatalf("client close code %d, want %d", c.CloseCode(), code)
}

func TestInvalidConfigIsRefused(t *testing.T) {
	cases := map[string]string{
		"LIVEDASH_HEARTBEAT_TIMEOUT":      "heartbeat_timeout",
		"LIVEDASH_MAX_CONNECTIONS_PER_IP": "max_connections_per_ip",
		"LIVEDASH_ADDR":                   "addr",
		"LIVEDASH_ALLOWED_ORIGINS":        "allowed_origins",
		"LIVEDASH_MAX_FRAME_SIZE":         "max_frame_size",
	}
	values := map[string]string{
		"LIVEDASH_HEARTBEAT_TIMEOUT":      "1s",
		"LIVEDASH_MAX_CONNECTIONS_PER_IP": "-1",
		"LIVEDASH_ADDR":                   "no-port",
		"LIVEDASH_ALLOWED_ORIGINS":        "not a url",
		"LIVEDASH_MAX_FRAME_SIZE":         "huge",
	}
	for env, key := range cases {
		t.Run(env, func(t *testing.T) {
			err := run(context.Background(), []string{"serve"}, testEnv(t, map[string]string{env: values[env]}), io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), key) {
				t.Fatalf("err = %v, want one naming %s", err, key)
			}
		})
	}
}

func TestTokenAndVersion(t *testing.T) {
	getenv := testEnv(t, nil)
	a := mintToken(t, getenv, "--user", "u1", "--tenant", "t1", "--role", "admin,viewer", "--project", "p1")
	if strings.Count(a, ".") != 2 {
		t.Fatalf("not a JWT: %q", a)
	}
	// The generated secret is kept: the server started afterwards accepts the token.
	v, _, err := jwtKeys(mustConfig(t, getenv), nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := v.Verify(a)
	if err != nil || p.UserID != "u1" || len(p.Roles) != 2 || p.Projects[0] != "p1" {
		t.Fatalf("verify: %+v %v", p, err)
	}
	if err := run(context.Background(), []string{"token", "--user", "u1"}, getenv, io.Discard, io.Discard); err == nil {
		t.Fatal("token without --tenant succeeded")
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, getenv, &out, io.Discard); err != nil || !strings.HasPrefix(out.String(), "livedash ") {
		t.Fatalf("version: %q %v", out.String(), err)
	}
	if err := run(context.Background(), []string{"frobnicate"}, getenv, io.Discard, io.Discard); err == nil {
		t.Fatal("unknown command accepted")
	}
}

func mustConfig(t *testing.T, getenv func(string) string) config.Config {
	t.Helper()
	cfg, err := config.Load(nil, nil, getenv)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestSIGTERMDrainsAndExitsZero builds the binary and stops it with a real signal.
func TestSIGTERMDrainsAndExitsZero(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "livedash")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	getenv := testEnv(t, nil)
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "LIVEDASH_ADDR=127.0.0.1:0", "LIVEDASH_DATA_DIR="+getenv("LIVEDASH_DATA_DIR"), "LIVEDASH_LOG_LEVEL=info")
	var stdout, stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var base string
	for deadline := time.Now().Add(10 * time.Second); base == ""; time.Sleep(20 * time.Millisecond) {
		if _, rest, ok := strings.Cut(stdout.String(), "listening on "); ok {
			base, _, _ = strings.Cut(rest, "\n")
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not start: %s", stderr.String())
		}
	}
	tok := mintToken(t, getenv, "--user", "u1", "--tenant", "t1")
	ctx := context.Background()
	c, err := client.Dial(ctx, client.Options{URL: "ws" + strings.TrimPrefix(base, "http") + "/ws", Token: tok})
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitErr := cmd.Wait()
	var exitErr *exec.ExitError
	if errors.As(waitErr, &exitErr) || waitErr != nil {
		t.Fatalf("exit: %v\n%s", waitErr, stderr.String())
	}
	waitClosed(t, c, 1012)
	if !strings.Contains(stderr.String(), "shutting down") || !strings.Contains(stderr.String(), "code=1012") {
		t.Fatalf("log lacks the drain:\n%s", stderr.String())
	}
}

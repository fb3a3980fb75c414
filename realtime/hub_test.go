package realtime

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"livedash"
)

var viewer = []string{livedash.RoleViewer}

func TestSubscribeAndBroadcastToChannel(t *testing.T) {
	e := newEnv(t, nil)
	c := e.dial(e.token("u1", "t1", viewer))
	sub := c.subscribe("metrics")
	chans := sub["channels"].([]any)
	if got := chans[0].(map[string]any)["channel"]; got != "metrics.t1" {
		t.Fatalf("metrics resolved to %v, want metrics.t1", got)
	}
	status, body := e.broadcast(`{"channel":"metrics.t1","event":"metric_update","data":{"v":1}}`, nil)
	if status != 200 || body["seq"] != float64(1) {
		t.Fatalf("broadcast: %d %v", status, body)
	}
	ev := c.expect("event")
	if ev["channel"] != "metrics.t1" || ev["event"] != "metric_update" || ev["seq"] != float64(1) {
		t.Fatalf("event = %v", ev)
	}
	if d := ev["data"].(map[string]any); d["v"] != float64(1) {
		t.Fatalf("data = %v", d)
	}
	if _, err := time.Parse(time.RFC3339Nano, ev["ts"].(string)); err != nil {
		t.Fatalf("ts: %v", err)
	}
}

func TestTokenWays(t *testing.T) {
	e := newEnv(t, nil)
	tok := e.token("u1", "t1", viewer)
	t.Run("query", func(t *testing.T) {
		c := e.dial(tok)
		c.subscribe("dashboard")
	})
	t.Run("bearer header", func(t *testing.T) {
		c, err := e.dialHeader("", http.Header{"Authorization": {"Bearer " + tok}})
		if err != nil {
			t.Fatal(err)
		}
		if w := c.expect("welcome"); w["authenticated"] != true {
			t.Fatalf("welcome = %v", w)
		}
	})
	t.Run("cookie", func(t *testing.T) {
		c, err := e.dialHeader("", http.Header{"Cookie": {SessionCookie + "=" + tok}})
		if err != nil {
			t.Fatal(err)
		}
		if w := c.expect("welcome"); w["authenticated"] != true {
			t.Fatalf("welcome = %v", w)
		}
	})
	t.Run("authenticate message", func(t *testing.T) {
		c, err := e.dialHeader("", nil)
		if err != nil {
			t.Fatal(err)
		}
		if w := c.expect("welcome"); w["authenticated"] != false {
			t.Fatalf("welcome = %v", w)
		}
		c.send(map[string]any{"type": "subscribe", "id": 1, "channels": []string{"dashboard"}})
		if m := c.expect("error"); m["code"] != "unauthenticated" || m["id"] != float64(1) {
			t.Fatalf("before auth: %v", m)
		}
		c.send(map[string]any{"type": "authenticate", "id": 2, "token": tok})
		if m := c.expect("authenticated"); m["user"].(map[string]any)["id"] != "u1" {
			t.Fatalf("authenticated = %v", m)
		}
		c.subscribe("dashboard")
	})
}

func TestAuthRefused(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.AuthTimeout = 300 * time.Millisecond })
	cases := map[string]string{
		"garbage":          "not-a-jwt",
		"bad signature":    e.token("u1", "t1", viewer)[:20] + "x" + e.token("u1", "t1", viewer)[21:],
		"alg none":         "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ1MSIsInRlbmFudCI6InQxIn0.",
		"missing tenant":   mustMint(t, "u1", ""),
		"other secret key": otherSecretToken(t),
	}
	for name, tok := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := e.dialHeader("token="+tok, nil)
			he, ok := err.(*httpStatusError)
			if !ok || he.status != 401 || !strings.Contains(he.body, `"code":"unauthenticated"`) {
				t.Fatalf("err = %v, want HTTP 401 with JSON error", err)
			}
		})
	}
	t.Run("bad token in authenticate message closes 4401", func(t *testing.T) {
		c, err := e.dialHeader("", nil)
		if err != nil {
			t.Fatal(err)
		}
		c.expect("welcome")
		c.send(map[string]any{"type": "authenticate", "id": 1, "token": "nope"})
		if m := c.expect("error"); m["code"] != "unauthenticated" {
			t.Fatalf("got %v", m)
		}
		if code := c.expectClose(3 * time.Second); code != CloseUnauthorized {
			t.Fatalf("close code %d, want %d", code, CloseUnauthorized)
		}
	})
	t.Run("auth timeout closes 4401", func(t *testing.T) {
		c, err := e.dialHeader("", nil)
		if err != nil {
			t.Fatal(err)
		}
		c.expect("welcome")
		if code := c.expectClose(3 * time.Second); code != CloseUnauthorized {
			t.Fatalf("close code %d, want %d", code, CloseUnauthorized)
		}
	})
}

// mustMint signs arbitrary claims with the test secret (the minter refuses incomplete principals).
func mustMint(t *testing.T, user, tenant string) string {
	t.Helper()
	claims := jwt.MapClaims{"sub": user, "exp": time.Now().Add(time.Hour).Unix()}
	if tenant != "" {
		claims["tenant"] = tenant
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func otherSecretToken(t *testing.T) string {
	t.Helper()
	tok, err := newMinter([]byte("another-secret-another-secret-xx")).Mint(livedash.Principal{UserID: "u1", Tenant: "t1"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestTokenExpiryClosesConnection(t *testing.T) {
	e := newEnv(t, nil)
	tok, err := e.minter.Mint(livedash.Principal{UserID: "u1", Tenant: "t1"}, 1200*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	c := e.dial(tok)
	if code := c.expectClose(5 * time.Second); code != CloseUnauthorized {
		t.Fatalf("close code %d, want %d", code, CloseUnauthorized)
	}
}

func TestRefreshExtendsAndKeepsIdentity(t *testing.T) {
	e := newEnv(t, nil)
	short, _ := e.minter.Mint(livedash.Principal{UserID: "u1", Tenant: "t1"}, 1500*time.Millisecond)
	c := e.dial(short)
	c.send(map[string]any{"type": "refresh", "id": 3, "token": e.token("u2", "t1", viewer)})
	if m := c.expect("error"); m["code"] != "forbidden" || m["id"] != float64(3) {
		t.Fatalf("refresh as another user: %v", m)
	}
	c.send(map[string]any{"type": "refresh", "id": 4, "token": e.token("u1", "t1", viewer)})
	if m := c.expect("authenticated"); m["id"] != float64(4) {
		t.Fatalf("refresh: %v", m)
	}
	// Past the first token's expiry the connection is still served.
	time.Sleep(2 * time.Second)
	c.send(map[string]any{"type": "ping", "id": 5})
	if m := c.expect("pong"); m["id"] != float64(5) {
		t.Fatalf("pong = %v", m)
	}
}

func TestSubscriptionPermissions(t *testing.T) {
	e := newEnv(t, nil)
	c := e.dial(e.token("u1", "t1", viewer, "p1"))
	for _, ch := range []string{"dashboard", "alerts", "notifications", "metrics", "system", "project:p1", "dashboard.u1", "metrics.t1", "project.p1"} {
		c.subscribe(ch)
	}
	for _, ch := range []string{"dashboard.u2", "alerts.u2", "metrics.t2", "system.t2", "project:p2", "project.p2", "user.u2", "tenant.t2", "secret.x"} {
		c.send(map[string]any{"type": "subscribe", "id": 9, "channels": []string{ch}})
		m := c.expect("error")
		if m["code"] != "forbidden" && m["code"] != "bad_request" {
			t.Errorf("subscribe %s: %v, want forbidden", ch, m)
		}
		if m["id"] != float64(9) {
			t.Errorf("subscribe %s: reply id %v", ch, m["id"])
		}
	}
	// All-or-nothing: one forbidden channel refuses the whole command.
	c.send(map[string]any{"type": "subscribe", "id": 10, "channels": []string{"alerts", "metrics.t2"}})
	if m := c.expect("error"); m["code"] != "forbidden" {
		t.Fatalf("mixed subscribe: %v", m)
	}
}

// TestBroadcastTargets checks that each kind of broadcast reaches exactly the right connections.
func TestBroadcastTargets(t *testing.T) {
	e := newEnv(t, nil)
	u1a := e.dial(e.token("u1", "t1", viewer))
	u1b := e.dial(e.token("u1", "t1", viewer))
	u2 := e.dial(e.token("u2", "t1", viewer))
	u3 := e.dial(e.token("u3", "t2", viewer))
	all := map[string]*wsConn{"u1a": u1a, "u1b": u1b, "u2": u2, "u3": u3}
	u2.subscribe("metrics")
	cases := []struct {
		body string
		want []string
	}{
		{`{"channel":"metrics.t1","event":"e","data":1}`, []string{"u2"}},
		{`{"user":"u1","event":"e","data":2}`, []string{"u1a", "u1b"}},
		{`{"tenant":"t1","event":"e","data":3}`, []string{"u1a", "u1b", "u2"}},
		{`{"tenant":"t2","event":"e","data":4}`, []string{"u3"}},
		{`{"global":true,"event":"e","data":5}`, []string{"u1a", "u1b", "u2", "u3"}},
	}
	for _, tc := range cases {
		status, body := e.broadcast(tc.body, nil)
		if status != 200 {
			t.Fatalf("%s: %d %v", tc.body, status, body)
		}
		for name, c := range all {
			if contains(tc.want, name) {
				if ev := c.expect("event"); ev["channel"] != body["channel"] {
					t.Errorf("%s: %s got %v", tc.body, name, ev)
				}
			}
		}
	}
	for name, c := range all {
		c.quiet(200 * time.Millisecond)
		_ = name
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestBroadcastAPIErrors(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxFrameSize = 1024 })
	admin := e.token("a1", "t1", []string{"admin"})
	cases := []struct {
		name, body string
		header     map[string]string
		status     int
		inMessage  string
	}{
		{"no auth", `{"channel":"metrics.t1","event":"e"}`, map[string]string{}, 401, "X-API-Key"},
		{"bad key", `{"channel":"metrics.t1","event":"e"}`, map[string]string{"X-API-Key": "wrong"}, 401, "API key"},
		{"viewer token", `{"channel":"metrics.t1","event":"e"}`, map[string]string{"Authorization": "Bearer " + e.token("u1", "t1", viewer)}, 403, "admin"},
		{"admin other tenant", `{"channel":"metrics.t2","event":"e"}`, map[string]string{"Authorization": "Bearer " + admin}, 403, ""},
		{"admin global", `{"global":true,"event":"e"}`, map[string]string{"Authorization": "Bearer " + admin}, 403, "global"},
		{"not json", `{"channel":`, nil, 400, "valid"},
		{"unknown field", `{"channel":"metrics.t1","event":"e","colour":1}`, nil, 400, "colour"},
		{"no target", `{"event":"e"}`, nil, 400, "channel"},
		{"two targets", `{"channel":"metrics.t1","user":"u1","event":"e"}`, nil, 400, "exactly one"},
		{"bad channel", `{"channel":"nope nope","event":"e"}`, nil, 400, "channel"},
		{"bad event", `{"channel":"metrics.t1","event":"a b"}`, nil, 400, "event"},
		{"bad data", `{"channel":"metrics.t1","event":"e","data":{x}}`, nil, 400, ""},
		{"too big", `{"channel":"metrics.t1","event":"e","data":"` + strings.Repeat("x", 2000) + `"}`, nil, 413, "limit"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := e.broadcast(tc.body, tc.header)
			if status != tc.status {
				t.Fatalf("status %d, want %d (%v)", status, tc.status, body)
			}
			msg := fmt.Sprint(body["error"].(map[string]any)["message"])
			if !strings.Contains(msg, tc.inMessage) {
				t.Fatalf("message %q does not mention %q", msg, tc.inMessage)
			}
		})
	}
	status, body := e.broadcast(`{"channel":"metrics.t1","event":"e","data":1}`, map[string]string{"Authorization": "Bearer " + admin})
	if status != 200 {
		t.Fatalf("admin in own tenant: %d %v", status, body)
	}
}

func TestFanOutToThousandClients(t *testing.T) {
	const n = 1000
	e := newEnv(t, nil)
	tok := e.token("u1", "t1", viewer)
	conns := make([]*wsConn, n)
	for i := range conns {
		conns[i] = e.dial(tok)
		conns[i].subscribe("metrics")
	}
	const pubs = 5
	for i := 1; i <= pubs; i++ {
		if status, _ := e.broadcast(fmt.Sprintf(`{"channel":"metrics.t1","event":"tick","data":%d}`, i), nil); status != 200 {
			t.Fatalf("broadcast %d", status)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for _, c := range conns {
		wg.Go(func() {
			for want := 1; want <= pubs; want++ {
				m, err := c.next(10 * time.Second)
				for err == nil && m != nil && m["type"] == "ping" {
					m, err = c.next(10 * time.Second)
				}
				if err != nil || m == nil || m["seq"] != float64(want) || m["data"] != float64(want) {
					errs <- fmt.Errorf("want seq %d, got %v (%v)", want, m, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if st := e.hub.Stats(); st.Connections["websocket"] != n {
		t.Fatalf("stats connections = %v", st.Connections)
	}
}

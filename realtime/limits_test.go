package realtime

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
)

func TestHeartbeat(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.HeartbeatInterval = 200 * time.Millisecond
		c.HeartbeatTimeout = time.Second
	})
	tok := e.token("u1", "t1", viewer)
	silent := e.dial(tok)
	alive := e.dial(tok)
	done := make(chan int, 1)
	go func() { done <- silent.expectCloseIgnoringPings(5 * time.Second) }()
	// The live client answers every ping for longer than the timeout.
	deadline := time.Now().Add(2500 * time.Millisecond)
	pings := 0
	for time.Now().Before(deadline) {
		m, err := alive.next(time.Second)
		if err != nil || m == nil {
			t.Fatalf("alive client lost: %v (close %d)", err, alive.closed)
		}
		if m["type"] == "ping" {
			pings++
			alive.send(map[string]any{"type": "pong", "id": m["id"]})
		}
	}
	if pings < 5 {
		t.Fatalf("got %d pings in 2.5 s at a 200 ms interval", pings)
	}
	if code := <-done; code != CloseHeartbeatTimeout {
		t.Fatalf("silent client closed with %d, want %d", code, CloseHeartbeatTimeout)
	}
}

// expectCloseIgnoringPings reads (never answering) until the server closes.
func (c *wsConn) expectCloseIgnoringPings(timeout time.Duration) int {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		m, err := c.next(time.Until(deadline))
		if err != nil || m == nil {
			return c.closed
		}
	}
	return -1
}

func TestConnectionLimits(t *testing.T) {
	t.Run("per user", func(t *testing.T) {
		e := newEnv(t, func(c *Config) { c.MaxConnsPerUser = 2 })
		tok := e.token("u1", "t1", viewer)
		first := e.dial(tok)
		e.dial(tok)
		_, err := e.dialHeader("token="+tok, nil)
		if he, ok := err.(*httpStatusError); !ok || he.status != 429 || !strings.Contains(he.body, "rate_limited") {
			t.Fatalf("third connection: %v, want HTTP 429", err)
		}
		// Another user is not affected; a slot frees when a connection leaves.
		e.dial(e.token("u2", "t1", viewer))
		first.sendFrame(ws.OpClose, ws.NewCloseFrameBody(1000, ""))
		first.expectClose(3 * time.Second)
		waitFor(t, func() bool { return e.hub.Stats().Connections["total"] == 2 })
		e.dial(tok)
		// Authenticating by message is held to the same limit.
		c, err := e.dialHeader("", nil)
		if err != nil {
			t.Fatal(err)
		}
		c.expect("welcome")
		c.send(map[string]any{"type": "authenticate", "id": 1, "token": tok})
		if m := c.expect("error"); m["code"] != "rate_limited" {
			t.Fatalf("authenticate over limit: %v", m)
		}
		if code := c.expectClose(3 * time.Second); code != CloseLimit {
			t.Fatalf("close %d, want %d", code, CloseLimit)
		}
	})
	t.Run("per ip", func(t *testing.T) {
		e := newEnv(t, func(c *Config) { c.MaxConnsPerIP = 2 })
		e.dial(e.token("u1", "t1", viewer))
		e.dial(e.token("u2", "t1", viewer))
		_, err := e.dialHeader("token="+e.token("u3", "t1", viewer), nil)
		if he, ok := err.(*httpStatusError); !ok || he.status != 429 {
			t.Fatalf("third connection from one IP: %v, want HTTP 429", err)
		}
		if st := e.hub.Stats(); st.Refused["ip_limit"] != 1 {
			t.Fatalf("refused = %v", st.Refused)
		}
	})
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition not met within 5 s")
}

func TestMessageRateLimit(t *testing.T) {
	// A slow refill (1/s) keeps the count exact even if sending the 30 messages takes a while.
	e := newEnv(t, func(c *Config) { c.MessageRate = 1; c.MessageBurst = 5 })
	c := e.dial(e.token("u1", "t1", viewer))
	for i := range 30 {
		c.send(map[string]any{"type": "ping", "id": i})
	}
	pongs, limited := 0, 0
	for {
		m, err := c.next(3 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if m == nil {
			break
		}
		switch {
		case m["type"] == "pong":
			pongs++
		case m["type"] == "error" && m["code"] == "rate_limited":
			limited++
		}
	}
	if c.closed != CloseLimit || pongs < 5 || pongs > 7 || limited == 0 {
		t.Fatalf("close %d, %d pongs, %d rate_limited errors", c.closed, pongs, limited)
	}
}

func TestFrameAndChannelLimits(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxFrameSize = 1024; c.MaxChannels = 2 })
	tok := e.token("u1", "t1", viewer, "p1")
	c := e.dial(tok)
	c.send(map[string]any{"type": "subscribe", "id": 1, "channels": []string{"dashboard", "alerts", "metrics"}})
	if m := c.expect("error"); m["code"] != "too_many_channels" {
		t.Fatalf("3 channels at once: %v", m)
	}
	c.subscribe("dashboard", "alerts")
	c.send(map[string]any{"type": "subscribe", "id": 2, "channels": []string{"metrics"}})
	if m := c.expect("error"); m["code"] != "too_many_channels" {
		t.Fatalf("third channel: %v", m)
	}
	c.send(map[string]any{"type": "unsubscribe", "id": 3, "channels": []string{"alerts"}})
	c.expect("unsubscribed")
	c.subscribe("metrics")

	big := e.dial(tok)
	big.send(fmt.Appendf(nil, `{"type":"ping","pad":"%s"}`, strings.Repeat("x", 2000)))
	if code := big.expectClose(3 * time.Second); code != CloseTooBig {
		t.Fatalf("oversized frame: close %d, want %d", code, CloseTooBig)
	}
}

func TestMalformedInputKeepsConnection(t *testing.T) {
	e := newEnv(t, nil)
	c := e.dial(e.token("u1", "t1", viewer))
	other := e.dial(e.token("u2", "t1", viewer))
	other.subscribe("metrics")
	inputs := []struct {
		frame []byte
		op    ws.OpCode
		want  string
	}{
		{[]byte(`{not json`), ws.OpText, "not valid JSON"},
		{[]byte(`[]`), ws.OpText, "not valid JSON"},
		{[]byte(`{"type":"launch"}`), ws.OpText, "unknown message type"},
		{[]byte(`{"id":4}`), ws.OpText, "no \"type\""},
		{[]byte(`{"type":"subscribe","id":5}`), ws.OpText, "non-empty"},
		{[]byte(`{"type":"subscribe","id":"x","channels":["a"]}`), ws.OpText, "not valid JSON"},
		{[]byte(`{"type":"subscribe","channels":[""]}`), ws.OpText, ""},
		{[]byte(`{"type":"subscribe","channels":["../../etc"]}`), ws.OpText, ""},
		{[]byte{0xff, 0xfe, 0x00}, ws.OpText, "not valid JSON"},
		{[]byte{1, 2, 3}, ws.OpBinary, "binary"},
		{[]byte(`{"type":"unsubscribe","channels":["user.u1"]}`), ws.OpText, "implicit"},
		{[]byte(`{"type":"authenticate","token":"x"}`), ws.OpText, "already authenticated"},
	}
	for _, in := range inputs {
		c.sendFrame(in.op, in.frame)
		m := c.expect("error")
		if !strings.Contains(m["message"].(string), in.want) {
			t.Errorf("%q: error %v does not mention %q", in.frame, m, in.want)
		}
	}
	c.send(map[string]any{"type": "ping", "id": 99})
	if m := c.expect("pong"); m["id"] != float64(99) {
		t.Fatalf("pong = %v", m)
	}
	// The other client was not touched.
	e.broadcast(`{"channel":"metrics.t1","event":"e","data":1}`, nil)
	other.expect("event")
}

func TestSlowConsumerIsDropped(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.SendQueueSize = 64 })
	tok := e.token("u1", "t1", viewer)
	slow := e.dial(tok)
	slow.subscribe("metrics")
	fast := e.dial(tok)
	fast.subscribe("metrics")

	payload, _ := json.Marshal(map[string]string{"pad": strings.Repeat("x", 32<<10)})
	const n = 600 // ~19 MiB: far more than loopback socket buffers hold
	got := fast.countEvents(n)
	for range n {
		if _, err := e.hub.Publish(context.Background(), "metrics.t1", "big", json.RawMessage(payload)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond) // let the fast reader keep up with its 64-message queue
	}
	if c := <-got; c != n {
		t.Fatalf("fast client got %d of %d", c, n)
	}
	if st := e.hub.Stats(); st.SlowConsumers != 1 || st.Connections["total"] != 1 {
		t.Fatalf("slow consumers %d, connections %v", st.SlowConsumers, st.Connections)
	}
}

func TestGracefulShutdown(t *testing.T) {
	e := newEnv(t, nil)
	c := e.dial(e.token("u1", "t1", viewer))
	c.subscribe("metrics")
	if _, err := e.hub.Publish(context.Background(), "metrics.t1", "last", 1); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- e.hub.Shutdown(context.Background()) }()
	// Queued messages go out before the close frame.
	if m := c.expect("event"); m["event"] != "last" {
		t.Fatalf("got %v", m)
	}
	if code := c.expectClose(3 * time.Second); code != CloseServerRestart {
		t.Fatalf("close %d, want %d", code, CloseServerRestart)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(e.srv.URL + "/websocket/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 {
		t.Fatalf("health while draining: %d", resp.StatusCode)
	}
	if _, err := e.dialHeader("token="+e.token("u1", "t1", viewer), nil); err == nil || err.(*httpStatusError).status != 503 {
		t.Fatalf("dial while draining: %v", err)
	}
}

func TestOriginCheck(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.AllowedOrigins = []string{"https://app.example.com"} })
	tok := e.token("u1", "t1", viewer)
	for origin, ok := range map[string]bool{
		"https://evil.example.com": false,
		"https://app.example.com":  true,
		e.srv.URL:                  true, // same origin
		"null":                     false,
	} {
		_, err := e.dialHeader("token="+tok, http.Header{"Origin": {origin}})
		if ok != (err == nil) {
			t.Errorf("origin %s: err %v", origin, err)
		}
		if !ok {
			if he, isHTTP := err.(*httpStatusError); !isHTTP || he.status != 403 {
				t.Errorf("origin %s: %v, want 403", origin, err)
			}
		}
	}
}

func TestUnsubscribeStopsDelivery(t *testing.T) {
	e := newEnv(t, nil)
	c := e.dial(e.token("u1", "t1", viewer))
	c.subscribe("metrics")
	c.send(map[string]any{"type": "unsubscribe", "id": 2, "channels": []string{"metrics"}})
	if m := c.expect("unsubscribed"); fmt.Sprint(m["channels"]) != "[metrics.t1]" {
		t.Fatalf("unsubscribed = %v", m)
	}
	e.broadcast(`{"channel":"metrics.t1","event":"e","data":1}`, nil)
	c.quiet(200 * time.Millisecond)
	if st := e.hub.Stats(); st.Subscriptions != 3 { // user, tenant, global
		t.Fatalf("subscriptions = %d", st.Subscriptions)
	}
}

func TestStatsEndpoint(t *testing.T) {
	e := newEnv(t, nil)
	e.dial(e.token("u1", "t1", viewer)).subscribe("metrics")
	get := func(h map[string]string) (int, map[string]any) {
		req, _ := http.NewRequest("GET", e.srv.URL+"/websocket/stats", nil)
		for k, v := range h {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	if status, _ := get(nil); status != 401 {
		t.Fatalf("no credentials: %d", status)
	}
	if status, _ := get(map[string]string{"Authorization": "Bearer " + e.token("u1", "t1", viewer)}); status != 403 {
		t.Fatalf("viewer: %d", status)
	}
	status, m := get(map[string]string{"X-API-Key": testAPIKey})
	if status != 200 {
		t.Fatalf("api key: %d", status)
	}
	if m["connections"].(map[string]any)["websocket"] != float64(1) || m["subscriptions"] != float64(4) || m["users"] != float64(1) {
		t.Fatalf("stats = %v", m)
	}
	status, m = get(map[string]string{"Authorization": "Bearer " + e.token("a", "t1", []string{"admin"})})
	if status != 200 || m["channels"].(float64) < 4 {
		t.Fatalf("admin: %d %v", status, m)
	}
}

func TestClientIP(t *testing.T) {
	h := NewHub(Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}, Deps{})
	cases := []struct{ remote, xff, want string }{
		{"192.0.2.1:5000", "203.0.113.9", "192.0.2.1"},                          // untrusted peer: XFF ignored
		{"10.0.0.2:5000", "203.0.113.9", "203.0.113.9"},                         // trusted proxy
		{"10.0.0.2:5000", "198.51.100.1, 203.0.113.9, 10.0.0.3", "203.0.113.9"}, // rightmost untrusted hop
		{"10.0.0.2:5000", "junk", "10.0.0.2"},
		{"[::ffff:192.0.2.7]:80", "", "192.0.2.7"},
	}
	for _, tc := range cases {
		r := httptest.NewRequest("GET", "/ws", nil)
		r.RemoteAddr = tc.remote
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := h.clientIP(r).String(); got != tc.want {
			t.Errorf("%s via %q: %s, want %s", tc.remote, tc.xff, got, tc.want)
		}
	}
}

// countEvents reads (cheaply, without decoding) until n events arrived or the connection ends,
// and sends how many it saw.
func (c *wsConn) countEvents(n int) <-chan int {
	got := make(chan int, 1)
	go func() {
		count := 0
		for count < n {
			raw, err := c.nextRaw(10 * time.Second)
			if err != nil || raw == nil {
				break
			}
			if strings.HasPrefix(string(raw[:min(len(raw), 20)]), `{"type":"event"`) {
				count++
			}
		}
		got <- count
	}()
	return got
}

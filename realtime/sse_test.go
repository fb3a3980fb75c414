package realtime

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"livedash"
)

type sseReadyData struct {
	ConnectionID string              `json:"connection_id"`
	User         userInfo            `json:"user"`
	Channels     []SubscribedChannel `json:"channels"`
}

type sseData struct {
	Channel string          `json:"channel"`
	Seq     uint64          `json:"seq"`
	TS      time.Time       `json:"ts"`
	Data    json.RawMessage `json:"data"`
}

// openSSE connects and reads retry and ready.
func openSSE(t *testing.T, e *env, query string, header http.Header) (*sseStream, sseItem, sseReadyData) {
	t.Helper()
	s, resp := e.sse(query, header)
	if s == nil {
		t.Fatalf("sse refused: %d", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") || resp.Header.Get("X-Accel-Buffering") != "no" {
		t.Fatalf("headers %v", resp.Header)
	}
	first, _ := s.next(5 * time.Second)
	if first.Retry <= 0 {
		t.Fatalf("first item %+v, want retry", first)
	}
	ready, _ := s.event(5 * time.Second)
	var rd sseReadyData
	if ready.Event != "ready" || json.Unmarshal([]byte(ready.Data), &rd) != nil || ready.ID == "" {
		t.Fatalf("ready = %+v", ready)
	}
	return s, ready, rd
}

// readSSE reads n events of channel with seqs from, from+1, … and returns the last id.
func readSSE(t *testing.T, s *sseStream, channel string, from uint64, n int) string {
	t.Helper()
	var id string
	for i := range n {
		ev, ok := s.event(5 * time.Second)
		var d sseData
		if !ok || json.Unmarshal([]byte(ev.Data), &d) != nil || d.Channel != channel || d.Seq != from+uint64(i) || ev.Event != "tick" {
			t.Fatalf("event %d: %+v (ok %v), want %s seq %d", i, ev, ok, channel, from+uint64(i))
		}
		id = ev.ID
	}
	return id
}

func TestSSEStream(t *testing.T) {
	e := newEnv(t, nil)
	tok := e.token("u1", "t1", viewer, "p1")
	s, ready, rd := openSSE(t, e, "channels=metrics,project:p1&token="+tok, nil)
	var names []string
	for _, c := range rd.Channels {
		names = append(names, c.Channel)
	}
	if strings.Join(names, ",") != "user.u1,tenant.t1,global,metrics.t1,project.p1" || rd.User.ID != "u1" {
		t.Fatalf("ready channels %v user %v", names, rd.User)
	}
	if !strings.Contains(ready.ID, "metrics.t1~0~") {
		t.Fatalf("ready id %q does not hold the positions", ready.ID)
	}
	e.publishN(t, "metrics.t1", 0, 2)
	id := readSSE(t, s, "metrics.t1", 1, 2)
	if !strings.Contains(id, "metrics.t1~2~") || !strings.Contains(id, "project.p1~0~") {
		t.Fatalf("event id %q is not the stream's cursor", id)
	}
	e.hub.PublishToUser(t.Context(), "u1", "tick", 1)
	readSSE(t, s, "user.u1", 1, 1)
	if st := e.hub.Stats(); st.Connections[TransportSSE] != 1 {
		t.Fatalf("stats %v", st.Connections)
	}
}

// TestSSERecovery cuts a stream, publishes 1,000 events, and resumes with Last-Event-ID (and
// with ?last_event_id=): every event once, in order, then live ones.
func TestSSERecovery(t *testing.T) {
	e := newEnv(t, nil)
	tok := e.token("u1", "t1", viewer)
	s, _, _ := openSSE(t, e, "channels=metrics&token="+tok, nil)
	e.publishN(t, "metrics.t1", 0, 5)
	id := readSSE(t, s, "metrics.t1", 1, 5)
	s.close()

	e.publishN(t, "metrics.t1", 5, 1000)
	s2, _, rd := openSSE(t, e, "channels=metrics&token="+tok, http.Header{"Last-Event-ID": {id}})
	for _, c := range rd.Channels {
		if c.Recovered == nil || !*c.Recovered {
			t.Fatalf("ready channel %+v not recovered", c)
		}
	}
	readSSE(t, s2, "metrics.t1", 6, 1000)
	e.publishN(t, "metrics.t1", 1005, 2)
	id = readSSE(t, s2, "metrics.t1", 1006, 2)
	s2.close()

	e.publishN(t, "metrics.t1", 1007, 3)
	s3, _, _ := openSSE(t, e, "channels=metrics&token="+tok+"&last_event_id="+id, nil)
	readSSE(t, s3, "metrics.t1", 1008, 3)

	// A cursor of another epoch: not recovered, the client must reload over REST.
	s4, _, rd := openSSE(t, e, "channels=metrics&token="+tok, http.Header{"Last-Event-ID": {"metrics.t1~3~0badc0ffee00"}})
	for _, c := range rd.Channels {
		if c.Channel == "metrics.t1" && (c.Recovered == nil || *c.Recovered) {
			t.Fatalf("ready channel %+v claims recovery across epochs", c)
		}
	}
	s4.close()
}

func TestSSEHeartbeatAndRefusals(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.HeartbeatInterval = 150 * time.Millisecond
		c.HeartbeatTimeout = 300 * time.Millisecond
		c.MaxConnsPerIP = 2
		c.MaxChannels = 2
	})
	tok := e.token("u1", "t1", viewer)
	s, _, _ := openSSE(t, e, "token="+tok, nil)
	// Comments arrive, and the stream outlives the heartbeat timeout: SSE clients cannot answer.
	comments := 0
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); {
		it, ok := s.next(time.Second)
		if !ok {
			t.Fatal("stream ended")
		}
		if it.Comment != "" {
			comments++
		}
	}
	if comments < 3 {
		t.Fatalf("%d heartbeat comments in 1 s at 150 ms", comments)
	}

	cases := []struct {
		name, query string
		header      http.Header
		status      int
		code        string
	}{
		{"no token", "channels=metrics", nil, 401, "unauthenticated"},
		{"bad token", "token=nope", nil, 401, "unauthenticated"},
		{"other tenant", "channels=metrics.t2&token=" + tok, nil, 403, "forbidden"},
		{"other user", "channels=alerts.u2&token=" + tok, nil, 403, "forbidden"},
		{"too many channels", "channels=metrics,alerts,dashboard&token=" + tok, nil, 400, "too_many_channels"},
		{"bad cursor", "token=" + tok, http.Header{"Last-Event-ID": {"zzz"}}, 400, "bad_request"},
		{"bad origin", "token=" + tok, http.Header{"Origin": {"https://evil.example"}}, 403, "forbidden"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, resp := e.sse(tc.query, tc.header)
			if s != nil {
				t.Fatal("accepted")
			}
			var body struct {
				Error struct{ Code, Message string }
			}
			_ = json.NewDecoder(resp.Body).Decode(&body)
			if resp.StatusCode != tc.status || body.Error.Code != tc.code {
				t.Fatalf("%d %+v, want %d %s", resp.StatusCode, body, tc.status, tc.code)
			}
		})
	}
	// SSE and WebSocket share the per-IP limit.
	e.dial(tok)
	if _, resp := e.sse("token="+tok, nil); resp == nil || resp.StatusCode != 429 {
		t.Fatalf("third connection from one IP: %v", resp)
	}
}

func TestSSECORS(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.AllowedOrigins = []string{"https://app.example.com"} })
	req, _ := http.NewRequest("OPTIONS", e.srv.URL+"/dashboard/sse", nil)
	req.Header.Set("Origin", "https://app.example.com")
	req.Header.Set("Access-Control-Request-Method", "GET")
	req.Header.Set("Access-Control-Request-Headers", "last-event-id")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Last-Event-ID") ||
		resp.Header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Fatalf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
	req.Header.Set("Origin", "https://evil.example.com")
	resp, _ = http.DefaultClient.Do(req)
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("preflight from a foreign origin: %d", resp.StatusCode)
	}
	s, resp := e.sse("token="+e.token("u1", "t1", viewer), http.Header{"Origin": {"https://app.example.com"}})
	if s == nil || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" {
		t.Fatalf("stream CORS headers: %v", resp.Header)
	}
}

func TestSSEShutdownAndExpiry(t *testing.T) {
	e := newEnv(t, nil)
	short, _ := e.minter.Mint(livedash.Principal{UserID: "u1", Tenant: "t1"}, 1200*time.Millisecond)
	expiring, _, _ := openSSE(t, e, "token="+short, nil)
	s, _, _ := openSSE(t, e, "channels=metrics&token="+e.token("u2", "t1", viewer), nil)
	if ev, _ := expiring.event(5 * time.Second); ev.Event != "close" || !strings.Contains(ev.Data, `"code":4401`) {
		t.Fatalf("expiry: %+v", ev)
	}
	e.publishN(t, "metrics.t1", 0, 1)
	go func() { _ = e.hub.Shutdown(t.Context()) }()
	readSSE(t, s, "metrics.t1", 1, 1)
	ev, _ := s.event(5 * time.Second)
	if ev.Event != "close" || !strings.Contains(ev.Data, `"code":1012`) {
		t.Fatalf("shutdown: %+v", ev)
	}
	if _, ok := s.event(5 * time.Second); ok {
		t.Fatal("stream still open after close event")
	}
}

// TestSSESlowConsumer: a stream that stops reading is dropped (close code 4000 in the log and
// stats) while a WebSocket client on the same channel keeps receiving everything.
func TestSSESlowConsumer(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.SendQueueSize = 64 })
	tok := e.token("u1", "t1", viewer)
	// A raw client that sends its request and never reads the stream.
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /dashboard/sse?channels=metrics&token=%s HTTP/1.1\r\nHost: x\r\n\r\n", tok)
	waitFor(t, func() bool { return e.hub.Stats().Connections[TransportSSE] == 1 })
	fast := e.dial(tok)
	fast.subscribe("metrics")

	payload, _ := json.Marshal(map[string]string{"pad": strings.Repeat("x", 32<<10)})
	const n = 600
	got := fast.countEvents(n)
	for range n {
		if _, err := e.hub.Publish(t.Context(), "metrics.t1", "big", json.RawMessage(payload)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)
	}
	if c := <-got; c != n {
		t.Fatalf("WebSocket client got %d of %d", c, n)
	}
	waitFor(t, func() bool { return e.hub.Stats().Connections[TransportSSE] == 0 })
	if st := e.hub.Stats(); st.SlowConsumers != 1 {
		t.Fatalf("slow consumers %d", st.SlowConsumers)
	}
}

package realtime

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"go.uber.org/goleak"

	"livedash"
	"livedash/auth"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const testAPIKey = "test-api-key-0123456789"

var testSecret = []byte("0123456789abcdef0123456789abcdef")

// env is a hub served over real sockets on 127.0.0.1, with real JWTs.
type env struct {
	t      *testing.T
	hub    *Hub
	broker *MemoryBroker
	srv    *httptest.Server
	minter *auth.Minter
}

func testConfig() Config {
	cfg := DefaultConfig()
	cfg.HeartbeatInterval = 5 * time.Second
	cfg.HeartbeatTimeout = 10 * time.Second
	cfg.MaxConnsPerIP = 0
	cfg.MaxConnsPerUser = 0
	cfg.History = func(string) livedash.HistoryPolicy {
		return livedash.HistoryPolicy{Size: 1000, TTL: 10 * time.Minute}
	}
	return cfg
}

func newEnv(t *testing.T, mutate func(*Config)) *env {
	t.Helper()
	cfg := testConfig()
	if mutate != nil {
		mutate(&cfg)
	}
	v, err := auth.NewVerifier(auth.VerifierConfig{Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	pol, err := auth.NewPolicy(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, minter: auth.NewMinter(testSecret, "", "")}
	e.broker = NewMemoryBroker(MemoryBrokerConfig{})
	e.hub = NewHub(cfg, Deps{Broker: e.broker, Auth: v, Policy: pol, APIKey: testAPIKey})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = e.hub.Run(ctx); close(done) }()
	<-e.hub.Started()
	e.srv = httptest.NewServer(e.hub.Handler())
	t.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		if err := e.hub.Shutdown(sctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		e.srv.Close()
		cancel()
		<-done
	})
	return e
}

func (e *env) token(user, tenant string, roles []string, projects ...string) string {
	e.t.Helper()
	tok, err := e.minter.Mint(livedash.Principal{UserID: user, Tenant: tenant, Roles: roles, Projects: projects}, time.Hour)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

func (e *env) wsURL(query string) string {
	u := "ws" + strings.TrimPrefix(e.srv.URL, "http") + "/ws"
	if query != "" {
		u += "?" + query
	}
	return u
}

// httpStatusError is a refused upgrade.
type httpStatusError struct {
	status int
	body   string
}

func (e *httpStatusError) Error() string { return fmt.Sprintf("HTTP %d: %s", e.status, e.body) }

// wsConn is a minimal protocol client for tests: it reads messages one by one, splitting frames.
type wsConn struct {
	t       *testing.T
	conn    net.Conn
	r       io.Reader
	pending [][]byte
	closed  int // close code received, 0 if none
}

func (e *env) dialHeader(query string, h http.Header) (*wsConn, error) {
	var refused *httpStatusError
	d := ws.Dialer{
		Header: ws.HandshakeHeaderHTTP(h),
		OnStatusError: func(status int, _ []byte, resp io.Reader) {
			body, _ := io.ReadAll(io.LimitReader(resp, 4096))
			if i := bytes.Index(body, []byte("\r\n\r\n")); i >= 0 {
				body = body[i+4:]
			}
			refused = &httpStatusError{status: status, body: string(body)}
		},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, br, _, err := d.Dial(ctx, e.wsURL(query))
	if err != nil {
		if refused != nil {
			return nil, refused
		}
		return nil, err
	}
	c := &wsConn{t: e.t, conn: conn, r: conn}
	if br != nil {
		c.r = io.MultiReader(br, conn)
	}
	e.t.Cleanup(func() { _ = conn.Close() })
	return c, nil
}

// dial connects with a token in the query and reads the welcome.
func (e *env) dial(token string) *wsConn {
	e.t.Helper()
	c, err := e.dialHeader("token="+token, nil)
	if err != nil {
		e.t.Fatalf("dial: %v", err)
	}
	c.expect("welcome")
	return c
}

func (c *wsConn) send(v any) {
	c.t.Helper()
	b, ok := v.([]byte)
	if !ok {
		var err error
		if b, err = json.Marshal(v); err != nil {
			c.t.Fatal(err)
		}
	}
	c.sendFrame(ws.OpText, b)
}

func (c *wsConn) sendFrame(op ws.OpCode, payload []byte) {
	c.t.Helper()
	f := ws.NewFrame(op, true, payload)
	f = ws.MaskFrameInPlace(f)
	if err := ws.WriteFrame(c.conn, f); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

// next returns the next message, or nil when the server closed (c.closed holds the code).
func (c *wsConn) next(timeout time.Duration) (map[string]any, error) {
	raw, err := c.nextRaw(timeout)
	if err != nil || raw == nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("bad JSON %q: %w", raw, err)
	}
	return m, nil
}

func (c *wsConn) nextRaw(timeout time.Duration) ([]byte, error) {
	if len(c.pending) > 0 {
		m := c.pending[0]
		c.pending = c.pending[1:]
		return m, nil
	}
	if c.closed != 0 {
		return nil, nil
	}
	_ = c.conn.SetReadDeadline(time.Now().Add(timeout))
	for {
		hdr, err := ws.ReadHeader(c.r)
		if err != nil {
			return nil, err
		}
		payload := make([]byte, hdr.Length)
		if _, err := io.ReadFull(c.r, payload); err != nil {
			return nil, err
		}
		switch hdr.OpCode {
		case ws.OpClose:
			c.closed = 1005
			if len(payload) >= 2 {
				c.closed = int(binary.BigEndian.Uint16(payload))
			}
			return nil, nil
		case ws.OpText:
			c.pending = bytes.Split(payload, []byte("\n"))
			return c.nextRaw(timeout)
		}
	}
}

// expect reads messages until one of type typ arrives, failing on close or timeout. Server pings
// are answered.
func (c *wsConn) expect(typ string) map[string]any {
	c.t.Helper()
	for {
		m, err := c.next(5 * time.Second)
		if err != nil {
			c.t.Fatalf("waiting for %q: %v", typ, err)
		}
		if m == nil {
			c.t.Fatalf("waiting for %q: connection closed with %d", typ, c.closed)
		}
		if m["type"] == "ping" && typ != "ping" {
			c.send(map[string]any{"type": "pong", "id": m["id"]})
			continue
		}
		if m["type"] == typ {
			return m
		}
		if m["type"] == "error" && typ != "error" {
			c.t.Fatalf("waiting for %q: got error %v", typ, m)
		}
	}
}

// expectClose reads until the server closes and returns the close code.
func (c *wsConn) expectClose(timeout time.Duration) int {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		m, err := c.next(time.Until(deadline))
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
				return c.closed
			}
			c.t.Fatalf("waiting for close: %v", err)
		}
		if m == nil {
			return c.closed
		}
	}
}

// subscribe subscribes and returns the subscribed reply.
func (c *wsConn) subscribe(channels ...string) map[string]any {
	c.t.Helper()
	c.send(map[string]any{"type": "subscribe", "id": 7, "channels": channels})
	return c.expect("subscribed")
}

// quiet asserts that nothing but pings arrives within d.
func (c *wsConn) quiet(d time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		m, err := c.next(time.Until(deadline))
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return
			}
			c.t.Fatalf("quiet: %v", err)
		}
		if m != nil && m["type"] != "ping" {
			c.t.Fatalf("expected nothing, got %v", m)
		}
	}
}

// broadcast posts to /dashboard/broadcast with the API key and returns status and body.
func (e *env) broadcast(body string, header map[string]string) (int, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+"/dashboard/broadcast", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if header == nil {
		header = map[string]string{"X-API-Key": testAPIKey}
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(bufio.NewReader(resp.Body)).Decode(&m)
	return resp.StatusCode, m
}

func newMinter(secret []byte) *auth.Minter { return auth.NewMinter(secret, "", "") }

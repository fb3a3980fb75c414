package client

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"livedash"
)

// fakeServer is a scripted implementation of the server side of protocol v1, good enough to test
// the client: welcome (with the implicit channels, recovered from ?since=), authenticate (with
// since), subscribe with recovery from an in-memory history, unsubscribe, ping, refresh, events;
// and the SSE stream (GET /dashboard/sse, Last-Event-ID). Tests drive it through its methods and
// hooks.
type fakeServer struct {
	t      testing.TB
	srv    *httptest.Server
	tenant string
	quit   chan struct{} // closed by Close: SSE handlers return
	once   sync.Once

	// legacy makes it a server that does not announce the implicit channels' positions.
	legacy bool
	// overlap makes recoveries replay that many events the client already has.
	overlap uint64
	// sseRaw writes SSE responses like the real server (hijacked, no length, Connection: close)
	// instead of through the ResponseWriter (chunked).
	sseRaw bool
	// sseRetry is the retry: field of SSE streams, in milliseconds.
	sseRetry int
	// sseHeartbeat is the heartbeat_interval of SSE ready events, in seconds (default 30).
	sseHeartbeat float64

	// refuse, when set (setRefuse), may refuse the upgrade with a plain HTTP error.
	refuse atomic.Pointer[func(r *http.Request) (status int, code, message string)]
	// welcome, when set, replaces the welcome line (nil: send none).
	welcome func(fc *fakeConn) []byte
	// missedFirst sends the recovered events before the subscribed reply instead of after it.
	missedFirst bool

	mu       sync.Mutex
	epoch    string
	seqs     map[string]uint64
	history  map[string][]fakePub // channel → publications, index seq-1
	floor    map[string]uint64    // channel → seqs up to floor are no longer in the history
	conns    map[*fakeConn]bool
	streams  map[*fakeStream]bool
	accepted chan *fakeConn
	sse      chan *fakeStream
	wg       sync.WaitGroup
}

// implicitChannels are the implicit channels of testUser.
var implicitChannels = []string{"global", "tenant.t1", "user.u1"}

// fakePub is one publication.
type fakePub struct {
	channel, event string
	seq            uint64
	ts             string
	data           json.RawMessage
}

func (p fakePub) wsLine() []byte {
	return mustJSON(map[string]any{"type": "event", "channel": p.channel, "event": p.event, "seq": p.seq, "ts": p.ts, "data": p.data})
}

func (p fakePub) sseData() []byte {
	return mustJSON(map[string]any{"channel": p.channel, "seq": p.seq, "ts": p.ts, "data": p.data})
}

// fakeSub is one channel of a subscribed, welcome, authenticated or ready message.
type fakeSub struct {
	Name      string `json:"name"`
	Channel   string `json:"channel"`
	Seq       uint64 `json:"seq"`
	Epoch     string `json:"epoch"`
	Recovered *bool  `json:"recovered,omitempty"`
}

// recoverLocked answers a subscription to canon (as name) asking to recover from since: its entry
// and the publications to replay. s.mu is held.
func (s *fakeServer) recoverLocked(name, canon string, since map[string]livedash.StreamPosition) (fakeSub, []fakePub) {
	seq := s.seqs[canon]
	sb := fakeSub{Name: name, Channel: canon, Seq: seq, Epoch: s.epoch}
	from, ok := since[canon]
	if !ok {
		return sb, nil
	}
	floor := s.floor[canon]
	rec := from.Epoch == s.epoch && from.Seq <= seq && from.Seq >= floor
	sb.Recovered = &rec
	if from.Epoch != s.epoch || from.Seq >= seq {
		return sb, nil
	}
	start := max(from.Seq, floor)
	start -= min(start-floor, s.overlap)
	return sb, s.history[canon][start:seq]
}

// fakeConn is one server-side connection.
type fakeConn struct {
	s          *fakeServer
	nc         net.Conn
	br         *bufio.Reader
	token      string // from the header or query, "" if none
	tokenFrom  string // "header", "query" or ""
	remoteAddr string
	origin     string

	since string // ?since= of the upgrade

	wmu      sync.Mutex
	subs     map[string]bool // guarded by s.mu
	authed   bool            // guarded by s.mu
	received chan clientMsg
	wsPongs  atomic.Int64
	done     chan struct{}
	code     atomic.Int64 // close code sent by the client
}

type clientMsg struct {
	Type     string                             `json:"type"`
	ID       int64                              `json:"id"`
	Token    string                             `json:"token"`
	Channels []string                           `json:"channels"`
	Since    map[string]livedash.StreamPosition `json:"since"`
	raw      []byte
}

var testUser = livedash.Principal{UserID: "u1", Tenant: "t1", Roles: []string{"viewer"}}

func newFakeServer(t testing.TB) *fakeServer {
	s := &fakeServer{
		t:        t,
		tenant:   "t1",
		epoch:    "e1",
		quit:     make(chan struct{}),
		sseRetry: 5,
		seqs:     make(map[string]uint64),
		history:  make(map[string][]fakePub),
		floor:    make(map[string]uint64),
		conns:    make(map[*fakeConn]bool),
		streams:  make(map[*fakeStream]bool),
		accepted: make(chan *fakeConn, 64),
		sse:      make(chan *fakeStream, 64),
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.handle))
	t.Cleanup(s.Close)
	return s
}

func (s *fakeServer) setRefuse(f func(r *http.Request) (status int, code, message string)) {
	s.refuse.Store(&f)
}

func (s *fakeServer) URL() string { return "ws" + strings.TrimPrefix(s.srv.URL, "http") + "/ws" }

// HTTPURL is the base http:// URL of the server.
func (s *fakeServer) HTTPURL() string { return s.srv.URL }

func (s *fakeServer) Close() {
	s.once.Do(func() { close(s.quit) })
	s.srv.Close()
	s.mu.Lock()
	for fc := range s.conns {
		fc.nc.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func httpRefusal(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "1")
	}
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":{"code":%q,"message":%q}}`, code, msg)
}

func (s *fakeServer) handle(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/dashboard/sse" {
		s.handleSSE(w, r)
		return
	}
	if r.URL.Path != "/ws" {
		http.NotFound(w, r)
		return
	}
	if refuse := s.refuse.Load(); refuse != nil {
		if status, code, msg := (*refuse)(r); status != 0 {
			httpRefusal(w, status, code, msg)
			return
		}
	}
	if _, err := parseCursor(r.URL.Query().Get("since")); err != nil {
		httpRefusal(w, http.StatusBadRequest, "bad_request", "since: "+err.Error())
		return
	}
	nc, rw, _, err := ws.UpgradeHTTP(r, w)
	if err != nil {
		s.t.Errorf("upgrade: %v", err)
		return
	}
	fc := &fakeConn{
		s:          s,
		nc:         nc,
		br:         rw.Reader,
		remoteAddr: r.RemoteAddr,
		origin:     r.Header.Get("Origin"),
		since:      r.URL.Query().Get("since"),
		subs:       make(map[string]bool),
		received:   make(chan clientMsg, 256),
		done:       make(chan struct{}),
	}
	if a := r.Header.Get("Authorization"); a != "" {
		fc.token, fc.tokenFrom = strings.TrimPrefix(a, "Bearer "), "header"
	} else if q := r.URL.Query().Get("token"); q != "" {
		fc.token, fc.tokenFrom = q, "query"
	}
	s.mu.Lock()
	s.conns[fc] = true
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.conns, fc)
		s.mu.Unlock()
		nc.Close()
		close(fc.done)
	}()

	var welcome []byte
	if s.welcome != nil {
		welcome = s.welcome(fc)
	} else {
		welcome = fc.defaultWelcome(30)
	}
	if welcome != nil {
		fc.send(welcome)
	}
	s.accepted <- fc
	fc.readLoop()
}

// defaultWelcome is the welcome line; on an authenticated connection of a non-legacy server, it
// lists the implicit channels (recovered from ?since=) and is followed by the replayed events.
func (fc *fakeConn) defaultWelcome(heartbeat float64) []byte {
	w := map[string]any{
		"type":               "welcome",
		"connection_id":      fmt.Sprintf("c-%p", fc),
		"heartbeat_interval": heartbeat,
		"authenticated":      fc.token != "",
	}
	if fc.token == "" {
		return mustJSON(w)
	}
	w["user"] = testUser
	if fc.s.legacy {
		return mustJSON(w)
	}
	since, _ := parseCursor(fc.since)
	chans, missed := fc.implicit(since)
	w["channels"] = chans
	return bytes.Join(append([][]byte{mustJSON(w)}, missed...), []byte{'\n'})
}

// implicit subscribes fc to the implicit channels: their entries and the event lines to replay.
func (fc *fakeConn) implicit(since map[string]livedash.StreamPosition) ([]fakeSub, [][]byte) {
	s := fc.s
	s.mu.Lock()
	defer s.mu.Unlock()
	fc.authed = true
	var chans []fakeSub
	var missed [][]byte
	for _, ch := range implicitChannels {
		sb, pubs := s.recoverLocked(ch, ch, since)
		chans = append(chans, sb)
		for _, p := range pubs {
			missed = append(missed, p.wsLine())
		}
		fc.subs[ch] = true
	}
	return chans, missed
}

func (fc *fakeConn) readLoop() {
	for {
		hdr, err := ws.ReadHeader(fc.br)
		if err != nil {
			return
		}
		p := make([]byte, hdr.Length)
		if _, err := io.ReadFull(fc.br, p); err != nil {
			return
		}
		if hdr.Masked {
			ws.Cipher(p, hdr.Mask, 0)
		}
		switch hdr.OpCode {
		case ws.OpText:
			var m clientMsg
			if err := json.Unmarshal(p, &m); err != nil {
				fc.send(mustJSON(map[string]any{"type": "error", "code": "bad_request", "message": err.Error()}))
				continue
			}
			m.raw = p
			select {
			case fc.received <- m:
			default:
			}
			fc.reply(m)
		case ws.OpPing:
			fc.writeFrame(ws.NewPongFrame(p))
		case ws.OpPong:
			fc.wsPongs.Add(1)
		case ws.OpClose:
			code, _ := ws.ParseCloseFrameData(p)
			fc.code.Store(int64(code))
			fc.writeFrame(ws.NewCloseFrame(p))
			return
		}
	}
}

// reply implements the server side of the commands.
func (fc *fakeConn) reply(m clientMsg) {
	s := fc.s
	switch m.Type {
	case "authenticate", "refresh":
		if m.Token == "bad" {
			fc.send(mustJSON(map[string]any{"type": "error", "id": m.ID, "code": "unauthenticated", "message": "bad token"}))
			return
		}
		reply := map[string]any{"type": "authenticated", "id": m.ID, "user": testUser}
		s.mu.Lock()
		first := !fc.authed && fc.token == ""
		s.mu.Unlock()
		if m.Type == "authenticate" && first && !s.legacy {
			chans, missed := fc.implicit(m.Since)
			reply["channels"] = chans
			fc.send(append([][]byte{mustJSON(reply)}, missed...)...)
			return
		}
		fc.send(mustJSON(reply))
	case "subscribe":
		var subs []fakeSub
		var missed [][]byte
		s.mu.Lock()
		for _, name := range m.Channels {
			if strings.HasPrefix(name, "forbidden") {
				s.mu.Unlock()
				fc.send(mustJSON(map[string]any{"type": "error", "id": m.ID, "code": "forbidden", "message": "no access to " + name}))
				return
			}
		}
		for _, name := range m.Channels {
			canon := s.canonical(name)
			sb, pubs := s.recoverLocked(name, canon, m.Since)
			for _, p := range pubs {
				missed = append(missed, p.wsLine())
			}
			fc.subs[canon] = true
			subs = append(subs, sb)
		}
		s.mu.Unlock()
		reply := mustJSON(map[string]any{"type": "subscribed", "id": m.ID, "channels": subs})
		switch {
		case len(missed) == 0:
			fc.send(reply)
		case s.missedFirst:
			fc.send(append(missed, reply)...)
		default:
			fc.send(reply)
			fc.send(missed...)
		}
	case "unsubscribe":
		var gone []string
		s.mu.Lock()
		for _, name := range m.Channels {
			canon := s.canonical(name)
			delete(fc.subs, canon)
			gone = append(gone, canon)
		}
		s.mu.Unlock()
		fc.send(mustJSON(map[string]any{"type": "unsubscribed", "id": m.ID, "channels": gone}))
	case "ping":
		fc.send(mustJSON(map[string]any{"type": "pong", "id": m.ID, "ts": time.Now().Format(time.RFC3339Nano)}))
	case "pong":
	default:
		e := map[string]any{"type": "error", "code": "bad_request", "message": "unknown type " + m.Type}
		if m.ID != 0 {
			e["id"] = m.ID
		}
		fc.send(mustJSON(e))
	}
}

func (s *fakeServer) canonical(name string) string {
	if strings.Contains(name, ".") {
		return name
	}
	return name + "." + s.tenant
}

// publish appends n events to channel's history and sends them, one per frame (or all in one
// frame when batch), to the subscribed connections and streams; with hidden, it sends them to
// nobody.
func (s *fakeServer) publish(channel string, n int, batch, hidden bool) {
	s.mu.Lock()
	var lines [][]byte
	var pubs []fakePub
	for range n {
		s.seqs[channel]++
		seq := s.seqs[channel]
		p := fakePub{channel: channel, event: "metric_update", seq: seq,
			ts: time.Now().UTC().Format(time.RFC3339Nano), data: mustJSON(map[string]any{"n": seq})}
		s.history[channel] = append(s.history[channel], p)
		pubs = append(pubs, p)
		lines = append(lines, p.wsLine())
	}
	var targets []*fakeConn
	if !hidden {
		for fc := range s.conns {
			if fc.subs[channel] {
				targets = append(targets, fc)
			}
		}
		for st := range s.streams {
			if _, ok := st.pos[channel]; ok {
				var b []byte
				for _, p := range pubs {
					b = append(b, st.eventTextLocked(p)...)
				}
				st.out <- b
			}
		}
	}
	s.mu.Unlock()
	for _, fc := range targets {
		if batch {
			fc.send(lines...)
		} else {
			for _, l := range lines {
				fc.send(l)
			}
		}
	}
}

// restart forgets all history: a new epoch, seqs from zero.
func (s *fakeServer) restart(epoch string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.epoch = epoch
	s.seqs = make(map[string]uint64)
	s.history = make(map[string][]fakePub)
	s.floor = make(map[string]uint64)
}

// expire drops the publications of channel up to seq from the history.
func (s *fakeServer) expire(channel string, seq uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.floor[channel] = seq
}

// pub returns the publication seq of channel.
func (s *fakeServer) pub(channel string, seq uint64) fakePub {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.history[channel][seq-1]
}

// send sends lines as one text frame, separated by '\n'.
func (fc *fakeConn) send(lines ...[]byte) {
	fc.writeFrame(ws.NewTextFrame(bytes.Join(lines, []byte{'\n'})))
}

func (fc *fakeConn) writeFrame(f ws.Frame) {
	fc.wmu.Lock()
	defer fc.wmu.Unlock()
	fc.nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_ = ws.WriteFrame(fc.nc, f)
}

// closeWith sends a close frame with code and closes the connection.
func (fc *fakeConn) closeWith(code int, reason string) {
	fc.writeFrame(ws.NewCloseFrame(ws.NewCloseFrameBody(ws.StatusCode(code), reason)))
	fc.nc.Close()
}

// next returns the next client message of type typ, skipping others.
func (fc *fakeConn) next(t testing.TB, typ string) clientMsg {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case m := <-fc.received:
			if m.Type == typ {
				return m
			}
		case <-timeout:
			t.Fatalf(
				"no %q message from the client",
				typ)
			return clientMsg{}
		}
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// acceptConn waits for the next accepted connection.
func (s *fakeServer) acceptConn(t testing.TB) *fakeConn {
	t.Helper()
	select {
	case fc := <-s.accepted:
		return fc
	case <-time.After(5 * time.Second):
		t.Fatal("no connection accepted")
		return nil
	}
}

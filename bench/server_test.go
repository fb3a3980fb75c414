package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// benchServer is a scripted server with the endpoints the bench uses: GET /ws (welcome,
// subscribe, pings), POST /dashboard/broadcast and GET /dashboard/sse. Each WebSocket connection
// has a writer goroutine that sends all pending messages in one frame, as the real server may.
type benchServer struct {
	t         testing.TB
	srv       *httptest.Server
	token     string
	apiKey    string
	pingEvery time.Duration
	// drop, when set, skips the event seq for connection n (numbered in subscribe order).
	drop func(n int, seq uint64) bool
	// kick, when set, closes connection n with a close code after the event seq.
	kick func(n int, seq uint64) (code int)

	quit  chan struct{}
	wg    sync.WaitGroup
	pongs atomic.Int64

	mu      sync.Mutex
	seq     uint64
	nextN   int
	ws      map[*srvConn]bool
	sse     map[*srvConn]bool
	sources map[string]int // remote IPs of subscribers
}

type srvConn struct {
	n    int
	out  chan []byte
	nc   net.Conn
	kick atomic.Int32
}

// close sends what is buffered, then a close frame with the kick code.
func (c *srvConn) close(buf []byte) {
	if len(buf) > 0 {
		wsutil.WriteServerText(c.nc, buf)
	}
	ws.WriteFrame(c.nc, ws.NewCloseFrame(ws.NewCloseFrameBody(ws.StatusCode(c.kick.Load()), "kicked")))
	c.nc.Close()
}

func newBenchServer(t testing.TB) *benchServer {
	s := &benchServer{
		t:       t,
		token:   "sub-token",
		apiKey:  "key",
		quit:    make(chan struct{}),
		ws:      make(map[*srvConn]bool),
		sse:     make(map[*srvConn]bool),
		sources: make(map[string]int),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ws", s.handleWS)
	mux.HandleFunc("GET /dashboard/sse", s.handleSSE)
	mux.HandleFunc("POST /dashboard/broadcast", s.handleBroadcast)
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func (s *benchServer) Close() {
	select {
	case <-s.quit:
		return
	default:
	}
	close(s.quit)
	s.srv.Close()
	s.wg.Wait()
}

func refuse(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":{"code":%q,"message":%q}}`, code, msg)
}

func (s *benchServer) source(r *http.Request) {
	host, _, _ := net.SplitHostPort(r.RemoteAddr)
	s.mu.Lock()
	s.sources[host]++
	s.mu.Unlock()
}

func (s *benchServer) handleWS(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+s.token {
		refuse(w, http.StatusUnauthorized, "unauthenticated", "bad token")
		return
	}
	s.source(r)
	nc, rw, _, err := ws.UpgradeHTTP(r, w)
	if err != nil {
		return
	}
	s.wg.Add(1)
	c := &srvConn{out: make(chan []byte, 1<<16), nc: nc}
	stop := make(chan struct{})
	var wwg sync.WaitGroup
	wwg.Go(func() { s.writer(c, stop) })
	defer func() {
		close(stop)
		wwg.Wait()
		nc.Close()
		s.wg.Done()
	}()
	c.out <- []byte(`{"type":"welcome","connection_id":"x","heartbeat_interval":30,"authenticated":true,"user":{"id":"u1","tenant":"t1","roles":["viewer"]}}`)
	go func() {
		select {
		case <-s.quit:
			nc.Close()
		case <-stop:
		}
	}()
	for {
		p, op, err := wsutil.ReadClientData(struct {
			io.Reader
			io.Writer
		}{rw.Reader, nc})
		if err != nil {
			s.mu.Lock()
			delete(s.ws, c)
			s.mu.Unlock()
			return
		}
		if op != ws.OpText {
			continue
		}
		var m struct {
			Type     string   `json:"type"`
			ID       int64    `json:"id"`
			Channels []string `json:"channels"`
		}
		if json.Unmarshal(p, &m) != nil {
			continue
		}
		switch m.Type {
		case "subscribe":
			s.mu.Lock()
			c.n = s.nextN
			s.nextN++
			reply := fmt.Appendf(nil, `{"type":"subscribed","id":%d,"channels":[{"name":%q,"channel":%q,"seq":%d,"epoch":"e1","recovered":false}]}`,
				m.ID, m.Channels[0], m.Channels[0], s.seq)
			c.out <- reply
			s.ws[c] = true
			s.mu.Unlock()
		case "pong":
			s.pongs.Add(1)
		}
	}
}

// writer sends what is queued for c, several messages per frame, and pings.
func (s *benchServer) writer(c *srvConn, stop chan struct{}) {
	var ping <-chan time.Time
	if s.pingEvery > 0 {
		t := time.NewTicker(s.pingEvery)
		defer t.Stop()
		ping = t.C
	}
	var pingID int
	var buf bytes.Buffer
	for {
		buf.Reset()
		select {
		case <-stop:
			return
		case <-ping:
			pingID++
			fmt.Fprintf(&buf, `{"type":"ping","id":%d}`, pingID)
		case m := <-c.out:
			if m == nil {
				c.close(nil)
				return
			}
			buf.Write(m)
		more:
			for buf.Len() < 32<<10 {
				select {
				case m := <-c.out:
					if m == nil {
						c.close(buf.Bytes())
						return
					}
					buf.WriteByte('\n')
					buf.Write(m)
				default:
					break more
				}
			}
		}
		if err := wsutil.WriteServerText(c.nc, buf.Bytes()); err != nil {
			return
		}
	}
}

func (s *benchServer) handleSSE(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("token") != s.token {
		refuse(w, http.StatusUnauthorized, "unauthenticated", "bad token")
		return
	}
	s.source(r)
	// Subscribe before the ready event goes out: the bench counts the connection as subscribed
	// once it has it, as with the real server.
	c := &srvConn{out: make(chan []byte, 1<<16)}
	s.mu.Lock()
	c.n = s.nextN
	s.nextN++
	s.sse[c] = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.sse, c)
		s.mu.Unlock()
	}()
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	fmt.Fprintf(w, "retry: 1000\n\nid: x~0~e\nevent: ready\ndata: {\"channels\":[{\"channel\":\"x\",\"seq\":0}]}\n\n")
	w.(http.Flusher).Flush()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.quit:
			return
		case m := <-c.out:
			if m == nil {
				return
			}
			fmt.Fprintf(w, "event: bench\ndata: %s\n\n", m)
			w.(http.Flusher).Flush()
		}
	}
}

func (s *benchServer) handleBroadcast(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("X-API-Key") != s.apiKey {
		refuse(w, http.StatusUnauthorized, "unauthenticated", "bad api key")
		return
	}
	var req struct {
		Channel string          `json:"channel"`
		Event   string          `json:"event"`
		Data    json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		refuse(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	s.mu.Lock()
	s.seq++
	seq := s.seq
	ts := time.Now().UTC().Format(time.RFC3339Nano)
	event := fmt.Appendf(nil, `{"type":"event","channel":%q,"event":%q,"seq":%d,"ts":%q,"data":%s}`, req.Channel, req.Event, seq, ts, req.Data)
	pub := fmt.Appendf(nil, `{"channel":%q,"seq":%d,"ts":%q,"data":%s}`, req.Channel, seq, ts, req.Data)
	for c := range s.ws {
		if s.drop != nil && s.drop(c.n, seq) {
			continue
		}
		c.out <- event
		if s.kick != nil {
			if code := s.kick(c.n, seq); code != 0 {
				c.kick.Store(int32(code))
				c.out <- nil // the writer closes after what is queued
				delete(s.ws, c)
			}
		}
	}
	for c := range s.sse {
		if s.drop != nil && s.drop(c.n, seq) {
			continue
		}
		c.out <- pub
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"channel":%q,"seq":%d}`, req.Channel, seq)
}

func (s *benchServer) sourceIPs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ips []string
	for ip := range s.sources {
		ips = append(ips, ip)
	}
	return ips
}

func (s *benchServer) URL() string { return s.srv.URL }

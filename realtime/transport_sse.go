package realtime

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"livedash"
)

// ssePing is the heartbeat of SSE streams: a comment line, which EventSource ignores.
var ssePing = []byte(": ping\n\n")

// sseRetryMillis is the reconnection delay the stream asks EventSource to use.
const sseRetryMillis = 1000

// sseTransport writes an SSE stream on a hijacked HTTP/1.1 connection, so that it shares the
// WebSocket path: the writer pool, non-blocking writes, one goroutine per idle connection. The
// response has no length and no chunking: the stream ends when the connection closes.
type sseTransport struct {
	connWriter
	// Owned by the writer: the position of every channel of the stream, updated as events are
	// written, so that each event's id is the cursor to resume from it.
	chans []string
	pos   []livedash.StreamPosition
}

func (t *sseTransport) kind() string { return TransportSSE }

func (t *sseTransport) writeBatch(msgs []*outMsg, fast bool) error {
	bp := getWriteBuf()
	b := *bp
	for _, m := range msgs {
		switch {
		case m.pub != nil:
			i, ok := slices.BinarySearch(t.chans, m.pub.Channel)
			if ok {
				t.pos[i] = livedash.StreamPosition{Seq: m.pub.Seq, Epoch: m.pub.Epoch}
			}
			b = append(b, "id: "...)
			b = appendCursor(b, t.chans, t.pos)
			b = append(b, "\nevent: "...)
			b = append(b, m.pub.Event...)
			b = append(b, "\ndata: "...)
			b = append(b, m.sseLine()...)
			b = append(b, "\n\n"...)
		case m.sse != nil:
			b = append(b, m.sse...)
		}
	}
	err := t.send(b, fast)
	putWriteBuf(bp, b)
	return err
}

// writeClose ends the stream with a close event saying why (EventSource exposes it as a
// "close" event), then half-closes; see connWriter.goodbye.
func (t *sseTransport) writeClose(code int, reason string, fast bool) bool {
	data, _ := json.Marshal(map[string]any{"code": code, "reason": reason})
	return t.goodbye(fmt.Appendf(nil, "event: close\ndata: %s\n\n", data), fast)
}

// sseEvent formats one control event, with the stream's current cursor as id when given.
func sseEvent(event string, id string, v any) []byte {
	var b strings.Builder
	if id != "" {
		b.WriteString("id: " + id + "\n")
	}
	b.WriteString("event: " + event + "\ndata: ")
	b.Write(mustJSON(v))
	b.WriteString("\n\n")
	return []byte(b.String())
}

type sseReady struct {
	ConnectionID      string              `json:"connection_id"`
	HeartbeatInterval int                 `json:"heartbeat_interval"`
	User              userInfo            `json:"user"`
	Channels          []SubscribedChannel `json:"channels"`
}

// serveSSE streams the requested channels (plus the implicit ones) as Server-Sent Events:
// `retry:`, a `ready` event with every channel's position (and `recovered` per channel when the
// client resumes with Last-Event-ID or ?last_event_id=), then one event per publication whose id
// is the cursor of the whole stream.
func (h *Hub) serveSSE(w http.ResponseWriter, r *http.Request) {
	h.corsHeaders(w, r)
	cursor := r.Header.Get("Last-Event-ID")
	if q := r.URL.Query().Get("last_event_id"); q != "" {
		cursor = q
	}
	since, err := parseCursor(cursor)
	if err != nil {
		WriteError(w, http.StatusBadRequest, livedash.EBadRequest, "Last-Event-ID: "+livedash.ErrorMessage(err))
		return
	}
	if bearerToken(r) == "" {
		WriteError(w, http.StatusUnauthorized, livedash.EUnauthenticated, "send a token: ?token=, Authorization: Bearer, or the session cookie")
		return
	}
	p, ip, ok := h.admitRequest(w, r)
	if !ok {
		return
	}
	chans, err := h.resolveSSEChannels(r.Context(), *p, r.URL.Query().Get("channels"))
	if err != nil {
		h.release(ip, p)
		status := http.StatusBadRequest
		if livedash.ErrorCode(err) == livedash.EForbidden {
			status = http.StatusForbidden
		}
		WriteError(w, status, livedash.ErrorCode(err), livedash.ErrorMessage(err))
		return
	}
	conn, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		h.release(ip, p)
		WriteError(w, http.StatusInternalServerError, livedash.EInternal, "streaming is not supported on this connection")
		return
	}
	t := &sseTransport{connWriter: newConnWriter(conn, h.cfg.WriteTimeout)}
	for _, c := range chans {
		t.chans = append(t.chans, c.Channel)
	}
	slices.Sort(t.chans)
	t.pos = make([]livedash.StreamPosition, len(t.chans))

	s := h.newSession(t, ip, p)
	s.oneWay = true
	s.implicit = map[string]bool{}
	for _, c := range h.policy.Implicit(*p) {
		s.implicit[c] = true
	}
	head := sseHead(w.Header())
	h.register(s)
	h.log.Info("connect", "conn", s.id, "transport", t.kind(), "ip", ip.String(), "user", p.UserID, "tenant", p.Tenant)
	s.enqueue(&outMsg{sse: head}, true)
	err = h.subscribe(context.Background(), s, chans, since, func(chans []SubscribedChannel) {
		// The cursor of the ready event holds the positions the stream starts from.
		for _, c := range chans {
			i, _ := slices.BinarySearch(t.chans, c.Channel)
			t.pos[i] = c.from
		}
		ready := sseReady{ConnectionID: s.id, HeartbeatInterval: max(1, int(h.cfg.HeartbeatInterval/time.Second)),
			User: userOf(*p), Channels: chans}
		s.enqueue(&outMsg{sse: sseEvent("ready", formatCursor(t.chans, t.pos), ready)}, true)
	})
	if err != nil {
		h.log.Error("sse subscribe failed", "conn", s.id, "err", err)
		s.close(CloseGoingAway, "internal error", true)
	}
	// The read side owns the subscriptions from here on (it unregisters them at the end).
	go h.sseReadLoop(s, t, rw.Reader)
}

// sseHead is the response head written on the hijacked connection, then `retry:`.
func sseHead(extra http.Header) []byte {
	var b strings.Builder
	b.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n" +
		"Cache-Control: no-cache, no-store\r\nConnection: close\r\nX-Accel-Buffering: no\r\n")
	for _, k := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Vary"} {
		if v := extra.Get(k); v != "" {
			b.WriteString(k + ": " + v + "\r\n")
		}
	}
	fmt.Fprintf(&b, "\r\nretry: %d\n\n", sseRetryMillis)
	return []byte(b.String())
}

// resolveSSEChannels resolves the comma-separated channel list plus the implicit channels.
func (h *Hub) resolveSSEChannels(ctx context.Context, p livedash.Principal, list string) ([]SubscribedChannel, error) {
	var out []SubscribedChannel
	seen := map[string]bool{}
	add := func(name, ch string) {
		if !seen[ch] {
			seen[ch] = true
			out = append(out, SubscribedChannel{Name: name, Channel: ch})
		}
	}
	for _, ch := range h.policy.Implicit(p) {
		add(ch, ch)
	}
	requested := 0
	for _, name := range strings.Split(list, ",") {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		if requested++; requested > h.cfg.MaxChannels {
			return nil, livedash.Errorf(livedash.ETooManyChannels, "at most %d channels per connection", h.cfg.MaxChannels)
		}
		ch, err := h.policy.Resolve(ctx, p, name)
		if err != nil {
			return nil, err
		}
		add(name, ch)
	}
	return out, nil
}

// sseReadLoop holds the idle stream: the client sends nothing after its request, so reading
// only detects the end of the connection (or a client that talks too much).
func (h *Hub) sseReadLoop(s *session, t *sseTransport, early *bufio.Reader) {
	defer h.unregister(s)
	defer t.closeConn()
	var discard [512]byte
	n := early.Buffered()
	for n < 64<<10 {
		m, err := t.conn.Read(discard[:])
		if err != nil {
			s.close(CloseGoingAway, readEndReason(err), false)
			return
		}
		n += m
	}
	s.close(CloseProtocolError, "client sent data on an event stream", false)
	_ = t.conn.SetReadDeadline(time.Now().Add(closeWait))
	_, _ = io.Copy(io.Discard, t.conn)
}

// corsHeaders answers cross-origin requests from allowed origins (credentials included, so the
// session cookie works); same-origin and non-browser requests need none.
func (h *Hub) corsHeaders(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	if origin == "" || !h.originAllowed(r) {
		return
	}
	w.Header().Set("Access-Control-Allow-Origin", origin)
	w.Header().Set("Access-Control-Allow-Credentials", "true")
	w.Header().Add("Vary", "Origin")
}

// serveSSEPreflight answers CORS preflight requests for the event stream.
func (h *Hub) serveSSEPreflight(w http.ResponseWriter, r *http.Request) {
	if !h.originAllowed(r) {
		WriteError(w, http.StatusForbidden, livedash.EForbidden, "origin "+r.Header.Get("Origin")+" is not allowed")
		return
	}
	h.corsHeaders(w, r)
	w.Header().Set("Access-Control-Allow-Methods", "GET, OPTIONS")
	w.Header().Set("Access-Control-Allow-Headers", "Authorization, Last-Event-ID, Cache-Control")
	w.Header().Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
}

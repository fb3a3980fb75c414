package client

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"livedash"
)

// maxMessageSize bounds one message from the server (all fragments of a frame).
const maxMessageSize = 16 << 20

// outbound is a client → server message.
type outbound struct {
	Type     string                             `json:"type"`
	ID       int64                              `json:"id,omitempty"`
	Token    string                             `json:"token,omitempty"`
	Channels []string                           `json:"channels,omitempty"`
	Since    map[string]livedash.StreamPosition `json:"since,omitempty"`
}

// inbound is any server → client message; which fields are set depends on Type.
type inbound struct {
	Type string `json:"type"`
	ID   int64  `json:"id"`

	// welcome (channels: the implicit ones, []Subscription)
	ConnectionID      string              `json:"connection_id"`
	HeartbeatInterval float64             `json:"heartbeat_interval"`
	Authenticated     bool                `json:"authenticated"`
	User              *livedash.Principal `json:"user"`

	// subscribed ([]Subscription), unsubscribed ([]string)
	Channels json.RawMessage `json:"channels"`

	// event
	Channel string          `json:"channel"`
	Event   string          `json:"event"`
	Seq     uint64          `json:"seq"`
	TS      string          `json:"ts"`
	Data    json.RawMessage `json:"data"`

	// error
	Code    string `json:"code"`
	Message string `json:"message"`

	subs   []Subscription // decoded Channels of a subscribed reply
	unsubs []string       // decoded Channels of an unsubscribed reply
}

// call is a command waiting for its reply.
type call struct {
	ch    chan *inbound
	since map[string]livedash.StreamPosition // subscribe: positions sent
	names []string                           // subscribe/unsubscribe: channels as requested
}

// conn is one connection: a WebSocket, or an SSE stream (sse). One reader goroutine reads it;
// writes (WebSocket only) are serialized by wmu.
type conn struct {
	c   *Client
	nc  net.Conn
	br  io.Reader // WebSocket frames, or the SSE response body
	sse bool

	// since is what the connection asks to recover from: the implicit channels, in ?since= of a
	// WebSocket upgrade or, in TokenMessage mode, in the authenticate message; every channel in
	// the Last-Event-ID of an SSE request.
	since map[string]livedash.StreamPosition
	// gap is set by the reader when an event skipped seqs; the reader then drops the connection.
	gap *GapError

	wmu sync.Mutex

	mu      sync.Mutex
	pending map[int64]*call

	welcomeOnce sync.Once
	welcomeCh   chan struct{} // closed when the welcome is received
	heartbeat   time.Duration // from the welcome; read only by the reader goroutine

	connectedAt time.Time
	// Set by the reader goroutine before done is closed.
	err       error
	closeCode int
	done      chan struct{}
}

// connect makes one connection attempt: upgrade, welcome, authentication, re-subscription; over
// SSE: request, response, ready event. first is the attempt of Dial.
func (c *Client) connect(ctx context.Context, first bool) (*conn, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.DialTimeout)
	defer cancel()

	c.mu.Lock()
	token := c.token
	// Positions are kept only for channels the next connection recovers: the subscribed and the
	// implicit ones whose epoch is known. Others (e.g. implicit channels of a server that does
	// not announce their positions) cannot be recovered and their seqs may have restarted.
	keep := make(map[string]bool, len(c.subs)+len(c.implicit))
	for _, canon := range c.subs {
		keep[canon] = true
	}
	for ch := range c.implicit {
		keep[ch] = true
	}
	for ch := range c.positions {
		if !keep[ch] {
			delete(c.positions, ch)
		}
	}
	var since map[string]livedash.StreamPosition
	if c.opts.Transport == TransportSSE {
		since = make(map[string]livedash.StreamPosition)
		for ch, p := range c.positions {
			if p.Epoch != "" {
				since[ch] = p
			}
		}
	} else {
		since = c.implicitSinceLocked()
	}
	c.mu.Unlock()

	var cn *conn
	var err error
	if c.opts.Transport == TransportSSE {
		cn, err = c.dialSSE(ctx, token, since)
	} else {
		cn, err = c.dialWS(ctx, token, since)
	}
	if err != nil {
		return nil, err
	}

	c.wg.Add(1)
	if cn.sse {
		go cn.sseReadLoop()
	} else {
		go cn.readLoop()
	}

	if err := cn.setup(ctx, token, first); err != nil {
		cn.nc.Close()
		<-cn.done
		if ce, ok := errors.AsType[*CloseError](cn.err); ok {
			// The server closed the connection (e.g. 4401 after a bad authenticate): that is the
			// reason, not the interrupted wait.
			return nil, ce
		}
		return nil, err
	}
	return cn, nil
}

// implicitSinceLocked returns the positions of the implicit channels to recover from, nil if none.
func (c *Client) implicitSinceLocked() map[string]livedash.StreamPosition {
	var since map[string]livedash.StreamPosition
	for ch := range c.implicit {
		if p, ok := c.positions[ch]; ok && p.Epoch != "" {
			if since == nil {
				since = make(map[string]livedash.StreamPosition)
			}
			since[ch] = p
		}
	}
	return since
}

// setup waits for the welcome, authenticates if needed, reports Connected, subscribes again to
// the channels of the previous connections and makes cn the current connection. Over SSE it
// waits for the ready event.
func (cn *conn) setup(ctx context.Context, token string, first bool) error {
	c := cn.c
	what := "the welcome"
	if cn.sse {
		what = "the ready event"
	}
	select {
	case <-cn.welcomeCh:
	case <-cn.done:
		return fmt.Errorf("connection lost before %s: %w", what, cn.err)
	case <-ctx.Done():
		return fmt.Errorf("waiting for %s: %w", what, ctx.Err())
	}
	if !cn.sse && c.opts.TokenMode == TokenMessage && token != "" {
		r, err := c.roundTrip(ctx, cn, outbound{Type: "authenticate", Token: token}, cn.since)
		if err != nil {
			return fmt.Errorf("authenticate: %w", err)
		}
		if r.User != nil {
			c.mu.Lock()
			c.welcome.Authenticated = true
			c.welcome.User = *r.User
			c.mu.Unlock()
		}
	}
	cn.connectedAt = time.Now()
	c.emitState(State{Kind: Connected})

	c.mu.Lock()
	names := sortedKeys(c.subs)
	since := make(map[string]livedash.StreamPosition)
	for _, canon := range c.subs {
		if p, ok := c.positions[canon]; ok && canon != "" {
			since[canon] = p
		}
	}
	c.mu.Unlock()
	if len(names) > 0 && !cn.sse {
		if err := cn.resubscribe(ctx, names, since, first); err != nil {
			return err
		}
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing.Load() {
		return ErrClosed
	}
	c.cur = cn
	close(c.ready)
	return nil
}

// resubscribe subscribes again to names after a reconnect. When the server refuses the batch, it
// tries the channels one by one and forgets those it refuses for good. On the first connection
// (Options.Channels), a refusal is returned.
func (cn *conn) resubscribe(ctx context.Context, names []string, since map[string]livedash.StreamPosition, first bool) error {
	c := cn.c
	_, err := c.roundTrip(ctx, cn, outbound{Type: "subscribe", Channels: names}, since)
	if first && err != nil {
		return fmt.Errorf("subscribe to Options.Channels: %w", err)
	}
	if _, ok := errors.AsType[*livedash.Error](err); !ok || len(names) == 1 {
		if ok {
			c.handleResubscribeError(names[0], err)
			return nil
		}
		return err
	}
	c.log.Warn("livedash client: re-subscription refused, trying channels one by one", "err", err)
	for _, name := range names {
		var one map[string]livedash.StreamPosition
		c.mu.Lock()
		if p, ok := since[c.subs[name]]; ok {
			one = map[string]livedash.StreamPosition{c.subs[name]: p}
		}
		c.mu.Unlock()
		_, err := c.roundTrip(ctx, cn, outbound{Type: "subscribe", Channels: []string{name}}, one)
		if _, ok := errors.AsType[*livedash.Error](err); ok {
			c.handleResubscribeError(name, err)
		} else if err != nil {
			return err
		}
	}
	return nil
}

func (c *Client) handleResubscribeError(name string, err error) {
	switch livedash.ErrorCode(err) {
	case livedash.EForbidden, livedash.ENotFound, livedash.EBadRequest, livedash.EUnauthenticated:
		c.log.Warn("livedash client: re-subscription refused, channel dropped", "channel", name, "err", err)
		c.mu.Lock()
		canon := c.subs[name]
		delete(c.subs, name)
		delete(c.positions, canon)
		c.mu.Unlock()
	default:
		c.log.Warn("livedash client: re-subscription failed", "channel", name, "err", err)
	}
}

// dialWS opens the TCP connection and upgrades it. since (the implicit channels) goes in ?since=,
// except in TokenMessage mode where the authenticate message carries it.
func (c *Client) dialWS(ctx context.Context, token string, since map[string]livedash.StreamPosition) (*conn, error) {
	query := url.Values{}
	if cur := formatCursor(since); cur != "" && c.opts.TokenMode != TokenMessage {
		query.Set("since", cur)
	}
	header := http.Header{}
	for k, v := range c.opts.Header {
		header[k] = append([]string(nil), v...)
	}
	if token != "" {
		switch c.opts.TokenMode {
		case TokenQuery:
			query.Set("token", token)
		case TokenHeader:
			header.Set("Authorization", "Bearer "+token)
		}
	}
	u, err := withQuery(c.endpoint, query)
	if err != nil {
		return nil, err
	}
	nd, err := c.netDialer()
	if err != nil {
		return nil, err
	}
	var herr *HTTPError
	d := ws.Dialer{
		Header:  ws.HandshakeHeaderHTTP(header),
		NetDial: nd.DialContext,
		OnStatusError: func(status int, _ []byte, resp io.Reader) {
			herr = parseHTTPError(status, resp)
		},
	}
	nc, br, _, err := d.Dial(ctx, u)
	if err != nil {
		if herr != nil {
			return nil, herr
		}
		return nil, err
	}
	cn := &conn{
		c:         c,
		nc:        nc,
		br:        nc,
		since:     since,
		pending:   make(map[int64]*call),
		welcomeCh: make(chan struct{}),
		done:      make(chan struct{}),
	}
	if br != nil {
		// Bytes the server sent right after the upgrade response (likely the welcome).
		cn.br = io.MultiReader(br, nc)
	}
	return cn, nil
}

// withQuery returns u with the values of q set in its query.
func withQuery(u string, q url.Values) (string, error) {
	if len(q) == 0 {
		return u, nil
	}
	pu, err := url.Parse(u)
	if err != nil {
		return "", err
	}
	v := pu.Query()
	for k, vs := range q {
		v[k] = vs
	}
	pu.RawQuery = v.Encode()
	return pu.String(), nil
}

// netDialer returns a dialer bound to Options.LocalAddr, if set.
func (c *Client) netDialer() (*net.Dialer, error) {
	nd := &net.Dialer{}
	if a := c.opts.LocalAddr; a != "" {
		host, port := a, "0"
		if h, p, err := net.SplitHostPort(a); err == nil {
			host, port = h, p
		}
		ip := net.ParseIP(host)
		if ip == nil {
			return nil, fmt.Errorf("client: bad LocalAddr %q", a)
		}
		pn, _ := strconv.Atoi(port)
		nd.LocalAddr = &net.TCPAddr{IP: ip, Port: pn}
	}
	return nd, nil
}

// parseHTTPError reads a refused upgrade response.
func parseHTTPError(status int, resp io.Reader) *HTTPError {
	r, err := http.ReadResponse(bufio.NewReader(resp), nil)
	if err != nil {
		return &HTTPError{Status: status, Message: http.StatusText(status)}
	}
	defer r.Body.Close()
	return httpError(r)
}

// httpError reads an HTTP error response: status, Retry-After, JSON error body.
func httpError(r *http.Response) *HTTPError {
	he := &HTTPError{Status: r.StatusCode, Message: http.StatusText(r.StatusCode)}
	if s := r.Header.Get("Retry-After"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			he.RetryAfter = time.Duration(n) * time.Second
		}
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error.Code != "" {
		he.Code, he.Message = e.Error.Code, e.Error.Message
	} else if s := strings.TrimSpace(string(body)); s != "" {
		he.Message = s
	}
	return he
}

// write sends p as one masked text frame.
func (cn *conn) write(ctx context.Context, p []byte) error {
	if cn.sse {
		return ErrNotSupported
	}
	return cn.writeFrame(ctx, ws.OpText, p)
}

func (cn *conn) writeFrame(ctx context.Context, op ws.OpCode, p []byte) error {
	frame, err := ws.CompileFrame(ws.MaskFrame(ws.NewFrame(op, true, p)))
	if err != nil {
		return err
	}
	deadline := time.Now().Add(writeTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	cn.wmu.Lock()
	defer cn.wmu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	cn.nc.SetWriteDeadline(deadline)
	if _, err := cn.nc.Write(frame); err != nil {
		// A partly written frame corrupts the stream: give up on the connection.
		cn.nc.Close()
		return err
	}
	return nil
}

// closeGraceful sends a 1000 close frame and closes the connection.
func (cn *conn) closeGraceful() {
	if cn.sse {
		// The client cannot say anything on an event stream: closing it is the goodbye.
		cn.nc.Close()
		return
	}
	// Cut short a write blocked on a peer that does not read, so that the lock is free soon.
	cn.nc.SetWriteDeadline(time.Now().Add(time.Second))
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = cn.writeFrame(ctx, ws.OpClose, ws.NewCloseFrameBody(ws.StatusNormalClosure, ""))
	cn.nc.Close()
}

func (cn *conn) addCall(id int64, cl *call) {
	cn.mu.Lock()
	cn.pending[id] = cl
	cn.mu.Unlock()
}

func (cn *conn) removeCall(id int64) {
	cn.mu.Lock()
	delete(cn.pending, id)
	cn.mu.Unlock()
}

func (cn *conn) takeCall(id int64) *call {
	cn.mu.Lock()
	defer cn.mu.Unlock()
	cl := cn.pending[id]
	delete(cn.pending, id)
	return cl
}

// readLoop reads frames until the connection fails or closes.
func (cn *conn) readLoop() {
	defer cn.c.wg.Done()
	defer close(cn.done)
	defer cn.nc.Close()
	rd := wsutil.Reader{
		Source:         cn.br,
		State:          ws.StateClientSide,
		MaxMessageSize: maxMessageSize,
		OnIntermediate: cn.control,
	}
	var buf bytes.Buffer
	for {
		if hb := cn.heartbeat; hb > 0 {
			// The server pings every heartbeat interval: silence for three means it is gone.
			cn.nc.SetReadDeadline(time.Now().Add(3 * hb))
		}
		hdr, err := rd.NextFrame()
		if err != nil {
			cn.err = err
			return
		}
		if hdr.OpCode.IsControl() {
			if err := cn.control(hdr, &rd); err != nil {
				cn.err = err
				if ce, ok := err.(*CloseError); ok {
					cn.closeCode = ce.Code
				}
				return
			}
			continue
		}
		buf.Reset()
		if _, err := buf.ReadFrom(&rd); err != nil {
			cn.err = err
			if ce, ok := err.(*CloseError); ok {
				cn.closeCode = ce.Code
			}
			return
		}
		for line := range bytes.SplitSeq(buf.Bytes(), []byte{'\n'}) {
			if len(bytes.TrimSpace(line)) > 0 {
				cn.handle(line)
			}
			if cn.gap != nil {
				// Nothing after the gap is delivered: the next connection recovers it in order.
				cn.err = cn.gap
				cn.c.log.Warn("livedash client: gap in a channel, reconnecting to recover it",
					"channel", cn.gap.Channel, "last", cn.gap.Last, "got", cn.gap.Got)
				_ = cn.writeFrame(context.Background(), ws.OpClose, ws.NewCloseFrameBody(ws.StatusNormalClosure, "gap"))
				return
			}
		}
	}
}

// control handles a control frame whose payload is read from r: ping is answered, close is
// echoed and returned as a *CloseError.
func (cn *conn) control(hdr ws.Header, r io.Reader) error {
	var buf [ws.MaxControlFramePayloadSize]byte
	p := buf[:hdr.Length]
	if _, err := io.ReadFull(r, p); err != nil {
		return err
	}
	switch hdr.OpCode {
	case ws.OpPing:
		return cn.writeFrame(context.Background(), ws.OpPong, p)
	case ws.OpClose:
		code, reason := ws.ParseCloseFrameData(p)
		ce := &CloseError{Code: int(code), Reason: reason}
		var echo []byte
		if len(p) >= 2 {
			echo = p[:2]
		} else {
			ce.Code = int(ws.StatusNoStatusRcvd)
		}
		_ = cn.writeFrame(context.Background(), ws.OpClose, echo)
		return ce
	}
	return nil
}

// handle handles one message (one line of a frame).
func (cn *conn) handle(line []byte) {
	c := cn.c
	m := new(inbound)
	if err := json.Unmarshal(line, m); err != nil {
		c.log.Warn("livedash client: bad message", "err", err, "message", string(line))
		return
	}
	if f := c.opts.OnMessage; f != nil {
		raw := bytes.Clone(line)
		typ := m.Type
		c.q.push(func() { f(typ, raw) }, true)
	}
	switch m.Type {
	case "welcome":
		w := Welcome{
			ConnectionID:      m.ConnectionID,
			HeartbeatInterval: time.Duration(m.HeartbeatInterval * float64(time.Second)),
			Authenticated:     m.Authenticated,
		}
		if m.User != nil {
			w.User = *m.User
		}
		cn.heartbeat = w.HeartbeatInterval
		c.mu.Lock()
		c.welcome = w
		c.mu.Unlock()
		if len(m.Channels) > 0 {
			var since map[string]livedash.StreamPosition
			if c.opts.TokenMode != TokenMessage {
				since = cn.since // sent as ?since=
			}
			cn.implicitChannels(m.Channels, since)
		}
		cn.welcomeOnce.Do(func() { close(cn.welcomeCh) })
		return
	case "event":
		cn.event(m.Channel, m.Event, m.Seq, m.TS, m.Data, "")
		return
	case "ping":
		// Heartbeat from the server: answer with the same id.
		p, _ := json.Marshal(outbound{Type: "pong", ID: m.ID})
		if err := cn.write(context.Background(), p); err != nil {
			c.log.Debug("livedash client: pong failed", "err", err)
		}
		return
	}
	var cl *call
	if m.ID != 0 {
		if cl = cn.takeCall(m.ID); cl == nil {
			c.log.Debug("livedash client: reply to no pending command", "type", m.Type, "id", m.ID)
		}
	}
	switch m.Type {
	case "authenticated":
		// The first authentication of a connection lists the implicit channels.
		if len(m.Channels) > 0 {
			var since map[string]livedash.StreamPosition
			if cl != nil {
				since = cl.since
			}
			cn.implicitChannels(m.Channels, since)
		}
	case "subscribed":
		if err := json.Unmarshal(m.Channels, &m.subs); err != nil && len(m.Channels) > 0 {
			c.log.Warn("livedash client: bad subscribed reply", "err", err)
		}
		cn.subscribed(m, cl)
	case "unsubscribed":
		if err := json.Unmarshal(m.Channels, &m.unsubs); err != nil && len(m.Channels) > 0 {
			c.log.Warn("livedash client: bad unsubscribed reply", "err", err)
		}
		cn.unsubscribed(m, cl)
	case "error":
		if m.ID == 0 {
			c.log.Warn("livedash client: error from server", "code", m.Code, "message", m.Message)
		}
	default:
		if m.ID == 0 {
			c.log.Debug("livedash client: unexpected message", "type", m.Type)
		}
	}
	if cl != nil {
		cl.ch <- m
	}
}

// event delivers an event unless its seq was already seen on its channel. epoch is the channel's
// epoch when the transport tells it (SSE event ids), else "".
func (cn *conn) event(channel, name string, seq uint64, ts string, data json.RawMessage, epoch string) {
	c := cn.c
	c.mu.Lock()
	ok := cn.acceptLocked(channel, seq, epoch)
	c.mu.Unlock()
	if !ok {
		return
	}
	f := c.opts.OnEvent
	if f == nil {
		return
	}
	ev := Event{Channel: channel, Event: name, Seq: seq, Data: data}
	if ts != "" {
		if t, err := time.Parse(time.RFC3339Nano, ts); err == nil {
			ev.Time = t
		}
	}
	c.q.push(func() { f(ev) }, true)
}

// acceptLocked decides whether an event is delivered and advances its channel's position. An
// event after a gap (its seq skips some, in the epoch the client knows) is not: it sets cn.gap,
// and nothing more is delivered on cn. c.mu is held.
func (cn *conn) acceptLocked(channel string, seq uint64, epoch string) bool {
	c := cn.c
	if cn.gap != nil {
		return false
	}
	if seq == 0 {
		return true
	}
	p, ok := c.positions[channel]
	switch {
	case ok && epoch != "" && p.Epoch != "" && epoch != p.Epoch:
		// The server lost the channel's history (a new epoch starts its seqs again).
		c.log.Warn("livedash client: channel history restarted", "channel", channel, "epoch", epoch, "previous", p.Epoch)
		p = livedash.StreamPosition{}
	case ok && seq <= p.Seq:
		c.log.Debug("livedash client: duplicate event dropped", "channel", channel, "seq", seq, "last", p.Seq)
		return false
	case ok && p.Epoch != "" && seq > p.Seq+1 && !c.lenient[channel]:
		cn.gap = &GapError{Channel: channel, Last: p.Seq, Got: seq}
		return false
	}
	if len(c.lenient) > 0 {
		delete(c.lenient, channel)
	}
	p.Seq = seq
	if epoch != "" {
		p.Epoch = epoch
	}
	c.positions[channel] = p
	return true
}

// setPositionLocked records the position of one channel of a reply (subscribed, welcome,
// authenticated, SSE ready), given what the client asked to recover from. It reports whether a
// recovery was asked for and failed. c.mu is held.
func (c *Client) setPositionLocked(s Subscription, since map[string]livedash.StreamPosition) (failed bool) {
	canon := s.Channel
	cur, ok := c.positions[canon]
	from, asked := since[canon]
	if asked && !ok {
		cur, ok = from, true
	}
	delete(c.lenient, canon)
	switch {
	case asked && s.Recovered:
		// The missed events follow (or preceded) the reply and advance the position; moving it
		// to s.Seq now would drop them as duplicates.
		cur.Epoch = s.Epoch
	case asked:
		failed = true
		if cur.Epoch == s.Epoch && cur.Seq <= s.Seq {
			// Part of the history may still be replayed, after a gap: accept it.
			c.lenient[canon] = true
		} else {
			cur = livedash.StreamPosition{Seq: s.Seq, Epoch: s.Epoch}
		}
	case ok && (cur.Epoch == s.Epoch || cur.Epoch == ""):
		cur = livedash.StreamPosition{Seq: max(cur.Seq, s.Seq), Epoch: s.Epoch}
	default:
		cur = livedash.StreamPosition{Seq: s.Seq, Epoch: s.Epoch}
	}
	c.positions[canon] = cur
	return failed
}

// recoveryFailed reports channels whose recovery failed.
func (c *Client) recoveryFailed(failed []string) {
	for _, ch := range failed {
		c.log.Info("livedash client: recovery failed, events were lost", "channel", ch)
	}
	if f := c.opts.OnRecoveryFailed; f != nil {
		for _, ch := range failed {
			c.q.push(func() { f(ch) }, false)
		}
	}
}

// normalize fills the name or the canonical name of an entry from the other.
func (s *Subscription) normalize() {
	if s.Channel == "" {
		s.Channel = s.Name
	}
	if s.Name == "" {
		s.Name = s.Channel
	}
}

// implicitChannels records the implicit channels of a welcome or authenticated reply. It runs on
// the reader goroutine, before the events that follow the reply are handled.
func (cn *conn) implicitChannels(raw json.RawMessage, since map[string]livedash.StreamPosition) {
	c := cn.c
	var subs []Subscription
	if err := json.Unmarshal(raw, &subs); err != nil {
		c.log.Warn("livedash client: bad channels in a welcome", "err", err)
		return
	}
	var failed []string
	c.mu.Lock()
	clear(c.implicit)
	for _, s := range subs {
		if s.normalize(); s.Channel == "" {
			continue
		}
		c.implicit[s.Channel] = true
		if c.setPositionLocked(s, since) {
			failed = append(failed, s.Channel)
		}
	}
	c.mu.Unlock()
	c.recoveryFailed(failed)
}

// subscribed records the positions of a subscribed reply. It runs on the reader goroutine, before
// the events that follow the reply are handled.
func (cn *conn) subscribed(m *inbound, cl *call) {
	c := cn.c
	var since map[string]livedash.StreamPosition
	if cl != nil {
		since = cl.since
	}
	var failed []string
	c.mu.Lock()
	for _, s := range m.subs {
		if s.normalize(); s.Channel == "" {
			continue
		}
		if c.setPositionLocked(s, since) {
			failed = append(failed, s.Channel)
		}
		c.subs[s.Name] = s.Channel
	}
	c.mu.Unlock()
	c.recoveryFailed(failed)
}

// unsubscribed forgets the channels of an unsubscribed reply.
func (cn *conn) unsubscribed(m *inbound, cl *call) {
	c := cn.c
	gone := make(map[string]bool)
	for _, ch := range m.unsubs {
		gone[ch] = true
	}
	if cl != nil {
		for _, ch := range cl.names {
			gone[ch] = true
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for name, canon := range c.subs {
		if gone[name] || gone[canon] {
			delete(c.subs, name)
			delete(c.positions, canon)
		}
	}
	for _, ch := range m.unsubs {
		delete(c.positions, ch)
	}
}

package client

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"livedash"
)

// dialSSE sends GET /dashboard/sse?channels=… on a connection of its own (no http.Transport: one
// goroutine per connection, the reader) and reads the response head. since is sent as
// Last-Event-ID. The ready event is waited for by setup.
func (c *Client) dialSSE(ctx context.Context, token string, since map[string]livedash.StreamPosition) (*conn, error) {
	query := url.Values{}
	if len(c.opts.Channels) > 0 {
		query.Set("channels", strings.Join(c.opts.Channels, ","))
	}
	header := http.Header{}
	for k, v := range c.opts.Header {
		header[k] = append([]string(nil), v...)
	}
	if token != "" {
		if c.opts.TokenMode == TokenQuery {
			query.Set("token", token)
		} else {
			header.Set("Authorization", "Bearer "+token)
		}
	}
	if cur := formatCursor(since); cur != "" {
		header.Set("Last-Event-ID", cur)
	}
	header.Set("Accept", "text/event-stream")
	header.Set("Cache-Control", "no-cache")
	u, err := withQuery(c.endpoint, query)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header = header
	nd, err := c.netDialer()
	if err != nil {
		return nil, err
	}
	secure := req.URL.Scheme == "https"
	port := req.URL.Port()
	if port == "" {
		port = map[bool]string{false: "80", true: "443"}[secure]
	}
	nc, err := nd.DialContext(ctx, "tcp", net.JoinHostPort(req.URL.Hostname(), port))
	if err != nil {
		return nil, err
	}
	// ctx (bounded by DialTimeout) bounds the TLS handshake, the request and the response head.
	if d, ok := ctx.Deadline(); ok {
		nc.SetDeadline(d)
	}
	stop := context.AfterFunc(ctx, func() { nc.SetDeadline(time.Unix(1, 0)) })
	fail := func(err error) (*conn, error) {
		stop()
		nc.Close()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%w: %w", ctx.Err(), err)
		}
		return nil, err
	}
	if secure {
		tc := tls.Client(nc, &tls.Config{ServerName: req.URL.Hostname()})
		if err := tc.HandshakeContext(ctx); err != nil {
			return fail(err)
		}
		nc = tc
	}
	if err := req.Write(nc); err != nil {
		return fail(err)
	}
	br := bufio.NewReaderSize(nc, 16<<10)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		return fail(err)
	}
	if resp.StatusCode != http.StatusOK {
		he := httpError(resp)
		stop()
		nc.Close()
		return nil, he
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "text/event-stream" {
		return fail(fmt.Errorf("client: %s answered with Content-Type %q, not an event stream", req.URL.Path, resp.Header.Get("Content-Type")))
	}
	if !stop() {
		return fail(errors.New("client: dial interrupted"))
	}
	nc.SetDeadline(time.Time{})
	return &conn{
		c:         c,
		nc:        nc,
		br:        resp.Body,
		sse:       true,
		since:     since,
		pending:   make(map[int64]*call),
		welcomeCh: make(chan struct{}),
		done:      make(chan struct{}),
	}, nil
}

// sseReady is the data of the ready event.
type sseReady struct {
	ConnectionID      string              `json:"connection_id"`
	HeartbeatInterval float64             `json:"heartbeat_interval"`
	User              *livedash.Principal `json:"user"`
	Channels          []Subscription      `json:"channels"`
}

// ssePublication is the data of an event of a channel.
type ssePublication struct {
	Channel string          `json:"channel"`
	Seq     uint64          `json:"seq"`
	TS      string          `json:"ts"`
	Data    json.RawMessage `json:"data"`
}

// errStreamEnded is why an event stream ended without a close event.
var errStreamEnded = errors.New("client: event stream ended without a close event")

// sseReadLoop reads the event stream until it ends, fails, closes with a close event, or skips
// seqs (a gap).
func (cn *conn) sseReadLoop() {
	c := cn.c
	defer c.wg.Done()
	defer close(cn.done)
	defer cn.nc.Close()
	r := &sseReader{br: bufio.NewReaderSize(cn.br, 16<<10), max: maxMessageSize}
	for {
		if hb := cn.heartbeat; hb > 0 {
			// The server writes a comment every heartbeat interval: silence for three means it is gone.
			cn.nc.SetReadDeadline(time.Now().Add(3 * hb))
		}
		it, err := r.next()
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				err = fmt.Errorf("%w (%w)", errStreamEnded, err)
			}
			cn.err = err
			return
		}
		switch it.kind {
		case sseComment:
			cn.onMessage("ping", []byte(it.text))
		case sseRetry:
			c.mu.Lock()
			c.sseRetry = it.retry
			c.mu.Unlock()
		case sseDispatch:
			if done := cn.sseEvent(it); done {
				return
			}
		}
	}
}

// sseEvent handles one dispatched event; it reports whether the stream is over.
func (cn *conn) sseEvent(it sseItem) bool {
	c := cn.c
	switch it.event {
	case "ready":
		cn.onMessage("ready", it.data)
		var m sseReady
		if err := json.Unmarshal(it.data, &m); err != nil {
			cn.err = fmt.Errorf("client: bad ready event: %w", err)
			return true
		}
		cn.ready(m)
	case "close":
		cn.onMessage("close", it.data)
		var m struct {
			Code   int    `json:"code"`
			Reason string `json:"reason"`
		}
		if err := json.Unmarshal(it.data, &m); err != nil {
			c.log.Warn("livedash client: bad close event", "err", err, "data", string(it.data))
		}
		cn.err = &CloseError{Code: m.Code, Reason: m.Reason}
		cn.closeCode = m.Code
		return true
	default:
		cn.onMessage("event", it.data)
		var m ssePublication
		if err := json.Unmarshal(it.data, &m); err != nil || m.Channel == "" {
			c.log.Warn("livedash client: bad event", "event", it.event, "err", err, "data", string(it.data))
			return false
		}
		var epoch string
		if p, ok := cursorPosition(it.id, m.Channel); ok && p.Seq == m.Seq {
			epoch = p.Epoch
		}
		cn.event(m.Channel, it.event, m.Seq, m.TS, m.Data, epoch)
		if cn.gap != nil {
			// Nothing after the gap is delivered: the next stream resumes from the positions of
			// the delivered events (not from this event's id) and replays the rest in order.
			cn.err = cn.gap
			c.log.Warn("livedash client: gap in a channel, reconnecting to recover it",
				"channel", cn.gap.Channel, "last", cn.gap.Last, "got", cn.gap.Got)
			return true
		}
	}
	return false
}

// ready records the ready event: the welcome and every channel's position.
func (cn *conn) ready(m sseReady) {
	c := cn.c
	requested := make(map[string]bool, len(c.opts.Channels))
	for _, name := range c.opts.Channels {
		requested[name] = true
	}
	w := Welcome{
		ConnectionID:      m.ConnectionID,
		HeartbeatInterval: time.Duration(m.HeartbeatInterval * float64(time.Second)),
		Authenticated:     m.User != nil,
	}
	if m.User != nil {
		w.User = *m.User
	}
	cn.heartbeat = w.HeartbeatInterval
	var failed []string
	c.mu.Lock()
	c.welcome = w
	clear(c.implicit)
	for _, s := range m.Channels {
		if s.normalize(); s.Channel == "" {
			continue
		}
		if requested[s.Name] {
			c.subs[s.Name] = s.Channel
		} else {
			c.implicit[s.Channel] = true
		}
		if c.setPositionLocked(s, cn.since) {
			failed = append(failed, s.Channel)
		}
	}
	c.mu.Unlock()
	c.recoveryFailed(failed)
	cn.welcomeOnce.Do(func() { close(cn.welcomeCh) })
}

func (cn *conn) onMessage(typ string, raw []byte) {
	if f := cn.c.opts.OnMessage; f != nil {
		raw = bytes.Clone(raw)
		cn.c.q.push(func() { f(typ, raw) }, true)
	}
}

type sseKind int

const (
	sseDispatch sseKind = iota + 1 // an event (blank line after fields)
	sseComment                     // a line starting with ':'
	sseRetry                       // a retry: field
)

// sseItem is what sseReader.next returns.
type sseItem struct {
	kind  sseKind
	event string // event type, "message" by default
	id    string // the last event id of the stream so far
	data  []byte // data lines joined by '\n'
	text  string // comment text
	retry time.Duration
}

// sseReader parses a text/event-stream (WHATWG HTML, "Server-sent events"). Lines end with "\n"
// or "\r\n" (a lone "\r" is not taken as a line end).
type sseReader struct {
	br      *bufio.Reader
	max     int // longest line and event data
	started bool
	line    []byte
	lastID  string
	event   string
	data    []byte
}

// next returns the next event, comment or retry field. At the end of the stream it returns
// io.EOF (an unfinished event is dropped).
func (r *sseReader) next() (sseItem, error) {
	for {
		line, err := r.readLine()
		if err != nil {
			return sseItem{}, err
		}
		if !r.started {
			r.started = true
			line = bytes.TrimPrefix(line, []byte("\xEF\xBB\xBF"))
		}
		if len(line) == 0 {
			if len(r.data) == 0 {
				r.event = ""
				continue
			}
			it := sseItem{kind: sseDispatch, event: r.event, id: r.lastID, data: r.data[:len(r.data)-1]}
			if it.event == "" {
				it.event = "message"
			}
			r.event, r.data = "", nil
			return it, nil
		}
		if line[0] == ':' {
			return sseItem{kind: sseComment, text: strings.TrimSpace(string(line[1:]))}, nil
		}
		field, value := line, []byte(nil)
		if i := bytes.IndexByte(line, ':'); i >= 0 {
			field, value = line[:i], bytes.TrimPrefix(line[i+1:], []byte{' '})
		}
		switch string(field) {
		case "event":
			r.event = string(value)
		case "data":
			if len(r.data)+len(value) >= r.max {
				return sseItem{}, fmt.Errorf("client: SSE event data longer than %d bytes", r.max)
			}
			r.data = append(append(r.data, value...), '\n')
		case "id":
			if bytes.IndexByte(value, 0) < 0 {
				r.lastID = string(value)
			}
		case "retry":
			if n, err := strconv.ParseUint(string(value), 10, 31); err == nil {
				return sseItem{kind: sseRetry, retry: time.Duration(n) * time.Millisecond}, nil
			}
		}
	}
}

// readLine returns the next line without its end; it is valid until the next call.
func (r *sseReader) readLine() ([]byte, error) {
	frag, err := r.br.ReadSlice('\n')
	line := frag
	if err == bufio.ErrBufferFull {
		r.line = append(r.line[:0], frag...)
		for err == bufio.ErrBufferFull {
			if len(r.line) > r.max {
				return nil, fmt.Errorf("client: SSE line longer than %d bytes", r.max)
			}
			frag, err = r.br.ReadSlice('\n')
			r.line = append(r.line, frag...)
		}
		line = r.line
	}
	if err != nil {
		return nil, err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

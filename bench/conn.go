package bench

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"
)

// maxMessage bounds one message (all fragments) or one SSE line.
const maxMessage = 64 << 20

var (
	// Patterns start with a byte that is rare in the envelope, not '"': bytes.Index jumps from
	// one occurrence of the first byte to the next, and JSON is full of quotes.
	prefixType  = []byte(`{"type":"`)
	keyType     = []byte(`"type":"`)
	keySeq      = []byte(`seq":`)
	keyID       = []byte(`id":`)
	keyData     = []byte(`data":`)
	keyT        = []byte(`"t":`)
	dataT       = []byte(`{"t":`)
	dataPrefix  = []byte("data:")
	eventPrefix = []byte("event:")

	typeEvent      = []byte("event")
	typePing       = []byte("ping")
	typeSubscribed = []byte("subscribed")
	typeError      = []byte("error")
	typeWelcome    = []byte("welcome")

	errMasked = errors.New("masked frame from the server")
	errLarge  = errors.New("message too large")
)

type msgKind uint8

const (
	msgOther msgKind = iota
	msgEvent
	msgPing
	msgSubscribed
	msgError
	msgWelcome
)

// message is what the bench needs of one protocol message.
type message struct {
	kind msgKind
	id   int64
	seq  uint64 // event: its seq; subscribed: the seq of the (first) channel
	t    int64  // event: data.t, the publish time in unix ns; 0 if absent
}

// parseLine parses one protocol message (one line of a frame). The compact JSON the server
// writes is scanned by hand without allocating; anything else falls back to encoding/json.
func parseLine(line []byte) message {
	var typ []byte
	if bytes.HasPrefix(line, prefixType) {
		typ = line[len(prefixType):]
	} else if i := bytes.Index(line, keyType); i >= 0 {
		typ = line[i+len(keyType):]
	} else {
		return parseLineSlow(line)
	}
	j := bytes.IndexByte(typ, '"')
	if j < 0 {
		return parseLineSlow(line)
	}
	typ = typ[:j]
	var m message
	switch {
	case bytes.Equal(typ, typeEvent):
		m.kind = msgEvent
		seq, t, ok := parsePublication(line)
		if !ok {
			return parseLineSlow(line)
		}
		m.seq, m.t = seq, t
	case bytes.Equal(typ, typePing):
		m.kind = msgPing
		m.id, _ = intAfterKey(line, keyID)
	case bytes.Equal(typ, typeSubscribed):
		m.kind = msgSubscribed
		m.id, _ = intAfterKey(line, keyID)
		if v, ok := intAfterKey(line, keySeq); ok {
			m.seq = uint64(v)
		}
	case bytes.Equal(typ, typeError):
		m.kind = msgError
		m.id, _ = intAfterKey(line, keyID)
	case bytes.Equal(typ, typeWelcome):
		m.kind = msgWelcome
	}
	return m
}

// parseLineSlow parses a message with encoding/json (spaces, other field spellings).
func parseLineSlow(line []byte) message {
	var v struct {
		Type     string          `json:"type"`
		ID       int64           `json:"id"`
		Seq      uint64          `json:"seq"`
		Channels json.RawMessage `json:"channels"`
		Data     json.RawMessage `json:"data"`
	}
	if json.Unmarshal(line, &v) != nil {
		return message{}
	}
	m := message{id: v.ID, seq: v.Seq}
	switch v.Type {
	case "event":
		m.kind = msgEvent
		m.t = dataTime(v.Data)
	case "ping":
		m.kind = msgPing
	case "subscribed":
		m.kind = msgSubscribed
		var chs []struct {
			Seq uint64 `json:"seq"`
		}
		if json.Unmarshal(v.Channels, &chs) == nil && len(chs) > 0 {
			m.seq = chs[0].Seq
		}
	case "error":
		m.kind = msgError
	case "welcome":
		m.kind = msgWelcome
	}
	return m
}

func dataTime(data json.RawMessage) int64 {
	var d struct {
		T int64 `json:"t"`
	}
	if json.Unmarshal(data, &d) != nil {
		return 0
	}
	return d.T
}

// parsePublication finds the seq and data.t of a publication: an event message, or the JSON of an
// SSE data line. ok is false without a seq.
func parsePublication(p []byte) (seq uint64, t int64, ok bool) {
	k := indexKey(p, keySeq)
	if k < 0 {
		return parseSlowPublication(p)
	}
	k += len(keySeq)
	v, n := parseInt(p[k:])
	if n == 0 || v < 0 {
		return parseSlowPublication(p)
	}
	// The server writes data after seq; look there first.
	d := indexKey(p[k+n:], keyData)
	if d >= 0 {
		d += k + n
	} else if d = indexKey(p[:k], keyData); d < 0 {
		return uint64(v), 0, true
	}
	data := p[d+len(keyData):]
	if bytes.HasPrefix(data, dataT) {
		t, _ = parseInt(data[len(dataT):])
	} else {
		t, _ = intAfter(data, keyT)
	}
	return uint64(v), t, true
}

// indexKey returns the index of the object key `"key":` in p, given key as `key":`, i.e. the
// index of key preceded by a quote; -1 if absent.
func indexKey(p, key []byte) int {
	off := 0
	for {
		i := bytes.Index(p[off:], key)
		if i < 0 {
			return -1
		}
		i += off
		if i > 0 && p[i-1] == '"' {
			return i
		}
		off = i + 1
	}
}

// intAfterKey parses the integer value of the first object key `"key":` in p (key given as
// `key":`).
func intAfterKey(p, key []byte) (int64, bool) {
	i := indexKey(p, key)
	if i < 0 {
		return 0, false
	}
	v, n := parseInt(p[i+len(key):])
	return v, n > 0
}

func parseSlowPublication(p []byte) (uint64, int64, bool) {
	var v struct {
		Seq  *uint64         `json:"seq"`
		Data json.RawMessage `json:"data"`
	}
	if json.Unmarshal(p, &v) != nil || v.Seq == nil {
		return 0, 0, false
	}
	return *v.Seq, dataTime(v.Data), true
}

// intAfter parses the integer that follows the first occurrence of key in p.
func intAfter(p, key []byte) (int64, bool) {
	i := bytes.Index(p, key)
	if i < 0 {
		return 0, false
	}
	v, n := parseInt(p[i+len(key):])
	return v, n > 0
}

// parseInt parses an optionally signed decimal integer (at most 19 digits) at the start of p,
// after spaces; n is 0 when there is none.
func parseInt(p []byte) (v int64, n int) {
	i := 0
	for i < len(p) && (p[i] == ' ' || p[i] == '\t') {
		i++
	}
	neg := i < len(p) && p[i] == '-'
	if neg {
		i++
	}
	start := i
	for ; i < len(p) && i-start < 19 && p[i] >= '0' && p[i] <= '9'; i++ {
		v = v*10 + int64(p[i]-'0')
	}
	if i == start {
		return 0, 0
	}
	if neg {
		v = -v
	}
	return v, i
}

// sub is one subscriber connection, read by one goroutine.
type sub struct {
	r   *runner
	idx int
	nc  net.Conn
	br  *bufio.Reader // ws: the raw stream; sse: the decoded body
	sse bool

	hdr     [ws.MaxHeaderSize]byte
	msg     []byte // reassembled message or long line
	out     []byte // outgoing frame
	pong    []byte // outgoing pong message
	pending int    // bytes of the last zero-copy message still in br

	hist *Histogram

	// Owned by the reader goroutine; read by others only after it ended.
	lastSeq    uint64
	gaps       int64
	dups       int64
	subscribed bool
	setupErr   error
	closeCode  int
	err        error // why the connection ended before the end of the run

	delivered atomic.Int64
	lastRecv  atomic.Int64 // unix ns of the last frame or line
}

// readMessage returns the payload of the next data message, valid until the next call. A message
// that fits the buffer is not copied. Control frames are handled on the way.
func (s *sub) readMessage() ([]byte, error) {
	if s.pending > 0 {
		s.br.Discard(s.pending)
		s.pending = 0
	}
	s.msg = s.msg[:0]
	fragmented := false
	for {
		h, err := ws.ReadHeaderBuffer(s.br, s.hdr[:])
		if err != nil {
			return nil, err
		}
		if h.Masked {
			return nil, errMasked
		}
		if h.Length > maxMessage-int64(len(s.msg)) {
			return nil, errLarge
		}
		n := int(h.Length)
		if h.OpCode.IsControl() {
			if n > ws.MaxControlFramePayloadSize {
				return nil, ws.ErrProtocolControlPayloadOverflow
			}
			p, err := s.br.Peek(n)
			if err != nil {
				return nil, err
			}
			err = s.control(h.OpCode, p)
			s.br.Discard(n)
			if err != nil {
				return nil, err
			}
			continue
		}
		if h.Fin && !fragmented && n <= s.br.Size() {
			p, err := s.br.Peek(n)
			if err != nil {
				return nil, err
			}
			s.pending = n
			return p, nil
		}
		off := len(s.msg)
		s.msg = slices.Grow(s.msg, n)[:off+n]
		if _, err := io.ReadFull(s.br, s.msg[off:]); err != nil {
			return nil, err
		}
		if h.Fin {
			return s.msg, nil
		}
		fragmented = true
	}
}

// closeError is a close frame from the server.
type closeError struct {
	code   int
	reason string
}

func (e *closeError) Error() string { return fmt.Sprintf("closed by server: %d %s", e.code, e.reason) }

func (s *sub) control(op ws.OpCode, p []byte) error {
	switch op {
	case ws.OpPing:
		return s.write(ws.OpPong, p)
	case ws.OpClose:
		code := int(ws.StatusNoStatusRcvd)
		reason := ""
		if len(p) >= 2 {
			code = int(binary.BigEndian.Uint16(p))
			reason = string(p[2:])
			_ = s.write(ws.OpClose, p[:2])
		} else {
			_ = s.write(ws.OpClose, nil)
		}
		s.closeCode = code
		return &closeError{code: code, reason: reason}
	}
	return nil
}

// write sends one masked frame (the reader goroutine is the only writer once set up).
func (s *sub) write(op ws.OpCode, p []byte) error {
	s.out = appendClientFrame(s.out[:0], op, p)
	s.nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, err := s.nc.Write(s.out)
	return err
}

// appendClientFrame appends a final, masked frame to dst.
func appendClientFrame(dst []byte, op ws.OpCode, p []byte) []byte {
	dst = append(dst, 0x80|byte(op))
	switch n := len(p); {
	case n < 126:
		dst = append(dst, 0x80|byte(n))
	case n <= 0xffff:
		dst = append(dst, 0x80|126)
		dst = binary.BigEndian.AppendUint16(dst, uint16(n))
	default:
		dst = append(dst, 0x80|127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	mask := ws.NewMask()
	dst = append(dst, mask[:]...)
	off := len(dst)
	dst = append(dst, p...)
	ws.Cipher(dst[off:], mask, 0)
	return dst
}

// handleFrame handles the messages of one frame, separated by '\n'.
func (s *sub) handleFrame(p []byte, now int64) {
	for len(p) > 0 {
		var line []byte
		if i := bytes.IndexByte(p, '\n'); i >= 0 {
			line, p = p[:i], p[i+1:]
		} else {
			line, p = p, nil
		}
		if len(line) > 0 {
			s.handleLine(line, now)
		}
	}
}

func (s *sub) handleLine(line []byte, now int64) {
	m := parseLine(line)
	switch m.kind {
	case msgEvent:
		s.record(m.seq, m.t, now)
	case msgPing:
		s.pong = append(s.pong[:0], `{"type":"pong","id":`...)
		s.pong = strconv.AppendInt(s.pong, m.id, 10)
		s.pong = append(s.pong, '}')
		_ = s.write(ws.OpText, s.pong)
	case msgSubscribed:
		if !s.subscribed && m.id == subscribeID {
			s.subscribed = true
			s.lastSeq = m.seq
		}
	case msgError:
		if !s.subscribed && (m.id == subscribeID || m.id == 0) {
			s.setupErr = fmt.Errorf("subscribe refused: %s", errorText(line))
		} else {
			s.r.serverErrors.Add(1)
		}
	}
}

func errorText(line []byte) string {
	var e struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	if json.Unmarshal(line, &e) != nil || e.Code == "" {
		return string(line)
	}
	return e.Code + ": " + e.Message
}

// record counts one publication: seq gaps are losses, seqs already seen are duplicates.
func (s *sub) record(seq uint64, t, now int64) {
	if seq != 0 && seq <= s.lastSeq {
		s.dups++
		return
	}
	if s.lastSeq != 0 && seq > s.lastSeq+1 {
		s.gaps += int64(seq - s.lastSeq - 1)
	}
	if seq != 0 {
		s.lastSeq = seq
	}
	s.delivered.Add(1)
	if t > 0 {
		s.hist.Record(time.Duration(now - t))
	}
}

func (s *sub) readWS() error {
	for {
		p, err := s.readMessage()
		if err != nil {
			return err
		}
		now := time.Now().UnixNano()
		s.lastRecv.Store(now)
		s.handleFrame(p, now)
	}
}

func (s *sub) readSSE() error {
	var control bool
	for {
		line, err := s.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			s.msg = append(s.msg[:0], line...)
			for err == bufio.ErrBufferFull && len(s.msg) <= maxMessage {
				line, err = s.br.ReadSlice('\n')
				s.msg = append(s.msg, line...)
			}
			line = s.msg
		}
		if err != nil {
			return err
		}
		if bytes.HasPrefix(line, eventPrefix) {
			// Control events (ready, close) carry no publication.
			ev := bytes.TrimSpace(line[len(eventPrefix):])
			control = bytes.Equal(ev, []byte("ready")) || bytes.Equal(ev, []byte("close"))
			continue
		}
		if !bytes.HasPrefix(line, dataPrefix) {
			if len(bytes.TrimSpace(line)) == 0 {
				control = false
			}
			continue
		}
		if control {
			continue
		}
		now := time.Now().UnixNano()
		s.lastRecv.Store(now)
		if seq, t, ok := parsePublication(line[len(dataPrefix):]); ok {
			s.record(seq, t, now)
		}
	}
}

// run reads until the connection ends, then closes it.
func (s *sub) run() {
	var err error
	if s.sse {
		err = s.readSSE()
	} else {
		err = s.readWS()
	}
	if !s.r.stopping.Load() {
		s.err = err
	} else if !s.sse && s.closeCode == 0 {
		_ = s.write(ws.OpClose, ws.NewCloseFrameBody(ws.StatusNormalClosure, ""))
	}
	s.nc.Close()
}

const subscribeID = 1

// connectWS dials, upgrades, subscribes and waits for the subscribed reply.
func (r *runner) connectWS(ctx context.Context, i int) (*sub, error) {
	var herr error
	d := ws.Dialer{
		NetDial: r.dialer(i).DialContext,
		Header:  r.wsHeader(i),
		OnStatusError: func(status int, _ []byte, resp io.Reader) {
			herr = readHTTPError(status, resp)
		},
	}
	nc, br, _, err := d.Dial(ctx, r.wsURL)
	if err != nil {
		if herr != nil {
			return nil, herr
		}
		return nil, err
	}
	var src io.Reader = nc
	if br != nil {
		// The server wrote right after the upgrade (the welcome): read those bytes first.
		src = io.MultiReader(br, nc)
	}
	s := &sub{r: r, idx: i, nc: nc, br: bufio.NewReaderSize(src, r.bufSize), hist: r.shard(i)}
	if dl, ok := ctx.Deadline(); ok {
		nc.SetDeadline(dl)
	}
	sub := fmt.Appendf(nil, `{"type":"subscribe","id":%d,"channels":[%q]}`, subscribeID, r.cfg.Channel)
	if err := s.write(ws.OpText, sub); err != nil {
		nc.Close()
		return nil, err
	}
	for !s.subscribed && s.setupErr == nil {
		p, err := s.readMessage()
		if err != nil {
			nc.Close()
			return nil, fmt.Errorf("waiting for the subscribed reply: %w", err)
		}
		now := time.Now().UnixNano()
		s.handleFrame(p, now)
	}
	if s.setupErr != nil {
		nc.Close()
		return nil, s.setupErr
	}
	nc.SetDeadline(time.Time{})
	return s, nil
}

// connectSSE opens the event stream and waits for the response headers.
func (r *runner) connectSSE(ctx context.Context, i int) (*sub, error) {
	nc, err := r.dialer(i).DialContext(ctx, "tcp", r.sseAddr)
	if err != nil {
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		nc.SetDeadline(dl)
	}
	if r.sseTLS {
		host := r.sseHost
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		tc := tls.Client(nc, &tls.Config{ServerName: host})
		if err := tc.HandshakeContext(ctx); err != nil {
			nc.Close()
			return nil, err
		}
		nc = tc
	}
	q := url.Values{"channels": {r.cfg.Channel}}
	if tok := r.token(i); tok != "" {
		q.Set("token", tok)
	}
	req := "GET " + r.ssePath + "?" + q.Encode() + " HTTP/1.1\r\nHost: " + r.sseHost +
		"\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n"
	if _, err := io.WriteString(nc, req); err != nil {
		nc.Close()
		return nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReaderSize(nc, 4096), nil)
	if err != nil {
		nc.Close()
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		nc.Close()
		return nil, httpError(resp.StatusCode, body)
	}
	// The stream is subscribed once its ready event arrives (events of the channels follow it).
	br := bufio.NewReaderSize(resp.Body, r.bufSize)
	for inReady := false; ; {
		line, err := br.ReadSlice('\n')
		if err != nil {
			nc.Close()
			return nil, fmt.Errorf("waiting for the ready event: %w", err)
		}
		if bytes.HasPrefix(line, []byte("event: ready")) {
			inReady = true
		} else if inReady && bytes.HasPrefix(line, dataPrefix) {
			break
		}
	}
	nc.SetDeadline(time.Time{})
	return &sub{r: r, idx: i, nc: nc, sse: true, br: br, hist: r.shard(i)}, nil
}

// readHTTPError reads a refused upgrade.
func readHTTPError(status int, resp io.Reader) error {
	r, err := http.ReadResponse(bufio.NewReader(resp), nil)
	if err != nil {
		return httpError(status, nil)
	}
	defer r.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(r.Body, 4096))
	return httpError(status, body)
}

// httpError describes an HTTP error answer with its {"error":{"code","message"}} body.
func httpError(status int, body []byte) error {
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error.Code != "" {
		return fmt.Errorf("HTTP %d %s: %s", status, e.Error.Code, e.Error.Message)
	}
	if s := strings.TrimSpace(string(body)); s != "" {
		return fmt.Errorf("HTTP %d: %s", status, s)
	}
	return fmt.Errorf("HTTP %d %s", status, http.StatusText(status))
}

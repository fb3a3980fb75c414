package realtime

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"

	"livedash"
)

// maxFramePayload bounds one outgoing text frame; a larger batch is split into several frames
// written in the same write.
const maxFramePayload = 64 << 10

var writeBufPool = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

type wsTransport struct {
	conn         net.Conn
	writeTimeout time.Duration
	aborted      atomic.Bool
	closeOnce    sync.Once
}

func (t *wsTransport) kind() string { return TransportWebSocket }

func appendFrameHeader(b []byte, op ws.OpCode, n int) []byte {
	b = append(b, 0x80|byte(op))
	switch {
	case n < 126:
		return append(b, byte(n))
	case n <= 0xffff:
		return binary.BigEndian.AppendUint16(append(b, 126), uint16(n))
	default:
		return binary.BigEndian.AppendUint64(append(b, 127), uint64(n))
	}
}

// writeBatch joins consecutive messages with '\n' into text frames (the protocol lets one frame
// carry several messages) and writes all frames with one write.
func (t *wsTransport) writeBatch(msgs []*outMsg) error {
	bp := writeBufPool.Get().(*[]byte)
	b := (*bp)[:0]
	for i := 0; i < len(msgs); {
		if msgs[i].pong {
			b = appendFrameHeader(b, ws.OpPong, len(msgs[i].data))
			b = append(b, msgs[i].data...)
			i++
			continue
		}
		j, size := i+1, len(msgs[i].data)
		for j < len(msgs) && !msgs[j].pong && size+1+len(msgs[j].data) <= maxFramePayload {
			size += 1 + len(msgs[j].data)
			j++
		}
		b = appendFrameHeader(b, ws.OpText, size)
		for k := i; k < j; k++ {
			if k > i {
				b = append(b, '\n')
			}
			b = append(b, msgs[k].data...)
		}
		i = j
	}
	err := t.write(b, t.writeTimeout)
	if cap(b) <= 1<<20 {
		*bp = b
		writeBufPool.Put(bp)
	}
	return err
}

func (t *wsTransport) write(b []byte, timeout time.Duration) error {
	if err := t.conn.SetWriteDeadline(time.Now().Add(timeout)); err != nil {
		return err
	}
	if t.aborted.Load() { // abortWrites may have run before the deadline above was set
		_ = t.conn.SetWriteDeadline(time.Now())
	}
	_, err := t.conn.Write(b)
	return err
}

func (t *wsTransport) writeClose(code int, reason string) {
	if len(reason) > 120 {
		reason = reason[:120]
	}
	payload := binary.BigEndian.AppendUint16(make([]byte, 0, 2+len(reason)), uint16(code))
	payload = append(payload, reason...)
	frame := append(appendFrameHeader(make([]byte, 0, 4+len(payload)), ws.OpClose, len(payload)), payload...)
	_ = t.write(frame, time.Second)
}

func (t *wsTransport) closeConn() { t.closeOnce.Do(func() { _ = t.conn.Close() }) }

func (t *wsTransport) abortWrites() {
	t.aborted.Store(true)
	_ = t.conn.SetWriteDeadline(time.Now())
}

// serveWebSocket authenticates and admits a connection before upgrading it, so refusals are plain
// HTTP errors with a JSON body.
func (h *Hub) serveWebSocket(w http.ResponseWriter, r *http.Request) {
	p, ip, ok := h.admitRequest(w, r)
	if !ok {
		return
	}
	conn, rw, _, err := ws.UpgradeHTTP(r, w)
	if err != nil {
		h.release(ip, p)
		h.log.Debug("websocket upgrade failed", "ip", ip.String(), "err", err)
		return
	}
	// Bytes the client sent right after the handshake may sit in the server's buffer.
	var rd io.Reader = conn
	if n := rw.Reader.Buffered(); n > 0 {
		early, _ := rw.Reader.Peek(n)
		rd = io.MultiReader(bytes.NewReader(bytes.Clone(early)), conn)
	}
	t := &wsTransport{conn: conn, writeTimeout: h.cfg.WriteTimeout}
	s := h.newSession(t, ip, p)
	h.register(s)
	attrs := []any{"conn", s.id, "transport", t.kind(), "ip", ip.String()}
	if p != nil {
		attrs = append(attrs, "user", p.UserID, "tenant", p.Tenant)
	}
	h.log.Info("connect", attrs...)
	// A fresh goroutine with a small stack holds the idle connection; the handler's goroutine
	// (and its grown stack) returns.
	go h.wsReadLoop(s, rd)
}

// wsReadLoop reads client frames until the connection ends, then unregisters the session.
func (h *Hub) wsReadLoop(s *session, r io.Reader) {
	ctx := context.Background()
	defer h.unregister(s)
	s.welcome(ctx)
	var msg []byte // a text message being reassembled from fragments
	for {
		hdr, err := ws.ReadHeader(r)
		if err != nil {
			s.close(CloseGoingAway, readEndReason(err), false)
			return
		}
		if !hdr.Masked {
			s.close(CloseProtocolError, "client frames must be masked", false)
			return
		}
		if hdr.Length > int64(h.cfg.MaxFrameSize) || int64(len(msg))+hdr.Length > int64(h.cfg.MaxFrameSize) {
			s.close(CloseTooBig, "frame larger than the limit", false)
			return
		}
		payload := make([]byte, hdr.Length)
		if _, err := io.ReadFull(r, payload); err != nil {
			s.close(CloseGoingAway, readEndReason(err), false)
			return
		}
		ws.Cipher(payload, hdr.Mask, 0)
		switch hdr.OpCode {
		case ws.OpClose:
			s.close(CloseNormal, "closed by client", true)
			return
		case ws.OpPing:
			s.lastSeen.Store(h.now().UnixNano())
			s.enqueue(&outMsg{data: payload, pong: true}, true)
		case ws.OpPong:
			s.lastSeen.Store(h.now().UnixNano())
		case ws.OpText, ws.OpContinuation:
			if hdr.OpCode == ws.OpContinuation && msg == nil {
				s.close(CloseProtocolError, "continuation frame without a message", false)
				return
			}
			if !hdr.Fin {
				msg = append(msg, payload...)
				continue
			}
			if msg != nil {
				payload, msg = append(msg, payload...), nil
			}
			s.handleFrame(ctx, payload)
		case ws.OpBinary:
			s.replyError(nil, livedash.Errorf(livedash.EBadRequest, "binary frames are not supported; send JSON text"))
		default:
			s.close(CloseProtocolError, "unknown frame opcode", false)
			return
		}
	}
}

func readEndReason(err error) string {
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed by client"
	case errors.Is(err, net.ErrClosed):
		return "connection closed"
	default:
		return "read failed: " + err.Error()
	}
}

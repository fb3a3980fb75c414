package realtime

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/gobwas/ws"

	"livedash"
)

// maxFramePayload bounds one outgoing text frame; a larger batch is split into several frames
// written in the same write.
const maxFramePayload = 64 << 10

type wsTransport struct {
	connWriter
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
func (t *wsTransport) writeBatch(msgs []*outMsg, fast bool) error {
	bp := getWriteBuf()
	b := *bp
	for i := 0; i < len(msgs); {
		if msgs[i].data == nil { // SSE-only
			i++
			continue
		}
		if msgs[i].pong {
			b = appendFrameHeader(b, ws.OpPong, len(msgs[i].data))
			b = append(b, msgs[i].data...)
			i++
			continue
		}
		j, size := i+1, len(msgs[i].data)
		for j < len(msgs) && !msgs[j].pong && msgs[j].data != nil && size+1+len(msgs[j].data) <= maxFramePayload {
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
	err := t.send(b, fast)
	putWriteBuf(bp, b)
	return err
}

// writeClose sends the close frame; see connWriter.goodbye.
func (t *wsTransport) writeClose(code int, reason string, fast bool) bool {
	if len(reason) > 120 {
		reason = reason[:120]
	}
	payload := binary.BigEndian.AppendUint16(make([]byte, 0, 2+len(reason)), uint16(code))
	payload = append(payload, reason...)
	return t.goodbye(append(appendFrameHeader(make([]byte, 0, 4+len(payload)), ws.OpClose, len(payload)), payload...), fast)
}

// serveWebSocket authenticates and admits a connection before upgrading it, so refusals are plain
// HTTP errors with a JSON body.
func (h *Hub) serveWebSocket(w http.ResponseWriter, r *http.Request) {
	// ?since= recovers the implicit channels (user, tenant, global); others recover via subscribe.
	since, err := parseCursor(r.URL.Query().Get("since"))
	if err != nil {
		WriteError(w, http.StatusBadRequest, livedash.EBadRequest, "since: "+livedash.ErrorMessage(err))
		return
	}
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
	t := &wsTransport{newConnWriter(conn, h.cfg.WriteTimeout)}
	s := h.newSession(t, ip, p)
	h.register(s)
	attrs := []any{"conn", s.id, "transport", t.kind(), "ip", ip.String()}
	if p != nil {
		attrs = append(attrs, "user", p.UserID, "tenant", p.Tenant)
	}
	h.log.Info("connect", attrs...)
	// A fresh goroutine with a small stack holds the idle connection; the handler's goroutine
	// (and its grown stack) returns.
	go h.wsReadLoop(s, t, rd, since)
}

// wsReadLoop reads client frames until the connection ends, then unregisters the session.
func (h *Hub) wsReadLoop(s *session, t *wsTransport, r io.Reader, since map[string]livedash.StreamPosition) {
	ctx := context.Background()
	defer h.unregister(s)
	defer t.closeConn()
	s.welcome(ctx, since)
	var msg []byte // a text message being reassembled from fragments
	for {
		hdr, err := ws.ReadHeader(r)
		if err != nil {
			s.close(CloseGoingAway, readEndReason(err), false)
			return
		}
		if !hdr.Masked {
			violation(s, t, r, CloseProtocolError, "client frames must be masked")
			return
		}
		if hdr.Length > int64(h.cfg.MaxFrameSize) || int64(len(msg))+hdr.Length > int64(h.cfg.MaxFrameSize) {
			violation(s, t, r, CloseTooBig, "frame larger than the limit")
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
				violation(s, t, r, CloseProtocolError, "continuation frame without a message")
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
			violation(s, t, r, CloseProtocolError, "unknown frame opcode")
			return
		}
	}
}

// violation closes the session for a protocol violation. It drains the client's input until the
// client answers the close frame (or closeWait passes), so the close frame is not lost to a reset.
func violation(s *session, t *wsTransport, r io.Reader, code int, reason string) {
	s.close(code, reason, false)
	_ = t.conn.SetReadDeadline(time.Now().Add(closeWait))
	_, _ = io.Copy(io.Discard, r)
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

package realtime

import (
	"sync/atomic"

	"livedash"
)

// outMsg is one message queued for a connection. Publications are encoded once and the same
// *outMsg is queued on every subscriber.
type outMsg struct {
	data []byte                // WebSocket: one line of JSON; nil for SSE-only messages
	sse  []byte                // SSE: a formatted block for control messages; nil for events
	pub  *livedash.Publication // set for events; SSE streams format them with their cursor
	pong bool                  // a WebSocket control pong carrying data

	sseData atomic.Pointer[[]byte] // the SSE data line of pub, encoded once on first use
}

func newPubMsg(p *livedash.Publication) *outMsg {
	return &outMsg{data: encodeEvent(p), pub: p}
}

// sseLine returns the JSON {"channel","seq","ts","data"} of the message's publication, encoded
// once and shared by every SSE subscriber.
func (m *outMsg) sseLine() []byte {
	if b := m.sseData.Load(); b != nil {
		return *b
	}
	b := encodeSSEData(m.pub)
	m.sseData.CompareAndSwap(nil, &b)
	return *m.sseData.Load()
}

// transport is what a session writes to. Each transport's handler owns its own read side.
type transport interface {
	kind() string
	// writeBatch writes msgs in as few writes as it can; only one writer calls it at a time. With
	// fast, it gives up after fastWriteTimeout with errWouldBlock and keeps what it could not write
	// for flushPending; a transport that cannot do that writes fully (and may take the full timeout).
	writeBatch(msgs []*outMsg, fast bool) error
	// flushPending writes what a fast writeBatch left, with the full write timeout.
	flushPending() error
	// writeClose tells the client why it is being disconnected, best effort; with fast, it does
	// not wait for a full socket. It reports whether the read side will close the connection once
	// the client has answered; if not, the caller closes it.
	writeClose(code int, reason string, fast bool) bool
	// closeConn closes the connection; safe from any goroutine, idempotent.
	closeConn()
	// abortWrites makes a blocked write fail soon, so a slow consumer is cut without waiting.
	abortWrites()
}

// Transport kinds, as reported in stats.
const (
	TransportWebSocket = "websocket"
	TransportSSE       = "sse"
)

package realtime

import "livedash"

// outMsg is one message queued for a connection. Publications are encoded once and the same
// *outMsg is queued on every subscriber.
type outMsg struct {
	data []byte                // one line of JSON
	pub  *livedash.Publication // set for events; SSE formats from it
	pong bool                  // a WebSocket control pong carrying data
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

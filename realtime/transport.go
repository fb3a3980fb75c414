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
	// writeBatch writes msgs in as few writes as it can. Only the session's writer calls it.
	writeBatch(msgs []*outMsg) error
	// writeClose tells the client why it is being disconnected, best effort.
	writeClose(code int, reason string)
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

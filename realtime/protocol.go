package realtime

import (
	"encoding/json"
	"strconv"
	"time"

	"livedash"
)

// ProtocolVersion is announced in the welcome message; the protocol changes only by adding.
const ProtocolVersion = 1

// Close codes sent in WebSocket close frames (and logged as the disconnect reason for SSE).
const (
	CloseNormal           = 1000
	CloseGoingAway        = 1001
	CloseProtocolError    = 1002
	CloseUnsupportedData  = 1003
	CloseTooBig           = 1009
	CloseServerRestart    = 1012
	CloseSlowConsumer     = 4000
	CloseUnauthorized     = 4401
	CloseForbidden        = 4403
	CloseHeartbeatTimeout = 4408
	CloseLimit            = 4429
)

// Command is one client-to-server message. Unknown fields are ignored.
type Command struct {
	Type     string                             `json:"type"`
	ID       *int64                             `json:"id,omitempty"`
	Token    string                             `json:"token,omitempty"`
	Channels []string                           `json:"channels,omitempty"`
	Since    map[string]livedash.StreamPosition `json:"since,omitempty"`
}

// Command types.
const (
	CmdAuthenticate = "authenticate"
	CmdSubscribe    = "subscribe"
	CmdUnsubscribe  = "unsubscribe"
	CmdPing         = "ping"
	CmdPong         = "pong"
	CmdRefresh      = "refresh"
)

type userInfo struct {
	ID       string   `json:"id"`
	Tenant   string   `json:"tenant"`
	Roles    []string `json:"roles"`
	Projects []string `json:"projects,omitempty"`
}

func userOf(p livedash.Principal) userInfo {
	roles := p.Roles
	if roles == nil {
		roles = []string{}
	}
	return userInfo{ID: p.UserID, Tenant: p.Tenant, Roles: roles, Projects: p.Projects}
}

type welcomeMsg struct {
	Type              string              `json:"type"`
	Protocol          int                 `json:"protocol"`
	ConnectionID      string              `json:"connection_id"`
	HeartbeatInterval int                 `json:"heartbeat_interval"`
	Authenticated     bool                `json:"authenticated"`
	User              *userInfo           `json:"user,omitempty"`
	Channels          []SubscribedChannel `json:"channels,omitempty"` // the implicit channels
}

type authenticatedMsg struct {
	Type     string              `json:"type"`
	ID       *int64              `json:"id,omitempty"`
	User     userInfo            `json:"user"`
	Channels []SubscribedChannel `json:"channels,omitempty"` // the implicit channels, on first authentication
}

// SubscribedChannel describes one channel in a subscribed reply.
type SubscribedChannel struct {
	Name      string `json:"name"`
	Channel   string `json:"channel"`
	Seq       uint64 `json:"seq"`
	Epoch     string `json:"epoch"`
	Recovered *bool  `json:"recovered,omitempty"`

	// from is where delivery continues: just before the first replayed publication, or Seq.
	from livedash.StreamPosition
}

type subscribedMsg struct {
	Type     string              `json:"type"`
	ID       *int64              `json:"id,omitempty"`
	Channels []SubscribedChannel `json:"channels"`
}

type unsubscribedMsg struct {
	Type     string   `json:"type"`
	ID       *int64   `json:"id,omitempty"`
	Channels []string `json:"channels"`
}

type errorMsg struct {
	Type    string `json:"type"`
	ID      *int64 `json:"id,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

type pongMsg struct {
	Type string `json:"type"`
	ID   *int64 `json:"id,omitempty"`
	TS   string `json:"ts"`
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		// Every message type above marshals; failure here is a programming error.
		panic("realtime: encode message: " + err.Error())
	}
	return b
}

func encodeError(id *int64, code, message string) []byte {
	return mustJSON(errorMsg{Type: "error", ID: id, Code: code, Message: message})
}

// encodePing builds a server heartbeat ping. It is built by hand: it is sent to every connection.
func encodePing(id int64) []byte {
	b := make([]byte, 0, 32)
	b = append(b, `{"type":"ping","id":`...)
	b = strconv.AppendInt(b, id, 10)
	return append(b, '}')
}

// encodeEvent builds the one shared encoding of a publication for WebSocket subscribers.
func encodeEvent(p *livedash.Publication) []byte {
	b := make([]byte, 0, 96+len(p.Channel)+len(p.Event)+len(p.Data))
	b = append(b, `{"type":"event","channel":`...)
	b = appendJSONString(b, p.Channel)
	b = append(b, `,"event":`...)
	b = appendJSONString(b, p.Event)
	return appendSeqTimeData(b, p)
}

// encodeSSEData builds the data line of an SSE event: {"channel","seq","ts","data"}.
func encodeSSEData(p *livedash.Publication) []byte {
	b := make([]byte, 0, 64+len(p.Channel)+len(p.Data))
	b = append(b, `{"channel":`...)
	b = appendJSONString(b, p.Channel)
	return appendSeqTimeData(b, p)
}

// appendSeqTimeData appends the common tail of both event encodings: seq, ts, data and the
// closing brace.
func appendSeqTimeData(b []byte, p *livedash.Publication) []byte {
	b = append(b, `,"seq":`...)
	b = strconv.AppendUint(b, p.Seq, 10)
	b = append(b, `,"ts":"`...)
	b = p.Time.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","data":`...)
	if len(p.Data) == 0 {
		b = append(b, "null"...)
	} else {
		b = append(b, p.Data...)
	}
	return append(b, '}')
}

// appendJSONString appends s as a JSON string. Channel and event names are validated to a safe
// alphabet, so the fast path is a plain copy; anything else goes through encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' || c >= 0x7f || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

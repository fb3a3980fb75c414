package client

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"livedash"
)

// A cursor is the position of several channels in one string: "channel~seq~epoch" entries
// joined by ",". It is what the server takes as ?since= on the WebSocket upgrade (implicit
// channels) and as Last-Event-ID on the SSE stream, and what SSE event ids carry.

// formatCursor formats the positions with a known epoch, in channel order.
func formatCursor(pos map[string]livedash.StreamPosition) string {
	var b strings.Builder
	for _, ch := range slices.Sorted(func(yield func(string) bool) {
		for ch, p := range pos {
			if p.Epoch != "" && !yield(ch) {
				return
			}
		}
	}) {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		p := pos[ch]
		b.WriteString(ch)
		b.WriteByte('~')
		b.WriteString(strconv.FormatUint(p.Seq, 10))
		b.WriteByte('~')
		b.WriteString(p.Epoch)
	}
	return b.String()
}

// parseCursor decodes a cursor; an empty one is an empty map.
func parseCursor(s string) (map[string]livedash.StreamPosition, error) {
	out := make(map[string]livedash.StreamPosition)
	if s == "" {
		return out, nil
	}
	for entry := range strings.SplitSeq(s, ",") {
		ch, seq, epoch, ok := cutCursorEntry(entry)
		if !ok {
			return nil, fmt.Errorf("client: bad cursor entry %q", entry)
		}
		out[ch] = livedash.StreamPosition{Seq: seq, Epoch: epoch}
	}
	return out, nil
}

// cursorPosition returns the position of channel in cursor s, without decoding the other entries.
func cursorPosition(s, channel string) (livedash.StreamPosition, bool) {
	for entry := range strings.SplitSeq(s, ",") {
		if len(entry) <= len(channel) || entry[len(channel)] != '~' || !strings.HasPrefix(entry, channel) {
			continue
		}
		_, seq, epoch, ok := cutCursorEntry(entry)
		return livedash.StreamPosition{Seq: seq, Epoch: epoch}, ok
	}
	return livedash.StreamPosition{}, false
}

func cutCursorEntry(entry string) (ch string, seq uint64, epoch string, ok bool) {
	ch, rest, ok1 := strings.Cut(entry, "~")
	s, epoch, ok2 := strings.Cut(rest, "~")
	if !ok1 || !ok2 || ch == "" || epoch == "" || strings.Contains(epoch, "~") {
		return "", 0, "", false
	}
	seq, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return "", 0, "", false
	}
	return ch, seq, epoch, true
}

// endpointURL derives the URL of the transport's endpoint from Options.URL, which may name the
// WebSocket endpoint (ws://host/ws, wss://…) or be an http(s) base (https://host, https://host/app).
// WebSocket: ws(s)://…/ws (a base without path gets /ws). SSE: http(s)://…/dashboard/sse (a
// trailing /ws is replaced). The query is kept.
func endpointURL(raw string, t Transport) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("client: bad Options.URL: %w", err)
	}
	if u.Host == "" {
		return "", fmt.Errorf("client: Options.URL %q has no host", raw)
	}
	secure := false
	switch strings.ToLower(u.Scheme) {
	case "ws", "http":
	case "wss", "https":
		secure = true
	default:
		return "", fmt.Errorf("client: Options.URL %q: scheme must be ws, wss, http or https", raw)
	}
	path := u.Path
	switch t {
	case TransportWebSocket:
		u.Scheme = map[bool]string{false: "ws", true: "wss"}[secure]
		if path == "" || path == "/" {
			path = "/ws"
		}
	case TransportSSE:
		u.Scheme = map[bool]string{false: "http", true: "https"}[secure]
		if !strings.HasSuffix(path, "/dashboard/sse") {
			path = strings.TrimSuffix(strings.TrimSuffix(path, "/"), "/ws") + "/dashboard/sse"
		}
	default:
		return "", fmt.Errorf("client: unknown Options.Transport %d", t)
	}
	u.Path, u.RawPath = path, ""
	return u.String(), nil
}

package realtime

import (
	"strconv"
	"strings"

	"livedash"
)

// A cursor is the position of every channel of a stream in one opaque, URL- and header-safe
// string: "channel~seq~epoch" entries joined by ",". SSE events carry it as their id, so
// Last-Event-ID resumes every channel; WebSocket accepts it as ?since= for the implicit channels.
// Channel names cannot hold '~' or ',', epochs are hex.

const maxCursorLen = 16 << 10

// appendCursor appends the cursor of positions (in their given order).
func appendCursor(b []byte, chans []string, pos []livedash.StreamPosition) []byte {
	for i, ch := range chans {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, ch...)
		b = append(b, '~')
		b = strconv.AppendUint(b, pos[i].Seq, 10)
		b = append(b, '~')
		b = append(b, pos[i].Epoch...)
	}
	return b
}

// parseCursor decodes a cursor; an empty one is an empty map.
func parseCursor(s string) (map[string]livedash.StreamPosition, error) {
	out := map[string]livedash.StreamPosition{}
	if s == "" {
		return out, nil
	}
	if len(s) > maxCursorLen {
		return nil, livedash.Errorf(livedash.EBadRequest, "cursor longer than %d bytes", maxCursorLen)
	}
	for _, entry := range strings.Split(s, ",") {
		parts := strings.Split(entry, "~")
		if len(parts) != 3 || parts[0] == "" || !validEpoch(parts[2]) {
			return nil, livedash.Errorf(livedash.EBadRequest, "cursor entry %q is not channel~seq~epoch", truncate(entry, 64))
		}
		seq, err := strconv.ParseUint(parts[1], 10, 64)
		if err != nil {
			return nil, livedash.Errorf(livedash.EBadRequest, "cursor entry %q has a bad seq", truncate(entry, 64))
		}
		out[parts[0]] = livedash.StreamPosition{Seq: seq, Epoch: parts[2]}
	}
	return out, nil
}

func validEpoch(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// formatCursor is appendCursor as a string, for tests and replies.
func formatCursor(chans []string, pos []livedash.StreamPosition) string {
	return string(appendCursor(nil, chans, pos))
}

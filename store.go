package livedash

import (
	"crypto/rand"
	"fmt"
	"sync"
	"time"
)

// Pagination bounds of ListOptions.Limit.
const (
	DefaultLimit = 50  // used when Limit is 0
	MaxLimit     = 500 // larger limits are lowered to this
)

// ListOptions asks for one page of a list: at most Limit items after the position Cursor names
// (empty: from the start). Cursors are opaque strings taken from Page.NextCursor.
type ListOptions struct {
	Limit  int    `json:"limit,omitempty"`
	Cursor string `json:"cursor,omitempty"`
}

// Normalize validates o and applies the defaults: Limit 0 becomes DefaultLimit, a Limit above
// MaxLimit becomes MaxLimit, a negative one is an EBadRequest error.
func (o ListOptions) Normalize() (ListOptions, error) {
	switch {
	case o.Limit < 0:
		return o, invalid("limit", "must not be negative")
	case o.Limit == 0:
		o.Limit = DefaultLimit
	case o.Limit > MaxLimit:
		o.Limit = MaxLimit
	}
	if len(o.Cursor) > 512 {
		return o, invalid("cursor", "is not a cursor of this list")
	}
	return o, nil
}

// Page is one page of a list in a stable order. NextCursor is empty on the last page; otherwise
// passing it as ListOptions.Cursor returns the next page.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// VersionConflict is returned by updates that carried a stale version: the record was changed by
// someone else since the caller read it. It wraps an *Error with code EConflict, so ErrorCode
// reports EConflict; callers that want the current version use errors.AsType[*VersionConflict].
type VersionConflict struct {
	Resource string // "dashboard", "widget", "alert rule" or "project"
	ID       string
	Current  int64 // the version now stored
}

func (e *VersionConflict) Error() string { return e.err().Error() }

// Unwrap returns the *Error with code EConflict that describes the conflict.
func (e *VersionConflict) Unwrap() error { return e.err() }

func (e *VersionConflict) err() *Error {
	return Errorf(EConflict, "%s %s was changed by someone else: current version is %d", e.Resource, e.ID, e.Current)
}

// crockford is the lowercase Crockford base32 alphabet; its characters are in ascending ASCII
// order, so ids sort like the times they start with.
const crockford = "0123456789abcdefghjkmnpqrstvwxyz"

// IDGenerator makes ids: 26 lowercase, URL-safe characters, a ULID (48 bits of Unix milliseconds
// then 80 random bits). The ids of one generator are strictly increasing, so they sort in creation
// order; within one millisecond the random part of the previous id is incremented. The zero value
// is ready to use; it is safe for concurrent use.
type IDGenerator struct {
	mu       sync.Mutex
	lastMS   uint64
	lastRand [10]byte
}

// New returns a new id whose time part is t (never earlier than the previous id's).
func (g *IDGenerator) New(t time.Time) string {
	ms := uint64(max(t.UnixMilli(), 0))
	g.mu.Lock()
	defer g.mu.Unlock()
	if ms > g.lastMS {
		g.lastMS = ms
		if _, err := rand.Read(g.lastRand[:]); err != nil {
			panic(fmt.Sprintf("livedash: reading random bytes: %v", err)) // crypto/rand does not fail on supported platforms
		}
		g.lastRand[0] &= 0x7f // room to increment within the millisecond
	} else {
		for i := len(g.lastRand) - 1; i >= 0; i-- {
			g.lastRand[i]++
			if g.lastRand[i] != 0 {
				break
			}
		}
	}
	var b [16]byte
	for i, m := 5, g.lastMS; i >= 0; i-- {
		b[i] = byte(m)
		m >>= 8
	}
	copy(b[6:], g.lastRand[:])
	return encodeULID(b)
}

// encodeULID encodes 128 bits as 26 base32 characters, the first holding the top 3 bits.
func encodeULID(b [16]byte) string {
	var out [26]byte
	hi := uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 |
		uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7])
	lo := uint64(b[8])<<56 | uint64(b[9])<<48 | uint64(b[10])<<40 | uint64(b[11])<<32 |
		uint64(b[12])<<24 | uint64(b[13])<<16 | uint64(b[14])<<8 | uint64(b[15])
	for i := 25; i >= 0; i-- {
		out[i] = crockford[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out[:])
}

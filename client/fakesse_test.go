package client

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"livedash"
)

// fakeStream is one SSE stream of the fake server.
type fakeStream struct {
	s           *fakeServer
	header      http.Header
	query       url.Values
	lastEventID string

	pos  map[string]livedash.StreamPosition // the stream's channels; guarded by s.mu
	out  chan []byte
	cut  chan struct{}
	once sync.Once
	done chan struct{}
}

// handleSSE serves GET /dashboard/sse like the real server: refusals as JSON HTTP errors, then
// retry, ready (implicit channels plus ?channels=, recovered from Last-Event-ID), replayed events,
// then live events, each with the stream's cursor as id.
func (s *fakeServer) handleSSE(w http.ResponseWriter, r *http.Request) {
	if refuse := s.refuse.Load(); refuse != nil {
		if status, code, msg := (*refuse)(r); status != 0 {
			httpRefusal(w, status, code, msg)
			return
		}
	}
	cursor := r.Header.Get("Last-Event-ID")
	if q := r.URL.Query().Get("last_event_id"); q != "" {
		cursor = q
	}
	since, err := parseCursor(cursor)
	if err != nil {
		httpRefusal(w, http.StatusBadRequest, "bad_request", "Last-Event-ID: "+err.Error())
		return
	}
	if r.Header.Get("Authorization") == "" && r.URL.Query().Get("token") == "" {
		httpRefusal(w, http.StatusUnauthorized, "unauthenticated", "send a token")
		return
	}
	names := slices.Clone(implicitChannels)
	for name := range strings.SplitSeq(r.URL.Query().Get("channels"), ",") {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		if strings.HasPrefix(name, "forbidden") {
			httpRefusal(w, http.StatusForbidden, "forbidden", "no access to "+name)
			return
		}
		names = append(names, name)
	}
	st := &fakeStream{
		s:           s,
		header:      r.Header.Clone(),
		query:       r.URL.Query(),
		lastEventID: cursor,
		pos:         make(map[string]livedash.StreamPosition),
		out:         make(chan []byte, 1024),
		cut:         make(chan struct{}),
		done:        make(chan struct{}),
	}
	hb := s.sseHeartbeat
	if hb == 0 {
		hb = 30
	}
	s.mu.Lock()
	var chans []fakeSub
	var replay []fakePub
	for _, name := range names {
		canon := name
		if !slices.Contains(implicitChannels, name) {
			canon = s.canonical(name)
		}
		if _, dup := st.pos[canon]; dup {
			continue
		}
		sb, missed := s.recoverLocked(name, canon, since)
		chans = append(chans, sb)
		st.pos[canon] = livedash.StreamPosition{Seq: sb.Seq, Epoch: sb.Epoch}
		if len(missed) > 0 {
			st.pos[canon] = livedash.StreamPosition{Seq: missed[0].seq - 1, Epoch: sb.Epoch}
		}
		replay = append(replay, missed...)
	}
	ready := mustJSON(map[string]any{"connection_id": fmt.Sprintf("s-%p", st), "heartbeat_interval": hb,
		"user": testUser, "channels": chans})
	head := fmt.Appendf(nil, "retry: %d\n\nid: %s\nevent: ready\ndata: %s\n\n", s.sseRetry, formatCursor(st.pos), ready)
	for _, p := range replay {
		head = append(head, st.eventTextLocked(p)...)
	}
	s.streams[st] = true
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.streams, st)
		s.mu.Unlock()
		close(st.done)
	}()

	var write func([]byte) error
	if s.sseRaw {
		nc, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			s.t.Errorf("hijack: %v", err)
			return
		}
		defer nc.Close()
		write = func(b []byte) error {
			nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
			_, err := nc.Write(b)
			return err
		}
		head = append([]byte("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"+
			"Cache-Control: no-cache, no-store\r\nConnection: close\r\n\r\n"), head...)
	} else {
		w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		w.WriteHeader(http.StatusOK)
		rc := http.NewResponseController(w)
		write = func(b []byte) error {
			if _, err := w.Write(b); err != nil {
				return err
			}
			return rc.Flush()
		}
	}
	if write(head) != nil {
		return
	}
	s.sse <- st
	for {
		select {
		case b := <-st.out:
			if write(b) != nil {
				return
			}
		case <-st.cut:
			for {
				select {
				case b := <-st.out:
					if write(b) != nil {
						return
					}
				default:
					return
				}
			}
		case <-s.quit:
			return
		case <-r.Context().Done():
			return
		}
	}
}

// eventTextLocked formats p as an SSE event and advances the stream's cursor. s.mu is held.
func (st *fakeStream) eventTextLocked(p fakePub) []byte {
	st.pos[p.channel] = livedash.StreamPosition{Seq: p.seq, Epoch: st.s.epoch}
	return fmt.Appendf(nil, "id: %s\nevent: %s\ndata: %s\n\n", formatCursor(st.pos), p.event, p.sseData())
}

// send writes raw text on the stream.
func (st *fakeStream) send(text string) { st.out <- []byte(text) }

// end ends the stream after what was sent (without a close event: a cut connection).
func (st *fakeStream) end() { st.once.Do(func() { close(st.cut) }) }

// closeWith sends a close event and ends the stream.
func (st *fakeStream) closeWith(code int, reason string) {
	st.send(fmt.Sprintf("event: close\ndata: %s\n\n", mustJSON(map[string]any{"code": code, "reason": reason})))
	st.end()
}

// acceptSSE waits for the next stream.
func (s *fakeServer) acceptSSE(t testing.TB) *fakeStream {
	t.Helper()
	select {
	case st := <-s.sse:
		return st
	case <-time.After(5 * time.Second):
		t.Fatal("no SSE stream")
		return nil
	}
}

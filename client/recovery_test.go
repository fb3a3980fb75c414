package client

import (
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"livedash"
)

// expectEvents receives as many events as want lists and checks every channel's seqs, in order
// (there is no order across channels).
func (r *recorder) expectEvents(t *testing.T, want map[string][]uint64) {
	t.Helper()
	n := 0
	for _, seqs := range want {
		n += len(seqs)
	}
	got := make(map[string][]uint64)
	for range n {
		e := r.event(t)
		got[e.Channel] = append(got[e.Channel], e.Seq)
	}
	if !maps.EqualFunc(got, want, slices.Equal) {
		t.Fatalf(
			"events %v, want %v",
			got, want)
	}
}

func (r *recorder) noRecoveryFailed(t *testing.T) {
	t.Helper()
	select {
	case ch := <-r.recoveryFailed:
		t.Fatalf(
			"recovery failed for %s",
			ch)
	default:
	}
}

func pos(seq uint64, epoch string) livedash.StreamPosition {
	return livedash.StreamPosition{Seq: seq, Epoch: epoch}
}

// TestImplicitRecovery: the implicit channels' positions come from the welcome (or the
// authenticated reply) and events; after a reconnect they are recovered with ?since= on the
// upgrade, or since in the authenticate message; replayed duplicates are dropped.
func TestImplicitRecovery(t *testing.T) {
	for _, tc := range []struct {
		name string
		mode TokenMode
	}{
		{
			name: "since on the upgrade, token in the header",
			mode: TokenHeader,
		},
		{
			name: "since on the upgrade, token in the query",
			mode: TokenQuery,
		},
		{
			name: "since in the authenticate message",
			mode: TokenMessage,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newFakeServer(t)
			s.overlap = 1 // the server replays one event the client has already seen
			r := newRecorder()
			opts := r.options(s.URL())
			opts.TokenMode = tc.mode
			opts.Reconnect = true
			c := dial(t, opts)
			fc := s.acceptConn(t)
			if got := c.Implicit(); !slices.Equal(got, implicitChannels) {
				t.Fatalf(
					"implicit channels %v",
					got)
			}
			if p := c.Positions()["user.u1"]; p != pos(0, "e1") {
				t.Fatalf(
					"position of user.u1 %v",
					p)
			}
			s.publish("user.u1", 2, false, false)
			s.publish("global", 1, false, false)
			r.expectEvents(t, map[string][]uint64{"user.u1": {1, 2}, "global": {1}})

			// Missed while disconnected.
			s.publish("user.u1", 2, false, true)
			s.publish("tenant.t1", 1, false, true)
			fc.closeWith(1012, "restart")

			fc2 := s.acceptConn(t)
			var since map[string]livedash.StreamPosition
			if tc.mode == TokenMessage {
				since = fc2.next(t, "authenticate").Since
				if fc2.since != "" {
					t.Fatalf(
						"?since=%s in TokenMessage mode",
						fc2.since)
				}
			} else {
				var err error
				if since, err = parseCursor(fc2.since); err != nil {
					t.Fatal(err)
				}
			}
			want := map[string]livedash.StreamPosition{"global": pos(1, "e1"), "tenant.t1": pos(0, "e1"), "user.u1": pos(2, "e1")}
			if !maps.Equal(since, want) {
				t.Fatalf(
					"since %v, want %v",
					since, want)
			}
			r.expectEvents(t, map[string][]uint64{"user.u1": {3, 4}, "tenant.t1": {1}})
			r.waitState(t, func(s State) bool { return s.Kind == Connected })
			s.publish("user.u1", 1, false, false)
			r.expectSeqs(t, "user.u1", 5)
			r.noEvent(t, 30*time.Millisecond)
			r.noRecoveryFailed(t)
			if got, want := c.Cursor(), "global~1~e1,tenant.t1~1~e1,user.u1~5~e1"; got != want {
				t.Fatalf(
					"cursor %q, want %q",
					got, want)
			}
		})
	}
}

// TestGapRecovery: an event that skips seqs is not delivered; the client reconnects and the
// missing events are recovered from history, then delivered in order with the rest.
func TestGapRecovery(t *testing.T) {
	for _, tc := range []struct {
		name      string
		channel   string
		subscribe bool
		reconnect bool
		batch     bool // the events after the gap come in one frame
	}{
		{
			name:      "subscribed channel",
			channel:   "metrics.t1",
			subscribe: true,
			reconnect: true,
		},
		{
			name:      "subscribed channel, one frame",
			channel:   "metrics.t1",
			subscribe: true,
			reconnect: true,
			batch:     true,
		},
		{
			name:      "implicit channel",
			channel:   "user.u1",
			reconnect: true,
		},
		{
			name:      "without Options.Reconnect",
			channel:   "metrics.t1",
			subscribe: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newFakeServer(t)
			r := newRecorder()
			opts := r.options(s.URL())
			opts.Reconnect = tc.reconnect
			c := dial(t, opts)
			fc := s.acceptConn(t)
			if tc.subscribe {
				if _, err := c.Subscribe(ctx(t), "metrics"); err != nil {
					t.Fatal(err)
				}
			}
			s.publish(tc.channel, 2, false, false)
			r.expectSeqs(t, tc.channel, 1, 2)
			s.publish(tc.channel, 1, false, true) // lost on the way
			s.publish(tc.channel, 2, tc.batch, false)

			st := r.waitState(t, func(s State) bool { return s.Kind == Disconnected })
			ge, ok := errors.AsType[*GapError](st.Err)
			if !ok || st.Final || *ge != (GapError{Channel: tc.channel, Last: 2, Got: 4}) {
				t.Fatalf(
					"state %v",
					st)
			}
			fc2 := s.acceptConn(t)
			if tc.subscribe {
				if m := fc2.next(t, "subscribe"); m.Since[tc.channel] != pos(2, "e1") {
					t.Fatalf(
						"resubscribe since %v",
						m.Since)
				}
			} else if cur, _ := parseCursor(fc2.since); cur[tc.channel] != pos(2, "e1") {
				t.Fatalf(
					"?since=%s",
					fc2.since)
			}
			r.expectSeqs(t, tc.channel, 3, 4, 5)
			r.waitState(t, func(s State) bool { return s.Kind == Connected })
			s.publish(tc.channel, 1, false, false)
			r.expectSeqs(t, tc.channel, 6)
			r.noEvent(t, 30*time.Millisecond)
			r.noRecoveryFailed(t)
			select {
			case <-fc.done:
			case <-time.After(5 * time.Second):
				t.Fatal("the connection with the gap is still open")
			}
			if code := fc.code.Load(); code != 1000 {
				t.Fatalf(
					"close code %d",
					code)
			}
		})
	}
}

// TestRecoveryFailedPartialHistory: when the history no longer holds every missed event, the
// recovery fails (OnRecoveryFailed) and what is left is delivered, without a gap recovery loop.
func TestRecoveryFailedPartialHistory(t *testing.T) {
	s := newFakeServer(t)
	r := newRecorder()
	opts := r.options(s.URL())
	opts.Reconnect = true
	c := dial(t, opts)
	fc := s.acceptConn(t)
	if _, err := c.Subscribe(ctx(t), "metrics"); err != nil {
		t.Fatal(err)
	}
	s.publish("metrics.t1", 3, false, false)
	r.expectSeqs(t, "metrics.t1", 1, 2, 3)
	s.publish("metrics.t1", 4, false, true)
	s.expire("metrics.t1", 5) // 4 and 5 are gone, 6 and 7 remain
	r.waitState(t, func(s State) bool { return s.Kind == Connected })
	fc.closeWith(1012, "")
	r.waitState(t, func(s State) bool { return s.Kind == Disconnected })
	s.acceptConn(t)
	select {
	case ch := <-r.recoveryFailed:
		if ch != "metrics.t1" {
			t.Fatalf(
				"recovery failed for %s",
				ch)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("OnRecoveryFailed not called")
	}
	r.expectSeqs(t, "metrics.t1", 6, 7)
	r.waitState(t, func(s State) bool { return s.Kind == Connected })
	s.publish("metrics.t1", 1, false, false)
	r.expectSeqs(t, "metrics.t1", 8)
	select {
	case st := <-r.states:
		t.Fatalf(
			"state %v after the recovery",
			st)
	case <-time.After(30 * time.Millisecond):
	}
}

// TestOptionsChannelsWebSocket: Options.Channels are subscribed by Dial and again after reconnects;
// a refusal fails Dial.
func TestOptionsChannelsWebSocket(t *testing.T) {
	s := newFakeServer(t)
	r := newRecorder()
	opts := r.options(s.URL())
	opts.Channels = []string{"metrics", "project.p1"}
	c := dial(t, opts)
	fc := s.acceptConn(t)
	if m := fc.next(t, "subscribe"); !slices.Equal(m.Channels, opts.Channels) {
		t.Fatalf(
			"subscribe %v",
			m.Channels)
	}
	if got := c.Subscriptions(); !maps.Equal(got, map[string]string{"metrics": "metrics.t1", "project.p1": "project.p1"}) {
		t.Fatalf(
			"subscriptions %v",
			got)
	}
	s.publish("metrics.t1", 1, false, false)
	r.expectSeqs(t, "metrics.t1", 1)

	opts.Channels = []string{"forbidden.x"}
	_, err := Dial(ctx(t), opts)
	if livedash.ErrorCode(err) != livedash.EForbidden {
		t.Fatalf(
			"Dial with a forbidden channel: %v",
			err)
	}
}

func TestEndpointURL(t *testing.T) {
	for _, tc := range []struct {
		in, ws, sse string
	}{
		{
			in:  "ws://h:1/ws",
			ws:  "ws://h:1/ws",
			sse: "http://h:1/dashboard/sse",
		},
		{
			in:  "wss://h/ws?x=1",
			ws:  "wss://h/ws?x=1",
			sse: "https://h/dashboard/sse?x=1",
		},
		{
			in:  "http://h:1",
			ws:  "ws://h:1/ws",
			sse: "http://h:1/dashboard/sse",
		},
		{
			in:  "https://h/",
			ws:  "wss://h/ws",
			sse: "https://h/dashboard/sse",
		},
		{
			in:  "https://h/app/ws",
			ws:  "wss://h/app/ws",
			sse: "https://h/app/dashboard/sse",
		},
		{
			in:  "http://h/dashboard/sse",
			ws:  "ws://h/dashboard/sse",
			sse: "http://h/dashboard/sse",
		},
		{
			in: "ftp://h/ws",
		},
		{
			in: "/ws",
		},
	} {
		ws, err1 := endpointURL(tc.in, TransportWebSocket)
		sse, err2 := endpointURL(tc.in, TransportSSE)
		if tc.ws == "" {
			if err1 == nil || err2 == nil {
				t.Errorf(
					"%s: no error",
					tc.in)
			}
			continue
		}
		if err1 != nil || err2 != nil || ws != tc.ws || sse != tc.sse {
			t.Errorf(
				"%s: %q %q (%v %v), want %q %q",
				tc.in, ws, sse, err1, err2, tc.ws, tc.sse)
		}
	}
	if _, err := endpointURL("ws://h/ws", Transport(9)); err == nil {
		t.Error("unknown transport accepted")
	}
}

func TestCursor(t *testing.T) {
	p := map[string]livedash.StreamPosition{
		"user.u1":    pos(7, "9f2c"),
		"global":     pos(0, "a1"),
		"metrics.t1": pos(3, ""), // unknown epoch: cannot be recovered, left out
	}
	cur := formatCursor(p)
	if cur != "global~0~a1,user.u1~7~9f2c" {
		t.Fatalf(
			"cursor %q",
			cur)
	}
	back, err := parseCursor(cur)
	if err != nil || len(back) != 2 || back["user.u1"] != pos(7, "9f2c") || back["global"] != pos(0, "a1") {
		t.Fatalf(
			"parsed %v, %v",
			back, err)
	}
	if got, ok := cursorPosition(cur, "user.u1"); !ok || got != pos(7, "9f2c") {
		t.Fatalf(
			"position %v %t",
			got, ok)
	}
	if _, ok := cursorPosition(cur, "user"); ok {
		t.Fatal("prefix of a channel matched")
	}
	for _, bad := range []string{"a~1", "a~x~e", "~1~e", "a~1~", "a~1~e~f"} {
		if _, err := parseCursor(bad); err == nil {
			t.Errorf(
				"%q parsed",
				bad)
		}
	}
	if m, err := parseCursor(""); err != nil || len(m) != 0 {
		t.Fatalf(
			"empty cursor: %v %v",
			m, err)
	}
}

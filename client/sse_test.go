package client

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"livedash"
)

func (r *recorder) sseOptions(url string, channels ...string) Options {
	opts := r.options(url)
	opts.Transport = TransportSSE
	opts.Channels = channels
	return opts
}

func TestSSEStream(t *testing.T) {
	for _, tc := range []struct {
		name string
		raw  bool // the server writes like the real one: no length, Connection: close
		url  func(*fakeServer) string
	}{
		{
			name: "chunked, http base URL",
			url:  (*fakeServer).HTTPURL,
		},
		{
			name: "unframed, ws URL",
			raw:  true,
			url:  (*fakeServer).URL,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newFakeServer(t)
			s.sseRaw = tc.raw
			r := newRecorder()
			c := dial(t, r.sseOptions(tc.url(s), "metrics", "project.p1"))
			st := s.acceptSSE(t)
			if got := st.header.Get("Authorization"); got != "Bearer tok" {
				t.Fatalf(
					"Authorization %q",
					got)
			}
			if got := st.query.Get("channels"); got != "metrics,project.p1" {
				t.Fatalf(
					"channels %q",
					got)
			}
			if st.lastEventID != "" || st.header.Get("Accept") != "text/event-stream" {
				t.Fatalf(
					"Last-Event-ID %q, Accept %q",
					st.lastEventID, st.header.Get("Accept"))
			}
			w := c.Welcome()
			if w.ConnectionID == "" || w.HeartbeatInterval != 30*time.Second || !w.Authenticated || w.User.UserID != "u1" {
				t.Fatalf(
					"welcome %+v",
					w)
			}
			if got := c.Subscriptions(); !maps.Equal(got, map[string]string{"metrics": "metrics.t1", "project.p1": "project.p1"}) {
				t.Fatalf(
					"subscriptions %v",
					got)
			}
			if got := c.Implicit(); !slices.Equal(got, implicitChannels) {
				t.Fatalf(
					"implicit %v",
					got)
			}

			s.publish("metrics.t1", 2, false, false)
			s.publish("user.u1", 1, false, false)
			s.publish("metrics.t1", 1, true, false)
			r.expectEvents(t, map[string][]uint64{"metrics.t1": {1, 2, 3}, "user.u1": {1}})

			// Heartbeat comments are skipped; a repeated event is dropped.
			st.send(": ping\n\n")
			st.send(fmt.Sprintf("id: metrics.t1~2~e1\nevent: metric_update\ndata: %s\n\n", s.pub("metrics.t1", 2).sseData()))
			s.publish("metrics.t1", 1, false, false)
			e := r.event(t)
			if e.Channel != "metrics.t1" || e.Seq != 4 || e.Event != "metric_update" || string(e.Data) != `{"n":4}` || e.Time.IsZero() {
				t.Fatalf(
					"event %+v",
					e)
			}
			if p := c.Positions()["metrics.t1"]; p != pos(4, "e1") {
				t.Fatalf(
					"position %v",
					p)
			}
			if cur := c.Cursor(); !strings.Contains(cur, "metrics.t1~4~e1") || !strings.Contains(cur, "user.u1~1~e1") {
				t.Fatalf(
					"cursor %q",
					cur)
			}
			seen := map[string]bool{}
			for len(r.messages) > 0 {
				seen[<-r.messages] = true
			}
			if !seen["ready"] || !seen["event"] || !seen["ping"] {
				t.Fatalf(
					"OnMessage saw %v",
					seen)
			}

			// Commands are not supported on a one-way stream.
			_, err1 := c.Ping(ctx(t))
			err2 := c.Refresh(ctx(t), "tok2")
			_, err3 := c.Subscribe(ctx(t), "alerts")
			err4 := c.Unsubscribe(ctx(t), "metrics")
			_, err5 := c.Authenticate(ctx(t), "tok")
			err6 := c.SendRaw(ctx(t), []byte("{}"))
			for i, err := range []error{err1, err2, err3, err4, err5, err6} {
				if !errors.Is(err, ErrNotSupported) {
					t.Errorf(
						"command %d: %v, want ErrNotSupported",
						i+1, err)
				}
			}
			if !strings.Contains(err3.Error(), "Options.Channels") {
				t.Errorf(
					"Subscribe error %q does not say what to do",
					err3)
			}
		})
	}
}

// TestSSEResume: after the stream ends (cut, or a close event), the client reconnects with
// Last-Event-ID and gets the missed events once, in order.
func TestSSEResume(t *testing.T) {
	for _, tc := range []struct {
		name string
		end  func(*fakeStream)
		code int
	}{
		{
			name: "cut",
			end:  (*fakeStream).end,
		},
		{
			name: "server restart",
			end:  func(st *fakeStream) { st.closeWith(1012, "server restart") },
			code: 1012,
		},
		{
			name: "slow consumer",
			end:  func(st *fakeStream) { st.closeWith(4000, "slow consumer: send queue full") },
			code: 4000,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newFakeServer(t)
			s.overlap = 1 // the server replays one event the client has already seen
			r := newRecorder()
			opts := r.sseOptions(s.HTTPURL(), "metrics")
			opts.Reconnect = true
			c := dial(t, opts)
			st := s.acceptSSE(t)
			s.publish("metrics.t1", 3, false, false)
			r.expectSeqs(t, "metrics.t1", 1, 2, 3)

			s.publish("metrics.t1", 2, false, true)
			s.publish("user.u1", 1, false, true)
			tc.end(st)

			state := r.waitState(t, func(s State) bool { return s.Kind == Disconnected })
			if state.CloseCode != tc.code || state.Final {
				t.Fatalf(
					"state %v",
					state)
			}
			if tc.code != 0 {
				if ce, ok := errors.AsType[*CloseError](state.Err); !ok || ce.Code != tc.code {
					t.Fatalf(
						"err %v",
						state.Err)
				}
			} else if !errors.Is(state.Err, errStreamEnded) {
				t.Fatalf(
					"err %v",
					state.Err)
			}
			st2 := s.acceptSSE(t)
			since, err := parseCursor(st2.lastEventID)
			want := map[string]livedash.StreamPosition{"metrics.t1": pos(3, "e1"), "user.u1": pos(0, "e1"),
				"tenant.t1": pos(0, "e1"), "global": pos(0, "e1")}
			if err != nil || !maps.Equal(since, want) {
				t.Fatalf(
					"Last-Event-ID %q (%v), want %v",
					st2.lastEventID, err, want)
			}
			r.expectEvents(t, map[string][]uint64{"metrics.t1": {4, 5}, "user.u1": {1}})
			if c.CloseCode() != tc.code {
				t.Fatalf(
					"CloseCode %d",
					c.CloseCode())
			}
			s.publish("metrics.t1", 1, false, false)
			r.expectSeqs(t, "metrics.t1", 6)
			r.noEvent(t, 30*time.Millisecond)
			r.noRecoveryFailed(t)
		})
	}
}

// TestSSECloseFinal: a close event without Reconnect, or followed by a refusal, is final and
// its code is surfaced.
func TestSSECloseFinal(t *testing.T) {
	for _, tc := range []struct {
		name      string
		reconnect bool
	}{
		{
			name: "without Reconnect",
		},
		{
			name:      "reconnection refused",
			reconnect: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newFakeServer(t)
			r := newRecorder()
			opts := r.sseOptions(s.HTTPURL())
			opts.Reconnect = tc.reconnect
			c := dial(t, opts)
			st := s.acceptSSE(t)
			s.setRefuse(func(*http.Request) (int, string, string) {
				return http.StatusUnauthorized, livedash.EUnauthenticated, "token expired"
			})
			st.closeWith(4401, "token expired")
			state := r.waitState(t, func(s State) bool { return s.Kind == Disconnected && s.Final })
			if tc.reconnect {
				if he, ok := errors.AsType[*HTTPError](state.Err); !ok || he.Status != 401 {
					t.Fatalf(
						"state %v",
						state)
				}
			} else if ce, ok := errors.AsType[*CloseError](state.Err); !ok || ce.Code != 4401 || ce.Reason != "token expired" || state.CloseCode != 4401 {
				t.Fatalf(
					"state %v",
					state)
			}
			if c.CloseCode() != 4401 {
				t.Fatalf(
					"CloseCode %d",
					c.CloseCode())
			}
		})
	}
}

func TestSSERefused(t *testing.T) {
	for _, tc := range []struct {
		name       string
		refuse     int
		token      string
		channels   []string
		status     int
		code       string
		retryAfter time.Duration
	}{
		{
			name:   "unauthenticated",
			refuse: 401,
			token:  "tok",
			status: 401,
			code:   livedash.EUnauthenticated,
		},
		{
			name:   "no token",
			status: 401,
			code:   livedash.EUnauthenticated,
		},
		{
			name:     "forbidden channel",
			token:    "tok",
			channels: []string{"metrics", "forbidden.x"},
			status:   403,
			code:     livedash.EForbidden,
		},
		{
			name:   "bad request",
			refuse: 400,
			token:  "tok",
			status: 400,
			code:   livedash.EBadRequest,
		},
		{
			name:       "rate limited",
			refuse:     429,
			token:      "tok",
			status:     429,
			code:       livedash.ERateLimited,
			retryAfter: time.Second,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newFakeServer(t)
			if tc.refuse != 0 {
				s.setRefuse(func(*http.Request) (int, string, string) { return tc.refuse, tc.code, "refused: " + tc.name })
			}
			r := newRecorder()
			opts := r.sseOptions(s.HTTPURL(), tc.channels...)
			opts.Token = tc.token
			_, err := Dial(ctx(t), opts)
			he, ok := errors.AsType[*HTTPError](err)
			if !ok || he.Status != tc.status || he.Code != tc.code || he.Message == "" || he.RetryAfter != tc.retryAfter {
				t.Fatalf(
					"err %#v",
					err)
			}
			if st := r.waitState(t, func(s State) bool { return s.Kind == Disconnected }); !st.Final {
				t.Fatalf(
					"state %v",
					st)
			}
		})
	}
}

// TestSSEGap: an event that skips seqs ends the stream; the client resumes from the events it
// delivered (not from the id of the event after the gap) and gets the rest in order.
func TestSSEGap(t *testing.T) {
	s := newFakeServer(t)
	r := newRecorder()
	opts := r.sseOptions(s.HTTPURL(), "metrics")
	c := dial(t, opts) // without Reconnect: a gap is still recovered
	s.acceptSSE(t)
	s.publish("metrics.t1", 2, false, false)
	r.expectSeqs(t, "metrics.t1", 1, 2)
	s.publish("metrics.t1", 1, false, true)
	s.publish("metrics.t1", 2, false, false)
	st := r.waitState(t, func(s State) bool { return s.Kind == Disconnected })
	if ge, ok := errors.AsType[*GapError](st.Err); !ok || ge.Last != 2 || ge.Got != 4 || st.Final {
		t.Fatalf(
			"state %v",
			st)
	}
	st2 := s.acceptSSE(t)
	if p, _ := cursorPosition(st2.lastEventID, "metrics.t1"); p != pos(2, "e1") {
		t.Fatalf(
			"Last-Event-ID %q",
			st2.lastEventID)
	}
	r.expectSeqs(t, "metrics.t1", 3, 4, 5)
	s.publish("metrics.t1", 1, false, false)
	r.expectSeqs(t, "metrics.t1", 6)
	r.noEvent(t, 30*time.Millisecond)
	if p := c.Positions()["metrics.t1"]; p != pos(6, "e1") {
		t.Fatalf(
			"position %v",
			p)
	}
}

// TestSSEEpochChange: the server lost its history (new epoch): recovery fails, and the new epoch's
// seqs are not taken for duplicates, whether the client learns it from the ready event or from an
// event's id.
func TestSSEEpochChange(t *testing.T) {
	s := newFakeServer(t)
	r := newRecorder()
	opts := r.sseOptions(s.HTTPURL(), "metrics")
	opts.Reconnect = true
	c := dial(t, opts)
	st := s.acceptSSE(t)
	s.publish("metrics.t1", 3, false, false)
	r.expectSeqs(t, "metrics.t1", 1, 2, 3)

	// Mid-stream: the id of the next event names another epoch.
	st.send(`id: global~0~e1,metrics.t1~1~e9,tenant.t1~0~e1,user.u1~0~e1` + "\nevent: x\ndata: {\"channel\":\"metrics.t1\",\"seq\":1,\"data\":{}}\n\n")
	r.expectSeqs(t, "metrics.t1", 1)
	if p := c.Positions()["metrics.t1"]; p != pos(1, "e9") {
		t.Fatalf(
			"position %v",
			p)
	}

	// On reconnection: the ready event answers recovered:false.
	s.restart("e2")
	st.end()
	s.acceptSSE(t)
	failed := map[string]bool{}
	for range 4 {
		select {
		case ch := <-r.recoveryFailed:
			failed[ch] = true
		case <-time.After(5 * time.Second):
			t.Fatalf(
				"recovery failed for %v only",
				failed)
		}
	}
	if !failed["metrics.t1"] || !failed["user.u1"] {
		t.Fatalf(
			"recovery failed for %v",
			failed)
	}
	s.publish("metrics.t1", 1, false, false)
	r.expectSeqs(t, "metrics.t1", 1)
}

// TestSSEHeartbeatSilence: a stream silent for three heartbeat intervals is dropped and resumed.
func TestSSEHeartbeatSilence(t *testing.T) {
	s := newFakeServer(t)
	s.sseHeartbeat = 0.05
	r := newRecorder()
	opts := r.sseOptions(s.HTTPURL())
	opts.Reconnect = true
	dial(t, opts)
	s.acceptSSE(t)
	if st := r.waitState(t, func(s State) bool { return s.Kind == Disconnected }); st.Final || st.CloseCode != 0 {
		t.Fatalf(
			"state %v",
			st)
	}
	s.acceptSSE(t)
}

// TestSSECloseDuringReconnect: Close ends every goroutine while the client waits to reconnect.
func TestSSECloseDuringReconnect(t *testing.T) {
	s := newFakeServer(t)
	s.sseRetry = 60_000
	r := newRecorder()
	opts := r.sseOptions(s.HTTPURL())
	opts.Reconnect = true
	opts.MaxBackoff = time.Minute
	c := dial(t, opts)
	s.acceptSSE(t).end()
	r.waitState(t, func(s State) bool { return s.Kind == Disconnected })
	done := make(chan struct{})
	go func() {
		c.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close blocked")
	}
	if st := r.waitState(t, func(s State) bool { return s.Kind == Disconnected && s.Final }); !errors.Is(st.Err, ErrClosed) {
		t.Fatalf(
			"state %v",
			st)
	}
}

func TestSSEParser(t *testing.T) {
	type item struct {
		kind  sseKind
		event string
		id    string
		data  string
		retry time.Duration
	}
	long := strings.Repeat("x", 100)
	for _, tc := range []struct {
		name string
		in   string
		want []item
		err  bool // ends with an error other than EOF
	}{
		{
			name: "data lines",
			in:   "data: a\ndata:b\ndata:  c\n\n",
			want: []item{{kind: sseDispatch, event: "message", data: "a\nb\n c"}},
		},
		{
			name: "event, id, CRLF",
			in:   "id: 7\r\nevent: ready\r\ndata: {}\r\n\r\n",
			want: []item{{kind: sseDispatch, event: "ready", id: "7", data: "{}"}},
		},
		{
			name: "id persists, no data no dispatch",
			in:   "id: 1\nevent: x\n\ndata: y\n\n",
			want: []item{{kind: sseDispatch, event: "message", id: "1", data: "y"}},
		},
		{
			name: "comments and retry",
			in:   ": ping\nretry: 1500\nretry: soon\n:\n",
			want: []item{{kind: sseComment}, {kind: sseRetry, retry: 1500 * time.Millisecond}, {kind: sseComment}},
		},
		{
			name: "field without colon, unknown field, id with NUL",
			in:   "id: a\x00b\nfoo: bar\ndata\n\n",
			want: []item{{kind: sseDispatch, event: "message", data: ""}},
		},
		{
			name: "byte order mark",
			in:   "\xEF\xBB\xBFdata: bom\n\n",
			want: []item{{kind: sseDispatch, event: "message", data: "bom"}},
		},
		{
			name: "unfinished event dropped at the end",
			in:   "data: a\n\ndata: b\n",
			want: []item{{kind: sseDispatch, event: "message", data: "a"}},
		},
		{
			name: "long lines across buffer refills",
			in:   "data: " + long + "\n\n",
			want: []item{{kind: sseDispatch, event: "message", data: long}},
		},
		{
			name: "line too long",
			in:   "data: " + long + long + long + "\n\n",
			err:  true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &sseReader{br: bufio.NewReaderSize(strings.NewReader(tc.in), 16), max: 200}
			var got []item
			var err error
			for {
				var it sseItem
				if it, err = r.next(); err != nil {
					break
				}
				got = append(got, item{kind: it.kind, event: it.event, id: it.id, data: string(it.data), retry: it.retry})
			}
			if tc.err == errors.Is(err, io.EOF) {
				t.Fatalf(
					"err %v",
					err)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf(
					"items %+v, want %+v",
					got, tc.want)
			}
		})
	}
}

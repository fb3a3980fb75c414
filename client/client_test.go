package client

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"go.uber.org/goleak"

	"livedash"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// recorder collects what the callbacks receive.
type recorder struct {
	events         chan Event
	states         chan State
	recoveryFailed chan string
	messages       chan string
}

func newRecorder() *recorder {
	return &recorder{
		events:         make(chan Event, 1024),
		states:         make(chan State, 1024),
		recoveryFailed: make(chan string, 16),
		messages:       make(chan string, 1024),
	}
}

func (r *recorder) options(url string) Options {
	return Options{
		URL:              url,
		Token:            "tok",
		MinBackoff:       5 * time.Millisecond,
		MaxBackoff:       50 * time.Millisecond,
		DialTimeout:      2 * time.Second,
		OnEvent:          func(e Event) { r.events <- e },
		OnState:          func(s State) { r.states <- s },
		OnRecoveryFailed: func(ch string) { r.recoveryFailed <- ch },
		OnMessage: func(typ string, _ []byte) {
			select {
			case r.messages <- typ:
			default:
			}
		},
	}
}

func (r *recorder) event(t *testing.T) Event {
	t.Helper()
	select {
	case e := <-r.events:
		return e
	case <-time.After(5 * time.Second):
		t.Fatal("no event")
		return Event{}
	}
}

// expectSeqs receives events and checks their seqs.
func (r *recorder) expectSeqs(t *testing.T, channel string, seqs ...uint64) {
	t.Helper()
	for _, want := range seqs {
		e := r.event(t)
		if e.Channel != channel || e.Seq != want {
			t.Fatalf(
				"event %s/%d, want %s/%d",
				e.Channel, e.Seq, channel, want)
		}
	}
}

// waitState skips states until one matches.
func (r *recorder) waitState(t *testing.T, match func(State) bool) State {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case s := <-r.states:
			if match(s) {
				return s
			}
		case <-timeout:
			t.Fatal("state not reached")
			return State{}
		}
	}
}

func (r *recorder) noEvent(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case e := <-r.events:
		t.Fatalf(
			"unexpected event %s/%d",
			e.Channel, e.Seq)
	case <-time.After(d):
	}
}

func dial(t *testing.T, opts Options) *Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := Dial(ctx, opts)
	if err != nil {
		t.Fatalf(
			"Dial: %v",
			err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestDialTokenModes(t *testing.T) {
	for _, tc := range []struct {
		name      string
		mode      TokenMode
		tokenFrom string
	}{
		{
			name:      "header",
			mode:      TokenHeader,
			tokenFrom: "header",
		},
		{
			name:      "query",
			mode:      TokenQuery,
			tokenFrom: "query",
		},
		{
			name:      "message",
			mode:      TokenMessage,
			tokenFrom: "",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newFakeServer(t)
			r := newRecorder()
			opts := r.options(s.URL())
			opts.TokenMode = tc.mode
			opts.Header = http.Header{"Origin": {"http://dash.example"}}
			c := dial(t, opts)
			fc := s.acceptConn(t)
			if fc.tokenFrom != tc.tokenFrom {
				t.Fatalf(
					"token from %q, want %q",
					fc.tokenFrom, tc.tokenFrom)
			}
			if fc.origin != "http://dash.example" {
				t.Fatalf(
					"origin %q",
					fc.origin)
			}
			if tc.mode == TokenMessage {
				if m := fc.next(t, "authenticate"); m.Token != "tok" {
					t.Fatalf(
						"authenticate token %q",
						m.Token)
				}
			} else if fc.token != "tok" {
				t.Fatalf(
					"token %q",
					fc.token)
			}
			w := c.Welcome()
			if !w.Authenticated || w.User.UserID != "u1" || w.User.Tenant != "t1" || w.ConnectionID == "" {
				t.Fatalf(
					"welcome %+v",
					w)
			}
			if tc.mode != TokenMessage && w.HeartbeatInterval != 30*time.Second {
				t.Fatalf(
					"heartbeat %v",
					w.HeartbeatInterval)
			}
			r.waitState(t, func(s State) bool { return s.Kind == Connected })
		})
	}
}

func TestDialRefused(t *testing.T) {
	s := newFakeServer(t)
	s.setRefuse(func(*http.Request) (int, string, string) {
		return http.StatusUnauthorized, livedash.EUnauthenticated, "token expired"
	})
	r := newRecorder()
	_, err := Dial(ctx(t), r.options(s.URL()))
	he, ok := errors.AsType[*HTTPError](err)
	if !ok {
		t.Fatalf(
			"err %v, want *HTTPError",
			err)
	}
	if he.Status != 401 || he.Code != livedash.EUnauthenticated || he.Message != "token expired" {
		t.Fatalf(
			"%+v",
			he)
	}
	st := r.waitState(t, func(s State) bool { return s.Kind == Disconnected })
	if !st.Final {
		t.Fatalf(
			"state %v",
			st)
	}
}

func TestDialRefusedRateLimited(t *testing.T) {
	s := newFakeServer(t)
	s.setRefuse(func(*http.Request) (int, string, string) {
		return http.StatusTooManyRequests, livedash.ERateLimited, "slow down"
	})
	_, err := Dial(ctx(t), Options{URL: s.URL()})
	he, ok := errors.AsType[*HTTPError](err)
	if !ok || he.Status != 429 || he.RetryAfter != time.Second || isPermanent(err) {
		t.Fatalf(
			"err %v",
			err)
	}
}

func TestDialNoWelcomeTimesOut(t *testing.T) {
	s := newFakeServer(t)
	s.welcome = func(*fakeConn) []byte { return nil }
	start := time.Now()
	_, err := Dial(ctx(t), Options{URL: s.URL(), DialTimeout: 200 * time.Millisecond})
	if err == nil || time.Since(start) > 2*time.Second {
		t.Fatalf(
			"err %v after %v",
			err, time.Since(start))
	}
}

func TestDialContextCancelled(t *testing.T) {
	s := newFakeServer(t)
	s.welcome = func(*fakeConn) []byte { return nil }
	c, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err := Dial(c, Options{URL: s.URL()})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf(
			"err %v, want context.Canceled",
			err)
	}
}

func TestSubscribeEventsInOrderWithoutDuplicates(t *testing.T) {
	s := newFakeServer(t)
	r := newRecorder()
	c := dial(t, r.options(s.URL()))
	fc := s.acceptConn(t)

	subs, err := c.Subscribe(ctx(t), "metrics")
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != 1 || subs[0].Name != "metrics" || subs[0].Channel != "metrics.t1" || subs[0].Epoch != "e1" {
		t.Fatalf(
			"subscriptions %+v",
			subs)
	}
	s.publish("metrics.t1", 3, false, false)
	s.publish("metrics.t1", 3, true, false) // several messages in one frame
	r.expectSeqs(t, "metrics.t1", 1, 2, 3, 4, 5, 6)

	// A replayed event is dropped.
	s.mu.Lock()
	dup := s.history["metrics.t1"][3]
	s.mu.Unlock()
	fc.send(dup.wsLine())
	s.publish("metrics.t1", 1, false, false)
	e := r.event(t)
	if e.Seq != 7 || e.Event != "metric_update" || string(e.Data) != `{"n":7}` || e.Time.IsZero() {
		t.Fatalf(
			"event %+v",
			e)
	}
	if p := c.Positions()["metrics.t1"]; p != (livedash.StreamPosition{Seq: 7, Epoch: "e1"}) {
		t.Fatalf(
			"position %+v",
			p)
	}
	if got := c.Subscriptions(); got["metrics"] != "metrics.t1" || len(got) != 1 {
		t.Fatalf(
			"subscriptions %v",
			got)
	}
}

func TestSubscribeError(t *testing.T) {
	s := newFakeServer(t)
	c := dial(t, Options{URL: s.URL(), Token: "tok"})
	_, err := c.Subscribe(ctx(t), "forbidden.x")
	le, ok := errors.AsType[*livedash.Error](err)
	if !ok || le.Code != livedash.EForbidden || !strings.Contains(le.Message, "forbidden.x") {
		t.Fatalf(
			"err %v",
			err)
	}
	if len(c.Subscriptions()) != 0 {
		t.Fatalf(
			"subscriptions %v",
			c.Subscriptions())
	}
}

func TestUnsubscribe(t *testing.T) {
	s := newFakeServer(t)
	r := newRecorder()
	c := dial(t, r.options(s.URL()))
	fc := s.acceptConn(t)
	if _, err := c.Subscribe(ctx(t), "metrics", "project.p1"); err != nil {
		t.Fatal(err)
	}
	s.publish("metrics.t1", 1, false, false)
	r.expectSeqs(t, "metrics.t1", 1)
	if err := c.Unsubscribe(ctx(t), "metrics"); err != nil {
		t.Fatal(err)
	}
	if m := fc.next(t, "unsubscribe"); len(m.Channels) != 1 || m.Channels[0] != "metrics" {
		t.Fatalf(
			"unsubscribe %+v",
			m)
	}
	if got := c.Subscriptions(); len(got) != 1 || got["project.p1"] != "project.p1" {
		t.Fatalf(
			"subscriptions %v",
			got)
	}
	if _, ok := c.Positions()["metrics.t1"]; ok {
		t.Fatal("position of an unsubscribed channel kept")
	}
	s.publish("metrics.t1", 1, false, false)
	r.noEvent(t, 50*time.Millisecond)
}

func TestPing(t *testing.T) {
	s := newFakeServer(t)
	c := dial(t, Options{URL: s.URL()})
	fc := s.acceptConn(t)

	rtt, err := c.Ping(ctx(t))
	if err != nil || rtt <= 0 {
		t.Fatalf(
			"rtt %v, err %v",
			rtt, err)
	}
	// Server heartbeat: answered with the same id.
	fc.send([]byte(`{"type":"ping","id":77}`))
	if m := fc.next(t, "pong"); m.ID != 77 {
		t.Fatalf(
			"pong id %d",
			m.ID)
	}
	// WebSocket-level ping.
	fc.writeFrame(ws.NewPingFrame([]byte("hb")))
	deadline := time.Now().Add(5 * time.Second)
	for fc.wsPongs.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no pong frame")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestReconnectRecoversMissedEvents(t *testing.T) {
	t.Run("events after reply", func(t *testing.T) { testReconnectRecovers(t, false) })
	t.Run("events before reply", func(t *testing.T) { testReconnectRecovers(t, true) })
}

func testReconnectRecovers(t *testing.T, missedFirst bool) {
	s := newFakeServer(t)
	s.missedFirst = missedFirst
	r := newRecorder()
	opts := r.options(s.URL())
	opts.Reconnect = true
	c := dial(t, opts)
	fc := s.acceptConn(t)
	if _, err := c.Subscribe(ctx(t), "metrics", "project.p1"); err != nil {
		t.Fatal(err)
	}
	s.publish("metrics.t1", 3, false, false)
	r.expectSeqs(t, "metrics.t1", 1, 2, 3)
	r.waitState(t, func(s State) bool { return s.Kind == Connected })

	// Missed: kept in the history, sent to nobody (published before the close so that the
	// re-subscription cannot come first).
	s.publish("metrics.t1", 2, false, true)
	fc.closeWith(1012, "restart")

	st := r.waitState(t, func(s State) bool { return s.Kind == Disconnected })
	if st.CloseCode != 1012 || st.Final {
		t.Fatalf(
			"state %v",
			st)
	}
	if ce, ok := errors.AsType[*CloseError](st.Err); !ok || ce.Code != 1012 || ce.Reason != "restart" {
		t.Fatalf(
			"err %v",
			st.Err)
	}
	fc2 := s.acceptConn(t)
	m := fc2.next(t, "subscribe")
	if len(m.Channels) != 2 || m.Channels[0] != "metrics" || m.Channels[1] != "project.p1" {
		t.Fatalf(
			"resubscribe channels %v",
			m.Channels)
	}
	if p := m.Since["metrics.t1"]; p != (livedash.StreamPosition{Seq: 3, Epoch: "e1"}) {
		t.Fatalf(
			"since %v",
			m.Since)
	}
	if fc2.token != "tok" {
		t.Fatalf(
			"token %q on reconnect",
			fc2.token)
	}
	r.expectSeqs(t, "metrics.t1", 4, 5)
	r.waitState(t, func(s State) bool { return s.Kind == Connected })
	if c.CloseCode() != 1012 {
		t.Fatalf(
			"CloseCode %d",
			c.CloseCode())
	}
	// Subscribe waits for the re-subscription, so the live event after it is not missed.
	if _, err := c.Ping(ctx(t)); err != nil {
		t.Fatal(err)
	}
	s.publish("metrics.t1", 1, false, false)
	r.expectSeqs(t, "metrics.t1", 6)
	if p := c.Positions()["metrics.t1"]; p.Seq != 6 {
		t.Fatalf(
			"position %v",
			p)
	}
	select {
	case ch := <-r.recoveryFailed:
		t.Fatalf(
			"recovery failed for %s",
			ch)
	default:
	}
}

func TestRecoveryFailed(t *testing.T) {
	s := newFakeServer(t)
	r := newRecorder()
	opts := r.options(s.URL())
	opts.Reconnect = true
	c := dial(t, opts)
	fc := s.acceptConn(t)
	if _, err := c.Subscribe(ctx(t), "metrics"); err != nil {
		t.Fatal(err)
	}
	s.publish("metrics.t1", 5, true, false)
	r.expectSeqs(t, "metrics.t1", 1, 2, 3, 4, 5)

	s.restart("e2")
	fc.closeWith(1012, "restart")
	fc2 := s.acceptConn(t)
	fc2.next(t, "subscribe")
	// Every channel, implicit (?since=) or subscribed, failed to recover.
	want := []string{"global", "metrics.t1", "tenant.t1", "user.u1"}
	var failed []string
	for range want {
		select {
		case ch := <-r.recoveryFailed:
			failed = append(failed, ch)
		case <-time.After(5 * time.Second):
			t.Fatalf(
				"OnRecoveryFailed called for %v only",
				failed)
		}
	}
	if slices.Sort(failed); !slices.Equal(failed, want) {
		t.Fatalf(
			"recovery failed for %v, want %v",
			failed, want)
	}
	if _, err := c.Ping(ctx(t)); err != nil {
		t.Fatal(err)
	}
	// The new epoch starts again at seq 1: not a duplicate.
	s.publish("metrics.t1", 1, false, false)
	r.expectSeqs(t, "metrics.t1", 1)
	if p := c.Positions()["metrics.t1"]; p != (livedash.StreamPosition{Seq: 1, Epoch: "e2"}) {
		t.Fatalf(
			"position %v",
			p)
	}
}

func TestRefreshTokenUsedOnReconnect(t *testing.T) {
	s := newFakeServer(t)
	r := newRecorder()
	opts := r.options(s.URL())
	opts.Reconnect = true
	c := dial(t, opts)
	fc := s.acceptConn(t)

	err := c.Refresh(ctx(t), "bad")
	if livedash.ErrorCode(err) != livedash.EUnauthenticated {
		t.Fatalf(
			"refresh with a bad token: %v",
			err)
	}
	if err := c.Refresh(ctx(t), "tok2"); err != nil {
		t.Fatal(err)
	}
	fc.next(t, "refresh")
	if m := fc.next(t, "refresh"); m.Token != "tok2" {
		t.Fatalf(
			"refresh token %q",
			m.Token)
	}
	fc.closeWith(1012, "")
	if fc2 := s.acceptConn(t); fc2.token != "tok2" {
		t.Fatalf(
			"token %q after refresh",
			fc2.token)
	}
}

func TestCloseCodeWithoutReconnect(t *testing.T) {
	s := newFakeServer(t)
	r := newRecorder()
	c := dial(t, r.options(s.URL()))
	fc := s.acceptConn(t)
	fc.closeWith(4401, "token expired")
	st := r.waitState(t, func(s State) bool { return s.Kind == Disconnected })
	if !st.Final || st.CloseCode != 4401 {
		t.Fatalf(
			"state %v",
			st)
	}
	if c.CloseCode() != 4401 {
		t.Fatalf(
			"CloseCode %d",
			c.CloseCode())
	}
	if _, err := c.Subscribe(ctx(t), "metrics"); !errors.Is(err, ErrNotConnected) {
		t.Fatalf(
			"Subscribe after a final disconnect: %v",
			err)
	}
}

func TestReconnectStopsOnRefusal(t *testing.T) {
	s := newFakeServer(t)
	r := newRecorder()
	opts := r.options(s.URL())
	opts.Reconnect = true
	c := dial(t, opts)
	fc := s.acceptConn(t)
	s.setRefuse(func(*http.Request) (int, string, string) {
		return http.StatusUnauthorized, livedash.EUnauthenticated, "token expired"
	})
	fc.closeWith(4401, "token expired")
	st := r.waitState(t, func(s State) bool { return s.Kind == Disconnected && s.Final })
	if he, ok := errors.AsType[*HTTPError](st.Err); !ok || he.Status != 401 {
		t.Fatalf(
			"state %v",
			st)
	}
	if c.CloseCode() != 4401 {
		t.Fatalf(
			"CloseCode %d",
			c.CloseCode())
	}
	_, err := c.Ping(ctx(t))
	if !errors.Is(err, ErrNotConnected) {
		t.Fatalf(
			"Ping: %v",
			err)
	}
}

func TestReconnectAfterTransientRefusals(t *testing.T) {
	s := newFakeServer(t)
	r := newRecorder()
	opts := r.options(s.URL())
	opts.Reconnect = true
	c := dial(t, opts)
	fc := s.acceptConn(t)
	var refusals atomic.Int32
	s.setRefuse(func(*http.Request) (int, string, string) {
		if refusals.Add(1) <= 2 {
			return http.StatusServiceUnavailable, livedash.EUnavailable, "draining"
		}
		return 0, "", ""
	})
	fc.closeWith(1012, "")
	s.acceptConn(t)
	r.waitState(t, func(s State) bool { return s.Kind == Connecting && s.Attempt == 3 })
	r.waitState(t, func(s State) bool { return s.Kind == Connected })
	if _, err := c.Ping(ctx(t)); err != nil {
		t.Fatal(err)
	}
}

func TestHeartbeatSilenceReconnects(t *testing.T) {
	s := newFakeServer(t)
	s.welcome = func(fc *fakeConn) []byte { return fc.defaultWelcome(0.05) }
	r := newRecorder()
	opts := r.options(s.URL())
	opts.Reconnect = true
	dial(t, opts)
	s.acceptConn(t)
	st := r.waitState(t, func(s State) bool { return s.Kind == Disconnected })
	if st.Final || st.CloseCode != 0 {
		t.Fatalf(
			"state %v",
			st)
	}
	s.acceptConn(t)
}

func TestSendRawAndOnMessage(t *testing.T) {
	s := newFakeServer(t)
	r := newRecorder()
	c := dial(t, r.options(s.URL()))
	if err := c.SendRaw(ctx(t), []byte(`{"type":"bogus"}`)); err != nil {
		t.Fatal(err)
	}
	timeout := time.After(5 * time.Second)
	for {
		select {
		case typ := <-r.messages:
			if typ == "error" {
				return
			}
		case <-timeout:
			t.Fatal("no error message")
		}
	}
}

func TestLocalAddr(t *testing.T) {
	s := newFakeServer(t)
	dial(t, Options{URL: s.URL(), LocalAddr: "127.0.0.5"})
	if fc := s.acceptConn(t); !strings.HasPrefix(fc.remoteAddr, "127.0.0.5:") {
		t.Fatalf(
			"remote address %s",
			fc.remoteAddr)
	}
}

func TestCloseSendsNormalClosure(t *testing.T) {
	s := newFakeServer(t)
	r := newRecorder()
	c := dial(t, r.options(s.URL()))
	fc := s.acceptConn(t)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	st := r.waitState(t, func(s State) bool { return s.Kind == Disconnected })
	if !st.Final || !errors.Is(st.Err, ErrClosed) {
		t.Fatalf(
			"state %v",
			st)
	}
	select {
	case <-fc.done:
	case <-time.After(5 * time.Second):
		t.Fatal("server connection still open")
	}
	if code := fc.code.Load(); code != 1000 {
		t.Fatalf(
			"close code %d",
			code)
	}
	if _, err := c.Ping(ctx(t)); !errors.Is(err, ErrClosed) {
		t.Fatalf(
			"Ping after Close: %v",
			err)
	}
	c.Close()
}

func TestCloseFromCallback(t *testing.T) {
	s := newFakeServer(t)
	r := newRecorder()
	opts := r.options(s.URL())
	opts.Reconnect = true
	var cp atomic.Pointer[Client]
	opts.OnEvent = func(Event) { cp.Load().Close() }
	c := dial(t, opts)
	cp.Store(c)
	if _, err := c.Subscribe(ctx(t), "metrics"); err != nil {
		t.Fatal(err)
	}
	s.publish("metrics.t1", 1, false, false)
	r.waitState(t, func(s State) bool { return s.Kind == Disconnected && s.Final })
	c.Close()
}

func TestSubscribeWaitsForReconnect(t *testing.T) {
	s := newFakeServer(t)
	r := newRecorder()
	opts := r.options(s.URL())
	opts.Reconnect = true
	opts.MinBackoff = 100 * time.Millisecond
	opts.MaxBackoff = 100 * time.Millisecond
	c := dial(t, opts)
	fc := s.acceptConn(t)
	fc.closeWith(1001, "")
	r.waitState(t, func(s State) bool { return s.Kind == Disconnected })
	subs, err := c.Subscribe(ctx(t), "metrics")
	if err != nil || len(subs) != 1 {
		t.Fatalf(
			"subs %v, err %v",
			subs, err)
	}
}

func TestBackoff(t *testing.T) {
	for _, tc := range []struct {
		attempt int
		want    time.Duration
	}{
		{
			attempt: 0,
			want:    10 * time.Millisecond,
		},
		{
			attempt: 1,
			want:    20 * time.Millisecond,
		},
		{
			attempt: 3,
			want:    80 * time.Millisecond,
		},
		{
			attempt: 7,
			want:    time.Second,
		},
		{
			attempt: 1000,
			want:    time.Second,
		},
	} {
		if got := backoffCeil(10*time.Millisecond, time.Second, tc.attempt); got != tc.want {
			t.Errorf(
				"attempt %d: ceil %v, want %v",
				tc.attempt, got, tc.want)
		}
	}
	var sum time.Duration
	const n = 2000
	for range n {
		d := backoffDelay(10*time.Millisecond, time.Second, 3)
		if d < 0 || d > 80*time.Millisecond {
			t.Fatalf(
				"delay %v out of [0, 80ms]",
				d)
		}
		sum += d
	}
	if mean := sum / n; mean < 30*time.Millisecond || mean > 50*time.Millisecond {
		t.Fatalf(
			"mean delay %v, want about 40ms (full jitter)",
			mean)
	}
	if got := backoffCeil(0, 0, 0); got != DefaultMinBackoff {
		t.Fatalf(
			"default ceil %v",
			got)
	}
}

// TestImplicitChannelsAndServerSubscriptions: a server whose welcome does not list the implicit
// channels (legacy); their positions come from events only and are not kept across reconnects.
func TestImplicitChannelsAndServerSubscriptions(t *testing.T) {
	s := newFakeServer(t)
	s.legacy = true
	r := newRecorder()
	opts := r.options(s.URL())
	opts.Reconnect = true
	c := dial(t, opts)
	fc := s.acceptConn(t)

	// Events of an implicit channel are delivered once and tracked.
	fc.send(
		[]byte(`{"type":"event","channel":"user.u1","event":"notice","seq":1,"ts":"2024-01-01T00:00:00Z","data":{}}`),
		[]byte(`{"type":"event","channel":"user.u1","event":"notice","seq":1,"ts":"2024-01-01T00:00:00Z","data":{}}`),
		[]byte(`{"type":"event","channel":"user.u1","event":"notice","seq":2,"ts":"2024-01-01T00:00:00Z","data":{}}`),
	)
	r.expectSeqs(t, "user.u1", 1, 2)
	// A subscription the server made by itself (no id) is recorded like any other.
	fc.send([]byte(`{"type":"subscribed","channels":[{"name":"board.b1","channel":"board.b1","seq":3,"epoch":"e1"}]}`))
	if _, err := c.Ping(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if got := c.Subscriptions(); got["board.b1"] != "board.b1" {
		t.Fatalf(
			"subscriptions %v",
			got)
	}
	pos := c.Positions()
	if pos["user.u1"].Seq != 2 || pos["board.b1"] != (livedash.StreamPosition{Seq: 3, Epoch: "e1"}) {
		t.Fatalf(
			"positions %v",
			pos)
	}

	// After a reconnect, the implicit channel starts over (the server may have restarted).
	fc.closeWith(1012, "")
	fc2 := s.acceptConn(t)
	if m := fc2.next(t, "subscribe"); m.Since["board.b1"].Seq != 3 {
		t.Fatalf(
			"resubscribe %+v",
			m)
	}
	if _, err := c.Ping(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Positions()["user.u1"]; ok {
		t.Fatal("position of an implicit channel kept across reconnects")
	}
	fc2.send([]byte(`{"type":"event","channel":"user.u1","event":"notice","seq":1,"ts":"2024-01-01T00:00:00Z","data":{}}`))
	r.expectSeqs(t, "user.u1", 1)
}

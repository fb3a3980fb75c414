// Package client is a Go client of the livedash real-time protocol (v1): JSON text frames over a
// WebSocket at GET /ws (the default), or a one-way Server-Sent Events stream at GET /dashboard/sse
// (Options.Transport = TransportSSE).
//
// A Client keeps one connection at a time. It answers server pings, keeps the stream position
// (seq, epoch) of every channel it receives events on (subscribed channels and the implicit ones:
// user.{sub}, tenant.{tenant}, global), drops events it has already seen and, with
// Options.Reconnect, reconnects with exponential backoff and full jitter and recovers every
// channel from the server's history: the implicit channels with ?since=<cursor> on the upgrade
// (or `since` in the authenticate message), the subscribed ones by subscribing again with
// `since`; over SSE, with Last-Event-ID.
//
// An event whose seq skips some on its channel (a gap) is not delivered: the client drops the
// connection and reconnects (after the first backoff delay, even without Options.Reconnect), so
// that the missing events are recovered from history and delivered in order. OnEvent never sees a
// channel's events out of order nor twice.
//
// Callbacks (OnEvent, OnState, OnRecoveryFailed, OnMessage) are called in order from one goroutine
// per Client; they must not block long: while more than a few thousand events wait for OnEvent, the
// connection stops reading. A callback may call Close.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"livedash"
)

// TokenMode selects how Options.Token is presented to the server.
type TokenMode int

const (
	// TokenHeader sends "Authorization: Bearer <token>" with the upgrade request (the default).
	TokenHeader TokenMode = iota
	// TokenQuery appends ?token=<token> to the upgrade URL.
	TokenQuery
	// TokenMessage sends an authenticate message after the welcome.
	TokenMessage
)

// Transport selects how the client talks to the server.
type Transport int

const (
	// TransportWebSocket uses GET /ws (the default).
	TransportWebSocket Transport = iota
	// TransportSSE uses GET /dashboard/sse?channels=…, a one-way stream whose channel set
	// (Options.Channels plus the implicit channels) is fixed per Client. Subscribe, Unsubscribe,
	// Ping, Refresh, Authenticate and SendRaw return an error wrapping ErrNotSupported.
	TransportSSE
)

func (t Transport) String() string {
	switch t {
	case TransportWebSocket:
		return "websocket"
	case TransportSSE:
		return "sse"
	}
	return "Transport(" + strconv.Itoa(int(t)) + ")"
}

// Default timeouts.
const (
	DefaultDialTimeout = 10 * time.Second
	writeTimeout       = 10 * time.Second
)

// Options configure a Client. Only URL is required.
type Options struct {
	// URL is the WebSocket endpoint (ws://host:port/ws, wss://…) or an http(s) base
	// (http://host:port); the endpoint of the transport is derived from it: /ws, or
	// /dashboard/sse (replacing a trailing /ws).
	URL   string
	Token string
	// TokenMode: how the token is sent (default TokenHeader). Over SSE, TokenQuery sends
	// ?token=, the others "Authorization: Bearer".
	TokenMode TokenMode
	Header    http.Header // extra headers on the upgrade / stream request (e.g. Origin)
	LocalAddr string      // optional source IP (or IP:port) for the dial, e.g. "127.0.0.5"

	// Transport is TransportWebSocket (default) or TransportSSE.
	Transport Transport
	// Channels are subscribed on every connection. Over WebSocket they are subscribed right after
	// the welcome (Dial fails if the server refuses them) and Subscribe can add more. Over SSE
	// they are the stream's ?channels= list, fixed for the life of the Client.
	Channels []string

	// Reconnect makes the client reconnect after a disconnect, with exponential backoff and full
	// jitter between MinBackoff and MaxBackoff (defaults 200ms and 30s). It stops on a permanent
	// refusal (HTTP 400/401/403/404, or an unauthenticated/forbidden authentication reply) and on
	// Close. Over SSE the stream's retry: field (1s from the server) is a floor of the delay,
	// capped at MaxBackoff. Without Reconnect, the client still makes one attempt to recover
	// from a gap (see GapError).
	Reconnect              bool
	MinBackoff, MaxBackoff time.Duration

	// DialTimeout bounds one connection attempt: connect, upgrade, welcome, authentication and
	// re-subscription (default 10s). Over SSE: connect, response head and ready event.
	DialTimeout time.Duration

	// OnEvent receives every event not seen before, in order.
	OnEvent func(Event)
	// OnState receives state changes: Connecting, Connected, Disconnected.
	OnState func(State)
	// OnRecoveryFailed is called for a channel (implicit or subscribed) whose recovery was
	// answered with recovered:false: some events published while disconnected are lost.
	OnRecoveryFailed func(channel string)
	// OnMessage, when set, receives every message from the server (its type and a copy of its
	// JSON), before it is handled. Meant for tests and debugging. Over SSE the type is "ready",
	// "close", "event" (publications; raw is the data line) or "ping" (comments).
	OnMessage func(typ string, raw []byte)

	Logger *slog.Logger // default: discard
}

// Event is one publication received on a channel.
type Event struct {
	Channel string // canonical channel name, e.g. "metrics.t1"
	Event   string
	Seq     uint64
	Time    time.Time
	Data    json.RawMessage
}

// Welcome is the first message of every connection.
type Welcome struct {
	ConnectionID      string
	HeartbeatInterval time.Duration
	Authenticated     bool
	User              livedash.Principal // zero unless Authenticated
}

// Subscription is one channel of a subscribed reply.
type Subscription struct {
	Name      string `json:"name"`    // as requested, e.g. "metrics"
	Channel   string `json:"channel"` // canonical, e.g. "metrics.t1"
	Seq       uint64 `json:"seq"`
	Epoch     string `json:"epoch"`
	Recovered bool   `json:"recovered"`
}

// StateKind is the kind of a State.
type StateKind int

// State kinds.
const (
	Connecting StateKind = iota + 1
	Connected
	Disconnected
)

func (k StateKind) String() string {
	switch k {
	case Connecting:
		return "connecting"
	case Connected:
		return "connected"
	case Disconnected:
		return "disconnected"
	}
	return "StateKind(" + strconv.Itoa(int(k)) + ")"
}

// State is a connection state change.
type State struct {
	Kind StateKind
	// Attempt is, for Connecting, the number of the attempt (1-based) since the last connection.
	Attempt int
	// Err is, for Disconnected, why: a *CloseError when the server sent a close frame (or an SSE
	// close event), an *HTTPError when the upgrade or stream request was refused, a *GapError
	// when the client dropped the connection to recover missed events, ErrClosed after Close.
	Err error
	// CloseCode is, for Disconnected, the code of the server's close frame or SSE close event, 0
	// if there was none.
	CloseCode int
	// Final is, for Disconnected, true when the client will not connect again.
	Final bool
}

func (s State) String() string {
	switch s.Kind {
	case Connecting:
		return fmt.Sprintf("connecting (attempt %d)", s.Attempt)
	case Disconnected:
		return fmt.Sprintf("disconnected (code %d, final %t): %v", s.CloseCode, s.Final, s.Err)
	}
	return s.Kind.String()
}

// HTTPError is a refused upgrade or SSE request: the server answered with a plain HTTP error.
type HTTPError struct {
	Status     int
	Code       string        // from the JSON body {"error":{"code","message"}}, if any
	Message    string        // from the JSON body, else the body or the status text
	RetryAfter time.Duration // from the Retry-After header, if any
}

func (e *HTTPError) Error() string {
	if e.Code != "" {
		return fmt.Sprintf("upgrade refused: HTTP %d %s: %s", e.Status, e.Code, e.Message)
	}
	return fmt.Sprintf("upgrade refused: HTTP %d: %s", e.Status, e.Message)
}

// CloseError is a close frame (or SSE close event) received from the server.
type CloseError struct {
	Code   int // 1005 when the frame carried no code
	Reason string
}

func (e *CloseError) Error() string {
	return fmt.Sprintf("closed by server: %d %s", e.Code, e.Reason)
}

// GapError is why the client dropped a connection: an event skipped seqs on its channel (Got
// after Last). The client reconnects and recovers the channel from history.
type GapError struct {
	Channel   string
	Last, Got uint64
}

func (e *GapError) Error() string {
	return fmt.Sprintf("client: gap in channel %s: seq %d after %d; reconnecting to recover", e.Channel, e.Got, e.Last)
}

// Errors.
var (
	ErrClosed       = errors.New("client: closed")
	ErrNotConnected = errors.New("client: not connected")
	ErrDisconnected = errors.New("client: disconnected before the reply")
	// ErrNotSupported is wrapped by the errors of commands an SSE client cannot send.
	ErrNotSupported = errors.New("client: not supported over SSE")
)

// Client is a connection to a livedash server, re-established automatically when
// Options.Reconnect is set. Its methods are safe for concurrent use.
type Client struct {
	opts Options
	log  *slog.Logger

	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup // manager and reader goroutines
	q      *queue

	closing   atomic.Bool
	closeDone chan struct{}
	nextID    atomic.Int64

	endpoint string // derived from opts.URL for opts.Transport

	mu        sync.Mutex
	token     string
	cur       *conn         // ready connection, nil while disconnected
	ready     chan struct{} // closed when cur is set, on a final disconnect and on Close
	final     error         // why the client will not connect again
	welcome   Welcome
	subs      map[string]string // requested name → canonical name ("" until the server said)
	implicit  map[string]bool   // canonical names of the implicit channels, from the last welcome
	positions map[string]livedash.StreamPosition
	// lenient channels accept their next event whatever its seq: their recovery failed, so the
	// events that follow may skip some (reported by OnRecoveryFailed, not a gap to recover).
	lenient   map[string]bool
	closeCode int
	sseRetry  time.Duration // the SSE stream's retry: field, a floor of the reconnection delay
}

// Dial connects to opts.URL and returns once the welcome is received (and the token accepted, in
// TokenMessage mode, and Options.Channels subscribed); over SSE, once the ready event is
// received. Errors of this first attempt are returned, e.g. *HTTPError for a refused upgrade or
// stream request; Reconnect applies only to later disconnects.
func Dial(ctx context.Context, opts Options) (*Client, error) {
	if opts.URL == "" {
		return nil, errors.New("client: Options.URL is empty")
	}
	endpoint, err := endpointURL(opts.URL, opts.Transport)
	if err != nil {
		return nil, err
	}
	opts.Channels = slices.Clone(opts.Channels)
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = DefaultMinBackoff
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = DefaultMaxBackoff
	}
	if opts.MaxBackoff < opts.MinBackoff {
		opts.MaxBackoff = opts.MinBackoff
	}
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = DefaultDialTimeout
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Client{
		opts:      opts,
		log:       log,
		q:         newQueue(),
		closeDone: make(chan struct{}),
		endpoint:  endpoint,
		token:     opts.Token,
		ready:     make(chan struct{}),
		subs:      make(map[string]string),
		implicit:  make(map[string]bool),
		positions: make(map[string]livedash.StreamPosition),
		lenient:   make(map[string]bool),
	}
	if opts.Transport == TransportWebSocket {
		for _, name := range opts.Channels {
			c.subs[name] = ""
		}
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	go c.q.run()

	c.emitState(State{Kind: Connecting, Attempt: 1})
	// Close may not be called before Dial returns, so only ctx can interrupt this attempt.
	stop := context.AfterFunc(ctx, c.cancel)
	cn, err := c.connect(c.ctx, true)
	stop()
	if err == nil && ctx.Err() != nil {
		cn.closeGraceful()
		<-cn.done
		err = ctx.Err()
	}
	if err != nil {
		if ctx.Err() != nil && c.ctx.Err() != nil {
			err = ctx.Err()
		}
		c.emitState(State{Kind: Disconnected, Err: err, Final: true})
		c.closing.Store(true)
		c.cancel()
		c.wg.Wait()
		c.q.close()
		<-c.q.done
		close(c.closeDone)
		return nil, err
	}
	c.wg.Add(1)
	go c.manage(cn)
	return c, nil
}

// Welcome returns the welcome of the current (or last) connection; in TokenMessage mode,
// Authenticated and User reflect the authenticated reply.
func (c *Client) Welcome() Welcome {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.welcome
}

// Positions returns the last seen stream position of every channel, by canonical name.
func (c *Client) Positions() map[string]livedash.StreamPosition {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.positions)
}

// Cursor returns the positions of the channels that can be recovered (those whose epoch is known)
// as a cursor, "channel~seq~epoch" entries joined by ",": the format of ?since= and Last-Event-ID.
func (c *Client) Cursor() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return formatCursor(c.positions)
}

// Implicit returns the canonical names of the implicit channels (user.{sub}, tenant.{tenant},
// global) announced by the last welcome, authenticated reply or SSE ready event.
func (c *Client) Implicit() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return sortedKeys(c.implicit)
}

// Subscriptions returns the channels the client is subscribed to (and will subscribe to again
// after a reconnect): requested name → canonical name. Over SSE: Options.Channels as resolved
// by the ready event.
func (c *Client) Subscriptions() map[string]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.subs)
}

// CloseCode returns the close code of the last disconnect, from the server's close frame; 0 if
// there was no disconnect or no close frame.
func (c *Client) CloseCode() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closeCode
}

// Subscribe subscribes to channels and waits for the reply. An error reply is returned as a
// *livedash.Error. While the client is reconnecting, it waits for the connection (or ctx).
// Over SSE it returns an error wrapping ErrNotSupported: set Options.Channels instead.
func (c *Client) Subscribe(ctx context.Context, channels ...string) ([]Subscription, error) {
	if err := c.twoWay("Subscribe", "set Options.Channels"); err != nil {
		return nil, err
	}
	if len(channels) == 0 {
		return nil, livedash.Errorf(livedash.EBadRequest, "no channel to subscribe to")
	}
	cn, err := c.waitConn(ctx)
	if err != nil {
		return nil, err
	}
	r, err := c.roundTrip(ctx, cn, outbound{Type: "subscribe", Channels: channels}, nil)
	if err != nil {
		return nil, err
	}
	return r.subs, nil
}

// Unsubscribe unsubscribes from channels (requested or canonical names) and waits for the reply.
func (c *Client) Unsubscribe(ctx context.Context, channels ...string) error {
	if err := c.twoWay("Unsubscribe", "the channel set is Options.Channels"); err != nil {
		return err
	}
	if len(channels) == 0 {
		return livedash.Errorf(livedash.EBadRequest, "no channel to unsubscribe from")
	}
	cn, err := c.waitConn(ctx)
	if err != nil {
		return err
	}
	_, err = c.roundTrip(ctx, cn, outbound{Type: "unsubscribe", Channels: channels}, nil)
	return err
}

// Ping sends a ping and returns the time until its pong.
func (c *Client) Ping(ctx context.Context) (time.Duration, error) {
	if err := c.twoWay("Ping", "the stream's heartbeat is a comment line"); err != nil {
		return 0, err
	}
	cn, err := c.waitConn(ctx)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	if _, err := c.roundTrip(ctx, cn, outbound{Type: "ping"}, nil); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// Refresh sends a new token for the current connection; it is also used for later reconnects.
func (c *Client) Refresh(ctx context.Context, token string) error {
	if err := c.twoWay("Refresh", "a new token needs a new Client"); err != nil {
		return err
	}
	cn, err := c.waitConn(ctx)
	if err != nil {
		return err
	}
	if _, err := c.roundTrip(ctx, cn, outbound{Type: "refresh", Token: token}, nil); err != nil {
		return err
	}
	c.mu.Lock()
	c.token = token
	c.mu.Unlock()
	return nil
}

// Authenticate authenticates the current connection with an authenticate message (with `since`
// for the implicit channels the client knows) and returns the principal of the reply. The token
// is also used for later reconnects.
func (c *Client) Authenticate(ctx context.Context, token string) (livedash.Principal, error) {
	if err := c.twoWay("Authenticate", "the token goes in the request"); err != nil {
		return livedash.Principal{}, err
	}
	cn, err := c.waitConn(ctx)
	if err != nil {
		return livedash.Principal{}, err
	}
	c.mu.Lock()
	since := c.implicitSinceLocked()
	c.mu.Unlock()
	r, err := c.roundTrip(ctx, cn, outbound{Type: "authenticate", Token: token}, since)
	if err != nil {
		return livedash.Principal{}, err
	}
	c.mu.Lock()
	c.token = token
	c.mu.Unlock()
	if r.User == nil {
		return livedash.Principal{}, nil
	}
	return *r.User, nil
}

// SendRaw sends frame as one text frame, as is. Meant for tests sending malformed input.
func (c *Client) SendRaw(ctx context.Context, frame []byte) error {
	if err := c.twoWay("SendRaw", "the stream is one-way"); err != nil {
		return err
	}
	cn, err := c.waitConn(ctx)
	if err != nil {
		return err
	}
	return cn.write(ctx, frame)
}

// Close closes the connection (with close code 1000), stops reconnecting and waits for the
// client's goroutines to end; the last OnState (Disconnected, ErrClosed) is delivered before it
// returns, unless it is called from a callback.
func (c *Client) Close() error {
	inCallback := c.q.inDispatcher()
	if c.closing.Swap(true) {
		if !inCallback {
			<-c.closeDone
		}
		return nil
	}
	c.q.stop()
	c.cancel()
	c.wg.Wait()
	c.q.close()
	if !inCallback {
		<-c.q.done
	}
	close(c.closeDone)
	return nil
}

// twoWay returns an error wrapping ErrNotSupported for a command an SSE client cannot send.
func (c *Client) twoWay(op, hint string) error {
	if c.opts.Transport == TransportSSE {
		return fmt.Errorf("%w: %s (%s)", ErrNotSupported, op, hint)
	}
	return nil
}

// waitConn returns the ready connection, waiting for it while the client reconnects.
func (c *Client) waitConn(ctx context.Context) (*conn, error) {
	for {
		if c.closing.Load() {
			return nil, ErrClosed
		}
		c.mu.Lock()
		cn, ready, final := c.cur, c.ready, c.final
		c.mu.Unlock()
		if cn != nil {
			return cn, nil
		}
		if final != nil {
			if errors.Is(final, ErrClosed) {
				return nil, ErrClosed
			}
			return nil, fmt.Errorf("%w: %w", ErrNotConnected, final)
		}
		select {
		case <-ready:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-c.ctx.Done():
			return nil, ErrClosed
		}
	}
}

// roundTrip sends msg with a fresh id on cn and waits for the reply with that id. since is
// remembered for the handling of a subscribed reply.
func (c *Client) roundTrip(ctx context.Context, cn *conn, msg outbound, since map[string]livedash.StreamPosition) (*inbound, error) {
	msg.ID = c.nextID.Add(1)
	msg.Since = since
	payload, err := json.Marshal(msg)
	if err != nil {
		return nil, err
	}
	cl := &call{ch: make(chan *inbound, 1), since: since, names: msg.Channels}
	cn.addCall(msg.ID, cl)
	defer cn.removeCall(msg.ID)
	if err := cn.write(ctx, payload); err != nil {
		return nil, err
	}
	var r *inbound
	select {
	case r = <-cl.ch:
	case <-cn.done:
		select {
		case r = <-cl.ch:
		default:
			return nil, fmt.Errorf("%w: %w", ErrDisconnected, cn.err)
		}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if r.Type == "error" {
		return r, &livedash.Error{Code: r.Code, Message: r.Message}
	}
	return r, nil
}

// manage watches the connection, reports disconnects and reconnects when asked to. It owns the
// life of the current connection.
func (c *Client) manage(cn *conn) {
	defer c.wg.Done()
	attempt := 0
	for {
		select {
		case <-cn.done:
		case <-c.ctx.Done():
			cn.closeGraceful()
			<-cn.done
		}
		lived := time.Since(cn.connectedAt)
		c.mu.Lock()
		c.cur = nil
		c.ready = make(chan struct{})
		if cn.closeCode != 0 {
			c.closeCode = cn.closeCode
		} else if c.ctx.Err() == nil {
			c.closeCode = 0
		}
		c.mu.Unlock()
		if c.ctx.Err() != nil {
			c.setFinal(ErrClosed)
			c.emitState(State{Kind: Disconnected, Err: ErrClosed, CloseCode: cn.closeCode, Final: true})
			return
		}
		// A gap is recovered by reconnecting, even without Reconnect (one attempt then).
		_, gap := errors.AsType[*GapError](cn.err)
		if !c.opts.Reconnect && !gap {
			c.setFinal(cn.err)
			c.emitState(State{Kind: Disconnected, Err: cn.err, CloseCode: cn.closeCode, Final: true})
			return
		}
		c.log.Info("livedash client disconnected", "err", cn.err, "close_code", cn.closeCode)
		c.emitState(State{Kind: Disconnected, Err: cn.err, CloseCode: cn.closeCode})
		if lived >= stableAfter {
			attempt = 0
		}
		var retryAfter time.Duration
		for {
			c.mu.Lock()
			floor := min(c.sseRetry, c.opts.MaxBackoff)
			c.mu.Unlock()
			d := max(backoffDelay(c.opts.MinBackoff, c.opts.MaxBackoff, attempt), retryAfter, floor)
			attempt++
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-c.ctx.Done():
				t.Stop()
				c.setFinal(ErrClosed)
				c.emitState(State{Kind: Disconnected, Err: ErrClosed, Final: true})
				return
			}
			c.emitState(State{Kind: Connecting, Attempt: attempt})
			next, err := c.connect(c.ctx, false)
			if err == nil {
				cn = next
				break
			}
			if c.ctx.Err() != nil {
				c.setFinal(ErrClosed)
				c.emitState(State{Kind: Disconnected, Err: ErrClosed, Final: true})
				return
			}
			final := isPermanent(err) || !c.opts.Reconnect
			c.log.Info("livedash client reconnection failed", "attempt", attempt, "err", err, "final", final)
			if final {
				c.setFinal(err)
			}
			c.emitState(State{Kind: Disconnected, Err: err, Final: final})
			if final {
				return
			}
			retryAfter = 0
			if he, ok := errors.AsType[*HTTPError](err); ok {
				retryAfter = min(he.RetryAfter, c.opts.MaxBackoff)
			}
		}
	}
}

func (c *Client) setFinal(err error) {
	if err == nil {
		err = ErrNotConnected
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.final == nil {
		c.final = err
		close(c.ready)
	}
}

// isPermanent reports whether a failed connection attempt would fail the same way if repeated.
func isPermanent(err error) bool {
	if he, ok := errors.AsType[*HTTPError](err); ok {
		switch he.Status {
		case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
			return true
		}
		return false
	}
	if ce, ok := errors.AsType[*CloseError](err); ok {
		return ce.Code == 4401 || ce.Code == 4403
	}
	switch livedash.ErrorCode(err) {
	case livedash.EUnauthenticated, livedash.EForbidden:
		return true
	}
	return false
}

func (c *Client) emitState(s State) {
	if f := c.opts.OnState; f != nil {
		c.q.push(func() { f(s) }, false)
	}
}

// queue runs callbacks in order on one goroutine. push with wait blocks while the queue is full,
// which stops the connection from reading until callbacks catch up.
type queue struct {
	mu       sync.Mutex
	cond     sync.Cond
	items    []func()
	stopping bool // Close started: waiting pushes are dropped
	closed   bool // no more pushes: run returns once the queue is empty
	gid      atomic.Uint64
	done     chan struct{}
}

const queueLimit = 4096

func newQueue() *queue {
	q := &queue{done: make(chan struct{})}
	q.cond.L = &q.mu
	return q
}

func (q *queue) push(f func(), wait bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if wait {
		for len(q.items) >= queueLimit && !q.stopping && !q.closed {
			q.cond.Wait()
		}
		if q.stopping {
			return
		}
	}
	if q.closed {
		return
	}
	q.items = append(q.items, f)
	q.cond.Broadcast()
}

func (q *queue) stop() {
	q.mu.Lock()
	q.stopping = true
	q.cond.Broadcast()
	q.mu.Unlock()
}

func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	q.cond.Broadcast()
	q.mu.Unlock()
}

func (q *queue) run() {
	defer close(q.done)
	q.gid.Store(goroutineID())
	var batch []func()
	for {
		q.mu.Lock()
		for len(q.items) == 0 && !q.closed {
			q.cond.Wait()
		}
		if len(q.items) == 0 {
			q.mu.Unlock()
			return
		}
		batch, q.items = q.items, batch[:0]
		q.cond.Broadcast()
		q.mu.Unlock()
		for i, f := range batch {
			f()
			batch[i] = nil
		}
	}
}

// inDispatcher reports whether the caller runs on the callback goroutine.
func (q *queue) inDispatcher() bool {
	id := q.gid.Load()
	return id != 0 && id == goroutineID()
}

// goroutineID returns the id of the calling goroutine, parsed from its stack header
// ("goroutine 42 [running]:"). Used only to let callbacks call Close without deadlocking.
func goroutineID() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	if i := bytes.IndexByte(b, ' '); i > 0 {
		b = b[:i]
	}
	id, _ := strconv.ParseUint(string(b), 10, 64)
	return id
}

// sortedKeys returns the keys of m in order (for deterministic messages).
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

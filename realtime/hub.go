// Package realtime is the hub of livedash: it keeps connections (WebSocket and SSE), their
// subscriptions and limits, and delivers every publication the broker hands it to the local
// subscribers of its channel, encoded once and shared.
package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"net/netip"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"livedash"
)

// Authenticator verifies a bearer token.
type Authenticator interface {
	Verify(token string) (livedash.Principal, error)
}

// ChannelPolicy resolves the channel names clients ask for and decides who may use them.
type ChannelPolicy interface {
	// Resolve maps a requested name (short or scoped) to the canonical channel p may subscribe to.
	Resolve(ctx context.Context, p livedash.Principal, name string) (string, error)
	// Implicit lists the channels every connection of p is subscribed to.
	Implicit(p livedash.Principal) []string
	// AuthorizePublish decides whether p (a token holder, not the API key) may publish to channel.
	AuthorizePublish(ctx context.Context, p livedash.Principal, channel string) error
	// ValidChannel checks the syntax and kind of a canonical channel name.
	ValidChannel(channel string) error
}

// Config holds the hub's limits and timings.
type Config struct {
	HeartbeatInterval time.Duration
	HeartbeatTimeout  time.Duration
	AuthTimeout       time.Duration
	WriteTimeout      time.Duration
	MessageRate       float64 // inbound messages per second per connection
	MessageBurst      int
	MaxFrameSize      int
	MaxChannels       int // per connection, implicit channels excluded
	SendQueueSize     int // messages
	MaxConnsPerUser   int // 0 = unlimited
	MaxConnsPerIP     int // 0 = unlimited
	AllowedOrigins    []string
	SSE               bool // serve GET /dashboard/sse
	TrustedProxies    []netip.Prefix
	// History gives the history bounds of a channel; nil keeps none.
	History func(channel string) livedash.HistoryPolicy
}

// DefaultConfig returns the documented defaults.
func DefaultConfig() Config {
	return Config{
		HeartbeatInterval: 30 * time.Second,
		HeartbeatTimeout:  60 * time.Second,
		AuthTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		MessageRate:       50,
		MessageBurst:      100,
		MaxFrameSize:      64 << 10,
		MaxChannels:       100,
		SendQueueSize:     4096,
		MaxConnsPerUser:   5,
		MaxConnsPerIP:     10,
		SSE:               true,
	}
}

// Deps are the hub's collaborators.
type Deps struct {
	Broker livedash.Broker
	Auth   Authenticator
	Policy ChannelPolicy
	APIKey string // empty disables API-key publishing
	Logger *slog.Logger
	Now    func() time.Time
	// Checks are extra health checks (e.g. "database") run by GET /websocket/health.
	Checks map[string]func(context.Context) error
	// ExtraStats adds sections to GET /websocket/stats (e.g. the widget cache).
	ExtraStats func() map[string]any
}

// Hub keeps connections and subscriptions and fans publications out to them.
type Hub struct {
	cfg    Config
	broker livedash.Broker
	auth   Authenticator
	policy ChannelPolicy
	apiKey string
	checks map[string]func(context.Context) error
	extra  func() map[string]any
	log    *slog.Logger
	now    func() time.Time
	start  time.Time

	seed   maphash.Seed
	shards [64]hubShard

	mu       sync.Mutex
	sessions map[*session]struct{}
	perUser  map[string]int
	perIP    map[netip.Addr]int
	draining atomic.Bool
	idSeq    atomic.Uint64
	gone     chan struct{} // signalled when a session leaves (wakes Shutdown)
	writers  *writerPool
	dispatch []*dispatcher // fan-out goroutines, by channel hash
	started  chan struct{} // closed once Run delivers publications

	stats stats
}

type hubShard struct {
	mu sync.RWMutex
	m  map[string]*channelState
}

// channelState holds the local subscribers of one channel. Publications are delivered under mu, so
// a subscriber added under mu sees exactly the publications after the position it read under mu.
type channelState struct {
	mu   sync.Mutex
	dead bool
	subs []subscriber
	idx  map[*session]int
	n    atomic.Int32 // len(subs), readable without mu
}

type subscriber struct {
	s *session
	// Publications of epoch with seq <= minSeq were replayed or predate the subscription and
	// must not be delivered again; zero once the first newer one went out.
	minSeq uint64
	epoch  string
}

// NewHub returns a hub; call Run to start delivery and heartbeats.
func NewHub(cfg Config, deps Deps) *Hub {
	h := &Hub{
		cfg:      cfg,
		broker:   deps.Broker,
		auth:     deps.Auth,
		policy:   deps.Policy,
		apiKey:   deps.APIKey,
		checks:   deps.Checks,
		extra:    deps.ExtraStats,
		log:      deps.Logger,
		now:      deps.Now,
		seed:     maphash.MakeSeed(),
		sessions: make(map[*session]struct{}),
		perUser:  make(map[string]int),
		perIP:    make(map[netip.Addr]int),
		gone:     make(chan struct{}, 1),
		writers:  newWriterPool(),
		dispatch: make([]*dispatcher, max(2, runtime.GOMAXPROCS(0))),
		started:  make(chan struct{}),
	}
	for i := range h.dispatch {
		h.dispatch[i] = newDispatcher()
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.cfg.History == nil {
		h.cfg.History = func(string) livedash.HistoryPolicy { return livedash.HistoryPolicy{} }
	}
	for i := range h.shards {
		h.shards[i].m = make(map[string]*channelState)
	}
	h.start = h.now()
	return h
}

// HasSubscribers reports whether channel has local subscribers; brokers use it to keep the
// position of channels in use.
func (h *Hub) HasSubscribers(channel string) bool {
	sh := h.shard(channel)
	sh.mu.RLock()
	cs := sh.m[channel]
	sh.mu.RUnlock()
	return cs != nil && cs.n.Load() > 0
}

// Run delivers broker publications and runs heartbeats until ctx ends.
func (h *Hub) Run(ctx context.Context) error {
	h.writers.start(defaultWorkers())
	defer h.writers.stop()
	var wg sync.WaitGroup
	for _, d := range h.dispatch {
		wg.Go(func() { d.run(h.deliver) })
	}
	defer func() {
		for _, d := range h.dispatch {
			d.stop()
		}
		wg.Wait()
	}()
	// Brokers that can register at once do so before Started, so nothing published after it
	// waits for a goroutine to be scheduled.
	if r, ok := h.broker.(interface{ SetHandler(livedash.BrokerHandler) }); ok {
		r.SetHandler(h.handoff)
	}
	errc := make(chan error, 1)
	go func() { errc <- h.broker.Run(ctx, h.handoff) }()
	close(h.started)
	h.sweepLoop(ctx)
	return <-errc
}

// Started is closed once Run delivers publications; serve clients after it.
func (h *Hub) Started() <-chan struct{} { return h.started }

// handoff is the broker handler while the hub runs: it queues the publication for its channel's
// dispatcher and returns, so publishers do no per-subscriber work.
func (h *Hub) handoff(pub livedash.Publication) {
	i := maphash.String(h.seed, pub.Channel) % uint64(len(h.dispatch))
	h.dispatch[i].push(pub)
}

func (h *Hub) shard(channel string) *hubShard {
	return &h.shards[maphash.String(h.seed, channel)%uint64(len(h.shards))]
}

// Publish sends event with data (any JSON-encodable value, or json.RawMessage) to channel.
func (h *Hub) Publish(ctx context.Context, channel, event string, data any) (livedash.Publication, error) {
	if err := validEventName(event); err != nil {
		return livedash.Publication{}, err
	}
	raw, err := toRaw(data)
	if err != nil {
		return livedash.Publication{}, err
	}
	pub, err := h.broker.Publish(ctx, channel, event, raw, h.cfg.History(channel))
	if err != nil {
		return livedash.Publication{}, fmt.Errorf("publish to %s: %w", channel, err)
	}
	h.stats.published.Add(1)
	return pub, nil
}

// PublishToUser sends to every connection of user, through its implicit channel.
func (h *Hub) PublishToUser(ctx context.Context, userID, event string, data any) (livedash.Publication, error) {
	return h.Publish(ctx, livedash.UserChannel(userID), event, data)
}

// PublishToTenant sends to every connection of tenant.
func (h *Hub) PublishToTenant(ctx context.Context, tenant, event string, data any) (livedash.Publication, error) {
	return h.Publish(ctx, livedash.TenantChannel(tenant), event, data)
}

// PublishGlobal sends to every connection.
func (h *Hub) PublishGlobal(ctx context.Context, event string, data any) (livedash.Publication, error) {
	return h.Publish(ctx, livedash.ChannelGlobal, event, data)
}

func toRaw(data any) (json.RawMessage, error) {
	switch d := data.(type) {
	case nil:
		return json.RawMessage("null"), nil
	case json.RawMessage:
		if !json.Valid(d) {
			return nil, livedash.Errorf(livedash.EBadRequest, "data is not valid JSON")
		}
		return d, nil
	default:
		b, err := json.Marshal(d)
		if err != nil {
			return nil, livedash.Errorf(livedash.EBadRequest, "data cannot be encoded as JSON: %v", err)
		}
		return b, nil
	}
}

func validEventName(s string) error {
	if s == "" || len(s) > 64 {
		return livedash.Errorf(livedash.EBadRequest, "event name must be 1 to 64 characters")
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' || c == ':') {
			return livedash.Errorf(livedash.EBadRequest, "event name %q may hold only letters, digits and _ - . :", s)
		}
	}
	return nil
}

// deliver is the broker handler: it enqueues one shared encoding of pub on every local subscriber.
// It allocates nothing per subscriber and never blocks on a connection.
func (h *Hub) deliver(pub livedash.Publication) {
	sh := h.shard(pub.Channel)
	sh.mu.RLock()
	cs := sh.m[pub.Channel]
	sh.mu.RUnlock()
	if cs == nil {
		return
	}
	// Always lock, even when no subscriber is counted yet: a subscriber may hold the lock between
	// reading the channel's position and adding itself, and this publication comes after that
	// position, so it must wait for the subscriber rather than skip it.
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if len(cs.subs) == 0 {
		return
	}
	m := newPubMsg(&pub)
	for i := range cs.subs {
		sub := &cs.subs[i]
		if sub.minSeq != 0 {
			if pub.Seq <= sub.minSeq && pub.Epoch == sub.epoch {
				continue
			}
			sub.minSeq = 0
		}
		sub.s.enqueue(m, false)
	}
}

// lockChannels returns the states of channels (created as needed), locked, in a fixed order so
// that concurrent multi-channel subscribes cannot deadlock.
func (h *Hub) lockChannels(channels []string) []*channelState {
	order := make([]int, len(channels))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(channels[a], channels[b]) })
	out := make([]*channelState, len(channels))
	for _, i := range order {
		out[i] = h.lockChannel(channels[i])
	}
	return out
}

func (h *Hub) lockChannel(name string) *channelState {
	sh := h.shard(name)
	for {
		sh.mu.Lock()
		cs := sh.m[name]
		if cs == nil {
			cs = &channelState{idx: make(map[*session]int)}
			sh.m[name] = cs
		}
		sh.mu.Unlock()
		cs.mu.Lock()
		if !cs.dead {
			return cs
		}
		cs.mu.Unlock()
	}
}

// subscribe adds s to chans (distinct canonical channels), replaying history after since where
// given. reply, when set, gets every channel's position (and, with since, whether it recovered)
// and queues its answer while the channels are locked, so that answer precedes every replayed or
// live publication of these channels.
func (h *Hub) subscribe(ctx context.Context, s *session, chans []SubscribedChannel, since map[string]livedash.StreamPosition, reply func([]SubscribedChannel)) error {
	names := make([]string, len(chans))
	for i, c := range chans {
		names[i] = c.Channel
	}
	states := h.lockChannels(names)
	defer func() {
		for _, cs := range states {
			cs.mu.Unlock()
		}
	}()
	positions := make([]livedash.StreamPosition, len(chans))
	replays := make([][]livedash.Publication, len(chans))
	for i, ch := range names {
		var err error
		var recovered *bool
		if from, ok := since[ch]; ok {
			var r bool
			replays[i], positions[i], r, err = h.broker.History(ctx, ch, from)
			recovered = &r
		} else {
			positions[i], err = h.broker.Position(ctx, ch)
		}
		if err != nil {
			return fmt.Errorf("subscribe %s: %w", ch, err)
		}
		chans[i].Seq, chans[i].Epoch, chans[i].Recovered = positions[i].Seq, positions[i].Epoch, recovered
		chans[i].from = positions[i]
		if len(replays[i]) > 0 {
			chans[i].from = livedash.StreamPosition{Seq: replays[i][0].Seq - 1, Epoch: replays[i][0].Epoch}
		}
	}
	if reply != nil {
		reply(chans)
	}
	for i, ch := range names {
		cs := states[i]
		if _, dup := cs.idx[s]; dup {
			continue
		}
		for j := range replays[i] {
			s.enqueue(newPubMsg(&replays[i][j]), true)
		}
		cs.idx[s] = len(cs.subs)
		cs.subs = append(cs.subs, subscriber{s: s, minSeq: positions[i].Seq, epoch: positions[i].Epoch})
		cs.n.Store(int32(len(cs.subs)))
		s.subs[ch] = true
		h.stats.subscriptions.Add(1)
	}
	return nil
}

// unsubscribe removes s from channel; it reports whether s was subscribed.
func (h *Hub) unsubscribe(s *session, channel string) bool {
	sh := h.shard(channel)
	sh.mu.RLock()
	cs := sh.m[channel]
	sh.mu.RUnlock()
	if cs == nil {
		return false
	}
	cs.mu.Lock()
	i, ok := cs.idx[s]
	if ok {
		last := len(cs.subs) - 1
		if i != last {
			cs.subs[i] = cs.subs[last]
			cs.idx[cs.subs[i].s] = i
		}
		cs.subs[last] = subscriber{}
		cs.subs = cs.subs[:last]
		delete(cs.idx, s)
		cs.n.Store(int32(len(cs.subs)))
		h.stats.subscriptions.Add(-1)
	}
	empty := len(cs.subs) == 0
	cs.mu.Unlock()
	if empty {
		h.dropIfEmpty(channel)
	}
	return ok
}

func (h *Hub) dropIfEmpty(channel string) {
	sh := h.shard(channel)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	cs := sh.m[channel]
	if cs == nil {
		return
	}
	cs.mu.Lock()
	if len(cs.subs) == 0 {
		cs.dead = true
		delete(sh.m, channel)
	}
	cs.mu.Unlock()
}

func userKey(p livedash.Principal) string { return p.Tenant + "\x00" + p.UserID }

// errLimit is returned by admit when a connection limit refuses a connection.
type errLimit struct{ what string }

func (e *errLimit) Error() string { return e.what }

// admit reserves a connection slot for ip and, when known, the user.
func (h *Hub) admit(ip netip.Addr, p *livedash.Principal) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cfg.MaxConnsPerIP > 0 && h.perIP[ip] >= h.cfg.MaxConnsPerIP {
		h.stats.refusedIP.Add(1)
		return &errLimit{fmt.Sprintf("too many connections from %s (limit %d)", ip, h.cfg.MaxConnsPerIP)}
	}
	if p != nil {
		if h.cfg.MaxConnsPerUser > 0 && h.perUser[userKey(*p)] >= h.cfg.MaxConnsPerUser {
			h.stats.refusedUser.Add(1)
			return &errLimit{fmt.Sprintf("too many connections for user %s (limit %d)", p.UserID, h.cfg.MaxConnsPerUser)}
		}
		h.perUser[userKey(*p)]++
	}
	h.perIP[ip]++
	return nil
}

// admitUser reserves the user slot of a connection that authenticated after connecting.
func (h *Hub) admitUser(p livedash.Principal) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cfg.MaxConnsPerUser > 0 && h.perUser[userKey(p)] >= h.cfg.MaxConnsPerUser {
		h.stats.refusedUser.Add(1)
		return &errLimit{fmt.Sprintf("too many connections for user %s (limit %d)", p.UserID, h.cfg.MaxConnsPerUser)}
	}
	h.perUser[userKey(p)]++
	return nil
}

func (h *Hub) release(ip netip.Addr, p *livedash.Principal) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.perIP[ip]--; h.perIP[ip] <= 0 {
		delete(h.perIP, ip)
	}
	if p != nil {
		k := userKey(*p)
		if h.perUser[k]--; h.perUser[k] <= 0 {
			delete(h.perUser, k)
		}
	}
}

func (h *Hub) register(s *session) {
	h.mu.Lock()
	h.sessions[s] = struct{}{}
	h.mu.Unlock()
	h.stats.conns(s.t.kind()).Add(1)
	h.stats.accepted.Add(1)
}

// unregister removes a finished session everywhere and logs its end.
func (h *Hub) unregister(s *session) {
	for ch := range s.subs {
		h.unsubscribe(s, ch)
	}
	h.mu.Lock()
	delete(h.sessions, s)
	h.mu.Unlock()
	h.release(s.ip, s.principal.Load())
	h.stats.conns(s.t.kind()).Add(-1)
	select {
	case h.gone <- struct{}{}:
	default:
	}
	code, reason := s.closeStatus()
	attrs := []any{"conn", s.id, "transport", s.t.kind(), "ip", s.ip.String(), "code", code, "reason", reason,
		"duration", h.now().Sub(s.connected).Round(time.Millisecond)}
	if p := s.principal.Load(); p != nil {
		attrs = append(attrs, "user", p.UserID, "tenant", p.Tenant)
	}
	h.log.Info("disconnect", attrs...)
}

// snapshot copies the live sessions into buf.
func (h *Hub) snapshot(buf []*session) []*session {
	h.mu.Lock()
	defer h.mu.Unlock()
	buf = buf[:0]
	for s := range h.sessions {
		buf = append(buf, s)
	}
	return buf
}

// sweepLoop sends heartbeats and enforces the heartbeat, authentication and token deadlines.
func (h *Hub) sweepLoop(ctx context.Context) {
	every := min(max(h.cfg.HeartbeatInterval/10, 10*time.Millisecond), time.Second)
	tick := time.NewTicker(every)
	defer tick.Stop()
	var buf []*session
	var pingID int64
	nextMinute := h.now().Add(time.Minute)
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		now := h.now()
		if !now.Before(nextMinute) {
			h.stats.rollMinute()
			nextMinute = now.Add(time.Minute)
		}
		pingID++
		var ping *outMsg
		buf = h.snapshot(buf)
		for _, s := range buf {
			switch p := s.principal.Load(); {
			case !s.oneWay && now.UnixNano()-s.lastSeen.Load() > int64(h.cfg.HeartbeatTimeout):
				s.close(CloseHeartbeatTimeout, "heartbeat timeout", false)
			case p == nil && now.Sub(s.connected) > h.cfg.AuthTimeout:
				s.close(CloseUnauthorized, "authentication timeout", true)
			case p != nil && !p.ExpiresAt.IsZero() && now.After(p.ExpiresAt):
				s.close(CloseUnauthorized, "token expired", true)
			case now.UnixNano() >= s.nextPing:
				if ping == nil {
					ping = &outMsg{data: encodePing(pingID), sse: ssePing}
				}
				s.nextPing = now.Add(h.cfg.HeartbeatInterval).UnixNano()
				s.enqueue(ping, true)
			}
		}
		clear(buf)
	}
}

// Shutdown refuses new connections, tells every client to reconnect elsewhere (1012) after its
// queued messages, and waits until all are gone or ctx ends, when it cuts the rest.
func (h *Hub) Shutdown(ctx context.Context) error {
	h.draining.Store(true)
	// Publications already accepted reach the sessions' queues before the sessions close.
	for _, d := range h.dispatch {
		for d.pending.Load() > 0 && ctx.Err() == nil {
			time.Sleep(time.Millisecond)
		}
	}
	for _, s := range h.snapshot(nil) {
		s.close(CloseServerRestart, "server shutting down", true)
	}
	for {
		h.mu.Lock()
		n := len(h.sessions)
		h.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-h.gone:
		case <-time.After(50 * time.Millisecond):
		case <-ctx.Done():
			for _, s := range h.snapshot(nil) {
				s.t.closeConn()
			}
			return errors.New("shutdown: drain timed out; remaining connections were cut")
		}
	}
}

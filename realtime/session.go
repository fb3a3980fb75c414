package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"livedash"
)

// session is one client connection, whatever its transport. Its read side runs in one goroutine
// (the transport's handler); its write side is a goroutine that exists only while messages are
// queued, so an idle connection costs one goroutine.
type session struct {
	hub       *Hub
	id        string
	t         transport
	ip        netip.Addr
	connected time.Time
	lastSeen  atomic.Int64 // unix nanos of the last inbound message
	nextPing  int64        // unix nanos; owned by the sweeper
	principal atomic.Pointer[livedash.Principal]
	oneWay    bool // the client cannot send (SSE): liveness is judged by writes, not by pongs

	// Owned by the read side.
	subs     map[string]bool // canonical channel -> subscribed
	implicit map[string]bool
	bucket   tokenBucket
	strikes  int

	mu          sync.Mutex
	queue       []*outMsg
	spare       []*outMsg
	writing     bool
	closed      bool
	closeCode   int
	closeReason string
	done        chan struct{} // closed when the session starts closing
}

func (h *Hub) newSession(t transport, ip netip.Addr, p *livedash.Principal) *session {
	now := h.now()
	s := &session{
		hub:       h,
		id:        strconv.FormatUint(h.idSeq.Add(1), 36) + "-" + strconv.FormatInt(h.start.UnixNano()%1e9, 36),
		t:         t,
		ip:        ip,
		connected: now,
		nextPing:  now.Add(h.cfg.HeartbeatInterval).UnixNano(),
		subs:      make(map[string]bool),
		bucket:    newTokenBucket(h.cfg.MessageRate, h.cfg.MessageBurst, now),
		done:      make(chan struct{}),
	}
	s.lastSeen.Store(now.UnixNano())
	if p != nil {
		s.principal.Store(p)
	}
	return s
}

// enqueue queues m for writing. A connection whose queue is full is a slow consumer: it is
// disconnected, never waited for. force skips the bound, for replies and bounded history replays.
func (s *session) enqueue(m *outMsg, force bool) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	if !force && len(s.queue) >= s.hub.cfg.SendQueueSize {
		s.mu.Unlock()
		s.hub.stats.slowConsumers.Add(1)
		s.close(CloseSlowConsumer, "slow consumer: send queue full", false)
		return
	}
	s.queue = append(s.queue, m)
	start := !s.writing
	s.writing = true
	s.mu.Unlock()
	if start {
		s.hub.writers.schedule(s)
	}
}

// take swaps the queue out for writing. It returns ok=false, and marks the session idle, when
// there is nothing to write and the session is open.
func (s *session) take() (batch []*outMsg, closed, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	batch, closed = s.queue, s.closed
	if len(batch) == 0 && !closed {
		s.writing = false
		// Reuse the drained slice for the next message (no allocation per publish), but do not
		// keep a burst's buffers on an idle connection.
		if cap(s.spare) > 64 {
			s.spare = nil
		}
		if s.queue == nil {
			s.queue, s.spare = s.spare, nil
		}
		return nil, false, false
	}
	s.queue, s.spare = s.spare[:0], nil
	return batch, closed, true
}

// written returns a written batch's slice for reuse.
func (s *session) written(batch []*outMsg) {
	s.hub.stats.msgsOut.Add(uint64(len(batch)))
	clear(batch)
	s.mu.Lock()
	if s.spare == nil {
		s.spare = batch[:0]
	}
	s.mu.Unlock()
}

// flush is a pool worker's turn on this session: coalesced writes bounded by the fast deadline,
// a few at most before the session goes to the back of the ready list (fairness). A session whose
// socket is full moves to its own goroutine.
func (s *session) flush() {
	for range 4 {
		batch, closed, ok := s.take()
		if !ok {
			return
		}
		if len(batch) == 0 && closed {
			s.finish(true)
			return
		}
		err := s.t.writeBatch(batch, true)
		s.written(batch)
		switch {
		case errors.Is(err, errWouldBlock):
			go s.slowLoop()
			return
		case err != nil:
			s.writeFailed(err)
			return
		}
	}
	s.hub.writers.schedule(s)
}

// slowLoop writes for a session whose client is not keeping up, with the full write timeout, until
// its queue is empty. If the queue overflows meanwhile, the session is closed as a slow consumer.
func (s *session) slowLoop() {
	if err := s.t.flushPending(); err != nil {
		s.writeFailed(err)
		return
	}
	for {
		batch, closed, ok := s.take()
		if !ok {
			return
		}
		if len(batch) == 0 && closed {
			s.finish(false)
			return
		}
		err := s.t.writeBatch(batch, false)
		s.written(batch)
		if err != nil {
			s.writeFailed(err)
			return
		}
	}
}

func (s *session) writeFailed(err error) {
	s.close(CloseGoingAway, "write failed: "+err.Error(), false)
	s.t.closeConn()
}

// finish sends the close frame and closes the connection; the session stays marked as writing so
// that nothing is scheduled for it again.
func (s *session) finish(fast bool) {
	code, reason := s.closeStatus()
	if !s.t.writeClose(code, reason, fast) {
		s.t.closeConn()
	}
}

// close starts closing the session with code. With flush, queued messages are written before the
// close frame; without, they are dropped and a blocked write is aborted. Safe from any goroutine.
func (s *session) close(code int, reason string, flush bool) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed, s.closeCode, s.closeReason = true, code, reason
	close(s.done)
	if !flush {
		clear(s.queue)
		s.queue = s.queue[:0]
	}
	start := !s.writing
	s.writing = true
	s.mu.Unlock()
	if start {
		s.hub.writers.schedule(s)
	} else if !flush {
		s.t.abortWrites()
	}
}

func (s *session) closeStatus() (int, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closeCode, s.closeReason
}

func (s *session) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

func (s *session) reply(m any) { s.enqueue(&outMsg{data: mustJSON(m)}, true) }

func (s *session) replyError(id *int64, err error) {
	s.hub.stats.errors.Add(1)
	s.enqueue(&outMsg{data: encodeError(id, livedash.ErrorCode(err), livedash.ErrorMessage(err))}, true)
}

// welcome queues the first message. An authenticated connection is subscribed to its implicit
// channels (recovering them from since), and the welcome carries their positions.
func (s *session) welcome(ctx context.Context, since map[string]livedash.StreamPosition) {
	p := s.principal.Load()
	w := welcomeMsg{Type: "welcome", Protocol: ProtocolVersion, ConnectionID: s.id,
		HeartbeatInterval: max(1, int(s.hub.cfg.HeartbeatInterval/time.Second)), Authenticated: p != nil}
	if p == nil {
		s.reply(w)
		return
	}
	u := userOf(*p)
	w.User = &u
	s.subscribeImplicit(ctx, *p, since, func(chans []SubscribedChannel) {
		w.Channels = chans
		s.reply(w)
	})
}

func (s *session) subscribeImplicit(ctx context.Context, p livedash.Principal, since map[string]livedash.StreamPosition, reply func([]SubscribedChannel)) {
	names := s.hub.policy.Implicit(p)
	s.implicit = make(map[string]bool, len(names))
	chans := make([]SubscribedChannel, len(names))
	for i, c := range names {
		s.implicit[c] = true
		chans[i] = SubscribedChannel{Name: c, Channel: c}
	}
	if err := s.hub.subscribe(ctx, s, chans, since, reply); err != nil {
		s.hub.log.Error("implicit subscribe failed", "conn", s.id, "err", err)
		s.close(CloseGoingAway, "internal error", true)
	}
}

// handleFrame processes one inbound message. It never panics on client input.
func (s *session) handleFrame(ctx context.Context, data []byte) {
	if s.isClosed() { // still reading only so that the close frame gets out
		return
	}
	now := s.hub.now()
	s.lastSeen.Store(now.UnixNano())
	s.hub.stats.msgsIn.Add(1)
	if !s.bucket.allow(now) {
		s.strikes++
		s.hub.stats.rateLimited.Add(1)
		if s.strikes > s.hub.cfg.MessageBurst {
			s.close(CloseLimit, "message rate limit exceeded", true)
			return
		}
		s.replyError(nil, livedash.Errorf(livedash.ERateLimited, "too many messages: limit is %g per second", s.hub.cfg.MessageRate))
		return
	}
	s.strikes = 0
	var cmd Command
	if err := json.Unmarshal(data, &cmd); err != nil {
		s.replyError(nil, livedash.Errorf(livedash.EBadRequest, "message is not valid JSON: %v", err))
		return
	}
	p := s.principal.Load()
	if p == nil && cmd.Type != CmdAuthenticate && cmd.Type != CmdPong {
		if cmd.Type == CmdPing {
			s.reply(pongMsg{Type: "pong", ID: cmd.ID, TS: now.UTC().Format(time.RFC3339Nano)})
			return
		}
		s.replyError(cmd.ID, livedash.Errorf(livedash.EUnauthenticated, "authenticate first: send {\"type\":\"authenticate\",\"token\":\"…\"}"))
		return
	}
	switch cmd.Type {
	case CmdAuthenticate:
		s.handleAuthenticate(ctx, cmd)
	case CmdSubscribe:
		s.handleSubscribe(ctx, *p, cmd)
	case CmdUnsubscribe:
		s.handleUnsubscribe(ctx, *p, cmd)
	case CmdPing:
		s.reply(pongMsg{Type: "pong", ID: cmd.ID, TS: now.UTC().Format(time.RFC3339Nano)})
	case CmdPong:
	case CmdRefresh:
		s.handleRefresh(cmd, *p)
	case "":
		s.replyError(cmd.ID, livedash.Errorf(livedash.EBadRequest, "message has no \"type\""))
	default:
		s.replyError(cmd.ID, livedash.Errorf(livedash.EBadRequest, "unknown message type %q", cmd.Type))
	}
}

func (s *session) handleAuthenticate(ctx context.Context, cmd Command) {
	if s.principal.Load() != nil {
		s.replyError(cmd.ID, livedash.Errorf(livedash.EBadRequest, "already authenticated; use refresh to replace the token"))
		return
	}
	p, err := s.hub.auth.Verify(cmd.Token)
	if err != nil {
		s.replyError(cmd.ID, err)
		s.close(CloseUnauthorized, "authentication failed", true)
		return
	}
	if err := s.hub.admitUser(p); err != nil {
		s.replyError(cmd.ID, livedash.Errorf(livedash.ERateLimited, "%v", err))
		s.close(CloseLimit, err.Error(), true)
		return
	}
	s.principal.Store(&p)
	s.subscribeImplicit(ctx, p, cmd.Since, func(chans []SubscribedChannel) {
		s.reply(authenticatedMsg{Type: "authenticated", ID: cmd.ID, User: userOf(p), Channels: chans})
	})
	s.hub.log.Debug("authenticated", "conn", s.id, "user", p.UserID, "tenant", p.Tenant)
}

func (s *session) handleRefresh(cmd Command, cur livedash.Principal) {
	p, err := s.hub.auth.Verify(cmd.Token)
	if err != nil {
		s.replyError(cmd.ID, err)
		return
	}
	if !p.SameIdentity(cur) {
		s.replyError(cmd.ID, livedash.Errorf(livedash.EForbidden, "refresh token is for another user"))
		return
	}
	s.principal.Store(&p)
	s.reply(authenticatedMsg{Type: "authenticated", ID: cmd.ID, User: userOf(p)})
}

func (s *session) handleSubscribe(ctx context.Context, p livedash.Principal, cmd Command) {
	if len(cmd.Channels) == 0 {
		s.replyError(cmd.ID, livedash.Errorf(livedash.EBadRequest, "subscribe needs a non-empty \"channels\" list"))
		return
	}
	if len(cmd.Channels) > s.hub.cfg.MaxChannels {
		s.replyError(cmd.ID, livedash.Errorf(livedash.ETooManyChannels, "at most %d channels per connection", s.hub.cfg.MaxChannels))
		return
	}
	reply := subscribedMsg{Type: "subscribed", ID: cmd.ID}
	fresh := 0
	seen := make(map[string]bool, len(cmd.Channels))
	for _, name := range cmd.Channels {
		ch, err := s.hub.policy.Resolve(ctx, p, name)
		if err != nil {
			s.replyError(cmd.ID, err)
			return
		}
		if seen[ch] {
			continue
		}
		seen[ch] = true
		reply.Channels = append(reply.Channels, SubscribedChannel{Name: name, Channel: ch})
		if !s.subs[ch] {
			fresh++
		}
	}
	if n := len(s.subs) - len(s.implicit) + fresh; n > s.hub.cfg.MaxChannels {
		s.replyError(cmd.ID, livedash.Errorf(livedash.ETooManyChannels, "subscribing would hold %d channels; at most %d per connection", n, s.hub.cfg.MaxChannels))
		return
	}
	// Channels already held are answered with their current position; new ones are added (with
	// replay) under their channel locks, the reply queued first.
	if err := s.hub.subscribe(ctx, s, reply.Channels, cmd.Since, func(chans []SubscribedChannel) {
		reply.Channels = chans
		s.reply(reply)
	}); err != nil {
		s.hub.log.Error("subscribe failed", "conn", s.id, "err", err)
		s.replyError(cmd.ID, livedash.Errorf(livedash.EInternal, "subscribe failed"))
	}
}

func (s *session) handleUnsubscribe(ctx context.Context, p livedash.Principal, cmd Command) {
	if len(cmd.Channels) == 0 {
		s.replyError(cmd.ID, livedash.Errorf(livedash.EBadRequest, "unsubscribe needs a non-empty \"channels\" list"))
		return
	}
	done := []string{}
	for _, name := range cmd.Channels {
		ch, err := s.hub.policy.Resolve(ctx, p, name)
		if err != nil {
			s.replyError(cmd.ID, err)
			return
		}
		if s.implicit[ch] {
			s.replyError(cmd.ID, livedash.Errorf(livedash.EForbidden, "channel %s is implicit and cannot be unsubscribed", ch))
			return
		}
		if s.subs[ch] && s.hub.unsubscribe(s, ch) {
			delete(s.subs, ch)
			done = append(done, ch)
		}
	}
	s.reply(unsubscribedMsg{Type: "unsubscribed", ID: cmd.ID, Channels: done})
}

// tokenBucket limits inbound messages; it is used only by the read side.
type tokenBucket struct {
	rate, burst, tokens float64
	last                time.Time
}

func newTokenBucket(rate float64, burst int, now time.Time) tokenBucket {
	return tokenBucket{rate: rate, burst: float64(burst), tokens: float64(burst), last: now}
}

func (b *tokenBucket) allow(now time.Time) bool {
	if b.rate <= 0 {
		return true
	}
	b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

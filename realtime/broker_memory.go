package realtime

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"

	"livedash"
)

var _ livedash.Broker = (*MemoryBroker)(nil)

// MemoryBroker is the single-node broker: seq, epoch and a bounded history per channel, in memory.
// A restart loses history, so every channel gets a new epoch.
type MemoryBroker struct {
	now     func() time.Time
	retain  func(channel string) bool
	handler atomic.Pointer[livedash.BrokerHandler]
	// Publications made before Run registered a handler wait here, in order, and are handed
	// over first: a client may subscribe as soon as the server listens.
	pendMu  sync.Mutex
	pending []livedash.Publication
	seed    maphash.Seed
	shards  [64]memShard
}

type memShard struct {
	mu sync.Mutex
	m  map[string]*memChannel
}

type memChannel struct {
	// pubMu serialises publish and delivery so that the handler sees seqs in order. It is never
	// taken by History or Position, so a subscriber reading history under the hub's channel lock
	// cannot deadlock with a publisher delivering into that lock.
	pubMu sync.Mutex

	mu      sync.Mutex
	dead    bool
	seq     uint64
	epoch   string
	policy  livedash.HistoryPolicy
	ring    []livedash.Publication // ring[(start+i)%len(ring)] for i < n, oldest first
	start   int
	n       int
	lastPub time.Time
}

// MemoryBrokerConfig configures a MemoryBroker.
type MemoryBrokerConfig struct {
	Now func() time.Time // nil = time.Now
	// Retain reports channels that must keep their position even when idle past their TTL (the hub
	// passes "has local subscribers"), so a live subscriber never sees seq restart.
	Retain func(channel string) bool
}

// NewMemoryBroker returns an empty MemoryBroker.
func NewMemoryBroker(cfg MemoryBrokerConfig) *MemoryBroker {
	b := &MemoryBroker{now: cfg.Now, retain: cfg.Retain, seed: maphash.MakeSeed()}
	if b.now == nil {
		b.now = time.Now
	}
	for i := range b.shards {
		b.shards[i].m = make(map[string]*memChannel)
	}
	return b
}

func newEpoch() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (b *MemoryBroker) shard(channel string) *memShard {
	return &b.shards[maphash.String(b.seed, channel)%uint64(len(b.shards))]
}

// channel returns the channel's state, creating it when create is set; it returns it locked.
func (b *MemoryBroker) channel(name string, create bool) *memChannel {
	sh := b.shard(name)
	for {
		sh.mu.Lock()
		c := sh.m[name]
		if c == nil {
			if !create {
				sh.mu.Unlock()
				return nil
			}
			c = &memChannel{epoch: newEpoch(), lastPub: b.now()}
			sh.m[name] = c
		}
		sh.mu.Unlock()
		c.mu.Lock()
		if !c.dead {
			return c
		}
		c.mu.Unlock()
	}
}

// Publish implements livedash.Broker.
func (b *MemoryBroker) Publish(ctx context.Context, channel, event string, data json.RawMessage, policy livedash.HistoryPolicy) (livedash.Publication, error) {
	c := b.channel(channel, true)
	c.mu.Unlock()
	c.pubMu.Lock()
	defer c.pubMu.Unlock()

	c.mu.Lock()
	if c.dead { // dropped by the janitor between lookup and lock: start again on a live one
		c.mu.Unlock()
		return b.Publish(ctx, channel, event, data, policy)
	}
	now := b.now()
	c.seq++
	pub := livedash.Publication{Channel: channel, Event: event, Seq: c.seq, Epoch: c.epoch, Time: now, Data: data}
	c.appendHistory(pub, policy)
	c.lastPub = now
	c.mu.Unlock()

	b.emit(pub)
	return pub, nil
}

// emit hands pub to the handler, or keeps it until Run registers one. The caller holds the
// channel's pubMu, so per-channel order is kept either way.
func (b *MemoryBroker) emit(pub livedash.Publication) {
	if h := b.handler.Load(); h != nil {
		(*h)(pub)
		return
	}
	b.pendMu.Lock()
	h := b.handler.Load()
	if h == nil {
		b.pending = append(b.pending, pub)
	}
	b.pendMu.Unlock()
	if h != nil {
		(*h)(pub)
	}
}

func (c *memChannel) appendHistory(pub livedash.Publication, policy livedash.HistoryPolicy) {
	c.policy = policy
	if policy.Size <= 0 {
		c.ring, c.start, c.n = nil, 0, 0
		return
	}
	if len(c.ring) != policy.Size {
		c.resize(policy.Size)
	}
	if c.n < len(c.ring) {
		c.ring[(c.start+c.n)%len(c.ring)] = pub
		c.n++
		return
	}
	c.ring[c.start] = pub
	c.start = (c.start + 1) % len(c.ring)
}

func (c *memChannel) resize(size int) {
	kept := c.snapshot(0)
	if len(kept) > size {
		kept = kept[len(kept)-size:]
	}
	c.ring = make([]livedash.Publication, size)
	c.start, c.n = 0, copy(c.ring, kept)
}

// snapshot returns the kept publications with seq > after, oldest first, dropping expired ones.
func (c *memChannel) snapshot(after uint64) []livedash.Publication {
	var out []livedash.Publication
	for i := 0; i < c.n; i++ {
		p := c.ring[(c.start+i)%len(c.ring)]
		if p.Seq > after {
			out = append(out, p)
		}
	}
	return out
}

// expire drops publications older than the TTL.
func (c *memChannel) expire(now time.Time) {
	if c.policy.TTL <= 0 {
		return
	}
	for c.n > 0 {
		p := &c.ring[c.start]
		if now.Sub(p.Time) < c.policy.TTL {
			return
		}
		*p = livedash.Publication{}
		c.start = (c.start + 1) % len(c.ring)
		c.n--
	}
}

// History implements livedash.Broker.
func (b *MemoryBroker) History(_ context.Context, channel string, since livedash.StreamPosition) ([]livedash.Publication, livedash.StreamPosition, bool, error) {
	c := b.channel(channel, true)
	defer c.mu.Unlock()
	c.expire(b.now())
	pos := livedash.StreamPosition{Seq: c.seq, Epoch: c.epoch}
	if since.Epoch != c.epoch || since.Seq > c.seq {
		return nil, pos, false, nil
	}
	if since.Seq == c.seq {
		return nil, pos, true, nil
	}
	pubs := c.snapshot(since.Seq)
	recovered := len(pubs) > 0 && pubs[0].Seq == since.Seq+1
	return pubs, pos, recovered, nil
}

// Position implements livedash.Broker.
func (b *MemoryBroker) Position(_ context.Context, channel string) (livedash.StreamPosition, error) {
	c := b.channel(channel, true)
	defer c.mu.Unlock()
	return livedash.StreamPosition{Seq: c.seq, Epoch: c.epoch}, nil
}

// SetHandler registers h at once, handing it first the publications made before; Run calls it
// too. The hub calls it before serving so that no publication waits for a goroutine to start.
func (b *MemoryBroker) SetHandler(h livedash.BrokerHandler) {
	b.pendMu.Lock()
	defer b.pendMu.Unlock()
	if b.handler.Load() != nil {
		return
	}
	for _, p := range b.pending {
		h(p)
	}
	b.pending = nil
	b.handler.Store(&h)
}

// Run implements livedash.Broker: it delivers publications to h and drops idle channels until ctx
// ends.
func (b *MemoryBroker) Run(ctx context.Context, h livedash.BrokerHandler) error {
	b.SetHandler(h)
	defer b.handler.Store(nil)
	tick := time.NewTicker(30 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			b.sweep()
		}
	}
}

// sweep expires old history and forgets channels idle past their TTL that nobody retains. retain is
// asked with no lock held, so it may take the hub's locks.
func (b *MemoryBroker) sweep() {
	now := b.now()
	for i := range b.shards {
		sh := &b.shards[i]
		var idle []string
		sh.mu.Lock()
		for name, c := range sh.m {
			c.mu.Lock()
			c.expire(now)
			if c.idle(now) {
				idle = append(idle, name)
			}
			c.mu.Unlock()
		}
		sh.mu.Unlock()
		for _, name := range idle {
			if b.retain != nil && b.retain(name) {
				continue
			}
			sh.mu.Lock()
			if c := sh.m[name]; c != nil {
				c.mu.Lock()
				if c.idle(now) {
					c.dead = true
					delete(sh.m, name)
				}
				c.mu.Unlock()
			}
			sh.mu.Unlock()
		}
	}
}

// idle reports whether the channel keeps no history and had no publication for its TTL.
func (c *memChannel) idle(now time.Time) bool {
	ttl := c.policy.TTL
	if ttl <= 0 {
		ttl = 10 * time.Minute
	}
	return c.n == 0 && now.Sub(c.lastPub) >= ttl
}

// channels returns the number of channels the broker holds (for tests and stats).
func (b *MemoryBroker) channels() int {
	n := 0
	for i := range b.shards {
		b.shards[i].mu.Lock()
		n += len(b.shards[i].m)
		b.shards[i].mu.Unlock()
	}
	return n
}

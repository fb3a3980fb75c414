package realtime

import (
	"errors"
	"runtime"
	"sync"
	"time"
)

// errWouldBlock is returned by a fast write that could not finish within fastWriteTimeout; the
// transport keeps the unwritten rest for flushPending.
var errWouldBlock = errors.New("write would block")

// fastWriteTimeout bounds a write made by a pool worker. A healthy socket takes the bytes at once
// (the deadline only matters when its send buffer is full), so a worker is never held up by a
// slow client for longer than this.
const fastWriteTimeout = 2 * time.Millisecond

// chunkSize is how many sessions a worker takes at once (about 0.5 ms of writes on loopback).
const chunkSize = 64

// writerPool is a few goroutines that write for every connection with queued messages. Sessions
// are scheduled at most once at a time (session.writing), so the ready list is bounded by the
// number of connections and scheduling allocates nothing.
type writerPool struct {
	mu      sync.Mutex
	cond    *sync.Cond
	ring    []*session // ready sessions: ring[(head+i)%len(ring)] for i < n
	head, n int
	idle    int
	stopped bool
	wg      sync.WaitGroup
}

func newWriterPool() *writerPool {
	p := &writerPool{stopped: true}
	p.cond = sync.NewCond(&p.mu)
	return p
}

// start runs workers; stop ends them after the sessions already scheduled are served.
func (p *writerPool) start(workers int) {
	p.mu.Lock()
	p.stopped = false
	p.mu.Unlock()
	for range workers {
		p.wg.Go(p.work)
	}
}

func (p *writerPool) stop() {
	p.mu.Lock()
	p.stopped = true
	p.cond.Broadcast()
	p.mu.Unlock()
	p.wg.Wait()
}

func defaultWorkers() int { return max(4, 2*runtime.GOMAXPROCS(0)) }

// schedule queues s for a worker. Without running workers (before Run, after it), s gets its own
// goroutine instead.
func (p *writerPool) schedule(s *session) {
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		go s.slowLoop()
		return
	}
	if p.n == len(p.ring) {
		grown := make([]*session, max(1024, 2*len(p.ring)))
		for i := range p.n {
			grown[i] = p.ring[(p.head+i)%len(p.ring)]
		}
		p.ring, p.head = grown, 0
	}
	p.ring[(p.head+p.n)%len(p.ring)] = s
	p.n++
	if p.idle > 0 {
		p.cond.Signal()
	}
	p.mu.Unlock()
}

func (p *writerPool) work() {
	var chunk []*session
	for {
		p.mu.Lock()
		for p.n == 0 && !p.stopped {
			p.idle++
			p.cond.Wait()
			p.idle--
		}
		if p.n == 0 && p.stopped {
			p.mu.Unlock()
			return
		}
		// Take a share of the ready list so that other workers can help with a large round.
		chunk = chunk[:0]
		for range min(p.n, chunkSize) {
			chunk = append(chunk, p.ring[p.head])
			p.ring[p.head] = nil
			p.head = (p.head + 1) % len(p.ring)
			p.n--
		}
		p.mu.Unlock()
		for _, s := range chunk {
			s.flush()
		}
		clear(chunk)
		// A round of writes to thousands of sockets takes tens of milliseconds; yielding between
		// chunks lets the publish API and new connections run in the meantime.
		runtime.Gosched()
	}
}

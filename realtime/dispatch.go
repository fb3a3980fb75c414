package realtime

import (
	"sync"
	"sync/atomic"

	"livedash"
)

// dispatcher takes publications from publishers and fans them out on its own goroutine, so that a
// publish (an HTTP request, an ingest) costs the same whatever the number of subscribers. Each
// channel always goes to the same dispatcher, which keeps the broker's seq order per channel.
// The queue is unbounded: a publisher never waits; under overload it is the subscribers' bounded
// queues that give (slow consumers are dropped).
type dispatcher struct {
	mu      sync.Mutex
	cond    *sync.Cond
	queue   []livedash.Publication
	spare   []livedash.Publication
	waiting bool
	stopped bool
	pending atomic.Int64 // pushed and not yet delivered
}

func newDispatcher() *dispatcher {
	d := &dispatcher{}
	d.cond = sync.NewCond(&d.mu)
	return d
}

func (d *dispatcher) push(p livedash.Publication) {
	d.pending.Add(1)
	d.mu.Lock()
	d.queue = append(d.queue, p)
	if d.waiting {
		d.cond.Signal()
	}
	d.mu.Unlock()
}

// run delivers until stop, then delivers what is left and returns.
func (d *dispatcher) run(deliver func(livedash.Publication)) {
	for {
		d.mu.Lock()
		for len(d.queue) == 0 && !d.stopped {
			d.waiting = true
			d.cond.Wait()
			d.waiting = false
		}
		if len(d.queue) == 0 && d.stopped {
			d.mu.Unlock()
			return
		}
		batch := d.queue
		d.queue, d.spare = d.spare[:0], nil
		d.mu.Unlock()
		for _, p := range batch {
			deliver(p)
			d.pending.Add(-1)
		}
		clear(batch)
		d.mu.Lock()
		if d.spare == nil && cap(batch) <= 4096 {
			d.spare = batch[:0]
		}
		d.mu.Unlock()
	}
}

func (d *dispatcher) stop() {
	d.mu.Lock()
	d.stopped = true
	d.cond.Broadcast()
	d.mu.Unlock()
}

package realtime

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"livedash"
	"livedash/auth"
)

// discardTransport frames like a real transport and counts, without a socket.
type discardTransport struct {
	delivered *atomic.Int64
	writes    *atomic.Int64
	buf       []byte
}

func (*discardTransport) kind() string        { return TransportWebSocket }
func (*discardTransport) flushPending() error { return nil }
func (t *discardTransport) writeBatch(msgs []*outMsg, _ bool) error {
	t.buf = t.buf[:0]
	for _, m := range msgs {
		t.buf = append(t.buf, m.data...)
		t.buf = append(t.buf, '\n')
	}
	t.writes.Add(1)
	t.delivered.Add(int64(len(msgs)))
	return nil
}
func (*discardTransport) writeClose(int, string, bool) bool { return false }
func (*discardTransport) closeConn()                        {}
func (*discardTransport) abortWrites()                      {}

type fanOutRig struct {
	h                 *Hub
	delivered, writes atomic.Int64
	stop              func()
}

func newFanOutRig(b *testing.B, n int) *fanOutRig {
	cfg := testConfig()
	cfg.SendQueueSize = 1 << 20
	broker := NewMemoryBroker(MemoryBrokerConfig{})
	r := &fanOutRig{h: NewHub(cfg, Deps{Broker: broker, Policy: &auth.Policy{}})}
	broker.handler.Store(ptr(livedash.BrokerHandler(r.h.deliver)))
	r.h.writers.start(defaultWorkers())
	r.stop = r.h.writers.stop
	p := &livedash.Principal{UserID: "u", Tenant: "t"}
	for range n {
		t := &discardTransport{delivered: &r.delivered, writes: &r.writes}
		s := r.h.newSession(t, netip.MustParseAddr("127.0.0.1"), p)
		if err := r.h.subscribe(context.Background(), s, []SubscribedChannel{{Channel: "metrics.t"}}, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
	return r
}

var benchData = json.RawMessage(`{"v":"` + strings.Repeat("x", 100) + `"}`)

// BenchmarkFanOut is one publication reaching all N subscribers (published, encoded once,
// enqueued on each, framed and handed to each transport) before the next one: the time a publish
// takes to reach the last subscriber, without sockets. allocs/op must not grow with N.
func BenchmarkFanOut(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprintf("subs=%d", n), func(b *testing.B) {
			r := newFanOutRig(b, n)
			defer r.stop()
			ctx := context.Background()
			b.ReportAllocs()
			want := int64(0)
			for b.Loop() {
				if _, err := r.h.Publish(ctx, "metrics.t", "bench", benchData); err != nil {
					b.Fatal(err)
				}
				want += int64(n)
				for r.delivered.Load() < want {
					runtime.Gosched()
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(want), "ns/delivery")
		})
	}
}

// BenchmarkFanOutSaturated publishes without waiting, so writers coalesce what piles up: the
// cost per delivered message under overload and the messages per write it reaches.
func BenchmarkFanOutSaturated(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("subs=%d", n), func(b *testing.B) {
			r := newFanOutRig(b, n)
			defer r.stop()
			ctx := context.Background()
			for b.Loop() {
				if _, err := r.h.Publish(ctx, "metrics.t", "bench", benchData); err != nil {
					b.Fatal(err)
				}
			}
			want := int64(b.N) * int64(n)
			for r.delivered.Load() < want {
				runtime.Gosched()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(want), "ns/delivery")
			b.ReportMetric(float64(want)/float64(r.writes.Load()), "msgs/write")
		})
	}
}

// BenchmarkSubscribeReplay1000 is a subscribe that recovers 1,000 events. It holds the channel's
// lock for its whole run, so ns/op is the longest a live publication of that channel waits for it
// (other channels are not affected at all).
func BenchmarkSubscribeReplay1000(b *testing.B) {
	r := newFanOutRig(b, 100)
	defer r.stop()
	ctx := context.Background()
	for range 1000 {
		if _, err := r.h.Publish(ctx, "metrics.t", "bench", benchData); err != nil {
			b.Fatal(err)
		}
	}
	pos, _ := r.h.broker.Position(ctx, "metrics.t")
	since := map[string]livedash.StreamPosition{"metrics.t": {Seq: pos.Seq - 1000, Epoch: pos.Epoch}}
	p := &livedash.Principal{UserID: "u", Tenant: "t"}
	b.ReportAllocs()
	for b.Loop() {
		s := r.h.newSession(&discardTransport{delivered: &r.delivered, writes: &r.writes}, netip.MustParseAddr("127.0.0.1"), p)
		s.hub.cfg.SendQueueSize = 1 << 20
		if err := r.h.subscribe(ctx, s, []SubscribedChannel{{Channel: "metrics.t"}}, since, nil); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		r.h.unsubscribe(s, "metrics.t")
		b.StartTimer()
	}
}

// BenchmarkPublishCall times only the Publish call (what an HTTP broadcast or an ingest waits
// for) while dispatchers fan out on their own goroutines; the fan-out is waited for untimed.
// ns/op must not grow with the number of subscribers.
func BenchmarkPublishCall(b *testing.B) {
	for _, n := range []int{0, 1000, 10000} {
		b.Run(fmt.Sprintf("subs=%d", n), func(b *testing.B) {
			r := newFanOutRig(b, n)
			defer r.stop()
			// Deliver through the dispatchers, as Run does.
			var wg sync.WaitGroup
			for _, d := range r.h.dispatch {
				wg.Go(func() { d.run(r.h.deliver) })
			}
			defer func() {
				for _, d := range r.h.dispatch {
					d.stop()
				}
				wg.Wait()
			}()
			r.h.broker.(*MemoryBroker).handler.Store(ptr(livedash.BrokerHandler(r.h.handoff)))
			ctx := context.Background()
			want := int64(0)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.h.Publish(ctx, "metrics.t", "bench", benchData); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				want += int64(n)
				for r.delivered.Load() < want {
					runtime.Gosched()
				}
				b.StartTimer()
			}
		})
	}
}

package realtime

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"livedash"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestMemoryBrokerHistory(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	b := NewMemoryBroker(MemoryBrokerConfig{Now: clock.now})
	policy := livedash.HistoryPolicy{Size: 5, TTL: time.Minute}
	var delivered []uint64
	b.handler.Store(ptr(livedash.BrokerHandler(func(p livedash.Publication) { delivered = append(delivered, p.Seq) })))
	for range 8 {
		if _, err := b.Publish(ctx, "c.x", "e", json.RawMessage(`1`), policy); err != nil {
			t.Fatal(err)
		}
	}
	if len(delivered) != 8 || delivered[7] != 8 {
		t.Fatalf("delivered %v", delivered)
	}
	pos, _ := b.Position(ctx, "c.x")
	cases := []struct {
		name      string
		since     livedash.StreamPosition
		wantSeqs  []uint64
		recovered bool
	}{
		{"up to date", pos, nil, true},
		{"within history", livedash.StreamPosition{Seq: 5, Epoch: pos.Epoch}, []uint64{6, 7, 8}, true},
		{"oldest kept", livedash.StreamPosition{Seq: 3, Epoch: pos.Epoch}, []uint64{4, 5, 6, 7, 8}, true},
		{"overflowed", livedash.StreamPosition{Seq: 2, Epoch: pos.Epoch}, []uint64{4, 5, 6, 7, 8}, false},
		{"other epoch", livedash.StreamPosition{Seq: 7, Epoch: "gone"}, nil, false},
		{"from the future", livedash.StreamPosition{Seq: 9, Epoch: pos.Epoch}, nil, false},
	}
	for _, tc := range cases {
		pubs, got, recovered, err := b.History(ctx, "c.x", tc.since)
		if err != nil {
			t.Fatal(err)
		}
		var seqs []uint64
		for _, p := range pubs {
			seqs = append(seqs, p.Seq)
		}
		if recovered != tc.recovered || len(seqs) != len(tc.wantSeqs) || got != pos {
			t.Errorf("%s: seqs %v recovered %v pos %v; want %v %v %v", tc.name, seqs, recovered, got, tc.wantSeqs, tc.recovered, pos)
			continue
		}
		for i := range seqs {
			if seqs[i] != tc.wantSeqs[i] {
				t.Errorf("%s: seqs %v, want %v", tc.name, seqs, tc.wantSeqs)
			}
		}
	}
	// TTL: after a minute nothing is kept, so recovery from seq 5 fails but the position stays.
	clock.add(time.Minute)
	pubs, got, recovered, _ := b.History(ctx, "c.x", livedash.StreamPosition{Seq: 5, Epoch: pos.Epoch})
	if len(pubs) != 0 || recovered || got != pos {
		t.Fatalf("after TTL: %d pubs, recovered %v, pos %v", len(pubs), recovered, got)
	}
}

func ptr[T any](v T) *T { return &v }

func TestMemoryBrokerDropsIdleChannels(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	retained := map[string]bool{"keep.1": true}
	b := NewMemoryBroker(MemoryBrokerConfig{Now: clock.now, Retain: func(ch string) bool { return retained[ch] }})
	policy := livedash.HistoryPolicy{Size: 10, TTL: time.Minute}
	for _, ch := range []string{"keep.1", "drop.1", "drop.2"} {
		if _, err := b.Publish(ctx, ch, "e", json.RawMessage(`1`), policy); err != nil {
			t.Fatal(err)
		}
	}
	before, _ := b.Position(ctx, "keep.1")
	dropEpoch, _ := b.Position(ctx, "drop.1")
	b.sweep()
	if n := b.channels(); n != 3 {
		t.Fatalf("swept live channels: %d left", n)
	}
	clock.add(2 * time.Minute)
	b.sweep()
	if n := b.channels(); n != 1 {
		t.Fatalf("after TTL %d channels left, want 1", n)
	}
	if after, _ := b.Position(ctx, "keep.1"); after != before {
		t.Fatalf("retained channel changed position %v -> %v", before, after)
	}
	// A dropped channel comes back with a new epoch, so clients can tell history is gone.
	again, _ := b.Position(ctx, "drop.1")
	if again.Epoch == dropEpoch.Epoch || again.Seq != 0 {
		t.Fatalf("recreated channel position %v (was %v)", again, dropEpoch)
	}
}

// TestMemoryBrokerDeliversWhatCameBeforeRun: publications made before Run registers its handler
// are handed over first, in order (a client may subscribe as soon as the server listens).
func TestMemoryBrokerDeliversWhatCameBeforeRun(t *testing.T) {
	b := NewMemoryBroker(MemoryBrokerConfig{})
	policy := livedash.HistoryPolicy{Size: 10, TTL: time.Minute}
	for range 3 {
		if _, err := b.Publish(t.Context(), "c.x", "e", json.RawMessage(`1`), policy); err != nil {
			t.Fatal(err)
		}
	}
	got := make(chan uint64, 10)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { _ = b.Run(ctx, func(p livedash.Publication) { got <- p.Seq }); close(done) }()
	waitFor(t, func() bool { return len(got) == 3 })
	if _, err := b.Publish(t.Context(), "c.x", "e", json.RawMessage(`1`), policy); err != nil {
		t.Fatal(err)
	}
	cancel()
	<-done
	close(got)
	var seqs []uint64
	for s := range got {
		seqs = append(seqs, s)
	}
	if len(seqs) != 4 || seqs[0] != 1 || seqs[3] != 4 {
		t.Fatalf("delivered %v, want 1 2 3 4", seqs)
	}
}

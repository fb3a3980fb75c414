package main

import (
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"livedash/client"
)

// cutProxy forwards TCP to a server and can cut every connection through it, like a network
// blink: cut closes them and refuses new ones until heal.
type cutProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  map[net.Conn]bool
	wg     sync.WaitGroup
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	p.wg.Go(p.accept)
	t.Cleanup(func() { ln.Close(); p.cut(); p.wg.Wait() })
	return p
}

func (p *cutProxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.down {
			p.mu.Unlock()
			c.Close()
			continue
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			p.mu.Unlock()
			c.Close()
			continue
		}
		p.conns[c], p.conns[up] = true, true
		p.mu.Unlock()
		p.wg.Go(func() { io.Copy(up, c); up.Close() })
		p.wg.Go(func() { io.Copy(c, up); c.Close() })
	}
}

func (p *cutProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

func (p *cutProxy) heal() { p.mu.Lock(); p.down = false; p.mu.Unlock() }

// TestRecoveryThroughNetworkCut: a client cut mid-stream while 1,000 events are published gets
// all of them exactly once and in order after it reconnects, then live ones; over WebSocket and
// over SSE, with the Go client's automatic reconnect. (alerts keeps 1,000 events by default;
// metrics channels keep 100, and would report recovered:false here.)
func TestRecoveryThroughNetworkCut(t *testing.T) {
	for name, transport := range map[string]client.Transport{"websocket": client.TransportWebSocket, "sse": client.TransportSSE} {
		t.Run(name, func(t *testing.T) {
			getenv := testEnv(t, nil)
			tok := mintToken(t, getenv, "--user", "u1", "--tenant", "t1")
			ctx, cancel := context.WithCancel(context.Background())
			ready := make(chan *server, 1)
			done := make(chan error, 1)
			go func() { done <- serve(ctx, nil, getenv, io.Discard, io.Discard, ready) }()
			srv := <-ready
			defer func() { cancel(); <-done }()
			proxy := newCutProxy(t, strings.TrimPrefix(srv.baseURL(), "http://"))

			var mu sync.Mutex
			var seqs []uint64
			c, err := client.Dial(ctx, client.Options{
				URL: "http://" + proxy.ln.Addr().String(), Token: tok, Transport: transport,
				Channels: []string{"alerts"}, Reconnect: true,
				MinBackoff: 10 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
				OnRecoveryFailed: func(ch string) { t.Errorf("recovery failed for %s", ch) },
				OnEvent: func(e client.Event) {
					if e.Channel == "alerts.u1" {
						mu.Lock()
						seqs = append(seqs, e.Seq)
						mu.Unlock()
					}
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			publish := func(n int) {
				for i := range n {
					if _, err := srv.hub.Publish(ctx, "alerts.u1", "tick", i); err != nil {
						t.Fatal(err)
					}
				}
			}
			waitCount := func(n int) {
				t.Helper()
				for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(5 * time.Millisecond) {
					mu.Lock()
					got := len(seqs)
					mu.Unlock()
					if got >= n {
						return
					}
					if time.Now().After(deadline) {
						t.Fatalf("received %d of %d events", got, n)
					}
				}
			}
			publish(10)
			waitCount(10)
			proxy.cut()
			publish(1000)
			time.Sleep(100 * time.Millisecond) // the client tries and fails while the network is down
			proxy.heal()
			waitCount(1010)
			publish(5)
			waitCount(1015)
			time.Sleep(50 * time.Millisecond)
			mu.Lock()
			defer mu.Unlock()
			if len(seqs) != 1015 {
				t.Fatalf("received %d events, want exactly 1015", len(seqs))
			}
			for i, s := range seqs {
				if s != uint64(i+1) {
					t.Fatalf("event %d has seq %d: gap, duplicate or reorder", i, s)
				}
			}
		})
	}
}

package agent

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"livedash"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func points(from, n int) []livedash.MetricPoint {
	out := make([]livedash.MetricPoint, n)
	for i := range out {
		out[i] = livedash.MetricPoint{Code: "host.cpu.percent", Value: float64(from + i), Time: time.UnixMilli(int64(1_700_000_000_000 + from + i))}
	}
	return out
}

// recorder is the ingest endpoint as far as the agent can tell: it checks the headers and keeps
// the values it accepted.
type recorder struct {
	mu     sync.Mutex
	values []float64
	down   bool
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.down {
		http.Error(w, `{"error":{"code":"unavailable"}}`, http.StatusServiceUnavailable)
		return
	}
	if req.Header.Get("X-API-Key") != "k" || req.Header.Get("X-Livedash-Tenant") != "t1" || req.URL.Path != "/api/v1/metrics" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	var body struct{ Points []wirePoint }
	if err := json.NewDecoder(req.Body).Decode(&body); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	for _, p := range body.Points {
		r.values = append(r.values, p.Value)
	}
	w.WriteHeader(http.StatusOK)
}

func (r *recorder) got() []float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]float64(nil), r.values...)
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 5 s")
		}
	}
}

// TestOutageKeepsNewestAndRecovers: while the server is down the buffer keeps the newest
// MaxPoints points (oldest dropped first); when it comes back they arrive in order.
func TestOutageKeepsNewestAndRecovers(t *testing.T) {
	rec := &recorder{down: true}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	a, err := New(Config{Server: srv.URL, APIKey: "k", Tenant: "t1", MaxPoints: 100, MaxBatch: 30,
		MinRetry: 5 * time.Millisecond, MaxRetry: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	a.Add(points(0, 250))
	time.Sleep(50 * time.Millisecond) // several failed pushes
	if a.Buffered() != 100 || len(rec.got()) != 0 {
		t.Fatalf("buffered %d, server got %d", a.Buffered(), len(rec.got()))
	}
	rec.mu.Lock()
	rec.down = false
	rec.mu.Unlock()
	waitFor(t, func() bool { return len(rec.got()) == 100 })
	for i, v := range rec.got() {
		if v != float64(150+i) {
			t.Fatalf("point %d = %v: want the newest 100 (150..249) in order", i, v)
		}
	}
	a.Add(points(250, 5))
	waitFor(t, func() bool { return len(rec.got()) == 105 })
	if a.Sent() != 105 || a.Buffered() != 0 {
		t.Fatalf("sent %d, buffered %d", a.Sent(), a.Buffered())
	}
}

// TestServerUnreachableThenUp: connection refused counts as an outage too.
func TestServerUnreachableThenUp(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens: pushes are refused
	a, _ := New(Config{Server: "http://" + addr, APIKey: "k", Tenant: "t1", MinRetry: 5 * time.Millisecond, MaxRetry: 20 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	a.Add(points(0, 10))
	time.Sleep(30 * time.Millisecond)

	rec := &recorder{}
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("port %s taken meanwhile: %v", addr, err)
	}
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: rec}}
	srv.Start()
	defer srv.Close()
	waitFor(t, func() bool { return len(rec.got()) == 10 })
}

func TestNewRequiresCredentials(t *testing.T) {
	for _, c := range []Config{{}, {Server: "http://x", APIKey: "k"}, {Server: "http://x", Tenant: "t"}} {
		if _, err := New(c); err == nil {
			t.Errorf("New(%+v) accepted", c)
		}
	}
}

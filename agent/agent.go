// Package agent pushes host metrics from another machine to a livedash server over the ingest
// API (POST /api/v1/metrics with X-API-Key): batched, retried with backoff, and held in a bounded
// buffer so that a server outage loses the oldest samples first, and says so.
package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"livedash"
)

// Config configures an Agent.
type Config struct {
	Server    string // base URL of the server, e.g. https://livedash.example.com
	APIKey    string
	Tenant    string        // sent as X-Livedash-Tenant
	MaxPoints int           // buffer bound; default 100,000 points
	MaxBatch  int           // points per request; default 5,000
	MinRetry  time.Duration // default 500ms
	MaxRetry  time.Duration // default 30s
	Client    *http.Client  // default: 10 s timeout
	Logger    *slog.Logger
}

// Agent buffers points and pushes them to the server.
type Agent struct {
	cfg  Config
	log  *slog.Logger
	wake chan struct{}

	mu      sync.Mutex
	buf     []livedash.MetricPoint // oldest first
	head    int64                  // points ever removed from the front (sent or dropped)
	dropped int64                  // points dropped since the last report
	sent    int64
}

// New returns an agent; Run pushes what Add buffers.
func New(cfg Config) (*Agent, error) {
	if cfg.Server == "" || cfg.APIKey == "" || cfg.Tenant == "" {
		return nil, errors.New("agent: server, API key and tenant are required")
	}
	cfg.Server = strings.TrimRight(cfg.Server, "/")
	if cfg.MaxPoints <= 0 {
		cfg.MaxPoints = 100_000
	}
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = 5_000
	}
	if cfg.MinRetry <= 0 {
		cfg.MinRetry = 500 * time.Millisecond
	}
	if cfg.MaxRetry <= 0 {
		cfg.MaxRetry = 30 * time.Second
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 10 * time.Second}
	}
	a := &Agent{cfg: cfg, log: cfg.Logger, wake: make(chan struct{}, 1)}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	return a, nil
}

// Add buffers points. When the buffer is full the oldest points are dropped (and counted).
func (a *Agent) Add(points []livedash.MetricPoint) {
	a.mu.Lock()
	a.buf = append(a.buf, points...)
	if over := len(a.buf) - a.cfg.MaxPoints; over > 0 {
		a.buf = append(a.buf[:0], a.buf[over:]...)
		a.dropped += int64(over)
		a.head += int64(over)
	}
	a.mu.Unlock()
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// Buffered returns how many points wait to be sent.
func (a *Agent) Buffered() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.buf)
}

// Sent returns how many points the server accepted.
func (a *Agent) Sent() int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.sent
}

// Run pushes buffered points until ctx ends, retrying failed pushes with exponential backoff and
// jitter. It never blocks Add.
func (a *Agent) Run(ctx context.Context) {
	delay := a.cfg.MinRetry
	for {
		if n := a.takeDropped(); n > 0 {
			a.log.Warn("buffer full: dropped the oldest points", "points", n, "buffer", a.cfg.MaxPoints)
		}
		batch, head := a.peek()
		if len(batch) == 0 {
			select {
			case <-ctx.Done():
				return
			case <-a.wake:
				continue
			}
		}
		err := a.push(ctx, batch)
		if err == nil {
			a.commit(len(batch), head)
			delay = a.cfg.MinRetry
			continue
		}
		if ctx.Err() != nil {
			return
		}
		wait := delay/2 + rand.N(delay/2+1)
		a.log.Warn("push failed; retrying", "err", err, "in", wait.Round(time.Millisecond), "buffered", a.Buffered())
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		delay = min(2*delay, a.cfg.MaxRetry)
	}
}

func (a *Agent) takeDropped() int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := a.dropped
	a.dropped = 0
	return n
}

// peek copies the oldest batch without removing it (it is removed once the server took it) and
// returns the head position it starts at.
func (a *Agent) peek() ([]livedash.MetricPoint, int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]livedash.MetricPoint(nil), a.buf[:min(len(a.buf), a.cfg.MaxBatch)]...), a.head
}

// commit removes the n pushed points that started at head, minus those that overflow already
// dropped meanwhile.
func (a *Agent) commit(n int, head int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.sent += int64(n)
	left := int(head + int64(n) - a.head) // pushed points still at the front
	if left <= 0 {
		return
	}
	left = min(left, len(a.buf))
	a.buf = append(a.buf[:0], a.buf[left:]...)
	a.head += int64(left)
}

type wirePoint struct {
	Code   string            `json:"code"`
	Value  float64           `json:"value"`
	TS     int64             `json:"ts"` // unix milliseconds
	Labels map[string]string `json:"labels,omitempty"`
}

func (a *Agent) push(ctx context.Context, batch []livedash.MetricPoint) error {
	pts := make([]wirePoint, len(batch))
	for i, p := range batch {
		pts[i] = wirePoint{Code: p.Code, Value: p.Value, TS: p.Time.UnixMilli(), Labels: p.Labels}
	}
	body, err := json.Marshal(map[string]any{"points": pts})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, "POST", a.cfg.Server+"/api/v1/metrics", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-API-Key", a.cfg.APIKey)
	req.Header.Set("X-Livedash-Tenant", a.cfg.Tenant)
	resp, err := a.cfg.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("server answered %d: %s", resp.StatusCode, bytes.TrimSpace(msg))
	}
	return nil
}

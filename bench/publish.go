package bench

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// pubStats are the publishers' counters.
type pubStats struct {
	published, errors, throttled atomic.Int64
	hist                         Histogram
	start, end                   time.Time

	mu       sync.Mutex
	firstErr string
}

func (ps *pubStats) fail(msg string) {
	ps.errors.Add(1)
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.firstErr == "" {
		ps.firstErr = msg
	}
}

func (ps *pubStats) firstError() string {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return ps.firstErr
}

// publish runs the publishers for Duration: at Rate (slot k at start + k/Rate, shared by the
// publishers so that a slow answer does not slow the pace) or back to back when Rate is 0.
func (r *runner) publish(ctx context.Context, subs []*sub) *pubStats {
	cfg := r.cfg
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		MaxIdleConns:        2 * cfg.Publishers,
		MaxIdleConnsPerHost: 2 * cfg.Publishers,
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}

	ps := &pubStats{start: time.Now()}
	end := ps.start.Add(cfg.Duration)
	var slots atomic.Int64
	var wg sync.WaitGroup
	for range cfg.Publishers {
		wg.Go(func() { r.publisher(ctx, client, &slots, end, ps) })
	}
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var lastPub, lastDel int64
	lastT := ps.start
	for {
		select {
		case <-done:
			ps.end = time.Now()
			if want := cfg.Rate * cfg.Duration.Seconds(); cfg.Rate > 0 && float64(ps.published.Load()) < 0.95*want {
				r.logf("warning: %d publishes accepted of the %.0f asked for: the broadcast API was slower than the rate (raise Publishers?)",
					ps.published.Load(), want)
			}
			return ps
		case now := <-tick.C:
			pub, del := ps.published.Load(), delivered(subs)
			secs := now.Sub(lastT).Seconds()
			r.logf("%4.0fs published %d (%.0f/s), delivered %d (%s/s), %d publish errors",
				now.Sub(ps.start).Seconds(), pub, float64(pub-lastPub)/secs, del,
				humanRate(float64(del-lastDel)/secs), ps.errors.Load())
			lastPub, lastDel, lastT = pub, del, now
		}
	}
}

func (r *runner) publisher(ctx context.Context, client *http.Client, slots *atomic.Int64, end time.Time, ps *pubStats) {
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	// Duration bounds the run even when the publishers fall behind the requested rate.
	for ctx.Err() == nil && time.Now().Before(end) {
		if rate := r.cfg.Rate; rate > 0 {
			k := slots.Add(1) - 1
			at := ps.start.Add(time.Duration(float64(k) * float64(time.Second) / rate))
			if !at.Before(end) {
				return
			}
			if d := time.Until(at); d > 0 {
				if timer == nil {
					timer = time.NewTimer(d)
				} else {
					timer.Reset(d)
				}
				select {
				case <-timer.C:
				case <-ctx.Done():
					return
				}
			}
		}
		r.publishOne(ctx, client, ps)
	}
}

// publishOne posts one event whose data carries the publish time.
func (r *runner) publishOne(ctx context.Context, client *http.Client, ps *pubStats) {
	t0 := time.Now()
	// A new body each time: the transport may still read a body after Do returns.
	body := make([]byte, 0, len(r.bodyPrefix)+20+len(r.bodySuffix))
	body = append(body, r.bodyPrefix...)
	body = strconv.AppendInt(body, t0.UnixNano(), 10)
	body = append(body, r.bodySuffix...)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.broadcastURL, bytes.NewReader(body))
	if err != nil {
		ps.fail(err.Error())
		return
	}
	req.Header.Set("Content-Type", "application/json")
	if r.cfg.APIKey != "" {
		req.Header.Set("X-API-Key", r.cfg.APIKey)
	}
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			ps.fail(err.Error())
			sleepCtx(ctx, 10*time.Millisecond)
		}
		return
	}
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	switch {
	case resp.StatusCode/100 == 2:
		ps.published.Add(1)
		ps.hist.Record(time.Since(t0))
	case resp.StatusCode == http.StatusTooManyRequests:
		ps.throttled.Add(1)
		wait := 5 * time.Millisecond
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
			wait = min(time.Duration(s)*time.Second, time.Second)
		}
		sleepCtx(ctx, wait)
	default:
		ps.fail(httpError(resp.StatusCode, answer).Error())
		sleepCtx(ctx, 10*time.Millisecond)
	}
}

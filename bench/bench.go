// Package bench is the load generator behind `livedash bench`: it connects many subscribers to one
// channel (WebSocket or SSE), publishes timestamped events through the broadcast API and measures
// delivery: counts, losses (seq gaps per connection), end-to-end latency percentiles and, given
// the server's pid, its resident memory per connection.
//
// The subscriber side is built to receive about a million messages per second per core: one
// goroutine per connection reads with a reused buffer, frames are parsed in place (no copy for a
// message that fits the buffer), seq and publish time are found with bytes.Index and parsed by
// hand, and latencies go to shared fixed-size histograms, so nothing is allocated per message.
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"
)

// Transports.
const (
	TransportWS  = "ws"
	TransportSSE = "sse"
)

// Defaults.
const (
	DefaultDuration           = 10 * time.Second
	DefaultPayloadSize        = 128
	DefaultPublishers         = 4
	DefaultConnectConcurrency = 200
	DefaultConnectTimeout     = 30 * time.Second
	DefaultDrainTimeout       = 2 * time.Second

	// connsPerSourceAddr is how many connections the default spreads over one source address:
	// below the ~28,000 ephemeral ports Linux has for one (source IP, destination) pair.
	connsPerSourceAddr = 20000
	// readBufferBudget is shared by the read buffers of all connections: 64 KiB each up to 4,096
	// connections, less (but at least 4 KiB) above.
	readBufferBudget = 256 << 20
)

// Config describes one benchmark run. URL, Conns and Channel are required.
type Config struct {
	URL       string             // server base, e.g. http://127.0.0.1:8080 (ws:// also accepted)
	Token     string             // subscriber JWT, the same for all connections...
	TokenFunc func(i int) string // ...or one per connection (wins over Token)
	APIKey    string             // X-API-Key for POST /dashboard/broadcast

	Conns   int    // subscribers
	Channel string // scoped channel every subscriber subscribes to, e.g. "metrics.t1"

	Rate        float64       // publishes per second; 0: as fast as the broadcast API accepts
	Publishers  int           // concurrent publishers (default 4)
	Duration    time.Duration // publishing time (default 10s)
	PayloadSize int           // size of the event data JSON in bytes (default 128)

	// SourceAddrs spreads the connections over the source addresses 127.0.0.1..127.0.0.N (only for
	// a loopback server). Default: one per 20,000 connections; 25,000 connections and more need
	// at least 2.
	SourceAddrs int
	// ServerPID, when > 0, has the server's VmRSS read before and after connecting.
	ServerPID int

	ConnectConcurrency int           // connections being set up at once (default 200)
	ConnectTimeout     time.Duration // per connection: dial, upgrade, subscribe (default 30s)
	DrainTimeout       time.Duration // wait for stragglers after publishing (default 2s)

	// Transport is "ws" (default) or "sse" (GET /dashboard/sse?channels=…&token=…).
	Transport string
}

// Result is the outcome of a run.
type Result struct {
	Transport   string
	Conns       int           // subscribers connected and subscribed
	SourceAddrs int           // source addresses used (0: the system's choice)
	ConnectTime time.Duration // until all connections were set up (or failed)
	// ConnectErrors is the number of connections that failed to set up; ConnectError the first
	// failure.
	ConnectErrors int
	ConnectError  string

	Published     int64 // publishes accepted by the broadcast API
	PublishErrors int64
	Throttled     int64 // 429 answers
	PublishError  string
	PublishTime   time.Duration
	PublishRate   float64 // accepted publishes per second

	Expected   int64 // Published × Conns
	Delivered  int64 // distinct events received, over all connections
	Lost       int64 // Expected − Delivered, if positive
	Gaps       int64 // events skipped in seq order, summed over connections
	Duplicates int64 // events received twice
	// Incomplete is the number of connections that received fewer events than were published.
	Incomplete      int
	DeliveredPerSec float64 // Delivered over the time from the first publish to the last receive

	// End-to-end latency (publish call → receive), over delivered events.
	P50, P90, P99, P999, Max, Mean time.Duration
	// PublishLatencyP50, P99 and Max are the broadcast API's response times.
	PublishLatencyP50, PublishLatencyP99, PublishLatencyMax time.Duration

	// Disconnects is the number of connections that ended before the end of the run; CloseCodes
	// counts them by close code (0: no close frame).
	Disconnects  int
	CloseCodes   map[int]int
	ServerErrors int64 // error messages received after subscribing

	RSSBefore, RSSAfter int64 // server VmRSS in bytes, when ServerPID was given
	RSSPerConn          int64 // (RSSAfter − RSSBefore) / Conns
}

// Run connects cfg.Conns subscribers, publishes for cfg.Duration, waits up to cfg.DrainTimeout for
// the last deliveries, closes everything and reports. Progress goes to log (may be nil). When ctx
// ends, it stops early and returns what it measured with ctx's error.
func Run(ctx context.Context, cfg Config, log io.Writer) (Result, error) {
	if log == nil {
		log = io.Discard
	}
	r, err := newRunner(cfg, log)
	if err != nil {
		return Result{}, err
	}
	return r.run(ctx)
}

type runner struct {
	cfg   Config
	log   io.Writer
	logMu sync.Mutex

	wsURL        string
	broadcastURL string
	sseAddr      string // host:port to dial
	sseHost      string // Host header
	ssePath      string
	sseTLS       bool

	dialers    []*net.Dialer // one per source address
	bufSize    int
	shards     []*Histogram
	authHeader ws.HandshakeHeader
	bodyPrefix []byte
	bodySuffix []byte

	stopping     atomic.Bool
	serverErrors atomic.Int64

	mu      sync.Mutex
	subs    []*sub
	readers sync.WaitGroup
}

func newRunner(cfg Config, log io.Writer) (*runner, error) {
	if cfg.Conns <= 0 {
		return nil, errors.New("bench: Conns must be positive")
	}
	if cfg.Channel == "" {
		return nil, errors.New("bench: Channel is required")
	}
	if cfg.Rate < 0 || math.IsNaN(cfg.Rate) || math.IsInf(cfg.Rate, 0) {
		return nil, errors.New("bench: Rate must be a finite number >= 0")
	}
	if cfg.Transport == "" {
		cfg.Transport = TransportWS
	}
	if cfg.Transport != TransportWS && cfg.Transport != TransportSSE {
		return nil, fmt.Errorf("bench: unknown transport %q (ws or sse)", cfg.Transport)
	}
	if cfg.Duration <= 0 {
		cfg.Duration = DefaultDuration
	}
	if cfg.PayloadSize <= 0 {
		cfg.PayloadSize = DefaultPayloadSize
	}
	if cfg.Publishers <= 0 {
		cfg.Publishers = DefaultPublishers
	}
	if cfg.ConnectConcurrency <= 0 {
		cfg.ConnectConcurrency = DefaultConnectConcurrency
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	if cfg.DrainTimeout <= 0 {
		cfg.DrainTimeout = DefaultDrainTimeout
	}
	if cfg.SourceAddrs < 0 || cfg.SourceAddrs > 254 {
		return nil, errors.New("bench: SourceAddrs must be in [0, 254]")
	}
	r := &runner{cfg: cfg, log: log}

	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("bench: URL: %w", err)
	}
	var secure bool
	switch u.Scheme {
	case "http", "ws":
	case "https", "wss":
		secure = true
	default:
		return nil, fmt.Errorf("bench: URL %q: scheme must be http or https", cfg.URL)
	}
	host, port := u.Hostname(), u.Port()
	if host == "" {
		return nil, fmt.Errorf("bench: URL %q has no host", cfg.URL)
	}
	if host == "localhost" && !secure {
		host = "127.0.0.1" // not ::1: the source addresses are IPv4
	}
	if port == "" {
		port = "80"
		if secure {
			port = "443"
		}
	}
	hostport := net.JoinHostPort(host, port)
	base := strings.TrimRight(u.Path, "/")
	httpScheme, wsScheme := "http", "ws"
	if secure {
		httpScheme, wsScheme = "https", "wss"
	}
	r.wsURL = wsScheme + "://" + hostport + base + "/ws"
	r.broadcastURL = httpScheme + "://" + hostport + base + "/dashboard/broadcast"
	r.sseAddr, r.sseHost, r.ssePath, r.sseTLS = hostport, u.Host, base+"/dashboard/sse", secure

	// Source addresses.
	ip := net.ParseIP(host)
	loopback4 := ip != nil && ip.IsLoopback() && ip.To4() != nil
	n := cfg.SourceAddrs
	switch {
	case loopback4:
		if n == 0 {
			n = (cfg.Conns + connsPerSourceAddr - 1) / connsPerSourceAddr
		}
		if n == 1 && cfg.Conns >= 25000 {
			r.logf("warning: %d connections from one source address will likely run out of ephemeral ports", cfg.Conns)
		}
	case n > 1:
		return nil, fmt.Errorf("bench: SourceAddrs needs a 127.x.x.x server address, not %q", host)
	default:
		n = 0
		if cfg.Conns >= 25000 {
			r.logf("warning: %d connections to a non-loopback server from one source address may run out of ephemeral ports", cfg.Conns)
		}
	}
	if n <= 1 {
		r.dialers = []*net.Dialer{{KeepAlive: -1}}
	} else {
		for k := range n {
			r.dialers = append(r.dialers, &net.Dialer{
				KeepAlive: -1,
				LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(k+1))},
				Control:   bindNoPort,
			})
		}
	}
	if limit, ok := openFileLimit(); ok && uint64(cfg.Conns)+64 > limit {
		r.logf("warning: %d connections but the open files limit is %d", cfg.Conns, limit)
	}

	r.bufSize = min(max(readBufferBudget/cfg.Conns, 4<<10), 64<<10)
	shards := min(4*runtime.GOMAXPROCS(0), cfg.Conns)
	for range shards {
		r.shards = append(r.shards, new(Histogram))
	}
	if cfg.TokenFunc == nil && cfg.Token != "" {
		r.authHeader = ws.HandshakeHeaderBytes("Authorization: Bearer " + cfg.Token + "\r\n")
	}
	r.bodyPrefix = fmt.Appendf(nil, `{"channel":%s,"event":"bench","data":{"t":`, strconv.Quote(cfg.Channel))
	// data is {"t":<19 digits>,"pad":"…"}: 34 bytes without the padding.
	pad := max(cfg.PayloadSize-34, 0)
	r.bodySuffix = fmt.Appendf(nil, `,"pad":"%s"}}`, strings.Repeat("x", pad))
	return r, nil
}

func (r *runner) sourceAddrs() int {
	if len(r.dialers) == 1 && r.dialers[0].LocalAddr == nil {
		return 0
	}
	return len(r.dialers)
}

func (r *runner) dialer(i int) *net.Dialer { return r.dialers[i%len(r.dialers)] }

func (r *runner) shard(i int) *Histogram { return r.shards[i%len(r.shards)] }

func (r *runner) token(i int) string {
	if f := r.cfg.TokenFunc; f != nil {
		return f(i)
	}
	return r.cfg.Token
}

func (r *runner) wsHeader(i int) ws.HandshakeHeader {
	if r.cfg.TokenFunc == nil {
		return r.authHeader
	}
	if tok := r.cfg.TokenFunc(i); tok != "" {
		return ws.HandshakeHeaderBytes("Authorization: Bearer " + tok + "\r\n")
	}
	return nil
}

func (r *runner) logf(format string, args ...any) {
	r.logMu.Lock()
	defer r.logMu.Unlock()
	fmt.Fprintf(r.log, "bench: "+format+"\n", args...)
}

func (r *runner) run(ctx context.Context) (res Result, err error) {
	cfg := r.cfg
	res.Transport = cfg.Transport
	res.SourceAddrs = r.sourceAddrs()
	stopWatch := context.AfterFunc(ctx, r.stopAll)
	defer stopWatch()
	defer r.shutdown()

	if cfg.ServerPID > 0 {
		if res.RSSBefore, err = readRSS(cfg.ServerPID); err != nil {
			r.logf("warning: %v", err)
		}
	}
	target := r.wsURL
	if cfg.Transport == TransportSSE {
		target = r.sseAddr + r.ssePath
	}
	r.logf("connecting %d %s subscribers to %s, channel %s (%d source addresses, concurrency %d)",
		cfg.Conns, cfg.Transport, target, cfg.Channel, max(res.SourceAddrs, 1), cfg.ConnectConcurrency)
	start := time.Now()
	res.ConnectErrors, res.ConnectError = r.connectAll(ctx)
	res.ConnectTime = time.Since(start)
	subs := r.snapshot()
	res.Conns = len(subs)
	r.logf("%d connected in %v, %d failed", len(subs), res.ConnectTime.Round(time.Millisecond), res.ConnectErrors)
	if res.ConnectError != "" {
		r.logf("first connection error: %s", res.ConnectError)
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if len(subs) == 0 {
		return res, fmt.Errorf("bench: no subscriber connected (%d failed): %s", res.ConnectErrors, res.ConnectError)
	}
	if cfg.ServerPID > 0 && res.RSSBefore > 0 {
		sleepCtx(ctx, 300*time.Millisecond) // let the server finish setting connections up
		if rss, err := readRSS(cfg.ServerPID); err != nil {
			r.logf("warning: %v", err)
		} else {
			res.RSSAfter = rss
			res.RSSPerConn = (rss - res.RSSBefore) / int64(len(subs))
		}
	}

	rate := "as fast as accepted"
	if cfg.Rate > 0 {
		rate = strconv.FormatFloat(cfg.Rate, 'f', -1, 64) + "/s"
	}
	r.logf("publishing %d-byte events %s for %v with %d publishers", cfg.PayloadSize, rate, cfg.Duration, cfg.Publishers)
	ps := r.publish(ctx, subs)
	expected := ps.published.Load() * int64(len(subs))
	if ctx.Err() == nil {
		r.drain(ctx, subs, expected)
	}
	r.shutdown()
	r.collect(&res, subs, ps)
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if res.Published == 0 {
		return res, fmt.Errorf("bench: no publish accepted (%d errors, %d throttled): %s", res.PublishErrors, res.Throttled, res.PublishError)
	}
	return res, nil
}

// connectAll sets the connections up with bounded concurrency. Each one starts being read as
// soon as it is set up (to answer pings).
func (r *runner) connectAll(ctx context.Context) (failed int, firstErr string) {
	cfg := r.cfg
	var (
		next     atomic.Int64
		nFailed  atomic.Int64
		errMu    sync.Mutex
		wg       sync.WaitGroup
		aborting atomic.Bool
	)
	done := make(chan struct{})
	var logWG sync.WaitGroup
	logWG.Go(func() {
		t := time.NewTicker(2 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				r.logf("connected %d/%d, %d failed", r.count(), cfg.Conns, nFailed.Load())
			case <-done:
				return
			}
		}
	})
	for range min(cfg.ConnectConcurrency, cfg.Conns) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= cfg.Conns || ctx.Err() != nil || r.stopping.Load() || aborting.Load() {
					return
				}
				cctx, cancel := context.WithTimeout(ctx, cfg.ConnectTimeout)
				var s *sub
				var err error
				if cfg.Transport == TransportSSE {
					s, err = r.connectSSE(cctx, i)
				} else {
					s, err = r.connectWS(cctx, i)
				}
				cancel()
				if err != nil {
					if ctx.Err() != nil {
						return
					}
					if f := nFailed.Add(1); f >= 100 && r.count() == 0 && !aborting.Swap(true) {
						r.logf("the first %d connections failed: giving up", f)
					}
					errMu.Lock()
					if firstErr == "" {
						firstErr = fmt.Sprintf("connection %d: %v", i, err)
					}
					errMu.Unlock()
					continue
				}
				r.add(s)
			}
		})
	}
	wg.Wait()
	close(done)
	logWG.Wait()
	return int(nFailed.Load()), firstErr
}

// add registers a set up connection and starts its reader.
func (r *runner) add(s *sub) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopping.Load() {
		s.nc.Close()
		return
	}
	r.subs = append(r.subs, s)
	r.readers.Go(s.run)
}

func (r *runner) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.subs)
}

func (r *runner) snapshot() []*sub {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.subs)
}

// stopAll makes every reader return (each then closes its connection).
func (r *runner) stopAll() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopping.Swap(true) {
		return
	}
	past := time.Unix(1, 0)
	for _, s := range r.subs {
		s.nc.SetReadDeadline(past)
	}
}

// shutdown stops the readers and waits for them.
func (r *runner) shutdown() {
	r.stopAll()
	r.readers.Wait()
}

func delivered(subs []*sub) int64 {
	var n int64
	for _, s := range subs {
		n += s.delivered.Load()
	}
	return n
}

// drain waits until every expected event was delivered, or DrainTimeout.
func (r *runner) drain(ctx context.Context, subs []*sub, expected int64) {
	deadline := time.Now().Add(r.cfg.DrainTimeout)
	for delivered(subs) < expected && time.Now().Before(deadline) && ctx.Err() == nil {
		sleepCtx(ctx, 10*time.Millisecond)
	}
}

// collect fills res once the readers have ended.
func (r *runner) collect(res *Result, subs []*sub, ps *pubStats) {
	res.Published = ps.published.Load()
	res.PublishErrors = ps.errors.Load()
	res.Throttled = ps.throttled.Load()
	res.PublishError = ps.firstError()
	res.PublishTime = ps.end.Sub(ps.start)
	if res.PublishTime > 0 {
		res.PublishRate = float64(res.Published) / res.PublishTime.Seconds()
	}
	res.PublishLatencyP50 = ps.hist.Quantile(0.5)
	res.PublishLatencyP99 = ps.hist.Quantile(0.99)
	res.PublishLatencyMax = ps.hist.Max()

	res.Expected = res.Published * int64(len(subs))
	var last int64
	res.CloseCodes = make(map[int]int)
	for _, s := range subs {
		d := s.delivered.Load()
		res.Delivered += d
		res.Gaps += s.gaps
		res.Duplicates += s.dups
		if d < res.Published {
			res.Incomplete++
		}
		last = max(last, s.lastRecv.Load())
		if s.err != nil {
			res.Disconnects++
			res.CloseCodes[s.closeCode]++
		}
	}
	res.Lost = max(res.Expected-res.Delivered, 0)
	window := time.Duration(last - ps.start.UnixNano())
	if window <= 0 {
		window = res.PublishTime
	}
	if window > 0 {
		res.DeliveredPerSec = float64(res.Delivered) / window.Seconds()
	}
	var lat Histogram
	for _, h := range r.shards {
		lat.Merge(h)
	}
	res.P50, res.P90, res.P99, res.P999 = lat.Quantile(0.5), lat.Quantile(0.9), lat.Quantile(0.99), lat.Quantile(0.999)
	res.Max, res.Mean = lat.Max(), lat.Mean()
	res.ServerErrors = r.serverErrors.Load()
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// readRSS returns the VmRSS of process pid in bytes.
func readRSS(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, fmt.Errorf("server RSS: %w", err)
	}
	return parseVmRSS(b)
}

func parseVmRSS(status []byte) (int64, error) {
	for line := range strings.Lines(string(status)) {
		v, ok := strings.CutPrefix(line, "VmRSS:")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			break
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("server RSS: %w", err)
		}
		return kb << 10, nil
	}
	return 0, errors.New("server RSS: no VmRSS line")
}

// String is a human report.
func (r Result) String() string {
	var b strings.Builder
	src := ""
	if r.SourceAddrs > 1 {
		src = fmt.Sprintf(" from %d source addresses", r.SourceAddrs)
	}
	fmt.Fprintf(&b, "subscribers  %d %s connected in %v%s", r.Conns, r.Transport, r.ConnectTime.Round(time.Millisecond), src)
	if r.ConnectErrors > 0 {
		fmt.Fprintf(&b, ", %d failed (first: %s)", r.ConnectErrors, r.ConnectError)
	}
	b.WriteByte('\n')
	fmt.Fprintf(&b, "published    %d in %v (%.0f/s), %d errors, %d throttled; API latency p50 %v p99 %v\n",
		r.Published, r.PublishTime.Round(time.Millisecond), r.PublishRate, r.PublishErrors, r.Throttled,
		roundDur(r.PublishLatencyP50), roundDur(r.PublishLatencyP99))
	if r.PublishError != "" {
		fmt.Fprintf(&b, "             first publish error: %s\n", r.PublishError)
	}
	pct := 100.0
	if r.Expected > 0 {
		pct = 100 * float64(r.Delivered) / float64(r.Expected)
	}
	fmt.Fprintf(&b, "delivered    %d of %d (%.3f%%), %s msg/s; lost %d, seq gaps %d, duplicates %d, %d connections incomplete\n",
		r.Delivered, r.Expected, pct, humanRate(r.DeliveredPerSec), r.Lost, r.Gaps, r.Duplicates, r.Incomplete)
	fmt.Fprintf(&b, "latency      p50 %v  p90 %v  p99 %v  p99.9 %v  max %v  mean %v\n",
		roundDur(r.P50), roundDur(r.P90), roundDur(r.P99), roundDur(r.P999), roundDur(r.Max), roundDur(r.Mean))
	if r.Disconnects > 0 {
		codes := slices.Sorted(func(yield func(int) bool) {
			for c := range r.CloseCodes {
				if !yield(c) {
					return
				}
			}
		})
		var parts []string
		for _, c := range codes {
			name := strconv.Itoa(c)
			if c == 0 {
				name = "no close frame"
			}
			parts = append(parts, fmt.Sprintf("%s: %d", name, r.CloseCodes[c]))
		}
		fmt.Fprintf(&b, "disconnects  %d (%s)\n", r.Disconnects, strings.Join(parts, ", "))
	}
	if r.ServerErrors > 0 {
		fmt.Fprintf(&b, "errors       %d error messages from the server\n", r.ServerErrors)
	}
	if r.RSSAfter > 0 {
		fmt.Fprintf(&b, "server RSS   %.1f MiB → %.1f MiB: %.1f KiB per connection\n",
			float64(r.RSSBefore)/(1<<20), float64(r.RSSAfter)/(1<<20), float64(r.RSSPerConn)/1024)
	}
	return b.String()
}

func roundDur(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	default:
		return d.Round(time.Microsecond)
	}
}

func humanRate(v float64) string {
	switch {
	case v >= 1e6:
		return strconv.FormatFloat(v/1e6, 'f', 2, 64) + "M"
	case v >= 1e3:
		return strconv.FormatFloat(v/1e3, 'f', 1, 64) + "k"
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

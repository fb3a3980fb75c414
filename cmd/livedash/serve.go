package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"livedash"
	"livedash/analytics"
	"livedash/auth"
	"livedash/collector"
	"livedash/config"
	"livedash/httpapi"
	"livedash/realtime"
	"livedash/service"
	"livedash/sqlstore"
	"livedash/web"
)

// extraRoutes adds build-tag-specific routes (pprof).
var extraRoutes func(*http.ServeMux)

// server is the wired system: what serve runs and what tests drive.
type server struct {
	cfg    config.Config
	log    *slog.Logger
	hub    *realtime.Hub
	store  *sqlstore.Store
	svc    *service.Service
	tenant string       // the first-run tenant (host metrics go there)
	minter *auth.Minter // nil when only a public key is configured
	http   *http.Server
	ln     net.Listener
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// jwtKeys returns the verifier and, when an HS256 secret is available, a minter. With no key
// configured, a secret is generated once and kept in the data dir so restarts keep tokens valid.
func jwtKeys(cfg config.Config, log *slog.Logger) (*auth.Verifier, *auth.Minter, error) {
	vc := auth.VerifierConfig{Issuer: cfg.JWTIssuer, Audience: cfg.JWTAudience, Leeway: 5 * time.Second}
	if cfg.JWTPublicKeyFile != "" {
		pem, err := os.ReadFile(cfg.JWTPublicKeyFile)
		if err != nil {
			return nil, nil, fmt.Errorf("jwt_public_key_file: %w", err)
		}
		vc.PublicKeyPEM = pem
	}
	switch {
	case cfg.JWTSecret != "":
		vc.Secret = []byte(cfg.JWTSecret)
	case vc.PublicKeyPEM == nil:
		secret, created, err := auth.LoadOrCreateSecret(cfg.DataDir)
		if err != nil {
			return nil, nil, err
		}
		if created && log != nil {
			log.Info("generated a JWT secret; it is kept for restarts", "file", cfg.DataDir+"/"+auth.SecretFileName)
		}
		vc.Secret = secret
	}
	v, err := auth.NewVerifier(vc)
	if err != nil {
		return nil, nil, err
	}
	var m *auth.Minter
	if vc.Secret != nil {
		m = auth.NewMinter(vc.Secret, cfg.JWTIssuer, cfg.JWTAudience)
	}
	return v, m, nil
}

func hubConfig(cfg config.Config) realtime.Config {
	var proxies []netip.Prefix
	for _, p := range cfg.TrustedProxies {
		if pf, err := netip.ParsePrefix(p); err == nil {
			proxies = append(proxies, pf)
		} else if ip, err := netip.ParseAddr(p); err == nil {
			proxies = append(proxies, netip.PrefixFrom(ip, ip.BitLen()))
		}
	}
	return realtime.Config{
		HeartbeatInterval: cfg.HeartbeatInterval,
		HeartbeatTimeout:  cfg.HeartbeatTimeout,
		AuthTimeout:       cfg.AuthTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		MessageRate:       cfg.MessageRateLimit,
		MessageBurst:      cfg.MessageBurst,
		MaxFrameSize:      cfg.MaxFrameSize,
		MaxChannels:       cfg.MaxChannelsPerConnection,
		SendQueueSize:     cfg.SendQueueSize,
		MaxConnsPerUser:   cfg.MaxConnectionsPerUser,
		MaxConnsPerIP:     cfg.MaxConnectionsPerIP,
		AllowedOrigins:    cfg.AllowedOrigins,
		SSE:               cfg.SSEEnabled,
		TrustedProxies:    proxies,
		History: func(channel string) livedash.HistoryPolicy {
			if kind, _ := livedash.SplitChannel(channel); kind == livedash.KindMetrics {
				return livedash.HistoryPolicy{Size: cfg.HistorySizeMetrics, TTL: cfg.HistoryTTL}
			}
			return livedash.HistoryPolicy{Size: cfg.HistorySize, TTL: cfg.HistoryTTL}
		},
	}
}

// newServer wires the system from cfg and binds its listener.
func newServer(ctx context.Context, cfg config.Config, log *slog.Logger, stdout io.Writer) (_ *server, err error) {
	verifier, minter, err := jwtKeys(cfg, log)
	if err != nil {
		return nil, err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			st.Close()
		}
	}()
	tenant, err := bootstrap(ctx, st, cfg, stdout)
	if err != nil {
		return nil, err
	}
	if cfg.Demo {
		if err := seedDemo(ctx, st, tenant); err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
	}
	// The store answers what tokens cannot: a project's tenant, who may view a shared board.
	pol, err := auth.NewPolicy(cfg.ChannelRoles, st)
	if err != nil {
		return nil, err
	}
	s := &server{cfg: cfg, log: log, minter: minter, store: st, tenant: tenant}
	broker := realtime.NewMemoryBroker(realtime.MemoryBrokerConfig{
		Retain: func(ch string) bool { return s.hub.HasSubscribers(ch) },
	})
	s.hub = realtime.NewHub(hubConfig(cfg), realtime.Deps{
		Broker: broker, Auth: verifier, Policy: pol, APIKey: cfg.APIKey,
		Logger: log.With("component", "hub"),
		Checks: map[string]func(context.Context) error{"database": st.Ping},
		ExtraStats: func() map[string]any {
			return map[string]any{"widget_cache": s.svc.CacheStats()}
		},
	})

	// Analytics watches every ingested series for anomalies (insight events, /api/v1/insights).
	eng := analytics.New(analytics.Config{Describe: func(code string) (string, string) {
		name, unit, _ := collector.Describe(code)
		return name, unit
	}})
	s.svc = service.New(service.Config{Store: st, Publisher: s.hub, Logger: log.With("component", "service"), Analytics: eng})

	reg := prometheus.NewRegistry()
	reg.MustRegister(s.hub.Collector(), cacheCollector{s.svc}, collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	mux := http.NewServeMux()
	rt := s.hub.Handler()
	mux.Handle("/ws", rt)
	mux.Handle("/dashboard/", rt) // /dashboard/sse, /dashboard/broadcast
	mux.Handle("/websocket/", rt) // health, stats
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	// Logins need a key to sign with; with only a public key, tokens come from elsewhere.
	var issuer httpapi.Minter = noMinter{}
	if minter != nil {
		issuer = minter
	}
	mux.Handle("/api/", httpapi.NewServer(httpapi.Deps{
		Service: s.svc, Tenants: st, Users: st, Verifier: verifier, Minter: issuer, APIKey: cfg.APIKey,
		SecureCookies: cfg.TLS(), MaxBodyBytes: 4 << 20, Logger: log.With("component", "api"),
	}))
	mux.Handle("/", web.Handler()) // the embedded app, last: everything else
	if extraRoutes != nil {
		extraRoutes(mux)
	}

	s.http = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	if s.ln, err = net.Listen("tcp", cfg.Addr); err != nil {
		return nil, fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	if cfg.TLS() {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCertFile, cfg.TLSKeyFile)
		if err != nil {
			s.ln.Close()
			return nil, fmt.Errorf("tls_cert_file/tls_key_file: %w", err)
		}
		s.ln = tls.NewListener(s.ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	}
	return s, nil
}

// baseURL is the address clients on this machine can use.
func (s *server) baseURL() string {
	scheme := "http"
	if s.cfg.TLS() {
		scheme = "https"
	}
	host, port, _ := net.SplitHostPort(s.ln.Addr().String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// run serves until ctx ends, then drains: health turns 503, clients get 1012, and it returns
// once every connection is gone or the shutdown timeout passes.
func (s *server) run(ctx context.Context, serving func()) error {
	hubCtx, stopHub := context.WithCancel(context.Background())
	hubDone := make(chan error, 1)
	go func() { hubDone <- s.hub.Run(hubCtx) }()
	<-s.hub.Started() // deliver before the first client can subscribe
	if serving != nil {
		serving()
	}
	jobs := newJobs(hubCtx)
	jobs.start(func(ctx context.Context) { retention(ctx, s.store, s.cfg.MetricsRetention, s.log) })
	ingest := func(ctx context.Context, tenant string, pts []livedash.MetricPoint) error {
		_, err := s.svc.Ingest(ctx, tenant, pts)
		return err
	}
	if s.cfg.CollectorEnabled {
		jobs.start(func(ctx context.Context) {
			runCollector(ctx, s.cfg.CollectorInterval, s.hub, ingest, s.tenant, s.log.With("component", "collector"))
		})
	}
	if s.cfg.Demo {
		jobs.start(func(ctx context.Context) { runDemoStream(ctx, ingest, s.tenant, s.log.With("component", "demo")) })
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- s.http.Serve(s.ln) }()

	var err error
	select {
	case <-ctx.Done():
	case err = <-serveErr:
		err = fmt.Errorf("http server: %w", err)
	}
	s.log.Info("shutting down", "timeout", s.cfg.ShutdownTimeout)
	shCtx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	httpDone := make(chan error, 1)
	go func() { httpDone <- s.http.Shutdown(shCtx) }()
	if herr := s.hub.Shutdown(shCtx); herr != nil {
		s.log.Warn("drain incomplete", "err", herr)
	}
	if herr := <-httpDone; herr != nil && !errors.Is(herr, http.ErrServerClosed) {
		s.log.Warn("http shutdown", "err", herr)
		_ = s.http.Close()
	}
	stopHub()
	<-hubDone
	jobs.wait()
	if cerr := s.store.Close(); cerr != nil {
		s.log.Warn("closing the database", "err", cerr)
	}
	s.log.Info("stopped")
	return err
}

// serve runs the server. ready, when set, receives the server once it listens (for tests).
func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, ready chan<- *server) error {
	fs := flag.NewFlagSet("livedash serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg, err := config.Load(fs, args, getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	s, err := newServer(ctx, cfg, log, stdout)
	if err != nil {
		return err
	}
	base := s.baseURL()
	ws := "ws" + strings.TrimPrefix(base, "http")
	fmt.Fprintf(stdout, "livedash %s listening on %s\n", version, base)
	fmt.Fprintf(stdout, "  web app:    %s/\n", base)
	fmt.Fprintf(stdout, "  WebSocket:  %s/ws\n", ws)
	if cfg.SSEEnabled {
		fmt.Fprintf(stdout, "  SSE:        %s/dashboard/sse?channels=…\n", base)
	}
	fmt.Fprintf(stdout, "  health:     %s/websocket/health\n  metrics:    %s/metrics\n", base, base)
	if s.minter != nil {
		fmt.Fprintf(stdout, "  get a token: go run ./cmd/livedash token --user u1 --tenant t1 --role admin\n")
	}
	return s.run(ctx, func() {
		if ready != nil {
			ready <- s
		}
	})
}

// jobs runs background goroutines tied to the server's life and waits for them at shutdown.
type jobs struct {
	ctx context.Context
	wg  sync.WaitGroup
}

func newJobs(ctx context.Context) *jobs { return &jobs{ctx: ctx} }

func (j *jobs) start(f func(context.Context)) { j.wg.Go(func() { f(j.ctx) }) }

func (j *jobs) wait() { j.wg.Wait() }

// noMinter refuses logins when the server only verifies tokens (a public key, no secret).
type noMinter struct{}

func (noMinter) Mint(livedash.Principal, time.Duration) (string, error) {
	return "", livedash.Errorf(livedash.EUnavailable, "this server verifies tokens from an identity provider and does not issue them; log in there")
}

// cacheCollector exports the widget value cache's counters to Prometheus.
type cacheCollector struct{ svc *service.Service }

var (
	descCacheHits   = prometheus.NewDesc("livedash_widget_cache_hits_total", "Widget value cache hits.", nil, nil)
	descCacheMisses = prometheus.NewDesc("livedash_widget_cache_misses_total", "Widget value cache misses.", nil, nil)
	descCacheSize   = prometheus.NewDesc("livedash_widget_cache_entries", "Widget values cached.", nil, nil)
)

func (cacheCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descCacheHits
	ch <- descCacheMisses
	ch <- descCacheSize
}

func (c cacheCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.svc.CacheStats()
	ch <- prometheus.MustNewConstMetric(descCacheHits, prometheus.CounterValue, float64(st.Hits))
	ch <- prometheus.MustNewConstMetric(descCacheMisses, prometheus.CounterValue, float64(st.Misses))
	ch <- prometheus.MustNewConstMetric(descCacheSize, prometheus.GaugeValue, float64(st.Entries))
}

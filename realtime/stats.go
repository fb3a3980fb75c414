package realtime

import (
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// stats are the hub's counters. The JSON stats endpoint and the Prometheus collector read the same
// atomics, so the two never disagree.
type stats struct {
	connsWS, connsSSE atomic.Int64
	subscriptions     atomic.Int64
	accepted          atomic.Uint64
	msgsIn, msgsOut   atomic.Uint64
	published         atomic.Uint64
	errors            atomic.Uint64
	slowConsumers     atomic.Uint64
	rateLimited       atomic.Uint64
	refusedUser       atomic.Uint64
	refusedIP         atomic.Uint64
	refusedAuth       atomic.Uint64
	refusedOrigin     atomic.Uint64

	// totals at the last minute boundary and the counts of the last full minute
	minuteIn, minuteOut, lastMinuteIn, lastMinuteOut atomic.Uint64
}

func (s *stats) conns(kind string) *atomic.Int64 {
	if kind == TransportSSE {
		return &s.connsSSE
	}
	return &s.connsWS
}

func (s *stats) rollMinute() {
	in, out := s.msgsIn.Load(), s.msgsOut.Load()
	s.lastMinuteIn.Store(in - s.minuteIn.Swap(in))
	s.lastMinuteOut.Store(out - s.minuteOut.Swap(out))
}

// Stats is the body of GET /websocket/stats.
type Stats struct {
	UptimeSeconds int64            `json:"uptime_seconds"`
	Connections   map[string]int64 `json:"connections"`
	Users         int              `json:"users"`
	Channels      int              `json:"channels"`
	Subscriptions int64            `json:"subscriptions"`
	Messages      MessageStats     `json:"messages"`
	Errors        uint64           `json:"errors"`
	SlowConsumers uint64           `json:"slow_consumers"`
	Refused       map[string]int64 `json:"refused"`
	Draining      bool             `json:"draining"`
}

// MessageStats counts messages in (from clients) and out (to clients).
type MessageStats struct {
	In            uint64 `json:"in"`
	Out           uint64 `json:"out"`
	Published     uint64 `json:"published"`
	InLastMinute  uint64 `json:"in_last_minute"`
	OutLastMinute uint64 `json:"out_last_minute"`
	RateLimitedIn uint64 `json:"rate_limited_in"`
	AcceptedConns uint64 `json:"connections_accepted"`
}

// Stats returns a snapshot of the hub's counters.
func (h *Hub) Stats() Stats {
	h.mu.Lock()
	users := len(h.perUser)
	h.mu.Unlock()
	channels := 0
	for i := range h.shards {
		h.shards[i].mu.RLock()
		channels += len(h.shards[i].m)
		h.shards[i].mu.RUnlock()
	}
	s := &h.stats
	ws, sse := s.connsWS.Load(), s.connsSSE.Load()
	return Stats{
		UptimeSeconds: int64(h.now().Sub(h.start) / time.Second),
		Connections:   map[string]int64{"total": ws + sse, TransportWebSocket: ws, TransportSSE: sse},
		Users:         users,
		Channels:      channels,
		Subscriptions: s.subscriptions.Load(),
		Messages: MessageStats{
			In: s.msgsIn.Load(), Out: s.msgsOut.Load(), Published: s.published.Load(),
			InLastMinute: s.lastMinuteIn.Load(), OutLastMinute: s.lastMinuteOut.Load(),
			RateLimitedIn: s.rateLimited.Load(), AcceptedConns: s.accepted.Load(),
		},
		Errors:        s.errors.Load(),
		SlowConsumers: s.slowConsumers.Load(),
		Refused: map[string]int64{
			"user_limit": int64(s.refusedUser.Load()), "ip_limit": int64(s.refusedIP.Load()),
			"auth": int64(s.refusedAuth.Load()), "origin": int64(s.refusedOrigin.Load()),
		},
		Draining: h.draining.Load(),
	}
}

// Collector returns a Prometheus collector of the hub's counters.
func (h *Hub) Collector() prometheus.Collector { return &collector{h: h} }

type collector struct{ h *Hub }

var (
	descConns       = prometheus.NewDesc("livedash_connections", "Open client connections.", []string{"transport"}, nil)
	descAccepted    = prometheus.NewDesc("livedash_connections_accepted_total", "Connections accepted.", nil, nil)
	descRefused     = prometheus.NewDesc("livedash_connections_refused_total", "Connections refused.", []string{"reason"}, nil)
	descSubs        = prometheus.NewDesc("livedash_subscriptions", "Channel subscriptions held by connections.", nil, nil)
	descChannels    = prometheus.NewDesc("livedash_channels", "Channels with local subscribers.", nil, nil)
	descUsers       = prometheus.NewDesc("livedash_users", "Distinct connected users.", nil, nil)
	descMsgsIn      = prometheus.NewDesc("livedash_messages_received_total", "Messages received from clients.", nil, nil)
	descMsgsOut     = prometheus.NewDesc("livedash_messages_sent_total", "Messages sent to clients.", nil, nil)
	descPublished   = prometheus.NewDesc("livedash_publications_total", "Publications made through this node.", nil, nil)
	descErrors      = prometheus.NewDesc("livedash_protocol_errors_total", "Error replies sent to clients.", nil, nil)
	descSlow        = prometheus.NewDesc("livedash_slow_consumers_total", "Connections dropped because their send queue was full.", nil, nil)
	descRateLimited = prometheus.NewDesc("livedash_messages_rate_limited_total", "Client messages refused by the rate limit.", nil, nil)
	descUptime      = prometheus.NewDesc("livedash_uptime_seconds", "Seconds since the hub started.", nil, nil)
)

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descConns, descAccepted, descRefused, descSubs, descChannels, descUsers,
		descMsgsIn, descMsgsOut, descPublished, descErrors, descSlow, descRateLimited, descUptime} {
		ch <- d
	}
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	st := c.h.Stats()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	gauge(descConns, float64(st.Connections[TransportWebSocket]), TransportWebSocket)
	gauge(descConns, float64(st.Connections[TransportSSE]), TransportSSE)
	counter(descAccepted, float64(st.Messages.AcceptedConns))
	for reason, n := range st.Refused {
		counter(descRefused, float64(n), reason)
	}
	gauge(descSubs, float64(st.Subscriptions))
	gauge(descChannels, float64(st.Channels))
	gauge(descUsers, float64(st.Users))
	counter(descMsgsIn, float64(st.Messages.In))
	counter(descMsgsOut, float64(st.Messages.Out))
	counter(descPublished, float64(st.Messages.Published))
	counter(descErrors, float64(st.Errors))
	counter(descSlow, float64(st.SlowConsumers))
	counter(descRateLimited, float64(st.Messages.RateLimitedIn))
	gauge(descUptime, float64(st.UptimeSeconds))
}

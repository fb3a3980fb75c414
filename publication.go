package livedash

import (
	"context"
	"encoding/json"
	"time"
)

// StreamPosition is a place in a channel's stream: the seq of the last publication and the epoch
// (history generation) it belongs to. A new epoch means earlier history is gone.
type StreamPosition struct {
	Seq   uint64 `json:"seq"`
	Epoch string `json:"epoch"`
}

// Publication is one event published to one channel. Seq increases by one per channel per
// publication within an epoch.
type Publication struct {
	Channel string          `json:"channel"`
	Event   string          `json:"event"`
	Seq     uint64          `json:"seq"`
	Epoch   string          `json:"-"`
	Time    time.Time       `json:"ts"`
	Data    json.RawMessage `json:"data"`
}

// HistoryPolicy bounds a channel's history: at most Size publications, none older than TTL. A
// channel with no publication for TTL may be forgotten (and gets a new epoch when it comes back).
type HistoryPolicy struct {
	Size int
	TTL  time.Duration
}

// BrokerHandler receives every publication the broker delivers to this node, in seq order per
// channel.
type BrokerHandler func(Publication)

// Broker owns publishing, history and stream positions, so that delivery and recovery work the same
// on one node (memory) and across nodes (Redis, NATS).
type Broker interface {
	// Publish assigns the next seq of channel, appends to its history under policy and delivers the
	// publication to the handler of every node.
	Publish(ctx context.Context, channel, event string, data json.RawMessage, policy HistoryPolicy) (Publication, error)
	// History returns the publications of channel after since (all that are kept when since.Seq is 0)
	// and the channel's current position. recovered is false when since's epoch is not the current
	// one or publications after since.Seq are no longer kept.
	History(ctx context.Context, channel string, since StreamPosition) (pubs []Publication, pos StreamPosition, recovered bool, err error)
	// Position returns channel's current position.
	Position(ctx context.Context, channel string) (StreamPosition, error)
	// Run delivers publications to h until ctx ends.
	Run(ctx context.Context, h BrokerHandler) error
}

// Publisher publishes events to the real-time hub. Domain services depend on it, not on transports.
type Publisher interface {
	// Publish sends event with data to every subscriber of channel.
	Publish(ctx context.Context, channel, event string, data any) (Publication, error)
}

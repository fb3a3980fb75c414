package realtime

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sync"
	"testing"
	"time"

	"livedash"
)

// readEvents reads n events of channel from c and checks they carry seqs from, from+1, ….
func readEvents(t *testing.T, c *wsConn, channel string, from uint64, n int) {
	t.Helper()
	for i := range n {
		m := c.expect("event")
		if m["channel"] != channel || uint64(m["seq"].(float64)) != from+uint64(i) {
			t.Fatalf("event %d: got %v, want %s seq %d", i, m, channel, from+uint64(i))
		}
	}
}

func subscribedEntry(t *testing.T, m map[string]any, i int) map[string]any {
	t.Helper()
	return m["channels"].([]any)[i].(map[string]any)
}

// TestWebSocketRecovery cuts a client mid-stream, publishes 1,000 events while it is away and
// checks that resubscribing with since delivers all of them once, in order, then live ones.
func TestWebSocketRecovery(t *testing.T) {
	e := newEnv(t, nil)
	tok := e.token("u1", "t1", viewer)
	c := e.dial(tok)
	sub := subscribedEntry(t, c.subscribe("metrics"), 0)
	epoch := sub["epoch"].(string)
	e.publishN(t, "metrics.t1", 0, 5)
	readEvents(t, c, "metrics.t1", 1, 5)
	_ = c.conn.Close() // the network blinks: no close frame

	e.publishN(t, "metrics.t1", 5, 1000)
	c2 := e.dial(tok)
	c2.send(map[string]any{"type": "subscribe", "id": 1, "channels": []string{"metrics"},
		"since": map[string]any{"metrics.t1": map[string]any{"seq": 5, "epoch": epoch}}})
	reply := subscribedEntry(t, c2.expect("subscribed"), 0)
	if reply["recovered"] != true || reply["seq"] != float64(1005) || reply["epoch"] != epoch {
		t.Fatalf("subscribed = %v", reply)
	}
	readEvents(t, c2, "metrics.t1", 6, 1000)
	e.publishN(t, "metrics.t1", 1005, 3)
	readEvents(t, c2, "metrics.t1", 1006, 3)
}

// TestRecoverySeamUnderLoad subscribes with since while a publisher runs at full speed, many
// times: the replayed and live events must join with no gap and no duplicate.
func TestRecoverySeamUnderLoad(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.History = func(string) livedash.HistoryPolicy { return livedash.HistoryPolicy{Size: 100000, TTL: time.Hour} }
		c.SendQueueSize = 1 << 16
	})
	for round := range 30 {
		channel := fmt.Sprintf("project.r%d", round)
		tok := e.token("u1", "t1", viewer, fmt.Sprintf("r%d", round))
		e.publishN(t, channel, 0, 200)
		pos, _ := e.broker.Position(t.Context(), channel)
		const burst = 3000
		var wg sync.WaitGroup
		wg.Go(func() { e.publishN(t, channel, 200, burst) })
		c := e.dial(tok)
		c.send(map[string]any{"type": "subscribe", "id": 1, "channels": []string{"project:" + channel[len("project."):]},
			"since": map[string]any{channel: map[string]any{"seq": 100, "epoch": pos.Epoch}}})
		if r := subscribedEntry(t, c.expect("subscribed"), 0); r["recovered"] != true {
			t.Fatalf("round %d: %v", round, r)
		}
		readEvents(t, c, channel, 101, 100+burst)
		wg.Wait()
		c.quiet(20 * time.Millisecond)
		_ = c.conn.Close()
	}
}

func TestRecoveryRefused(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.History = func(string) livedash.HistoryPolicy { return livedash.HistoryPolicy{Size: 100, TTL: time.Hour} }
	})
	tok := e.token("u1", "t1", viewer)
	c := e.dial(tok)
	epoch := subscribedEntry(t, c.subscribe("metrics"), 0)["epoch"].(string)
	e.publishN(t, "metrics.t1", 0, 250)
	readEvents(t, c, "metrics.t1", 1, 250)
	cases := []struct {
		name      string
		since     livedash.StreamPosition
		firstSeq  uint64 // first replayed event, 0 for none
		recovered bool
	}{
		{"within history", livedash.StreamPosition{Seq: 200, Epoch: epoch}, 201, true},
		{"fell out of history", livedash.StreamPosition{Seq: 100, Epoch: epoch}, 151, false},
		{"epoch changed", livedash.StreamPosition{Seq: 200, Epoch: "0123456789ab"}, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := e.dial(tok)
			c.send(map[string]any{"type": "subscribe", "id": 1, "channels": []string{"metrics"},
				"since": map[string]any{"metrics.t1": tc.since}})
			r := subscribedEntry(t, c.expect("subscribed"), 0)
			if r["recovered"] != tc.recovered || r["seq"] != float64(250) {
				t.Fatalf("subscribed = %v", r)
			}
			if tc.firstSeq != 0 {
				readEvents(t, c, "metrics.t1", tc.firstSeq, int(251-tc.firstSeq))
			}
			c.quiet(100 * time.Millisecond)
		})
	}
}

// TestImplicitChannelRecovery recovers direct messages (user.{sub}) with ?since= on the upgrade
// and with since in the authenticate message.
func TestImplicitChannelRecovery(t *testing.T) {
	e := newEnv(t, nil)
	tok := e.token("u1", "t1", viewer)
	c, err := e.dialHeader("token="+tok, nil)
	if err != nil {
		t.Fatal(err)
	}
	w := c.expect("welcome")
	var epoch string
	for _, ch := range w["channels"].([]any) {
		if m := ch.(map[string]any); m["channel"] == "user.u1" {
			epoch = m["epoch"].(string)
		}
	}
	if epoch == "" {
		t.Fatalf("welcome lacks the implicit channels: %v", w)
	}
	for i := range 2 {
		e.hub.PublishToUser(t.Context(), "u1", "direct", i)
	}
	readEvents(t, c, "user.u1", 1, 2)
	_ = c.conn.Close()
	for i := range 3 {
		e.hub.PublishToUser(t.Context(), "u1", "direct", i)
	}

	cursor := formatCursor([]string{"user.u1"}, []livedash.StreamPosition{{Seq: 2, Epoch: epoch}})
	c2, err := e.dialHeader("token="+tok+"&since="+url.QueryEscape(cursor), nil)
	if err != nil {
		t.Fatal(err)
	}
	w2 := c2.expect("welcome")
	recovered := false
	for _, ch := range w2["channels"].([]any) {
		if m := ch.(map[string]any); m["channel"] == "user.u1" {
			recovered = m["recovered"] == true
		}
	}
	if !recovered {
		t.Fatalf("welcome = %v", w2)
	}
	readEvents(t, c2, "user.u1", 3, 3)

	c3, err := e.dialHeader("", nil)
	if err != nil {
		t.Fatal(err)
	}
	c3.expect("welcome")
	c3.send(map[string]any{"type": "authenticate", "id": 1, "token": tok,
		"since": map[string]any{"user.u1": map[string]any{"seq": 4, "epoch": epoch}}})
	a := c3.expect("authenticated")
	if b, _ := json.Marshal(a["channels"]); !json.Valid(b) || a["channels"] == nil {
		t.Fatalf("authenticated = %v", a)
	}
	readEvents(t, c3, "user.u1", 5, 1)

	if _, err := e.dialHeader("token="+tok+"&since=garbage", nil); err == nil || err.(*httpStatusError).status != 400 {
		t.Fatalf("bad since: %v", err)
	}
}

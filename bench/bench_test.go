package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestHistogramQuantiles(t *testing.T) {
	var h Histogram
	const n = 100000
	for i := 1; i <= n; i++ {
		h.Record(time.Duration(i) * time.Microsecond)
	}
	if h.Count() != n {
		t.Fatalf(
			"count %d",
			h.Count())
	}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{
		{
			q:    0.5,
			want: 50 * time.Millisecond,
		},
		{
			q:    0.9,
			want: 90 * time.Millisecond,
		},
		{
			q:    0.99,
			want: 99 * time.Millisecond,
		},
		{
			q:    0.999,
			want: 99900 * time.Microsecond,
		},
		{
			q:    1,
			want: 100 * time.Millisecond,
		},
	} {
		got := h.Quantile(tc.q)
		if diff := float64(got-tc.want) / float64(tc.want); diff < -0.02 || diff > 0.02 {
			t.Errorf(
				"q%v = %v, want %v ±2%%",
				tc.q, got, tc.want)
		}
	}
	if h.Max() != 100*time.Millisecond {
		t.Fatalf(
			"max %v",
			h.Max())
	}
	if mean := h.Mean(); mean != 50000500*time.Nanosecond {
		t.Fatalf(
			"mean %v",
			mean)
	}

	// Small values are exact; negative ones count as zero.
	var s Histogram
	for _, v := range []time.Duration{3, 3, 3, 7, -5} {
		s.Record(v)
	}
	if s.Quantile(0.5) != 3 || s.Quantile(0.1) != 0 || s.Quantile(1) != 7 {
		t.Fatalf(
			"small: p10 %v p50 %v p100 %v",
			s.Quantile(0.1), s.Quantile(0.5), s.Quantile(1))
	}

	// Merge.
	var m Histogram
	m.Merge(&h)
	m.Merge(&s)
	if m.Count() != n+5 || m.Max() != h.Max() || m.Quantile(0.5) != h.Quantile(0.5) {
		t.Fatalf(
			"merged: count %d max %v p50 %v",
			m.Count(), m.Max(), m.Quantile(0.5))
	}

	var empty Histogram
	if empty.Quantile(0.99) != 0 || empty.Mean() != 0 || empty.Max() != 0 {
		t.Fatal("empty histogram not zero")
	}

	// Huge values land in the last bucket, Max stays exact.
	var big Histogram
	big.Record(time.Hour)
	if big.Quantile(0.5) > time.Hour || big.Max() != time.Hour {
		t.Fatalf(
			"big: p50 %v max %v",
			big.Quantile(0.5), big.Max())
	}
}

func TestHistogramBuckets(t *testing.T) {
	prev := -1
	for v := uint64(0); v < 1<<16; v++ {
		b := bucketOf(v)
		lo, hi := bucketRange(b)
		if v < lo || v > hi {
			t.Fatalf(
				"value %d in bucket %d [%d, %d]",
				v, b, lo, hi)
		}
		if b < prev || b > prev+1 {
			t.Fatalf(
				"value %d: bucket %d after %d",
				v, b, prev)
		}
		prev = b
	}
	for range 100000 {
		v := rand.Uint64N(1 << histMaxExp)
		b := bucketOf(v)
		lo, hi := bucketRange(b)
		if v < lo || v > hi || b >= histNumBuckets {
			t.Fatalf(
				"value %d in bucket %d [%d, %d]",
				v, b, lo, hi)
		}
		if v >= 64 && float64(hi-lo)/float64(lo) > 1.0/32 {
			t.Fatalf(
				"bucket %d [%d, %d] too wide",
				b, lo, hi)
		}
	}
	if bucketOf(1<<63) != histNumBuckets-1 {
		t.Fatal("overflow not in the last bucket")
	}
}

const sampleFrame = `{"type":"event","channel":"metrics.t1","event":"bench","seq":42,"ts":"2024-01-01T00:00:00.123456789Z","data":{"t":1700000000000000000,"pad":"xxxx"}}
{"type":"ping","id":7}
{"type":"subscribed","id":1,"channels":[{"name":"metrics.t1","channel":"metrics.t1","seq":41,"epoch":"e","recovered":false}]}
{"type":"error","id":1,"code":"forbidden","message":"no"}
{"type":"welcome","connection_id":"c1","heartbeat_interval":30,"authenticated":true}
{"type": "event", "channel": "metrics.t1", "seq": 43, "data": {"t": 9}}
{"type":"event","channel":"metrics.t1","seq":44,"data":{"seq":99,"t":5}}
{"type":"event","channel":"metrics.t1","seq":45,"data":{"n":1}}
{"type":"unsubscribed","id":3,"channels":["metrics.t1"]}`

func TestParseLine(t *testing.T) {
	want := []message{
		{
			kind: msgEvent,
			seq:  42,
			t:    1700000000000000000,
		},
		{
			kind: msgPing,
			id:   7,
		},
		{
			kind: msgSubscribed,
			id:   1,
			seq:  41,
		},
		{
			kind: msgError,
			id:   1,
		},
		{
			kind: msgWelcome,
		},
		{
			kind: msgEvent,
			seq:  43,
			t:    9,
		},
		{
			kind: msgEvent,
			seq:  44,
			t:    5,
		},
		{
			kind: msgEvent,
			seq:  45,
		},
		{
			kind: msgOther,
			id:   0,
		},
	}
	lines := strings.Split(sampleFrame, "\n")
	if len(lines) != len(want) {
		t.Fatalf(
			"%d lines",
			len(lines))
	}
	for i, line := range lines {
		if got := parseLine([]byte(line)); got != want[i] {
			t.Errorf(
				"line %d: %+v, want %+v",
				i, got, want[i])
		}
	}

	seq, ts, ok := parsePublication([]byte(` {"channel":"metrics.t1","seq":12,"ts":"2024-01-01T00:00:00Z","data":{"t":77,"pad":"x"}}`))
	if !ok || seq != 12 || ts != 77 {
		t.Fatalf(
			"SSE data: seq %d t %d ok %v",
			seq, ts, ok)
	}
	if _, _, ok := parsePublication([]byte(`{"channel":"x"}`)); ok {
		t.Fatal("publication without seq accepted")
	}

	event := []byte(lines[0])
	if allocs := testing.AllocsPerRun(1000, func() { parseLine(event) }); allocs != 0 {
		t.Fatalf(
			"parseLine allocates %v times per event",
			allocs)
	}
}

func TestHandleFrameCountsGapsAndDuplicates(t *testing.T) {
	r := &runner{}
	s := &sub{r: r, hist: new(Histogram), lastSeq: 10}
	now := time.Now().UnixNano()
	frame := eventLines(now-int64(time.Millisecond), 11, 12, 14, 14, 13, 15)
	s.handleFrame(frame, now)
	if d := s.delivered.Load(); d != 4 {
		t.Fatalf(
			"delivered %d",
			d)
	}
	if s.gaps != 1 || s.dups != 2 || s.lastSeq != 15 {
		t.Fatalf(
			"gaps %d dups %d last %d",
			s.gaps, s.dups, s.lastSeq)
	}
	if s.hist.Count() != 4 || s.hist.Quantile(0.5) != time.Millisecond {
		t.Fatalf(
			"latencies: %d, p50 %v",
			s.hist.Count(), s.hist.Quantile(0.5))
	}
	if allocs := testing.AllocsPerRun(100, func() { s.handleFrame(frame, now) }); allocs != 0 {
		t.Fatalf(
			"handleFrame allocates %v times per frame",
			allocs)
	}
}

func eventLines(t int64, seqs ...uint64) []byte {
	var b bytes.Buffer
	for i, seq := range seqs {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(`{"type":"event","channel":"metrics.t1","event":"bench","seq":`)
		b.WriteString(strconv.FormatUint(seq, 10))
		b.WriteString(`,"ts":"2024-01-01T00:00:00Z","data":{"t":` + strconv.FormatInt(t, 10) + `,"pad":"xx"}}`)
	}
	return b.Bytes()
}

// frameBytes encodes server frames.
func frameBytes(frames ...ws.Frame) []byte {
	var b bytes.Buffer
	for _, f := range frames {
		ws.WriteFrame(&b, f)
	}
	return b.Bytes()
}

func TestReadMessage(t *testing.T) {
	c1, c2 := net.Pipe()
	defer c1.Close()
	sent := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(c2)
		sent <- b
	}()

	big := bytes.Repeat([]byte("y"), 10000)
	stream := frameBytes(
		ws.NewTextFrame([]byte("a\nb")),
		ws.NewFrame(ws.OpText, false, []byte("frag1-")),
		ws.NewPingFrame([]byte("hb")),
		ws.NewFrame(ws.OpContinuation, true, []byte("frag2")),
		ws.NewTextFrame(big),
		ws.NewTextFrame([]byte("after")),
		ws.NewCloseFrame(ws.NewCloseFrameBody(4000, "slow consumer")),
	)
	s := &sub{nc: c1, br: bufio.NewReaderSize(bytes.NewReader(stream), 4096)}
	for _, want := range [][]byte{[]byte("a\nb"), []byte("frag1-frag2"), big, []byte("after")} {
		got, err := s.readMessage()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf(
				"message %.40q, want %.40q",
				got, want)
		}
	}
	_, err := s.readMessage()
	var ce *closeError
	if !errors.As(err, &ce) || ce.code != 4000 || ce.reason != "slow consumer" || s.closeCode != 4000 {
		t.Fatalf(
			"err %v",
			err)
	}
	c1.Close()
	// The client answered the ping and echoed the close, both masked.
	out := bytes.NewReader(<-sent)
	for _, want := range []ws.OpCode{ws.OpPong, ws.OpClose} {
		f, err := readFrame(out)
		if err != nil {
			t.Fatal(err)
		}
		if f.Header.OpCode != want || !f.Header.Masked {
			t.Fatalf(
				"frame %+v, want a masked %v",
				f.Header, want)
		}
		f = ws.UnmaskFrameInPlace(f)
		if want == ws.OpPong && string(f.Payload) != "hb" {
			t.Fatalf(
				"pong payload %q",
				f.Payload)
		}
	}
}

func TestAppendClientFrame(t *testing.T) {
	for _, n := range []int{0, 10, 125, 126, 200, 65535, 70000} {
		p := bytes.Repeat([]byte{'z'}, n)
		f, err := readFrame(bytes.NewReader(appendClientFrame(nil, ws.OpText, p)))
		if err != nil {
			t.Fatal(err)
		}
		if !f.Header.Masked || !f.Header.Fin || f.Header.OpCode != ws.OpText {
			t.Fatalf(
				"n=%d: header %+v",
				n, f.Header)
		}
		f = ws.UnmaskFrameInPlace(f)
		if !bytes.Equal(f.Payload, p) {
			t.Fatalf(
				"n=%d: payload differs",
				n)
		}
	}
}

func TestParseVmRSS(t *testing.T) {
	status := "Name:\tlivedash\nVmPeak:\t  999 kB\nVmRSS:\t   12345 kB\nThreads:\t8\n"
	if v, err := parseVmRSS([]byte(status)); err != nil || v != 12345*1024 {
		t.Fatalf(
			"%d, %v",
			v, err)
	}
	if _, err := parseVmRSS([]byte("Name:\tx\n")); err == nil {
		t.Fatal("no error without VmRSS")
	}
}

func runCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestRunWebSocket(t *testing.T) {
	s := newBenchServer(t)
	s.pingEvery = 50 * time.Millisecond
	var log bytes.Buffer
	res, err := Run(runCtx(t), Config{
		URL:                s.URL(),
		Token:              s.token,
		APIKey:             s.apiKey,
		Conns:              20,
		Channel:            "metrics.t1",
		Rate:               200,
		Duration:           500 * time.Millisecond,
		SourceAddrs:        2,
		ConnectConcurrency: 5,
		ServerPID:          os.Getpid(),
	}, &log)
	if err != nil {
		t.Fatalf(
			"Run: %v\n%s",
			err, log.String())
	}
	t.Logf("\n%s%s", log.String(), res)
	if res.Conns != 20 || res.ConnectErrors != 0 || res.SourceAddrs != 2 {
		t.Fatalf(
			"conns %d, errors %d, sources %d",
			res.Conns, res.ConnectErrors, res.SourceAddrs)
	}
	// 200/s for 0.5s: 100 slots, the last ones may fall after the end on a loaded machine.
	if res.Published < 90 || res.Published > 100 || res.PublishErrors != 0 {
		t.Fatalf(
			"published %d (errors %d), want 100 (200/s for 0.5s)",
			res.Published, res.PublishErrors)
	}
	if res.Expected != 20*res.Published || res.Delivered != res.Expected || res.Lost != 0 || res.Gaps != 0 || res.Duplicates != 0 || res.Incomplete != 0 {
		t.Fatalf(
			"%+v",
			res)
	}
	if res.P50 <= 0 || res.P99 < res.P50 || res.Max < res.P99 || res.PublishLatencyP50 <= 0 || res.DeliveredPerSec <= 0 {
		t.Fatalf(
			"latencies %+v",
			res)
	}
	if res.Disconnects != 0 {
		t.Fatalf(
			"disconnects %v",
			res.CloseCodes)
	}
	if res.RSSBefore <= 0 || res.RSSAfter <= 0 {
		t.Fatalf(
			"RSS %d → %d",
			res.RSSBefore, res.RSSAfter)
	}
	ips := s.sourceIPs()
	slices.Sort(ips)
	if !slices.Equal(ips, []string{"127.0.0.1", "127.0.0.2"}) {
		t.Fatalf(
			"source addresses %v",
			ips)
	}
	if s.pongs.Load() == 0 {
		t.Fatal("server pings not answered")
	}
	if !strings.Contains(res.String(), "(100.000%)") {
		t.Fatalf(
			"report:\n%s",
			res)
	}
}

func TestRunSSE(t *testing.T) {
	s := newBenchServer(t)
	res, err := Run(runCtx(t), Config{
		URL:       s.URL(),
		Token:     s.token,
		APIKey:    s.apiKey,
		Conns:     10,
		Channel:   "metrics.t1",
		Rate:      100,
		Duration:  300 * time.Millisecond,
		Transport: TransportSSE,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Conns != 10 || res.Published < 25 || res.Published > 30 || res.Delivered != 10*res.Published || res.Lost != 0 || res.Gaps != 0 || res.P50 <= 0 {
		t.Fatalf(
			"%+v",
			res)
	}
}

func TestRunUnlimitedRate(t *testing.T) {
	s := newBenchServer(t)
	res, err := Run(runCtx(t), Config{
		URL:        s.URL(),
		Token:      s.token,
		APIKey:     s.apiKey,
		Conns:      5,
		Channel:    "metrics.t1",
		Duration:   300 * time.Millisecond,
		Publishers: 2,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Published < 10 || res.Delivered != res.Expected || res.Lost != 0 {
		t.Fatalf(
			"%+v",
			res)
	}
}

func TestRunDetectsLossAndDisconnects(t *testing.T) {
	s := newBenchServer(t)
	s.drop = func(n int, seq uint64) bool { return n == 0 && seq == 5 }
	s.kick = func(n int, seq uint64) int {
		if n == 1 && seq == 10 {
			return 4000
		}
		return 0
	}
	res, err := Run(runCtx(t), Config{
		URL:          s.URL(),
		Token:        s.token,
		APIKey:       s.apiKey,
		Conns:        4,
		Channel:      "metrics.t1",
		Rate:         100,
		Duration:     300 * time.Millisecond,
		DrainTimeout: 300 * time.Millisecond,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Connection 0 misses seq 5 (a gap), connection 1 is closed after seq 10.
	wantLost := 1 + (res.Published - 10)
	if res.Published < 11 || res.Gaps != 1 || res.Lost != wantLost || res.Incomplete != 2 {
		t.Fatalf(
			"published %d gaps %d lost %d (want %d) incomplete %d",
			res.Published, res.Gaps, res.Lost, wantLost, res.Incomplete)
	}
	if res.Disconnects != 1 || res.CloseCodes[4000] != 1 {
		t.Fatalf(
			"disconnects %d %v",
			res.Disconnects, res.CloseCodes)
	}
	if !strings.Contains(res.String(), "4000: 1") {
		t.Fatalf(
			"report:\n%s",
			res)
	}
}

func TestRunRefused(t *testing.T) {
	s := newBenchServer(t)
	for _, transport := range []string{TransportWS, TransportSSE} {
		res, err := Run(runCtx(t), Config{
			URL:       s.URL(),
			Token:     "wrong",
			Conns:     3,
			Channel:   "metrics.t1",
			Duration:  100 * time.Millisecond,
			Transport: transport,
		}, nil)
		if err == nil || res.ConnectErrors != 3 || !strings.Contains(res.ConnectError, "HTTP 401 unauthenticated: bad token") {
			t.Fatalf(
				"%s: err %v, result %+v",
				transport, err, res)
		}
	}
}

func TestRunBadAPIKey(t *testing.T) {
	s := newBenchServer(t)
	res, err := Run(runCtx(t), Config{
		URL:      s.URL(),
		Token:    s.token,
		APIKey:   "wrong",
		Conns:    2,
		Channel:  "metrics.t1",
		Rate:     50,
		Duration: 100 * time.Millisecond,
	}, nil)
	if err == nil || res.Published != 0 || res.PublishErrors == 0 || !strings.Contains(res.PublishError, "401") {
		t.Fatalf(
			"err %v, result %+v",
			err, res)
	}
}

func TestRunCancelled(t *testing.T) {
	s := newBenchServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	start := time.Now()
	res, err := Run(ctx, Config{
		URL:      s.URL(),
		Token:    s.token,
		APIKey:   s.apiKey,
		Conns:    5,
		Channel:  "metrics.t1",
		Rate:     100,
		Duration: time.Minute,
	}, nil)
	if !errors.Is(err, context.Canceled) || time.Since(start) > 5*time.Second {
		t.Fatalf(
			"err %v after %v",
			err, time.Since(start))
	}
	if res.Published == 0 || res.Conns != 5 {
		t.Fatalf(
			"%+v",
			res)
	}
}

func TestConfigValidation(t *testing.T) {
	for _, cfg := range []Config{
		{
			URL:     "http://127.0.0.1:1",
			Channel: "c",
		},
		{
			URL:   "http://127.0.0.1:1",
			Conns: 1,
		},
		{
			URL:       "http://127.0.0.1:1",
			Conns:     1,
			Channel:   "c",
			Transport: "grpc",
		},
		{
			URL:         "http://10.1.2.3:1",
			Conns:       1,
			Channel:     "c",
			SourceAddrs: 3,
		},
		{
			URL:     "ftp://127.0.0.1:1",
			Conns:   1,
			Channel: "c",
		},
	} {
		if _, err := newRunner(cfg, io.Discard); err == nil {
			t.Errorf(
				"no error for %+v",
				cfg)
		}
	}
	r, err := newRunner(Config{URL: "http://localhost:8080/base/", Conns: 45000, Channel: "metrics.t1"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if r.sourceAddrs() != 3 || r.wsURL != "ws://127.0.0.1:8080/base/ws" || r.broadcastURL != "http://127.0.0.1:8080/base/dashboard/broadcast" || r.bufSize != 5965 {
		t.Fatalf(
			"sources %d, ws %s, broadcast %s, buffer %d",
			r.sourceAddrs(), r.wsURL, r.broadcastURL, r.bufSize)
	}
	r, err = newRunner(Config{URL: "https://dash.example.com", Conns: 10, Channel: "metrics.t1", PayloadSize: 200}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if r.sourceAddrs() != 0 || r.wsURL != "wss://dash.example.com:443/ws" || r.bufSize != 64<<10 {
		t.Fatalf(
			"sources %d, ws %s, buffer %d",
			r.sourceAddrs(), r.wsURL, r.bufSize)
	}
	body := string(r.bodyPrefix) + "1700000000000000000" + string(r.bodySuffix)
	data := body[strings.Index(body, `"data":`)+len(`"data":`) : len(body)-1]
	if len(data) != 200 {
		t.Fatalf(
			"data is %d bytes, want 200: %s",
			len(data), data)
	}
}

// BenchmarkReceive measures the subscriber's cost per message: frame parsing, line splitting,
// seq/time parsing, counting and histogram, for frames of one and of 16 messages.
func BenchmarkReceive(b *testing.B) {
	for _, perFrame := range []int{1, 16} {
		b.Run(strconv.Itoa(perFrame)+"PerFrame", func(b *testing.B) {
			now := time.Now().UnixNano()
			var stream []byte
			seq := uint64(1)
			const frames = 4096
			for range frames {
				seqs := make([]uint64, perFrame)
				for i := range seqs {
					seqs[i] = seq
					seq++
				}
				stream = append(stream, frameBytes(ws.NewTextFrame(eventLines(now, seqs...)))...)
			}
			src := bytes.NewReader(stream)
			s := &sub{r: &runner{}, hist: new(Histogram), br: bufio.NewReaderSize(src, 64<<10)}
			b.SetBytes(int64(len(stream)) / frames / int64(perFrame))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i += perFrame {
				p, err := s.readMessage()
				if err == io.EOF {
					src.Reset(stream)
					s.br.Reset(src)
					s.pending, s.lastSeq = 0, 0
					p, err = s.readMessage()
				}
				if err != nil {
					b.Fatal(err)
				}
				s.handleFrame(p, now)
			}
		})
	}
}

// readFrame reads one frame from a trusted test buffer (ws.ReadFrame is deprecated).
func readFrame(r io.Reader) (ws.Frame, error) {
	h, err := ws.ReadHeader(r)
	if err != nil {
		return ws.Frame{}, err
	}
	payload := make([]byte, h.Length)
	if _, err := io.ReadFull(r, payload); err != nil {
		return ws.Frame{}, err
	}
	return ws.Frame{Header: h, Payload: payload}, nil
}

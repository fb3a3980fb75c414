package collector

import (
	"context"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"livedash"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// clock is an injectable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// key names a series: code plus the non-host labels.
func key(p livedash.MetricPoint) string {
	var b strings.Builder
	b.WriteString(p.Code)
	for _, k := range slices.Sorted(maps.Keys(p.Labels)) {
		if k != LabelHost {
			fmt.Fprintf(&b, "{%s=%s}", k, p.Labels[k])
		}
	}
	return b.String()
}

func index(t *testing.T, pts []livedash.MetricPoint, host string) map[string]float64 {
	t.Helper()
	m := map[string]float64{}
	for _, p := range pts {
		if p.Labels[LabelHost] != host {
			t.Errorf("%s: host label %q, want %q", key(p), p.Labels[LabelHost], host)
		}
		k := key(p)
		if _, dup := m[k]; dup {
			t.Errorf("series %s twice in one sample", k)
		}
		m[k] = p.Value
	}
	return m
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func expect(t *testing.T, got map[string]float64, want map[string]float64) {
	t.Helper()
	for k, w := range want {
		g, ok := got[k]
		switch {
		case math.IsNaN(w):
			if ok {
				t.Errorf("%s = %v, want no point", k, g)
			}
		case !ok:
			t.Errorf("%s missing, want %v", k, w)
		case !near(g, w):
			t.Errorf("%s = %v, want %v", k, g, w)
		}
	}
}

var absent = math.NaN()

func fixedMounts() ([]Mount, error) {
	return []Mount{
		{Path: "/", Device: "/dev/sda1", FSType: "ext4", TotalBytes: 1000, UsedBytes: 600, AvailBytes: 200},
		{Path: "/data", Device: "/dev/nvme0n1p1", FSType: "xfs", TotalBytes: 4000, UsedBytes: 1000, AvailBytes: 3000},
	}, nil
}

// swapRoot points the symlink link at testdata/<snap>.
func swapRoot(t *testing.T, link, snap string) {
	t.Helper()
	abs, err := filepath.Abs(filepath.Join("testdata", snap))
	if err != nil {
		t.Fatal(err)
	}
	_ = os.Remove(link)
	if err := os.Symlink(abs, link); err != nil {
		t.Fatal(err)
	}
}

func TestSampleSnapshots(t *testing.T) {
	root := filepath.Join(t.TempDir(), "proc")
	swapRoot(t, root, "snap1")
	clk := &clock{t: t0}
	selfLabels := map[string]string{"node": "a"}
	c := New(Config{
		ProcRoot: root, Host: "host-a", Now: clk.Now, Mounts: fixedMounts,
		Self: func() []livedash.MetricPoint {
			return []livedash.MetricPoint{
				{Code: CodeConnections, Value: 12},
				{Code: CodeDeliveredPerSec, Value: 34, Labels: selfLabels},
			}
		},
	})

	pts, err := c.Sample()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pts {
		if !p.Time.Equal(t0) {
			t.Fatalf("%s stamped %v, want %v", key(p), p.Time, t0)
		}
	}
	got := index(t, pts, "host-a")
	const kB = 1024
	expect(t, got, map[string]float64{
		// gauges
		"host.load.1": 0.5, "host.load.5": 0.25, "host.load.15": 0.1, "host.threads.count": 300,
		"host.procs.running": 2, "host.procs.blocked": 1, "host.procs.count": 3, "host.cpu.count": 2,
		"host.mem.total_bytes": 16e6 * kB, "host.mem.available_bytes": 10e6 * kB,
		"host.mem.used_bytes": 6e6 * kB, "host.mem.free_bytes": 4e6 * kB,
		"host.mem.cached_bytes": 6e6 * kB, "host.mem.used_percent": 37.5,
		"host.swap.total_bytes": 2e6 * kB, "host.swap.used_bytes": 0.5e6 * kB,
		"host.fs.total_bytes{mount=/}": 1000, "host.fs.used_bytes{mount=/}": 600,
		"host.fs.available_bytes{mount=/}": 200, "host.fs.used_percent{mount=/}": 75,
		"host.fs.used_percent{mount=/data}": 25,
		"livedash.connections":              12, "livedash.delivered_per_s{node=a}": 34,
		// no rates on the first sample
		"host.cpu.percent": absent, "host.cpu.core.percent{cpu=0}": absent,
		"host.net.rx_bytes_per_s": absent, "host.net.rx_bytes_per_s{iface=eth0}": absent,
		"host.disk.read_bytes_per_s": absent, "livedash.cpu.percent": absent,
	})
	if got["livedash.goroutines"] < 1 || got["livedash.heap_bytes"] <= 0 {
		t.Errorf("own figures: goroutines %v heap %v", got["livedash.goroutines"], got["livedash.heap_bytes"])
	}
	if len(selfLabels) != 1 {
		t.Errorf("Self's label map was modified: %v", selfLabels)
	}

	swapRoot(t, root, "snap2")
	clk.Add(2 * time.Second)
	pts, err = c.Sample()
	if err != nil {
		t.Fatal(err)
	}
	got = index(t, pts, "host-a")
	expect(t, got, map[string]float64{
		"host.cpu.percent": 40, "host.cpu.core.percent{cpu=0}": 50, "host.cpu.core.percent{cpu=1}": 30,
		"host.load.1": 1.5, "host.threads.count": 310, "host.procs.count": 2,
		"host.procs.running": 3, "host.procs.blocked": 0,
		"host.mem.used_bytes": 8e6 * kB, "host.mem.used_percent": 50, "host.mem.cached_bytes": 5.5e6 * kB,
		"host.swap.used_bytes": 0,
		// network: dt = 2 s; totals leave lo out
		"host.net.rx_bytes_per_s{iface=eth0}": 1e6, "host.net.rx_packets_per_s{iface=eth0}": 1000,
		"host.net.rx_errors_per_s{iface=eth0}": 2, "host.net.tx_bytes_per_s{iface=eth0}": 5e5,
		"host.net.tx_packets_per_s{iface=eth0}": 500, "host.net.tx_errors_per_s{iface=eth0}": 0,
		"host.net.rx_bytes_per_s{iface=wlan0}": 2e5, "host.net.tx_bytes_per_s{iface=wlan0}": 1e5,
		"host.net.tx_errors_per_s{iface=wlan0}": 1,
		"host.net.rx_bytes_per_s{iface=lo}":     1e5, "host.net.tx_bytes_per_s{iface=lo}": 1e5,
		"host.net.rx_bytes_per_s": 1.2e6, "host.net.tx_bytes_per_s": 6e5,
		"host.net.rx_packets_per_s": 1200, "host.net.tx_packets_per_s": 600,
		"host.net.rx_errors_per_s": 2, "host.net.tx_errors_per_s": 1,
		// disks: sectors are 512 bytes; partitions, loop and zram are left out; dm-0 is not in
		// the totals
		"host.disk.read_ops_per_s{disk=sda}": 100, "host.disk.read_bytes_per_s{disk=sda}": 1024000,
		"host.disk.write_ops_per_s{disk=sda}": 50, "host.disk.write_bytes_per_s{disk=sda}": 2048000,
		"host.disk.busy_percent{disk=sda}":       25,
		"host.disk.read_ops_per_s{disk=nvme0n1}": 10, "host.disk.read_bytes_per_s{disk=nvme0n1}": 102400,
		"host.disk.write_ops_per_s{disk=nvme0n1}": 20, "host.disk.write_bytes_per_s{disk=nvme0n1}": 204800,
		"host.disk.busy_percent{disk=nvme0n1}": 5,
		"host.disk.read_ops_per_s{disk=dm-0}":  500, "host.disk.read_bytes_per_s{disk=dm-0}": 25600000,
		"host.disk.read_ops_per_s": 110, "host.disk.read_bytes_per_s": 1126400,
		"host.disk.write_ops_per_s": 70, "host.disk.write_bytes_per_s": 2252800,
		"host.disk.read_ops_per_s{disk=sda1}":      absent,
		"host.disk.read_ops_per_s{disk=nvme0n1p1}": absent,
		"host.disk.read_ops_per_s{disk=loop0}":     absent,
		"host.disk.read_ops_per_s{disk=zram0}":     absent,
		"host.disk.busy_percent":                   absent,
	})
	if v, ok := got["livedash.cpu.percent"]; !ok || v < 0 {
		t.Errorf("livedash.cpu.percent = %v, %v", v, ok)
	}
	// totals carry the host label only
	for _, p := range pts {
		if !strings.Contains(key(p), "{") && len(p.Labels) != 1 && p.Code != CodeDeliveredPerSec {
			t.Errorf("%s: labels %v, want host only", p.Code, p.Labels)
		}
	}
}

// netTree is a fake /proc whose net/dev the test rewrites between samples.
type netTree struct {
	t    *testing.T
	root string
}

func newNetTree(t *testing.T) *netTree {
	root := t.TempDir()
	if err := os.CopyFS(root, os.DirFS("testdata/snap1")); err != nil {
		t.Fatal(err)
	}
	return &netTree{t: t, root: root}
}

// set writes net/dev with the given interfaces: name → rx bytes, rx packets, rx errs, tx bytes,
// tx packets, tx errs.
func (n *netTree) set(ifaces map[string][6]uint64) {
	var b strings.Builder
	b.WriteString("Inter-|   Receive                                                |  Transmit\n")
	b.WriteString(" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n")
	for _, name := range slices.Sorted(maps.Keys(ifaces)) {
		v := ifaces[name]
		fmt.Fprintf(&b, "%6s: %d %d %d 0 0 0 0 0 %d %d %d 0 0 0 0 0\n", name, v[0], v[1], v[2], v[3], v[4], v[5])
	}
	if err := os.WriteFile(filepath.Join(n.root, "net", "dev"), []byte(b.String()), 0o644); err != nil {
		n.t.Fatal(err)
	}
}

func (n *netTree) setDisks(lines string) {
	if err := os.WriteFile(filepath.Join(n.root, "diskstats"), []byte(lines), 0o644); err != nil {
		n.t.Fatal(err)
	}
}

func TestCounterWrapAndReset(t *testing.T) {
	tree := newNetTree(t)
	clk := &clock{t: t0}
	c := New(Config{ProcRoot: tree.root, Host: "h", Now: clk.Now, Mounts: fixedMounts})
	sample := func(ifaces map[string][6]uint64) map[string]float64 {
		t.Helper()
		tree.set(ifaces)
		clk.Add(time.Second)
		pts, err := c.Sample()
		if err != nil {
			t.Fatal(err)
		}
		return index(t, pts, "h")
	}
	const max32 = math.MaxUint32
	sample(map[string][6]uint64{
		"eth0": {max32 - 299, 100, 0, 10_000_000_000, 50, 0}, // 32-bit rx bytes near the top, 64-bit tx bytes
		"eth1": {1_000_000_000, 10, 0, 0, 0, 0},
	})
	got := sample(map[string][6]uint64{
		"eth0": {700, 200, 0, 500, 60, 0}, // rx wrapped by 1000; tx went down from a 64-bit value: reset
		"eth1": {100, 20, 0, 0, 0, 0},     // a 32-bit value fell by less than half the range: reset
	})
	expect(t, got, map[string]float64{
		"host.net.rx_bytes_per_s{iface=eth0}":   1000,
		"host.net.rx_packets_per_s{iface=eth0}": 100,
		"host.net.tx_bytes_per_s{iface=eth0}":   absent,
		"host.net.tx_packets_per_s{iface=eth0}": 10,
		"host.net.rx_bytes_per_s{iface=eth1}":   absent,
		"host.net.rx_packets_per_s{iface=eth1}": 10,
		"host.net.rx_bytes_per_s":               1000, // eth1 skipped this interval
		"host.net.tx_bytes_per_s":               0,    // eth1's 0; eth0 skipped
		"host.net.rx_packets_per_s":             110,
	})
	// after a reset the series resumes from the new value
	got = sample(map[string][6]uint64{
		"eth0": {1700, 300, 0, 2500, 70, 0},
		"eth1": {600, 30, 0, 0, 0, 0},
	})
	expect(t, got, map[string]float64{
		"host.net.rx_bytes_per_s{iface=eth0}": 1000,
		"host.net.tx_bytes_per_s{iface=eth0}": 2000,
		"host.net.rx_bytes_per_s{iface=eth1}": 500,
		"host.net.rx_bytes_per_s":             1500,
		"host.net.tx_bytes_per_s":             2000,
	})
	for k, v := range got {
		if v < 0 || v > 1e12 {
			t.Errorf("%s = %v: negative or spike", k, v)
		}
	}
}

func TestCounterDelta(t *testing.T) {
	for _, tc := range []struct {
		prev, cur uint64
		want      uint64
		ok        bool
	}{
		{10, 25, 15, true},
		{5, 5, 0, true},
		{math.MaxUint32, 0, 1, true},
		{math.MaxUint32 - 9, 10, 20, true},
		{1 << 31, 0, 1 << 31, false},           // exactly half the range: not plausible
		{1<<31 + 1, 0, 1<<31 - 1, true},        // just under half
		{3_000_000_000, 100, 0, true},          // from the upper half to near zero: wrap
		{1_000_000_000, 999_999_000, 0, false}, // small decrease: reset
		{math.MaxUint32 + 1, 5, 0, false},      // 64-bit counter: reset
		{math.MaxUint64, 0, 0, false},
	} {
		got, ok := counterDelta(tc.prev, tc.cur)
		if ok != tc.ok || (ok && got != tc.want && tc.want != 0) {
			t.Errorf("counterDelta(%d, %d) = %d, %v; want %d, %v", tc.prev, tc.cur, got, ok, tc.want, tc.ok)
		}
	}
	var r Rate
	if _, ok := r.Update(t0, 100); ok {
		t.Error("first Update gave a rate")
	}
	if v, ok := r.Update(t0.Add(2*time.Second), 300); !ok || v != 100 {
		t.Errorf("Update = %v, %v; want 100", v, ok)
	}
	if _, ok := r.Update(t0.Add(3*time.Second), 200); ok {
		t.Error("reset gave a rate")
	}
	if v, ok := r.Update(t0.Add(4*time.Second), 250); !ok || v != 50 {
		t.Errorf("Update after reset = %v, %v; want 50", v, ok)
	}
}

func TestInterfaceDisappearsAndAppears(t *testing.T) {
	tree := newNetTree(t)
	clk := &clock{t: t0}
	c := New(Config{ProcRoot: tree.root, Host: "h", Now: clk.Now, Mounts: fixedMounts})
	sample := func(ifaces map[string][6]uint64) map[string]float64 {
		t.Helper()
		tree.set(ifaces)
		clk.Add(time.Second)
		pts, err := c.Sample()
		if err != nil {
			t.Fatal(err)
		}
		return index(t, pts, "h")
	}
	sample(map[string][6]uint64{"eth0": {1000, 1, 0, 0, 0, 0}, "veth1": {5000, 1, 0, 0, 0, 0}})
	got := sample(map[string][6]uint64{"eth0": {2000, 2, 0, 0, 0, 0}, "veth1": {6000, 2, 0, 0, 0, 0}})
	expect(t, got, map[string]float64{
		"host.net.rx_bytes_per_s{iface=veth1}": 1000, "host.net.rx_bytes_per_s": 2000,
	})
	// veth1 disappears: its series stops, the total is eth0 alone
	got = sample(map[string][6]uint64{"eth0": {3000, 3, 0, 0, 0, 0}})
	expect(t, got, map[string]float64{
		"host.net.rx_bytes_per_s{iface=veth1}": absent, "host.net.rx_bytes_per_s": 1000,
	})
	// veth1 comes back with lower counters (a new interface): no rate, no wrap, on its first sample
	got = sample(map[string][6]uint64{"eth0": {4000, 4, 0, 0, 0, 0}, "veth1": {10, 1, 0, 0, 0, 0}})
	expect(t, got, map[string]float64{
		"host.net.rx_bytes_per_s{iface=veth1}": absent, "host.net.rx_bytes_per_s": 1000,
	})
	got = sample(map[string][6]uint64{"eth0": {5000, 5, 0, 0, 0, 0}, "veth1": {510, 2, 0, 0, 0, 0}})
	expect(t, got, map[string]float64{
		"host.net.rx_bytes_per_s{iface=veth1}": 500, "host.net.rx_bytes_per_s": 1500,
	})
}

func TestDiskDisappearsAndAppears(t *testing.T) {
	tree := newNetTree(t)
	clk := &clock{t: t0}
	c := New(Config{ProcRoot: tree.root, Host: "h", Now: clk.Now, Mounts: fixedMounts})
	sample := func(lines string) map[string]float64 {
		t.Helper()
		tree.setDisks(lines)
		clk.Add(time.Second)
		pts, err := c.Sample()
		if err != nil {
			t.Fatal(err)
		}
		return index(t, pts, "h")
	}
	sample("8 0 sda 10 0 100 0 0 0 0 0 0 0 0\n8 16 sdb 10 0 100 0 0 0 0 0 0 0 0\n")
	got := sample("8 0 sda 20 0 200 0 0 0 0 0 0 0 0\n")
	expect(t, got, map[string]float64{
		"host.disk.read_ops_per_s{disk=sda}": 10, "host.disk.read_ops_per_s{disk=sdb}": absent,
		"host.disk.read_ops_per_s": 10, "host.disk.read_bytes_per_s": 100 * 512,
	})
	got = sample("8 0 sda 30 0 300 0 0 0 0 0 0 0 0\n8 16 sdb 1 0 1 0 0 0 0 0 0 0 0\n")
	expect(t, got, map[string]float64{
		"host.disk.read_ops_per_s{disk=sdb}": absent, "host.disk.read_ops_per_s": 10,
	})
}

func TestParseMounts(t *testing.T) {
	b, err := os.ReadFile("testdata/snap1/self/mounts")
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, m := range parseMounts(b) {
		paths = append(paths, m.Path+" "+m.Device+" "+m.FSType)
	}
	want := []string{"/ /dev/sda1 ext4", "/data disk /dev/nvme0n1p1 xfs"}
	if !slices.Equal(paths, want) {
		t.Errorf("parseMounts = %q, want %q", paths, want)
	}

	r := newMountReader("testdata/snap1")
	r.statfs = func(path string) (uint64, uint64, uint64, error) {
		if path == "/" {
			return 100, 40, 50, nil
		}
		return 0, 0, 0, os.ErrNotExist
	}
	ms, err := r.read()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0] != (Mount{Path: "/", Device: "/dev/sda1", FSType: "ext4", TotalBytes: 100, UsedBytes: 40, AvailBytes: 50}) {
		t.Errorf("read = %+v", ms)
	}
}

func TestParseHelpers(t *testing.T) {
	for in, want := range map[string]float64{"0.64": 0.64, "12": 12, "3.5": 3.5, "0.00": 0, "10.25": 10.25} {
		if got, ok := parseDecimal([]byte(in)); !ok || math.Abs(got-want) > 1e-12 {
			t.Errorf("parseDecimal(%q) = %v, %v", in, got, ok)
		}
	}
	for _, in := range []string{"", ".5", "1.", "a", "1.2.3", "-1"} {
		if _, ok := parseDecimal([]byte(in)); ok {
			t.Errorf("parseDecimal(%q) ok", in)
		}
	}
	if _, ok := parseUint([]byte("18446744073709551616")); ok {
		t.Error("parseUint accepted an overflow")
	}
	if v, ok := parseUint([]byte("18446744073709551615")); !ok || v != math.MaxUint64 {
		t.Errorf("parseUint(max) = %v, %v", v, ok)
	}
}

func TestMissingSourceIsReported(t *testing.T) {
	tree := newNetTree(t)
	if err := os.Remove(filepath.Join(tree.root, "diskstats")); err != nil {
		t.Fatal(err)
	}
	c := New(Config{ProcRoot: tree.root, Host: "h", Mounts: fixedMounts})
	pts, err := c.Sample()
	if err == nil || !strings.Contains(err.Error(), "diskstats") {
		t.Fatalf("err = %v, want a diskstats error", err)
	}
	if got := index(t, pts, "h"); got["host.mem.total_bytes"] == 0 {
		t.Error("the readable sources were not sampled")
	}
}

func TestRunOneBatchPerTickNoOverlap(t *testing.T) {
	tree := newNetTree(t)
	c := New(Config{ProcRoot: tree.root, Host: "h", Interval: 5 * time.Millisecond, Mounts: fixedMounts})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var inSink, batches atomic.Int32
	done := make(chan error, 1)
	go func() {
		done <- c.Run(ctx, func(_ context.Context, pts []livedash.MetricPoint) {
			if inSink.Add(1) != 1 {
				t.Error("sink called concurrently")
			}
			if len(pts) == 0 {
				t.Error("empty batch")
			}
			ts := pts[0].Time
			for _, p := range pts {
				if !p.Time.Equal(ts) {
					t.Error("one batch holds several ticks")
				}
			}
			time.Sleep(8 * time.Millisecond) // slower than the interval
			if batches.Add(1) == 5 {
				cancel()
			}
			inSink.Add(-1)
		})
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop")
	}
	if n := batches.Load(); n != 5 {
		t.Errorf("%d batches after cancel at 5", n)
	}
}

// TestOmitHost: the server's own collector emits the contract's unlabelled totals, and device
// series with only their device label.
func TestOmitHost(t *testing.T) {
	c := New(Config{OmitHost: true})
	if _, err := c.Sample(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	pts, err := c.Sample()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, p := range pts {
		if _, ok := p.Labels[LabelHost]; ok {
			t.Fatalf("%s carries a host label: %v", p.Code, p.Labels)
		}
		if p.Code == CodeCPUPercent || p.Code == CodeMemUsed || p.Code == CodeNetRxBytes || p.Code == CodeNetTxBytes {
			if len(p.Labels) == 0 {
				seen[p.Code] = true
			}
		}
	}
	for _, code := range []string{CodeCPUPercent, CodeMemUsed, CodeNetRxBytes, CodeNetTxBytes} {
		if !seen[code] {
			t.Errorf("no unlabelled %s", code)
		}
	}
}

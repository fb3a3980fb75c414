// Package collector samples host metrics from /proc (CPU, load, memory, network, disks,
// filesystems, processes) and livedash's own figures, and hands them to the metric ingest as one
// batch of livedash.MetricPoint per tick. The codes are a public contract, listed in Definitions
// and documented in docs/metrics.md.
//
// Rates (bytes/s, packets/s, CPU percent...) are computed from the kernel's cumulative counters
// against the previous sample, so the first sample carries gauges only. Counters that go backwards
// are treated as a 32-bit wrap when plausible and otherwise as a reset whose interval is skipped
// (see counterDelta). A network interface, disk, CPU or mount that disappears stops its series;
// one that appears starts without a rate on its first sample.
package collector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"time"

	"livedash"
)

// Config configures a Collector. The zero value samples this machine's /proc every second.
type Config struct {
	Interval time.Duration // between ticks of Run; default 1s
	ProcRoot string        // default "/proc"; tests point it at a fake tree
	Host     string        // value of the "host" label on every point; default os.Hostname()
	// OmitHost leaves the host label out: the server's own collector, whose totals are the
	// contract's unlabelled series (host.cpu.percent, …) and whose device series carry only their
	// device label. Agents keep the label, so that several hosts share a tenant.
	OmitHost bool
	// Mounts lists the filesystems to report with their usage. Default: the mount table
	// (<ProcRoot>/self/mounts, else <ProcRoot>/mounts) with pseudo, network and container
	// bookkeeping filesystems left out, and statfs for the usage.
	Mounts func() ([]Mount, error)
	// Self supplies livedash's own figures that only the server knows (livedash.connections,
	// livedash.delivered_per_s). The collector adds goroutines, heap and process CPU itself, a
	// missing Time is set to the sample's time and a missing host label is added (the caller's
	// map is not modified).
	Self   func() []livedash.MetricPoint
	Now    func() time.Time
	Logger *slog.Logger // Run logs sample errors here (once per distinct error); default discard
}

// Collector samples host metrics. Its methods are safe for concurrent use; samples never overlap.
type Collector struct {
	cfg  Config
	now  func() time.Time
	log  *slog.Logger
	host map[string]string // {host}: the labels of every total series

	path struct{ stat, loadavg, meminfo, netdev, diskstats string }

	mu       sync.Mutex
	buf      []byte // file contents, reused
	dirBuf   []byte // getdents buffer, reused
	gen      uint64 // sample number; states not seen in this sample are dropped
	out      []livedash.MetricPoint
	at       time.Time // time of the sample in progress
	lastN    int       // points in the previous sample, to size the next batch
	cpuAll   cpuState
	cpus     map[string]*cpuState
	ifaces   map[string]*netState
	disks    map[string]*diskState
	mounts   map[string]*labelState
	diskSeen [][]byte // whole-disk names of the current diskstats parse (partition detection)
	selfCPU  struct {
		prev time.Duration
		at   time.Time
		have bool
	}
	rt [1]metrics.Sample
}

// labelState caches the label map of one object (core, interface, disk, mount) across samples.
type labelState struct {
	labels map[string]string
	seen   uint64
}

type cpuState struct {
	labelState
	prev [8]uint64 // user nice system idle iowait irq softirq steal (jiffies)
	have bool
}

// /proc/net/dev counters kept per interface.
const (
	netRxBytes = iota
	netRxPackets
	netRxErrors
	netTxBytes
	netTxPackets
	netTxErrors
	netCounters
)

var netCodes = [netCounters]string{CodeNetRxBytes, CodeNetRxPackets, CodeNetRxErrors, CodeNetTxBytes, CodeNetTxPackets, CodeNetTxErrors}

type netState struct {
	labelState
	prev [netCounters]uint64
	at   time.Time
	have bool
}

// /proc/diskstats counters kept per disk.
const (
	diskReads = iota
	diskSectorsRead
	diskWrites
	diskSectorsWritten
	diskIOTicks // milliseconds spent doing I/O
	diskCounters
)

type diskState struct {
	labelState
	prev    [diskCounters]uint64
	at      time.Time
	have    bool
	virtual bool // device-mapper or md: reported, but not added to the totals
}

// New returns a collector for cfg.
func New(cfg Config) *Collector {
	if cfg.Interval <= 0 {
		cfg.Interval = time.Second
	}
	if cfg.ProcRoot == "" {
		cfg.ProcRoot = "/proc"
	}
	if cfg.Host == "" {
		h, err := os.Hostname()
		if err != nil || h == "" {
			h = "localhost"
		}
		cfg.Host = h
	}
	if cfg.Mounts == nil {
		cfg.Mounts = newMountReader(cfg.ProcRoot).read
	}
	c := &Collector{
		cfg:    cfg,
		now:    cfg.Now,
		log:    cfg.Logger,
		host:   hostLabels(cfg),
		cpus:   map[string]*cpuState{},
		ifaces: map[string]*netState{},
		disks:  map[string]*diskState{},
		mounts: map[string]*labelState{},
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.cpuAll.labels = c.host
	c.path.stat = filepath.Join(cfg.ProcRoot, "stat")
	c.path.loadavg = filepath.Join(cfg.ProcRoot, "loadavg")
	c.path.meminfo = filepath.Join(cfg.ProcRoot, "meminfo")
	c.path.netdev = filepath.Join(cfg.ProcRoot, "net", "dev")
	c.path.diskstats = filepath.Join(cfg.ProcRoot, "diskstats")
	c.rt[0].Name = "/memory/classes/heap/objects:bytes"
	return c
}

// Interval is the configured tick interval.
func (c *Collector) Interval() time.Duration { return c.cfg.Interval }

// Run samples once at once and then every Interval until ctx ends, passing each sample's points
// to sink as one batch. Ticks never overlap: a slow sink delays the next tick, and ticks missed
// meanwhile are dropped, not queued. A sample that fails partly still delivers what it read; its
// error is logged. Run returns nil when ctx ends.
func (c *Collector) Run(ctx context.Context, sink func(context.Context, []livedash.MetricPoint)) error {
	t := time.NewTicker(c.cfg.Interval)
	defer t.Stop()
	var lastErr string
	for {
		if ctx.Err() != nil {
			return nil
		}
		pts, err := c.Sample()
		if err != nil {
			if msg := err.Error(); msg != lastErr {
				lastErr = msg
				c.log.Warn("host metrics sample incomplete", "component", "collector", "err", err)
			}
		} else {
			lastErr = ""
		}
		if len(pts) > 0 {
			sink(ctx, pts)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Sample reads every source once and returns the points of one tick, all stamped with the same
// time. Rates are computed against the previous Sample, so the first one returns gauges only. A
// source that cannot be read is skipped and reported in err (joined); the points of the others
// are still returned. The label maps of the points are shared between points and samples: treat
// them as read-only.
func (c *Collector) Sample() ([]livedash.MetricPoint, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = c.now()
	c.gen++
	c.out = make([]livedash.MetricPoint, 0, max(c.lastN, 64))
	var errs []error
	errs = stepErr(errs, "stat", c.sampleStat())
	errs = stepErr(errs, "loadavg", c.sampleLoadavg())
	errs = stepErr(errs, "meminfo", c.sampleMeminfo())
	errs = stepErr(errs, "net/dev", c.sampleNetDev())
	errs = stepErr(errs, "diskstats", c.sampleDiskstats())
	errs = stepErr(errs, "mounts", c.sampleMounts())
	errs = stepErr(errs, "processes", c.sampleProcs())
	c.sampleSelf()
	out := c.out
	c.out = nil
	c.lastN = len(out)
	return out, errors.Join(errs...)
}

func stepErr(errs []error, source string, err error) []error {
	if err != nil {
		errs = append(errs, fmt.Errorf("collector: %s: %w", source, err))
	}
	return errs
}

func (c *Collector) emit(code string, v float64, labels map[string]string) {
	c.out = append(c.out, livedash.MetricPoint{Code: code, Time: c.at, Value: v, Labels: labels})
}

// prune drops the states of objects not seen in the current sample, so a vanished object's
// series stops and a returning one starts afresh (no rate on its first sample).
func prune[S interface{ seenAt() uint64 }](m map[string]S, gen uint64) {
	for k, s := range m {
		if s.seenAt() != gen {
			delete(m, k)
		}
	}
}

func (s *labelState) seenAt() uint64 { return s.seen }

func (c *Collector) labels(key, value string) map[string]string {
	if c.cfg.OmitHost {
		return map[string]string{key: value}
	}
	return map[string]string{LabelHost: c.cfg.Host, key: value}
}

// hostLabels are the labels of every total series: {host}, or none with OmitHost.
func hostLabels(cfg Config) map[string]string {
	if cfg.OmitHost {
		return nil
	}
	return map[string]string{LabelHost: cfg.Host}
}

var errFormat = errors.New("unexpected format")

// sampleStat reads /proc/stat: CPU percent overall and per core, running and blocked processes.
func (c *Collector) sampleStat() error {
	b, err := readInto(c.path.stat, &c.buf)
	if err != nil {
		return err
	}
	cores := 0
	sawAll := false
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		name, i := nextField(line, 0)
		switch {
		case len(name) >= 3 && string(name[:3]) == "cpu":
			var cur [8]uint64
			for k := range cur {
				var f []byte
				if f, i = nextField(line, i); len(f) == 0 {
					break // older kernels have fewer columns
				}
				cur[k], _ = parseUint(f)
			}
			if len(name) == 3 {
				sawAll = true
				c.cpuSample(&c.cpuAll, cur, CodeCPUPercent)
				continue
			}
			cores++
			s := c.cpus[string(name)]
			if s == nil {
				s = &cpuState{}
				s.labels = c.labels(LabelCPU, string(name[3:]))
				c.cpus[string(name)] = s
			}
			s.seen = c.gen
			c.cpuSample(s, cur, CodeCPUCorePercent)
		case string(name) == "procs_running" || string(name) == "procs_blocked":
			f, _ := nextField(line, i)
			v, ok := parseUint(f)
			if !ok {
				continue
			}
			code := CodeProcsRunning
			if string(name) == "procs_blocked" {
				code = CodeProcsBlocked
			}
			c.emit(code, float64(v), c.host)
		}
	}
	prune(c.cpus, c.gen)
	if !sawAll {
		return errFormat
	}
	if cores > 0 {
		c.emit(CodeCPUCount, float64(cores), c.host)
	}
	return nil
}

// cpuSample emits the busy percent of one CPU line since the previous sample: the share of
// jiffies not spent idle or in iowait. Columns that went backwards (iowait may) count as zero.
func (c *Collector) cpuSample(s *cpuState, cur [8]uint64, code string) {
	prev, had := s.prev, s.have
	s.prev, s.have = cur, true
	if !had {
		return
	}
	var d [8]uint64
	var total uint64
	for k := range cur {
		if cur[k] > prev[k] {
			d[k] = cur[k] - prev[k]
		}
		total += d[k]
	}
	if total == 0 {
		return
	}
	busy := total - d[3] - d[4]
	c.emit(code, min(100, 100*float64(busy)/float64(total)), s.labels)
}

// sampleLoadavg reads /proc/loadavg: "0.11 0.64 0.94 1/137 30481".
func (c *Collector) sampleLoadavg() error {
	b, err := readInto(c.path.loadavg, &c.buf)
	if err != nil {
		return err
	}
	line, _ := nextLine(b)
	i := 0
	for _, code := range [...]string{CodeLoad1, CodeLoad5, CodeLoad15} {
		var f []byte
		f, i = nextField(line, i)
		v, ok := parseDecimal(f)
		if !ok {
			return errFormat
		}
		c.emit(code, v, c.host)
	}
	f, _ := nextField(line, i)
	if _, total, ok := cutByte(f, '/'); ok {
		if n, ok := parseUint(total); ok {
			c.emit(CodeThreadsCount, float64(n), c.host)
		}
	}
	return nil
}

func cutByte(b []byte, sep byte) (before, after []byte, found bool) {
	for i, c := range b {
		if c == sep {
			return b[:i], b[i+1:], true
		}
	}
	return b, nil, false
}

// sampleMeminfo reads /proc/meminfo. used = total - available (as free(1) reports it); cached
// is the buff/cache of free(1): Buffers + Cached + SReclaimable.
func (c *Collector) sampleMeminfo() error {
	b, err := readInto(c.path.meminfo, &c.buf)
	if err != nil {
		return err
	}
	var total, free, avail, buffers, cached, sreclaim, swapTotal, swapFree uint64
	haveTotal, haveAvail := false, false
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		key, rest, ok := cutByte(line, ':')
		if !ok {
			continue
		}
		f, i := nextField(rest, 0)
		v, ok := parseUint(f)
		if !ok {
			continue
		}
		if unit, _ := nextField(rest, i); string(unit) == "kB" {
			v *= 1024
		}
		switch string(key) {
		case "MemTotal":
			total, haveTotal = v, true
		case "MemFree":
			free = v
		case "MemAvailable":
			avail, haveAvail = v, true
		case "Buffers":
			buffers = v
		case "Cached":
			cached = v
		case "SReclaimable":
			sreclaim = v
		case "SwapTotal":
			swapTotal = v
		case "SwapFree":
			swapFree = v
		}
	}
	if !haveTotal {
		return errFormat
	}
	if !haveAvail { // kernels before 3.14
		avail = min(total, free+buffers+cached)
	}
	used := total - min(total, avail)
	c.emit(CodeMemTotal, float64(total), c.host)
	c.emit(CodeMemUsed, float64(used), c.host)
	c.emit(CodeMemAvailable, float64(avail), c.host)
	c.emit(CodeMemFree, float64(free), c.host)
	c.emit(CodeMemCached, float64(buffers+cached+sreclaim), c.host)
	if total > 0 {
		c.emit(CodeMemUsedPercent, 100*float64(used)/float64(total), c.host)
	}
	c.emit(CodeSwapTotal, float64(swapTotal), c.host)
	c.emit(CodeSwapUsed, float64(swapTotal-min(swapTotal, swapFree)), c.host)
	return nil
}

// sampleNetDev reads /proc/net/dev and emits per-interface rates and totals over every interface
// but lo (loopback traffic never leaves the host; its own series are kept).
func (c *Collector) sampleNetDev() error {
	b, err := readInto(c.path.netdev, &c.buf)
	if err != nil {
		return err
	}
	var sum [netCounters]float64
	var have [netCounters]bool
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		name, rest, ok := cutByte(line, ':')
		if !ok {
			continue // the two header lines
		}
		name, _ = nextField(name, 0)
		if len(name) == 0 {
			continue
		}
		// receive: bytes packets errs drop fifo frame compressed multicast; transmit: bytes packets errs ...
		var f [16]uint64
		i, n := 0, 0
		for ; n < len(f); n++ {
			var fb []byte
			if fb, i = nextField(rest, i); len(fb) == 0 {
				break
			}
			f[n], _ = parseUint(fb)
		}
		if n < 11 {
			continue
		}
		cur := [netCounters]uint64{f[0], f[1], f[2], f[8], f[9], f[10]}
		s := c.ifaces[string(name)]
		if s == nil {
			s = &netState{}
			s.labels = c.labels(LabelIface, string(name))
			c.ifaces[string(name)] = s
		}
		s.seen = c.gen
		prev, prevAt, had := s.prev, s.at, s.have
		s.prev, s.at, s.have = cur, c.at, true
		dt := c.at.Sub(prevAt).Seconds()
		if !had || dt <= 0 {
			continue
		}
		lo := string(name) == "lo"
		for k := range cur {
			d, ok := counterDelta(prev[k], cur[k])
			if !ok {
				continue
			}
			r := float64(d) / dt
			c.emit(netCodes[k], r, s.labels)
			if !lo {
				sum[k] += r
				have[k] = true
			}
		}
	}
	prune(c.ifaces, c.gen)
	for k := range sum {
		if have[k] {
			c.emit(netCodes[k], sum[k], c.host)
		}
	}
	return nil
}

// sampleDiskstats reads /proc/diskstats. Partitions, loop, ram and zram devices are left out;
// device-mapper and md devices get their own series but are not added to the totals, which
// would otherwise count the same I/O twice. Sectors are 512 bytes in diskstats on every device.
func (c *Collector) sampleDiskstats() error {
	b, err := readInto(c.path.diskstats, &c.buf)
	if err != nil {
		return err
	}
	var sum [4]float64
	var have [4]bool
	c.diskSeen = c.diskSeen[:0]
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		_, i := nextField(line, 0) // major
		_, i = nextField(line, i)  // minor
		name, i := nextField(line, i)
		if len(name) == 0 || skipDisk(name) || c.isPartition(name) {
			continue
		}
		c.diskSeen = append(c.diskSeen, name)
		var f [10]uint64
		n := 0
		for ; n < len(f); n++ {
			var fb []byte
			if fb, i = nextField(line, i); len(fb) == 0 {
				break
			}
			f[n], _ = parseUint(fb)
		}
		if n < len(f) {
			continue
		}
		// reads, reads merged, sectors read, ms reading, writes, writes merged, sectors written,
		// ms writing, in flight, ms doing I/O
		cur := [diskCounters]uint64{f[0], f[2], f[4], f[6], f[9]}
		s := c.disks[string(name)]
		if s == nil {
			s = &diskState{virtual: virtualDisk(name)}
			s.labels = c.labels(LabelDisk, string(name))
			c.disks[string(name)] = s
		}
		s.seen = c.gen
		prev, prevAt, had := s.prev, s.at, s.have
		s.prev, s.at, s.have = cur, c.at, true
		dt := c.at.Sub(prevAt).Seconds()
		if !had || dt <= 0 {
			continue
		}
		for k, code := range [...]string{CodeDiskReadOps, CodeDiskReadBytes, CodeDiskWriteOps, CodeDiskWriteBytes, CodeDiskBusy} {
			d, ok := counterDelta(prev[k], cur[k])
			if !ok {
				continue
			}
			var r float64
			switch k {
			case diskSectorsRead, diskSectorsWritten:
				r = float64(d) * 512 / dt
			case diskIOTicks:
				r = min(100, float64(d)/10/dt) // ms per s → percent
			default:
				r = float64(d) / dt
			}
			c.emit(code, r, s.labels)
			if k < 4 && !s.virtual {
				sum[k] += r
				have[k] = true
			}
		}
	}
	prune(c.disks, c.gen)
	for k, code := range [...]string{CodeDiskReadOps, CodeDiskReadBytes, CodeDiskWriteOps, CodeDiskWriteBytes} {
		if have[k] {
			c.emit(code, sum[k], c.host)
		}
	}
	return nil
}

func hasPrefix(b []byte, p string) bool { return len(b) >= len(p) && string(b[:len(p)]) == p }

func skipDisk(name []byte) bool {
	return hasPrefix(name, "loop") || hasPrefix(name, "ram") || hasPrefix(name, "zram")
}

func virtualDisk(name []byte) bool { return hasPrefix(name, "dm-") || hasPrefix(name, "md") }

// isPartition reports whether name is a partition of a disk listed earlier in the same
// diskstats (the kernel lists a disk before its partitions): sda1 of sda, nvme0n1p2 of nvme0n1,
// mmcblk0p1 of mmcblk0.
func (c *Collector) isPartition(name []byte) bool {
	base := name
	for len(base) > 0 && base[len(base)-1] >= '0' && base[len(base)-1] <= '9' {
		base = base[:len(base)-1]
	}
	if len(base) == len(name) || len(base) == 0 {
		return false
	}
	for _, d := range c.diskSeen {
		if string(d) == string(base) {
			return true
		}
		if base[len(base)-1] == 'p' && string(d) == string(base[:len(base)-1]) {
			return true
		}
	}
	return false
}

// sampleMounts emits the usage of every filesystem Config.Mounts lists. used_percent is
// used / (used + available), like df: blocks reserved for root do not count as available.
func (c *Collector) sampleMounts() error {
	ms, err := c.cfg.Mounts()
	for _, m := range ms {
		s := c.mounts[m.Path]
		if s == nil {
			s = &labelState{labels: c.labels(LabelMount, m.Path)}
			c.mounts[m.Path] = s
		}
		if s.seen == c.gen {
			continue // listed twice
		}
		s.seen = c.gen
		c.emit(CodeFSTotal, float64(m.TotalBytes), s.labels)
		c.emit(CodeFSUsed, float64(m.UsedBytes), s.labels)
		c.emit(CodeFSAvailable, float64(m.AvailBytes), s.labels)
		if d := m.UsedBytes + m.AvailBytes; d > 0 {
			c.emit(CodeFSUsedPercent, 100*float64(m.UsedBytes)/float64(d), s.labels)
		}
	}
	prune(c.mounts, c.gen)
	return err
}

// sampleProcs counts the processes: the numeric directories of ProcRoot.
func (c *Collector) sampleProcs() error {
	n, err := countProcs(c.cfg.ProcRoot, &c.dirBuf)
	if err != nil {
		return err
	}
	c.emit(CodeProcsCount, float64(n), c.host)
	return nil
}

// sampleSelf emits livedash's own figures: goroutines, heap, process CPU and whatever
// Config.Self supplies.
func (c *Collector) sampleSelf() {
	c.emit(CodeGoroutines, float64(runtime.NumGoroutine()), c.host)
	metrics.Read(c.rt[:])
	if c.rt[0].Value.Kind() == metrics.KindUint64 {
		c.emit(CodeHeapBytes, float64(c.rt[0].Value.Uint64()), c.host)
	}
	if cpu, ok := processCPU(); ok {
		p := &c.selfCPU
		if dt := c.at.Sub(p.at); p.have && dt > 0 && cpu >= p.prev {
			c.emit(CodeSelfCPU, 100*float64(cpu-p.prev)/float64(dt), c.host)
		}
		p.prev, p.at, p.have = cpu, c.at, true
	}
	if c.cfg.Self == nil {
		return
	}
	for _, p := range c.cfg.Self() {
		if p.Code == "" {
			continue
		}
		if p.Time.IsZero() {
			p.Time = c.at
		}
		switch {
		case p.Labels == nil:
			p.Labels = c.host
		case p.Labels[LabelHost] == "" && !c.cfg.OmitHost:
			l := make(map[string]string, len(p.Labels)+1)
			for k, v := range p.Labels {
				l[k] = v
			}
			l[LabelHost] = c.cfg.Host
			p.Labels = l
		}
		c.out = append(c.out, p)
	}
}

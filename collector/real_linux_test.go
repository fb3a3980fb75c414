//go:build linux

package collector

import (
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"livedash"
)

func realSelf() []livedash.MetricPoint {
	return []livedash.MetricPoint{{Code: CodeConnections, Value: 3}, {Code: CodeDeliveredPerSec, Value: 10}}
}

// TestRealProc samples this machine twice, 200 ms apart, and checks that every documented code is
// produced with a plausible value.
func TestRealProc(t *testing.T) {
	if _, err := os.Stat("/proc/stat"); err != nil {
		t.Skip("no /proc on this machine")
	}
	c := New(Config{Host: "real", Self: realSelf})
	if _, err := c.Sample(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	pts, err := c.Sample()
	if err != nil {
		t.Fatal(err)
	}
	byCode := map[string][]livedash.MetricPoint{}
	for _, p := range pts {
		byCode[p.Code] = append(byCode[p.Code], p)
		if p.Labels[LabelHost] != "real" {
			t.Errorf("%s: labels %v", key(p), p.Labels)
		}
	}
	for _, d := range Definitions {
		if len(byCode[d.Code]) == 0 {
			t.Errorf("%s (%s) not produced", d.Code, d.Name)
		}
	}
	one := func(code string) float64 {
		for _, p := range byCode[code] {
			if len(p.Labels) == 1 {
				return p.Value
			}
		}
		t.Errorf("%s: no total series", code)
		return 0
	}
	for _, p := range pts {
		switch {
		case p.Value < 0:
			t.Errorf("%s = %v < 0", key(p), p.Value)
		case strings.HasSuffix(p.Code, "percent") && p.Code != CodeSelfCPU && p.Value > 100:
			t.Errorf("%s = %v > 100", key(p), p.Value)
		}
	}
	total := one(CodeMemTotal)
	if used := one(CodeMemUsed); used <= 0 || used > total {
		t.Errorf("mem used %v of total %v", used, total)
	}
	if avail := one(CodeMemAvailable); avail <= 0 || avail > total {
		t.Errorf("mem available %v of total %v", avail, total)
	}
	if one(CodeSwapUsed) > one(CodeSwapTotal) {
		t.Error("swap used > total")
	}
	if n := one(CodeCPUCount); n != float64(len(byCode[CodeCPUCorePercent])) || n < 1 {
		t.Errorf("cpu count %v, %d core series", n, len(byCode[CodeCPUCorePercent]))
	}
	if n := one(CodeProcsCount); n < 2 || n > 1e6 {
		t.Errorf("process count %v", n)
	}
	if n := one(CodeThreadsCount); n < one(CodeProcsCount) {
		t.Errorf("threads %v < processes", n)
	}
	if n := one(CodeGoroutines); n < 1 || n > 1e6 {
		t.Errorf("goroutines %v", n)
	}
	if h := one(CodeHeapBytes); h < 1<<10 || h > total {
		t.Errorf("heap %v", h)
	}
	for _, p := range byCode[CodeFSUsed] {
		var size float64
		for _, q := range byCode[CodeFSTotal] {
			if q.Labels[LabelMount] == p.Labels[LabelMount] {
				size = q.Value
			}
		}
		if p.Value > size || size <= 0 {
			t.Errorf("%s: used %v of %v", key(p), p.Value, size)
		}
	}
	// a rate cannot exceed what the hardware could move in 200 ms (100 GB/s is generous)
	for _, code := range []string{CodeNetRxBytes, CodeNetTxBytes, CodeDiskReadBytes, CodeDiskWriteBytes} {
		for _, p := range byCode[code] {
			if p.Value > 100e9 {
				t.Errorf("%s = %v: implausible", key(p), p.Value)
			}
		}
	}
	t.Logf("%d points, %d codes", len(pts), len(byCode))
}

// BenchmarkSample measures one tick against this machine's /proc.
func BenchmarkSample(b *testing.B) {
	c := New(Config{Self: realSelf})
	if _, err := c.Sample(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		pts, err := c.Sample()
		if err != nil {
			b.Fatal(err)
		}
		n = len(pts)
	}
	b.ReportMetric(float64(n), "points/op")
}

func cpuTime(who int) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestCollectionCost runs the collector as it runs in production, one Sample per second for
// 10 s, and reports the CPU time it costs. It takes 10 s, so it runs only when asked:
//
//	LIVEDASH_COLLECTOR_COST=1 go test -run CollectionCost -v ./collector/
func TestCollectionCost(t *testing.T) {
	if os.Getenv("LIVEDASH_COLLECTOR_COST") == "" {
		t.Skip("set LIVEDASH_COLLECTOR_COST=1 to measure the collector's CPU cost (10 s)")
	}
	const ticks = 10
	c := New(Config{Self: realSelf})
	// Sample's own CPU, measured on one locked thread (RUSAGE_THREAD): parsing and syscalls.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var thread time.Duration
	procStart := cpuTime(syscall.RUSAGE_SELF)
	wallStart := time.Now()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	points := 0
	for i := 0; i < ticks; i++ {
		before := cpuTime(syscall.RUSAGE_THREAD)
		pts, err := c.Sample()
		thread += cpuTime(syscall.RUSAGE_THREAD) - before
		if err != nil {
			t.Fatal(err)
		}
		points = len(pts)
		if i < ticks-1 {
			<-tick.C
		}
	}
	wall := time.Since(wallStart)
	proc := cpuTime(syscall.RUSAGE_SELF) - procStart
	perTick := thread / ticks
	t.Logf("%d ticks at 1 s over %v, %d points per tick", ticks, wall.Round(time.Millisecond), points)
	t.Logf("Sample CPU (thread): %v per tick = %.3f%% of one core at 1 s", perTick, 100*perTick.Seconds())
	t.Logf("whole test process CPU (incl. runtime, GC, timers): %v over %v = %.3f%% of one core",
		proc, wall.Round(time.Millisecond), 100*proc.Seconds()/wall.Seconds())
	if perTick > 10*time.Millisecond {
		t.Errorf("collection costs %v per tick: over 1%% of one core at 1 s", perTick)
	}
}

package bench

import (
	"math"
	"math/bits"
	"sync/atomic"
	"time"
)

// Histogram buckets: values below 2^histSubBits nanoseconds each have their own bucket, every
// power of two above is split into 2^histSubBits linear buckets (relative error < 1/32, about
// 1.6% with midpoints), up to 2^histMaxExp ns (about 18 minutes); larger values land in the last
// bucket.
const (
	histSubBits    = 5
	histSubCount   = 1 << histSubBits
	histMaxExp     = 40
	histNumBuckets = (histMaxExp - histSubBits + 1) * histSubCount
)

// Histogram is a fixed-size log-linear histogram of durations. Record does not allocate and is
// safe for concurrent use (atomic counters), so that many connections can share one.
type Histogram struct {
	counts [histNumBuckets]atomic.Uint64
	sum    atomic.Int64 // ns
	max    atomic.Int64 // ns
}

func bucketOf(v uint64) int {
	if v < histSubCount {
		return int(v)
	}
	if v >= 1<<histMaxExp {
		v = 1<<histMaxExp - 1
	}
	shift := bits.Len64(v) - 1 - histSubBits
	return (shift+1)*histSubCount + int((v>>shift)&(histSubCount-1))
}

// bucketRange returns the smallest and largest value of bucket i.
func bucketRange(i int) (lo, hi uint64) {
	if i < histSubCount {
		return uint64(i), uint64(i)
	}
	shift := i/histSubCount - 1
	lo = (histSubCount + uint64(i%histSubCount)) << shift
	return lo, lo + (1 << shift) - 1
}

// Record adds one duration; negative durations count as zero.
func (h *Histogram) Record(d time.Duration) {
	v := max(int64(d), 0)
	h.counts[bucketOf(uint64(v))].Add(1)
	h.sum.Add(v)
	for {
		m := h.max.Load()
		if v <= m || h.max.CompareAndSwap(m, v) {
			return
		}
	}
}

// Merge adds the counts of o to h.
func (h *Histogram) Merge(o *Histogram) {
	for i := range o.counts {
		if n := o.counts[i].Load(); n > 0 {
			h.counts[i].Add(n)
		}
	}
	h.sum.Add(o.sum.Load())
	for {
		m, v := h.max.Load(), o.max.Load()
		if v <= m || h.max.CompareAndSwap(m, v) {
			return
		}
	}
}

// Count returns the number of recorded durations.
func (h *Histogram) Count() uint64 {
	var n uint64
	for i := range h.counts {
		n += h.counts[i].Load()
	}
	return n
}

// Max returns the largest recorded duration (exact).
func (h *Histogram) Max() time.Duration { return time.Duration(h.max.Load()) }

// Mean returns the mean of the recorded durations.
func (h *Histogram) Mean() time.Duration {
	n := h.Count()
	if n == 0 {
		return 0
	}
	return time.Duration(h.sum.Load() / int64(n))
}

// Quantile returns the q-quantile (0 < q <= 1) of the recorded durations: the midpoint of the
// bucket holding the value of rank ceil(q·count), never above Max. Zero when empty.
func (h *Histogram) Quantile(q float64) time.Duration {
	n := h.Count()
	if n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(n)))
	rank = min(max(rank, 1), n)
	var seen uint64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen >= rank {
			lo, hi := bucketRange(i)
			return min(time.Duration(lo+(hi-lo)/2), h.Max())
		}
	}
	return h.Max()
}

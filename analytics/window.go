package analytics

import (
	"math"
	"slices"
	"time"
)

// A rolling window is a ring of bucketsPerWindow time buckets of width window/bucketsPerWindow
// (1 s for 1 m, 5 s for 5 m, 15 s for 15 m). A point lands in the bucket of its timestamp; a
// bucket is reused (cleared) when time has moved a whole window past it. Memory per series is
// fixed by the number of buckets and does not grow with the point rate, except for the value
// histogram of a bucket, which is capped at maxBins entries.
//
// The window reported at time now is made of the buckets whose span intersects
// (now-window, now], so it covers between window-width and window of time: a 1 m window holds
// 59 to 60 s of points. Count, Min, Max and Mean are exact over the points in those buckets;
// RatePerSec is the exact least-squares slope through them. P95 is approximate, with a bound
// reported in P95RelError (see p95).
const bucketsPerWindow = 60

// Histogram bins are logarithmic (the DDSketch mapping): at resolution level 0, bin k holds the
// values in (gamma^(k-1), gamma^k] and reports 2*gamma^k/(gamma+1), which is within relAccuracy
// (1%) of every value of the bin. Negative values mirror the positive bins; |v| < minMagnitude
// counts as 0. A bucket keeps at most maxBins bins: beyond that it halves its resolution (level
// s+1 merges pairs of level-s bins, gamma becomes gamma^2, as in UDDSketch), so its memory is
// bounded whatever the point rate and the spread of values, and its error grows only as far as
// the spread of values in that one bucket demands.
const (
	relAccuracy  = 0.01
	minMagnitude = 1e-12
	binOffset    = 1 << 13 // keeps positive-value keys above 0 and negative-value keys below
	maxBinIndex  = 1<<13 - 1
	maxBins      = 128
)

var (
	gamma    = (1 + relAccuracy) / (1 - relAccuracy)
	logGamma = math.Log(gamma)
)

// binKey maps v to an ordered level-0 histogram key: keys sort like their values.
func binKey(v float64) int32 {
	a := math.Abs(v)
	if a < minMagnitude {
		return 0
	}
	k := math.Ceil(math.Log(a) / logGamma)
	k = max(-maxBinIndex, min(maxBinIndex, k))
	key := int32(k) + binOffset
	if v < 0 {
		return -key
	}
	return key
}

// coarsen maps a key of level s to level s+shift: index k becomes ceil(k / 2^shift). The
// mapping keeps the order of keys.
func coarsen(key int32, shift uint8) int32 {
	if key == 0 || shift == 0 {
		return key
	}
	sign := int32(1)
	if key < 0 {
		sign, key = -1, -key
	}
	k := int64(key - binOffset)
	d := int64(1) << shift
	k = -floorDiv(-k, d) // ceil(k / d)
	return sign * (int32(k) + binOffset)
}

// levelGamma is gamma at resolution level s: gamma^(2^s).
func levelGamma(s uint8) float64 { return math.Exp(logGamma * float64(uint64(1)<<s)) }

// binValue is the value a key of level s reports.
func binValue(key int32, s uint8) float64 {
	switch {
	case key == 0:
		return 0
	case key < 0:
		return -binValue(-key, s)
	}
	g := levelGamma(s)
	return 2 * math.Exp(float64(key-binOffset)*math.Log(g)) / (g + 1)
}

// relError is the largest relative error of a value read from a bin of level s.
func relError(s uint8) float64 {
	g := levelGamma(s)
	return (g - 1) / (g + 1)
}

type binCount struct {
	key int32
	n   uint32
}

type bucket struct {
	idx           int64 // bucket number: floor(unix nanos / width); valid while count > 0
	count         int
	min, max, sum float64
	// least-squares sums, t in seconds since the bucket's start: Σt, Σt², Σt·v
	st, stt, stv float64
	hist         []binCount // at most maxBins, at resolution level shift
	shift        uint8
}

type window struct {
	span    time.Duration
	width   int64 // bucket width in nanoseconds
	buckets [bucketsPerWindow]bucket
}

func newWindow(span time.Duration) *window {
	w := &window{span: span, width: max(1, int64(span)/bucketsPerWindow)}
	// One backing array for the histograms of all buckets, sized for a series sampled every
	// second (one distinct bin per point); busier buckets grow their own.
	c := int(min(16, max(1, w.width/int64(time.Second))))
	backing := make([]binCount, bucketsPerWindow*c)
	for i := range w.buckets {
		w.buckets[i].hist = backing[i*c : i*c : (i+1)*c]
	}
	return w
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// add records value v (with histogram key key) at unix nanos t. Points older than the window
// already covers are dropped.
func (w *window) add(t int64, v float64, key int32) {
	idx := floorDiv(t, w.width)
	b := &w.buckets[int(((idx%bucketsPerWindow)+bucketsPerWindow)%bucketsPerWindow)]
	if b.count == 0 || b.idx != idx {
		if b.count > 0 && b.idx > idx {
			return // this slot already holds newer data: the point is out of the window
		}
		*b = bucket{idx: idx, min: v, max: v, hist: b.hist[:0]}
	}
	b.count++
	b.min = min(b.min, v)
	b.max = max(b.max, v)
	b.sum += v
	ts := float64(t-idx*w.width) / 1e9
	b.st += ts
	b.stt += ts * ts
	b.stv += ts * v
	b.addBin(key)
}

func (b *bucket) addBin(key int32) {
	key = coarsen(key, b.shift)
	h := b.hist
	for i := len(h) - 1; i >= 0; i-- {
		if h[i].key == key {
			h[i].n++
			return
		}
	}
	b.hist = append(h, binCount{key: key, n: 1})
	for len(b.hist) > maxBins {
		b.halve()
	}
}

// halve moves the bucket's histogram one resolution level down, merging pairs of bins.
func (b *bucket) halve() {
	b.shift++
	h := b.hist
	slices.SortFunc(h, cmpKey)
	out := h[:0]
	for _, c := range h {
		c.key = coarsen(c.key, 1)
		if len(out) > 0 && out[len(out)-1].key == c.key {
			out[len(out)-1].n += c.n
			continue
		}
		out = append(out, c)
	}
	clear(h[len(out):])
	b.hist = out
}

func cmpKey(a, b binCount) int { return int(a.key) - int(b.key) }

// WindowStats are the statistics of one rolling window of a series. With Count 0 the other
// fields are 0.
type WindowStats struct {
	Window     time.Duration `json:"window"` // in JSON: nanoseconds
	Count      int           `json:"count"`
	Min        float64       `json:"min"`
	Max        float64       `json:"max"`
	Mean       float64       `json:"mean"`
	P95        float64       `json:"p95"`
	RatePerSec float64       `json:"rate_per_sec"` // least-squares slope through the window's points, per second
	// P95RelError bounds the relative error of P95: 0.01 unless the values that fell into one
	// time bucket spread so widely that the bucket had to coarsen its histogram (see p95).
	P95RelError float64 `json:"p95_rel_error"`
}

// stats computes the window as of unix nanos now. scratch is reused between calls.
func (w *window) stats(now int64, scratch *[]binCount) WindowStats {
	ws := WindowStats{Window: w.span}
	cur := floorDiv(now, w.width)
	oldest := cur - bucketsPerWindow + 1
	var sum, st, stt, stv float64
	var level uint8
	for i := range w.buckets {
		b := &w.buckets[i]
		if b.count == 0 || b.idx < oldest || b.idx > cur {
			continue
		}
		level = max(level, b.shift)
		if ws.Count == 0 {
			ws.Min, ws.Max = b.min, b.max
		}
		ws.Count += b.count
		ws.Min = min(ws.Min, b.min)
		ws.Max = max(ws.Max, b.max)
		sum += b.sum
		// shift the bucket's time origin to the window's: t' = t + c
		c := float64((b.idx-oldest)*w.width) / 1e9
		n := float64(b.count)
		st += b.st + n*c
		stt += b.stt + 2*c*b.st + n*c*c
		stv += b.stv + c*b.sum
	}
	hist := (*scratch)[:0]
	if ws.Count > 0 {
		for i := range w.buckets {
			b := &w.buckets[i]
			if b.count == 0 || b.idx < oldest || b.idx > cur {
				continue
			}
			for _, h := range b.hist {
				hist = append(hist, binCount{key: coarsen(h.key, level-b.shift), n: h.n})
			}
		}
	}
	*scratch = hist
	if ws.Count == 0 {
		return ws
	}
	n := float64(ws.Count)
	ws.Mean = sum / n
	if sxx := stt - st*st/n; ws.Count > 1 && sxx > 1e-12 {
		ws.RatePerSec = (stv - st*sum/n) / sxx
	}
	ws.P95 = p95(hist, level, ws.Count, ws.Min, ws.Max)
	ws.P95RelError = relError(level)
	return ws
}

// p95 is the nearest-rank 95th percentile (the value at rank ceil(0.95*count)) read from the
// merged bucket histograms at the coarsest level among them, clamped to [min, max].
//
// Error bound: the rank is found exactly, so the result is within relError(level) of the exact
// nearest-rank p95 of the window's points (values below 1e-12 in magnitude read as 0). level is
// 0 (1%) unless a single time bucket held values spanning more than a factor of about 13
// (maxBins bins of 2%); each halving doubles the bins' width: 2% up to a factor of ~166 within
// one bucket, 4% up to ~27,000, 8% up to ~7e8. A series sampled every second never gets there
// in practice (a 15 m window's bucket holds 15 points). P95RelError reports the bound.
func p95(hist []binCount, level uint8, count int, lo, hi float64) float64 {
	if lo == hi {
		return lo
	}
	rank := uint64(math.Ceil(0.95 * float64(count)))
	return max(lo, min(hi, binValue(selectRank(hist, rank), level)))
}

// selectRank returns the key that holds the rank-th (1-based) point of the weighted bins in h,
// by quickselect with a three-way partition: O(len(h)) expected, h is reordered.
func selectRank(h []binCount, rank uint64) int32 {
	for len(h) > 1 {
		a, b, c := h[0].key, h[len(h)/2].key, h[len(h)-1].key
		pivot := max(min(a, b), min(max(a, b), c)) // median of three
		// h[:lt] < pivot, h[lt:i] == pivot, h[gt:] > pivot
		lt, i, gt := 0, 0, len(h)
		var wLess, wEq uint64
		for i < gt {
			switch k := h[i].key; {
			case k < pivot:
				wLess += uint64(h[i].n)
				h[lt], h[i] = h[i], h[lt]
				lt++
				i++
			case k > pivot:
				gt--
				h[gt], h[i] = h[i], h[gt]
			default:
				wEq += uint64(h[i].n)
				i++
			}
		}
		switch {
		case rank <= wLess:
			h = h[:lt]
		case rank <= wLess+wEq:
			return pivot
		default:
			rank -= wLess + wEq
			h = h[gt:]
		}
	}
	if len(h) == 0 {
		return 0 // not reached while rank <= the total weight
	}
	return h[0].key
}

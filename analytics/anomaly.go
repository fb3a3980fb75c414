package analytics

import "math"

// Anomaly detection, per series:
//
//   - The baseline is an exponentially weighted mean and variance of the series (weight Alpha per
//     point; the first 1/Alpha points weigh 1/n, so the warm-up is a plain average).
//   - A point is out of band when |x - mean| > ZThreshold * sd, where sd is the EWMA standard
//     deviation floored at minRelStd of |mean|, so a perfectly flat series (a constant process
//     count, a total memory) does not turn its first small change into an infinite z-score.
//   - Nothing is judged before MinSamples points have formed the baseline.
//   - Consecutive out-of-band points on the same side form an episode. While it is pending the
//     baseline is frozen (short spikes do not pollute it). When it has lasted Sustain the episode
//     fires one insight, unless the series fired less than Cooldown ago; either way the episode
//     is then settled: the baseline resumes learning, adapts to a lasting new level, and the
//     episode ends at the first point back in band. One episode yields at most one insight.
const minRelStd = 0.05

type baseline struct {
	n          int
	mean, vari float64
}

func (b *baseline) learn(x, alpha float64) {
	b.n++
	a := max(alpha, 1/float64(b.n))
	d := x - b.mean
	b.mean += a * d
	b.vari = (1 - a) * (b.vari + a*d*d)
}

func (b *baseline) sd() float64 {
	return max(math.Sqrt(b.vari), minRelStd*math.Abs(b.mean), 1e-12)
}

type episode struct {
	dir      int   // +1 above the band, -1 below, 0 none
	start    int64 // unix nanos of its first point
	n        int
	sum      float64
	lo, hi   float64
	settled  bool
	baseline float64 // the frozen baseline mean and sd it is measured against
	sd       float64
}

// detector is the anomaly state of one series.
type detector struct {
	base      baseline
	ep        episode
	lastFired int64 // unix nanos; 0 never
}

// firing describes an episode that fires now; the engine turns it into an Insight.
type firing struct {
	dir       int
	immediate bool
	start, at int64
	value     float64 // mean of the episode's points
	last      float64
	lo, hi    float64
	baseline  float64
	z         float64
}

// observe feeds one in-order point and reports whether an insight fires.
func (d *detector) observe(t int64, x float64, cfg *Config) (firing, bool) {
	if d.base.n < cfg.MinSamples {
		d.base.learn(x, cfg.Alpha)
		return firing{}, false
	}
	dir := 0
	if ep := &d.ep; ep.dir != 0 && !ep.settled {
		dir = side(x, ep.baseline, ep.sd, cfg.ZThreshold)
	} else {
		dir = side(x, d.base.mean, d.base.sd(), cfg.ZThreshold)
	}
	if dir == 0 || dir != d.ep.dir {
		d.ep = episode{}
	}
	if dir == 0 {
		d.base.learn(x, cfg.Alpha)
		return firing{}, false
	}
	ep := &d.ep
	if ep.dir == 0 {
		*ep = episode{dir: dir, start: t, lo: x, hi: x, baseline: d.base.mean, sd: d.base.sd()}
	}
	ep.n++
	ep.sum += x
	ep.lo = min(ep.lo, x)
	ep.hi = max(ep.hi, x)
	if ep.settled {
		d.base.learn(x, cfg.Alpha)
		return firing{}, false
	}
	if cfg.Sustain >= 0 && t-ep.start < int64(cfg.Sustain) {
		return firing{}, false // pending: baseline frozen
	}
	ep.settled = true
	d.base.learn(x, cfg.Alpha)
	if d.lastFired != 0 && cfg.Cooldown > 0 && t-d.lastFired < int64(cfg.Cooldown) {
		return firing{}, false
	}
	d.lastFired = t
	mean := ep.sum / float64(ep.n)
	return firing{
		dir: dir, immediate: cfg.Sustain < 0, start: ep.start, at: t,
		value: mean, last: x, lo: ep.lo, hi: ep.hi,
		baseline: ep.baseline, z: (mean - ep.baseline) / ep.sd,
	}, true
}

func side(x, mean, sd, threshold float64) int {
	z := (x - mean) / sd
	switch {
	case z > threshold:
		return 1
	case z < -threshold:
		return -1
	}
	return 0
}

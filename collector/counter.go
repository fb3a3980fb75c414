package collector

import (
	"math"
	"time"
)

// counterDelta returns how much a cumulative counter advanced from prev to cur.
//
// A decrease is a wrap only for a counter that was 32-bit sized (prev fits in 32 bits) and only
// when it is plausible: the wrapped advance must be less than half the 32-bit range (2^31).
// Anything else that goes backwards (a 64-bit counter, a driver or device reset, a re-created
// interface) is a reset: ok is false and the caller skips that interval's rate for the series, so
// a reset never produces a negative rate or a huge spike.
func counterDelta(prev, cur uint64) (delta uint64, ok bool) {
	if cur >= prev {
		return cur - prev, true
	}
	if prev <= math.MaxUint32 {
		d := (math.MaxUint32 - prev) + cur + 1
		if d < 1<<31 {
			return d, true
		}
	}
	return 0, false
}

// Rate turns a cumulative counter into a per-second rate with the same wrap and reset rules as
// the collector's own series. Config.Self implementations use it for counters such as delivered
// messages. The zero value is ready to use; a Rate is not safe for concurrent use.
type Rate struct {
	prev uint64
	at   time.Time
	have bool
}

// Update records counter at time at and returns the rate since the previous Update. ok is false
// on the first call, when time did not advance, and when the counter was reset.
func (r *Rate) Update(at time.Time, counter uint64) (perSec float64, ok bool) {
	prev, prevAt, had := r.prev, r.at, r.have
	r.prev, r.at, r.have = counter, at, true
	if !had {
		return 0, false
	}
	dt := at.Sub(prevAt).Seconds()
	if dt <= 0 {
		return 0, false
	}
	d, ok := counterDelta(prev, counter)
	if !ok {
		return 0, false
	}
	return float64(d) / dt, true
}

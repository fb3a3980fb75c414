package client

import (
	"math/rand/v2"
	"time"
)

// Default reconnection backoff bounds.
const (
	DefaultMinBackoff = 200 * time.Millisecond
	DefaultMaxBackoff = 30 * time.Second
)

// stableAfter is how long a connection must have lived for the next reconnection to start again
// from the smallest backoff. A server that accepts and drops connections at once thus still sees
// growing delays.
const stableAfter = 10 * time.Second

// backoffCeil returns the upper bound of the delay before reconnection attempt number attempt
// (0-based): min·2^attempt, capped at max.
func backoffCeil(minD, maxD time.Duration, attempt int) time.Duration {
	if minD <= 0 {
		minD = DefaultMinBackoff
	}
	if maxD < minD {
		maxD = minD
	}
	d := minD
	for range attempt {
		if d >= maxD/2 {
			return maxD
		}
		d *= 2
	}
	return min(d, maxD)
}

// backoffDelay returns the delay before reconnection attempt number attempt (0-based): exponential
// backoff with full jitter, uniform in [0, backoffCeil].
func backoffDelay(minD, maxD time.Duration, attempt int) time.Duration {
	return time.Duration(rand.Int64N(int64(backoffCeil(minD, maxD, attempt)) + 1))
}

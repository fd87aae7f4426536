package trace

import (
	"testing"
	"time"
)

// The token bucket needs a controllable clock, which only the package can
// inject.
func TestRateLimitingTokenBucket(t *testing.T) {
	t.Parallel()
	var now time.Duration
	clock := func() time.Duration { return now }
	r := newRateLimiting(2, clock)
	take := func() (n int) {
		for range 100 {
			if r.ShouldSample(SamplingParameters{}).Sample {
				n++
			}
		}
		return n
	}
	steps := []struct {
		advance time.Duration
		want    int
	}{
		{0, 2},                       // full bucket: burst of qps
		{250 * time.Millisecond, 0},  // half a token
		{250 * time.Millisecond, 1},  // one token after 500 ms
		{10 * time.Second, 2},        // refills only up to the burst
		{1500 * time.Millisecond, 2}, // three tokens' time, capped at two
	}
	for i, s := range steps {
		now += s.advance
		if got := take(); got != s.want {
			t.Errorf("step %d: sampled %d, want %d", i, got, s.want)
		}
	}
	fast := newRateLimiting(1e12, clock)
	if !fast.ShouldSample(SamplingParameters{}).Sample {
		t.Error("very high qps did not sample")
	}
}

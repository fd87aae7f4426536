package trace

import (
	"testing"
	"time"
)

func TestNowFollowsTheWallClock(t *testing.T) {
	for range 3 {
		before := time.Now()
		got := now()
		after := time.Now()
		// Derived wall time may stray by the slew over one anchor life;
		// allow a millisecond, far above any real slew.
		if got.Before(before.Add(-time.Millisecond)) || got.After(after.Add(time.Millisecond)) {
			t.Fatalf("now() = %v, outside [%v, %v]", got, before, after)
		}
		// The monotonic reading is kept: Since and Sub use it.
		if got.Round(0) == got {
			t.Fatal("now() has no monotonic reading")
		}
		if d := time.Since(got); d < 0 || d > time.Second {
			t.Fatalf("time.Since(now()) = %v", d)
		}
		time.Sleep(anchorLife + time.Millisecond) // the next round takes a new anchor
	}
}

func TestNowNeverRunsBackwards(t *testing.T) {
	prev := now()
	for range 20000 {
		n := now()
		if n.Before(prev) {
			t.Fatalf("now() went from %v back to %v", prev, n)
		}
		prev = n
	}
}

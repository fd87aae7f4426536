package trace

import (
	"sync/atomic"
	"time"
)

// now returns the current time, like time.Now, with one clock read instead
// of time.Now's two (wall and monotonic). It adds the monotonic time elapsed
// since a recent anchor to that anchor's wall time, and takes a new anchor
// with time.Now once the old one is anchorLife old. Between anchors, the wall
// time so derived can stray from the system's by the clock's slew over
// anchorLife (microseconds at most); a step of the system clock shows within
// anchorLife. The monotonic clock stops while the machine sleeps, so spans
// started in the first anchorLife after a resume may carry a wall time as
// old as the suspend. The result carries a monotonic reading, as time.Now's
// does.
func now() time.Time {
	if a := anchor.Load(); a != nil {
		if d := time.Since(*a); d >= 0 && d < anchorLife {
			return a.Add(d)
		}
	}
	t := time.Now()
	anchor.Store(&t)
	return t
}

const anchorLife = 10 * time.Millisecond

var anchor atomic.Pointer[time.Time]

package trace

import (
	"encoding/binary"
	"math/rand/v2"
)

// IDGenerator makes trace and span ids. Implementations must be safe for
// concurrent use, must not block, and must never return an all-zero id.
type IDGenerator interface {
	// NewIDs returns the ids of a new root span.
	NewIDs() (TraceID, SpanID)
	// NewSpanID returns the id of a new span in trace t.
	NewSpanID(t TraceID) SpanID
}

// randomIDs is the default generator. It draws from math/rand/v2's top-level
// source, which is the runtime's per-thread ChaCha8 generator seeded from the
// operating system's entropy source (the same source as crypto/rand): no
// lock, no shared state between cores, and unpredictable ids.
type randomIDs struct{}

func (randomIDs) NewIDs() (TraceID, SpanID) {
	var t TraceID
	for !t.IsValid() {
		binary.LittleEndian.PutUint64(t[:8], rand.Uint64())
		binary.LittleEndian.PutUint64(t[8:], rand.Uint64())
	}
	return t, newSpanID()
}

func (randomIDs) NewSpanID(TraceID) SpanID { return newSpanID() }

func newSpanID() SpanID {
	var s SpanID
	for !s.IsValid() {
		binary.LittleEndian.PutUint64(s[:], rand.Uint64())
	}
	return s
}

// RandomIDGenerator returns the default IDGenerator: random ids from a
// per-thread cryptographically seeded generator.
func RandomIDGenerator() IDGenerator { return randomIDs{} }

package zpages

import "time"

// Test hooks: a fixed clock, a snapshot on demand and the data behind the
// pages.

type (
	Summary = summary
	RPCRow  = rpcRow
)

func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

func (h *Handler) TakeSnapshot() { h.snapshot() }

func (h *Handler) Summaries() (rows []Summary, overflow Summary, overflowNames int) {
	return h.spans.summaries()
}

func (h *Handler) RPCRows() (server, client []RPCRow) {
	return h.history.rows(collect(h.manager.Read(), h.now()))
}

// SampleNames returns the span ids of the kept spans of name; kind is
// "running", "error" or "latency".
func (h *Handler) SampleNames(name, kind string, bucket int) []string {
	k := map[string]sampleKind{"running": kindRunning, "latency": kindLatency, "error": kindError}[kind]
	var out []string
	for _, s := range h.spans.samplesOf(name, k, bucket) {
		out = append(out, s.SpanID.String())
	}
	return out
}

const NumBuckets = numBuckets

package otlpexporter

import "github.com/gocensus/gocensus/sdk/trace"

// EncodeSpansForBenchmark encodes spans the way ExportSpans does, without a
// network, so benchmarks can measure the encoding alone. The buffers go back
// to the pool as after a delivery, the steady state.
func EncodeSpansForBenchmark(spans []*trace.SpanData) int {
	e := spanEncoder{resources: &resourceMapper{}}
	n := 0
	for _, r := range e.encode(spans, DefaultMaxRequestBytes, maxRequestItems) {
		n += len(r.b)
		putBuffer(r.b)
	}
	return n
}

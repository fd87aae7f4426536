package otlpexporter

import "github.com/gocensus/gocensus/sdk/trace"

// EncodeSpansForBenchmark encodes spans the way ExportSpans does, without a
// network, so benchmarks can measure the encoding alone.
func EncodeSpansForBenchmark(spans []*trace.SpanData) int {
	e := spanEncoder{resources: &resourceMapper{}}
	n := 0
	for _, r := range e.encode(spans, DefaultMaxRequestBytes, maxRequestItems) {
		n += len(r.b)
	}
	return n
}

// Package trace records spans: timed, named operations that form a trace
// across goroutines and processes, in the OpenCensus model (attributes,
// annotations, message events, links, status) with the OpenCensus wire
// compatibility (ids, sampled bit, probability sampling decisions).
//
// # Which API to pick
//
//   - Build one Tracer per process with NewTracer and pass it to the code
//     that needs it. WithBatcher(exporter) is the production pipeline;
//     WithSyncer(exporter) exports from End, for tests and debugging.
//   - Tracer.Start(ctx, name) is the usual way to start a span: the parent
//     comes from ctx and the returned ctx carries the new span to callees.
//     Tracer.StartSpan(parent, name) starts a span without a context, for
//     spans that do not follow call nesting. Instrumentation that keeps
//     state per operation can embed a SpanNode in it and use
//     Tracer.StartIn, which makes that state the span's context.
//   - Server instrumentation puts the caller's span context in ctx with
//     ContextWithRemoteSpanContext (or passes WithRemoteParent); untrusted
//     callers get WithNewRoot plus WithLinks instead.
//   - Default and the package-level Start exist for small programs: they
//     print sampled spans as JSON lines to standard output and sample one
//     trace in 10 000, as OpenCensus did.
//   - tracetest has an in-memory exporter and a span recorder for tests.
//
// # Sampling
//
// The tracer's Sampler decides for root spans and for spans whose parent is
// remote. A span whose parent is in the same process inherits the parent's
// decision, so a trace is never cut in half within a process; WithSpanSampler
// overrides that for one span. ProbabilitySampler decides from the trace id
// with opencensus-go's rule, so OpenCensus and gocensus services agree.
// ParentBased honours (or overrides) the sampled bit of incoming requests;
// RateLimitingSampler caps sampled traces per second. SetSampler and
// SetLimits swap configuration atomically while spans are being started.
//
// # Cost
//
// A span that is not sampled costs one small allocation (the context node
// that also holds it) and nothing at End. A sampled span, its context node
// and its SpanData are one allocation; End hands that SpanData to the
// processors without copying, and the batch processor queues it in a
// lock-free ring. Options such as WithSpanKind cost nothing.
//
// # Limits
//
// Spans keep at most 32 attributes, 32 annotations, 128 message events and 32
// links by default (the OpenCensus defaults); see SpanLimits for what is
// dropped and how drops are counted in SpanData.
//
// # Bad input
//
// Nothing here panics on bad input. An empty span name is kept as is (no
// substitute is invented). An attribute with an empty key is dropped and
// counted in DroppedAttributeCount. Strings are kept byte for byte, invalid
// UTF-8 included, and float values are kept even when NaN or infinite:
// exporters sanitise them for their wire format (AppendJSON, for example,
// replaces invalid bytes and writes NaN as a string). A nil context is
// treated as context.Background(). A nil *Span and a nil *Tracer are safe to
// use and record nothing.
//
// # Stability
//
// Beta: the API may still change in a minor release before gocensus 1.0;
// the README explains the versioning promise.
package trace

// Package tracetest is a test kit for code instrumented with
// github.com/gocensus/gocensus/sdk/trace: an exporter that keeps spans in
// memory, a processor that records spans as they start and end, and an id
// generator with predictable ids for examples and golden files.
//
// Pick InMemoryExporter to assert on what an exporter would receive (use it
// with trace.WithSyncer so spans are there as soon as End returns), and
// SpanRecorder to also see spans that have started but not ended.
//
// # Stability
//
// Beta: the API may still change in a minor release before gocensus 1.0;
// the README explains the versioning promise.
package tracetest

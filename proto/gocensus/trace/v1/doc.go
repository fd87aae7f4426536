// Package tracepb is the generated Go code for gocensus.trace.v1: the Span
// wire model (with its attributes, time events, links, stack trace and
// status) and TraceConfig, the sampler and limits an agent can push.
//
// Every field number, field name, type and enum value matches OpenCensus'
// opencensus.proto.trace.v1 (opencensus-proto v0.4.1), so a Span marshaled
// here is byte for byte the Span an OpenCensus peer would send, and JSON
// encodings agree too. The proto package name differs on purpose: protobuf-go
// panics at start-up when two linked files register one full name, and many
// binaries already link the upstream package. The interop module checks the
// two definitions against each other.
//
// Use sdk/trace to record spans; this package is what exporters convert
// sdk/trace's SpanData into before sending it.
//
// # Stability
//
// Beta: the API may still change in a minor release before gocensus 1.0;
// the README explains the versioning promise.
package tracepb

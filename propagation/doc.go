// Package propagation carries a trace.SpanContext across process
// boundaries: into and out of gRPC metadata, HTTP headers or any key/value
// carrier, in the wire formats that OpenCensus, OpenTelemetry, Zipkin and
// Google Cloud services speak.
//
// # Which propagator
//
//   - Binary: the OpenCensus binary format in the "grpc-trace-bin" metadata
//     key. The default between gRPC services, and what every opencensus-go,
//     opencensus-java, opencensus-python and grpc-go OpenTelemetry-plugin
//     peer sends and expects. gRPC metadata only.
//   - TraceContext: W3C traceparent and tracestate. The default for HTTP and
//     for OpenTelemetry peers; works over gRPC metadata too.
//   - B3: Zipkin's X-B3-* headers, or the single "b3" header with
//     B3{SingleHeader: true}. For Zipkin, Envoy/Istio meshes and ochttp.
//     A B3 header can carry a sampling decision without ids ("b3: 0"),
//     which servers read through DecisionExtractor, or ids without a
//     decision, which DeferralExtractor reports.
//   - CloudTrace: Google Cloud's X-Cloud-Trace-Context, added by Google
//     front ends.
//   - OCText: opencensus-python's opencensus-trace-* headers, for old
//     Python services only.
//   - Composite: several of the above at once, for fleets in migration:
//     inject every format, extract the first that is present and valid, in
//     the order given. A gRPC server that must accept both OpenCensus and
//     OpenTelemetry clients uses
//     Composite{Binary{}, TraceContext{}}.
//
// Propagators are empty (or one-field) structs whose zero value works; they
// hold no state and are safe for concurrent use. Carriers adapt the common
// stores without copying: HeaderCarrier(r.Header), MetadataCarrier(md) for a
// google.golang.org/grpc/metadata.MD (this package does not import gRPC),
// and MapCarrier.
//
// Extract never panics. It returns a valid SpanContext with Remote set, or
// the zero SpanContext and a nil error when the carrier holds nothing in
// that format, or the zero SpanContext and an error (test with errors.Is
// against the Err variables) when the input is malformed. Callers that do
// not care why simply check IsValid and start a new trace.
//
// # Binary format (grpc-trace-bin)
//
// Version 0 of the OpenCensus binary encoding is a version byte followed by
// fields, each a one-byte field id and a fixed-size value. PutBinary and
// AppendBinary always write all three fields in id order, 29 bytes:
//
//	offset  size  value
//	     0     1  version, 0x00
//	     1     1  field id 0x00: trace id
//	  2-17    16  trace id
//	    18     1  field id 0x01: span id
//	 19-26     8  span id (the sender's span, parent of the receiver's)
//	    27     1  field id 0x02: trace options
//	    28     1  options byte; bit 0 = sampled, other bits carried as is
//
// The specification example, trace id 4bf92f3577b34da6a3ce929d000e4736,
// span id 34f067aa0ba902b7, sampled, encodes as
//
//	00 00 4bf92f3577b34da6a3ce929d000e4736 01 34f067aa0ba902b7 02 01
//
// Emitting the full, ordered form satisfies every known decoder (Java needs
// at least 28 bytes in order, Python and grpc-go's plugin exactly 29).
// FromBinary is lenient as the encoding rules ask: any field order, repeats
// (last wins), stop at the first unknown field id, options default to 0. It
// refuses a version other than 0, a truncated field, and a missing or
// all-zero trace id or span id. Tracestate does not travel in this format.
//
// # W3C Trace Context
//
// traceparent is "00-" + 32 hex trace id + "-" + 16 hex parent id + "-" + 2
// hex flags, lowercase, 55 characters. See TraceContext for the parsing
// rules and trace.ParseTracestate for tracestate.
//
// # Performance
//
// Decoding allocates nothing, except to rebuild a tracestate that arrives
// split over several headers or not in canonical form. Encoding into a
// caller's buffer (PutBinary, AppendBinary, AppendTraceparent) allocates
// nothing; Inject into HeaderCarrier or MetadataCarrier costs at most one
// allocation per header written, holding both the value and its
// one-element slice. The allocation budgets are checked by tests.
//
// # Stability
//
// Beta: the API may still change in a minor release before gocensus 1.0;
// the README explains the versioning promise.
package propagation

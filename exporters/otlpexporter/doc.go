// Package otlpexporter sends gocensus spans and metrics to an OpenTelemetry
// Collector, or any backend that speaks OTLP/gRPC.
//
// No maintained collector accepts the OpenCensus agent protocol any more;
// OTLP is what they all receive. Use this exporter to ship to a collector
// or an OTLP-native backend, the agent exporter only for an existing
// OpenCensus agent, and the print, file or log exporters while developing.
//
// # Use
//
// One Exporter serves one signal owner; give the tracer and the stats
// manager one each, since each shuts its exporter down:
//
//	spans, err := otlpexporter.New(
//		otlpexporter.WithEndpoint("collector:4317"),
//		otlpexporter.WithInsecure(),
//		otlpexporter.WithServiceName("checkout"),
//	)
//	if err != nil { ... }
//	tracer := trace.NewTracer(trace.WithBatcher(spans))
//	defer tracer.Shutdown(ctx)
//
//	metrics, err := otlpexporter.New(otlpexporter.WithServiceName("checkout"))
//	if err != nil { ... }
//	views := stats.NewManager(stats.WithExporter(metrics))
//	defer views.Shutdown(ctx)
//
// New does not connect; the first export does, and the exporter reconnects
// by itself, so programs start while the collector is down.
//
// # Configuration and precedence
//
// Every setting comes from, in increasing precedence: the defaults
// (localhost:4317 with TLS, no compression, 10 s per RPC), the
// OpenTelemetry environment variables, then the Options given to New:
//
//	OTEL_EXPORTER_OTLP_ENDPOINT     host:port, or a URL whose scheme picks
//	                                TLS (https) or plaintext (http)
//	OTEL_EXPORTER_OTLP_INSECURE     true for plaintext with a host:port
//	OTEL_EXPORTER_OTLP_CERTIFICATE  PEM file of the CA that signed the
//	                                collector's certificate
//	OTEL_EXPORTER_OTLP_HEADERS      k1=v1,k2=v2 (values URL-encoded), sent
//	                                as gRPC metadata
//	OTEL_EXPORTER_OTLP_COMPRESSION  gzip or none
//	OTEL_EXPORTER_OTLP_TIMEOUT      per-RPC timeout in milliseconds
//
// Each also exists per signal, OTEL_EXPORTER_OTLP_TRACES_* and
// OTEL_EXPORTER_OTLP_METRICS_*, which replaces the general variable for
// that signal. An Option replaces both, except WithHeaders, whose keys are
// merged over the environment's. A setting given as an Option is not read
// from the environment at all.
//
// # Delivery
//
// ExportSpans and ExportMetrics convert and encode on the caller's
// goroutine, queue the request and return; a sender goroutine per signal
// sends unary Export RPCs, one at a time unless WithConcurrency allows
// more. Memory stays bounded by WithQueueBudget: past
// it the oldest requests are dropped, or, with WithBlocking, the exporter
// applies backpressure instead. Failed RPCs are retried with capped
// exponential backoff and jitter when the OTLP specification says they may
// be (CANCELLED, DEADLINE_EXCEEDED, ABORTED, OUT_OF_RANGE, UNAVAILABLE,
// DATA_LOSS, and RESOURCE_EXHAUSTED carrying RetryInfo), waiting at least
// the delay a server asks for in RetryInfo. Other errors drop the request.
// Requests are split to stay under WithMaxRequestBytes (just under gRPC's
// 4 MiB default). Stats counts every span and data point as sent, dropped
// by reason, or pending; a warning is logged when loss starts and when it
// ends, and once when the collector first reports a partial success.
// Shutdown delivers what it can by its deadline and reports the rest.
//
// The exporter's own RPCs are never traced: it dials a plain connection.
//
// # Mapping
//
// Spans keep their ids, parent, name, times, tracestate and attributes
// (typed). The W3C trace flags fill the low byte of Span.flags, with the
// OTLP bits saying whether the parent was remote. Kinds map one to one;
// Unspecified becomes INTERNAL, as OpenTelemetry treats it. Annotations
// become events named by their message; message events become events
// named "message" with the RPC semantic conventions' attributes
// message.type (SENT or RECEIVED), message.id, message.uncompressed_size
// and, when recorded, message.compressed_size. Events are merged in time
// order. Links keep their tracestate and attributes; a link type becomes
// the opencensus.link.type attribute. Status code 0 (OK) is left UNSET,
// meaning no error, as OpenTelemetry's OpenCensus bridge does; any other
// code becomes ERROR with the message, and its canonical name goes in the
// opencensus.status_code attribute. Dropped attribute, event (annotations
// plus message events) and link counts are carried over.
//
// The resource comes from the span's or metric's Resource, else
// WithResource: labels become attributes, the OpenCensus resource type the
// opencensus.resourcetype attribute, and WithServiceName sets service.name.
// The instrumentation scope is ScopeName with the gocensus module version.
//
// Count and Sum views become monotonic cumulative Sums, LastValue views
// Gauges, Distribution views explicit-bucket cumulative Histograms with
// their exemplars (trace and span ids from the exemplar's attachments,
// other attachments as filtered attributes). Label values become
// attributes; absent ones are omitted. Summary and gauge-distribution
// metrics have no faithful OTLP form and are counted as unsupported.
//
// # Performance
//
// Spans are encoded straight to the wire format rather than through the
// generated message types, which costs a fraction of the time and no
// allocation per span; tests decode the output with the generated types
// and compare. Request buffers are reused once delivered. To compare with
// OpenTelemetry-Go's otlptracegrpc end to end (a burst of spans through
// each SDK's batcher to a receiver in another process, reporting spans
// received per second and peak RSS), run from the benchmarks module:
//
//	go run ./cmd/otlpload -spans 200000
//
// # Stability
//
// Beta: the API may still change in a minor release before gocensus 1.0;
// the README explains the versioning promise.
package otlpexporter

// Package agentexporter streams spans and metrics to an OpenCensus agent or
// collector over the OpenCensus agent protocol (v1), and takes sampling and
// limit updates back from it.
//
// # Why
//
// Fleets still running the OpenCensus agent, older OpenTelemetry Collectors
// with the opencensus receiver, or this package's own receiver (package
// agentreceiver) speak this protocol: long-lived bidirectional gRPC streams,
// one for spans, one for metrics and one for configuration. The exporter
// calls the OpenCensus method paths
// (/opencensus.proto.agent.trace.v1.TraceService/Export, ...) so stock
// receivers accept it. For modern collectors prefer otlpexporter.
//
// # Which API to pick
//
//   - New(WithAddress(addr), WithInsecure(), ...) builds an Exporter. It is a
//     trace.SpanExporter (hand it to trace.WithBatcher) and a
//     stats.MetricExporter (stats.WithExporter). The default address is
//     localhost:55678, with TLS unless WithInsecure.
//   - WithTracer(t) opens the Config stream: the agent's TraceConfig pushes
//     (probability, always, never, follow-parent or rate-limiting sampler,
//     and the span limits) are applied to t with SetSampler and SetLimits,
//     and echoed back. Without it the stream is not opened.
//   - WithBlocking() gives zero-loss backpressure; by default exports never
//     block and the oldest data goes when the queue budget (WithQueueBudget)
//     is full.
//   - Stats reports counters; WithStatsManager records them as views
//     (Views) such as gocensus.io/exporter/agent/dropped_spans by reason.
//
// # Wire behaviour
//
// The exporter does not batch further than the SDK: each ExportSpans call (a
// batch of the tracer's batcher, sized with trace.WithMaxExportBatchSize and
// trace.WithBatchTimeout) becomes one message, or several when it is larger
// than the message limit; each ExportMetrics call (one reporting period)
// likewise.
//
// The first message of each stream carries the Node (host, pid, start time,
// library, WithServiceName) and the stream resource (WithResource); later
// messages carry only spans or metrics, which inherit both (a span or metric
// with a different resource carries its own). Exports are encoded off the
// application's hot path, in the batcher's goroutine, and split so that no
// message exceeds 4 MiB − 64 KiB (WithMaxMessageBytes); a single span too
// large for one message loses its attributes, annotations, message events,
// links and stack trace (counted in its dropped counts) instead of breaking
// the stream. Receivers never answer Export messages, and the exporter does
// not wait for answers. Headers (WithHeaders), per-RPC credentials and gzip
// apply to every stream. The exporter's own RPCs are made on its own
// connection without census instrumentation, so they are never traced.
//
// # Reliability and delivery guarantees
//
// Spans and metrics wait in a bounded replay buffer (by count and bytes)
// while the agent is unreachable, slow, or between streams, and are sent
// after reconnecting; past the budget the oldest are dropped and counted,
// and a warning is logged once when loss starts and once when it ends, with
// the count. Reconnects back off exponentially with jitter, capped at 5 s by
// default (WithReconnectBackoff). A Send blocked on flow control for longer
// than WithStallTimeout tears the stream down and redials. When the
// connection goes away (GOAWAY from a server's GracefulStop, or a lost
// connection) streams are half-closed and reopened on the next connection.
//
// The protocol has no acknowledgements: a successful Send means gRPC took the
// message, not that the agent processed it, so a stream that breaks can lose
// what was sent just before. To narrow that window the exporter keeps batches
// sent in the last second (WithResendWindow) and sends them again when it sees
// the stream break; this is at-least-once within the window and may deliver
// duplicates. Batches older than the window, or confirmed by a clean end of
// stream at Shutdown, count as sent. An agent that processes messages much
// later than it receives them can still lose data on a crash.
//
// Shutdown flushes, half-closes the streams and waits for the agent to end
// them (the proof that everything was read), all within ctx's deadline; when
// the agent is down it returns by the deadline with the undelivered count.
// No goroutine outlives it.
//
// # Stability
//
// Beta: the API may still change in a minor release before gocensus 1.0;
// the README explains the versioning promise.
package agentexporter

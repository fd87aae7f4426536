// Package agentreceiver is an in-process server for the OpenCensus agent
// protocol (v1): the trace Export and Config streams and the metrics Export
// stream, answered on both the OpenCensus method paths
// (/opencensus.proto.agent.trace.v1.TraceService/...) and the gocensus ones.
//
// Use it in tests and examples as the far end of agentexporter, as a local
// relay that hands what OpenCensus applications send to any
// trace.SpanExporter or stats.MetricExporter (print, file, OTLP...), or to
// push sampling configuration to connected applications (PushConfig).
//
// # Which API to pick
//
//   - New(WithSpanExporter(e), WithMetricExporter(m)) converts what arrives
//     to trace.SpanData and stats.Metric (SpanFromProto, MetricFromProto)
//     and hands it over, one call at a time per exporter.
//   - WithSpanHandler and WithMetricHandler receive the raw protos with the
//     Node and Resource in force for them, for relays that forward as is.
//   - Serve(lis) runs a server with the receiver's limits; Register adds the
//     services to a server you own. Shutdown ends open streams (clients see
//     Unavailable and reconnect) and stops.
//
// # Stream rules and bad input
//
// Per stream, the first message must carry a Node; later messages without
// one belong to the last Node sent, and a request's resource applies to its
// spans and to later requests until replaced, while a span's or metric's own
// resource wins. A stream that breaks these rules or sends ids of the wrong
// length, a link with bad ids, or metric series that do not match their
// label keys is ended with InvalidArgument and a message saying what was
// wrong; undecodable bytes end it with gRPC's own error. Messages larger than
// WithMaxRecvMsgSize (4 MiB by default) end the stream with
// ResourceExhausted, as do streams beyond WithMaxStreams. Nothing a client
// sends can crash the receiver; the decoders are fuzzed.
//
// # Stability
//
// Beta: the API may still change in a minor release before gocensus 1.0;
// the README explains the versioning promise.
package agentreceiver

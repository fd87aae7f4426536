// Package censuslog correlates logs with traces: it puts the trace id, span
// id and sampled flag of the current span on log lines, so a log search for
// a trace id finds every line written while serving that request.
//
// # Which API to pick
//
//   - NewHandler wraps any log/slog handler. Records logged with a context
//     (Logger.InfoContext and friends) that holds a span, or the remote
//     parent a server interceptor stored, get trace_id, span_id and
//     trace_sampled attributes at the top level of the record, also under
//     Logger.WithGroup. Records without a span pass through unchanged for
//     the cost of one context lookup. Install it once, on the logger the
//     application already passes around; nothing global is changed.
//   - GRPCLoggingFields is the same correlation for go-grpc-middleware's
//     logging interceptors, whatever logger backs them (zap, zerolog, ...):
//     pass it to logging.WithFieldsFromContext and chain the logging
//     interceptor after censusgrpc's, so it sees the server span.
//     NewGRPCLoggingFields does the same with other keys. If the interceptor
//     logs through an slog logger already wrapped by NewHandler, the hook is
//     not needed.
//
// The key names default to those most log pipelines recognise and change
// with WithTraceIDKey, WithSpanIDKey and WithSampledKey; an empty key leaves
// that attribute out. Ids are lowercase hex: 32 characters for the trace id,
// 16 for the span id, as in the W3C and OpenCensus text formats.
//
// # Why a package of its own
//
// Correlation is not exporting: exporters/logexporter writes spans as log
// records, while this package decorates the application's own records. A
// service typically wants the second without the first, and it depends on
// the logging middleware, which the exporters do not need. It sits at the top
// of the module, beside propagation, because it belongs to neither the SDK
// nor one transport, and carries the project prefix, like censusgrpc, so it
// needs no import alias next to log/slog and the middleware's logging.
//
// # Stability
//
// Beta: the API may still change in a minor release before gocensus 1.0;
// the README explains the versioning promise.
package censuslog

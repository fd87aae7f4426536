// Package logexporter turns ended spans and metrics into log/slog records,
// one record per span or metric, on the *slog.Logger it is given.
//
// Use it when logs are the only pipeline a service has, or to put spans
// next to the application's own log lines: records carry trace_id and
// span_id, so a log search for a trace finds both. For machine-readable
// span files use fileexporter; its JSON schema is richer.
//
// A record's time is the span's end time, its message is the span name,
// and its level is Info for an OK status and Error otherwise (see
// WithLevel and WithErrorLevel). Its attributes are:
//
//	trace_id        string         32 hex characters
//	span_id         string         16 hex characters
//	parent_span_id  string         16 hex characters; absent for roots
//	kind            string         UNSPECIFIED, SERVER, CLIENT, PRODUCER, CONSUMER, INTERNAL
//	start_time      time.Time
//	duration        time.Duration
//	status_code     int            canonical gRPC code, 0 is OK
//	status_name     string         OK, CANCELLED, ...; CODE_<n> for unknown codes
//	status_message  string         absent when empty
//	attributes      group          the span attributes, by key; absent when none
//	annotations     []string       annotation messages; absent when none
//	message_events  int            absent when zero
//	links           int            absent when zero
//	dropped         group          attributes, annotations, message_events,
//	                               links counts; absent when nothing was dropped
//
// Float attributes that are NaN or infinite are logged as the strings
// "NaN", "+Inf" and "-Inf", as in the span JSON schema, because handlers
// that write JSON cannot encode them. The span's resource is not logged: it
// describes the process, which the logger's own attributes usually do.
//
// An Exporter is also a stats.MetricExporter. Each metric becomes one
// record at the WithLevel level, timed at its first point, with the metric
// name as message and one attribute, "metric", holding the whole metric in
// the schema of stats.Metric.AppendJSON: a JSON handler embeds it as an
// object, a text handler as a quoted string.
//
// The exporter uses only the logger it is given; it never falls back to
// slog.Default.
//
// # Stability
//
// Beta: the API may still change in a minor release before gocensus 1.0;
// the README explains the versioning promise.
package logexporter

// Package printexporter writes ended spans and metrics to standard output,
// or any io.Writer, as JSON Lines: one JSON object per span, one line each,
// in the schema documented on trace.SpanData.AppendJSON, and one per metric
// in the schema of stats.Metric.AppendJSON.
//
// Use it while developing, in examples, and in containers whose log
// collector already ships stdout somewhere; pipe the output through jq to
// read it. For a durable local record use fileexporter, and to correlate
// spans with application logs use logexporter.
//
// An Exporter is a trace.SpanExporter: hand it to the tracer's batcher,
//
//	tracer := trace.NewTracer(trace.WithBatcher(printexporter.New()))
//
// It is also a stats.MetricExporter: each reporting period it writes one
// line per metric in the schema of stats.Metric.AppendJSON,
//
//	views := stats.NewManager(stats.WithExporter(printexporter.New()))
//
// Span lines carry "trace_id"; metric lines carry "timeseries" instead, so
// a reader of a mixed stream can tell them apart. Give the tracer and the
// stats manager separate exporters: each shuts its own exporter down.
//
// Each batch is encoded into one reused buffer and written with a single
// Write call, so lines from concurrent batches never interleave and a
// steady stream of batches allocates nothing.
//
// # Stability
//
// Beta: the API may still change in a minor release before gocensus 1.0;
// the README explains the versioning promise.
package printexporter

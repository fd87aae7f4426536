// Package printexporter writes ended spans to standard output, or any
// io.Writer, as JSON Lines: one JSON object per span, one line each, in the
// schema documented on trace.SpanData.AppendJSON.
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
// Each batch is encoded into one reused buffer and written with a single
// Write call, so lines from concurrent batches never interleave and a
// steady stream of batches allocates nothing.
package printexporter

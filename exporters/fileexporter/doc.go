// Package fileexporter appends ended spans and metrics to a local file as
// JSON Lines, one JSON object per span in the schema documented on
// trace.SpanData.AppendJSON and one per metric in the schema of
// stats.Metric.AppendJSON. An Exporter is both a trace.SpanExporter and a
// stats.MetricExporter; span lines carry "trace_id" and metric lines
// "timeseries", so one file may hold both. Each owner (tracer, stats
// manager) shuts its exporter down, so give each its own Exporter, on its
// own file when rotation is on.
//
// Use it when spans must survive the process without a collector: batch
// jobs, edge devices, debugging a service on one host. For a terminal use
// printexporter; to ship spans to a collector use the agent or OTLP
// exporter.
//
// The exporter never destroys data it did not write. The file is opened
// with O_APPEND|O_CREATE|O_WRONLY (created 0644, subject to the umask), so
// an existing file is extended, never truncated, and several processes may
// append to the same file. The directory must already exist; New reports a
// missing directory or an unwritable path at once instead of at the first
// export.
//
// Each batch is written with one write call, so lines are whole. When a
// write fails (disk full, I/O error) the batch is lost, the error is
// returned to the caller and counted in Stats, and the lines already in the
// file stay intact: bytes of a partially written batch are cut off again
// when nobody else appended meanwhile, and otherwise ended with a newline
// before the next batch so only that one line is damaged.
//
// Optional size-based rotation (WithMaxBytes, WithMaxBackups) keeps disk
// use bounded: before a batch would take the file past the limit, the
// backups shift up (path.1 becomes path.2, and so on; the oldest, path.k, is
// replaced), the file becomes path.1, and a new, empty file is opened at
// path. A batch larger than the limit still goes whole into the new file.
// Rotation assumes this exporter is the file's only writer.
//
// Shutdown fsyncs and closes the file.
//
// # Stability
//
// Beta: the API may still change in a minor release before gocensus 1.0;
// the README explains the versioning promise.
package fileexporter

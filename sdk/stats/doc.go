// Package stats records measurements and aggregates them into views that
// exporters publish as metrics, in the OpenCensus model.
//
// # Pieces
//
//   - A Measure (Int64 or Float64) names a quantity code records, such as a
//     latency in ms. Measures are package-level variables of the code that
//     records them.
//   - A View picks a measure, an Aggregation (Count, Sum, LastValue or
//     Distribution) and the tag keys (package tag) that split it into time
//     series. Views are registered with a Manager at run time and become
//     metrics named after the view.
//   - A Manager owns registered views and the exporters. Create one with
//     NewManager and pass it to the code that records, or use the
//     package-level Default manager through Record and Register. Nothing is
//     started at init; a manager runs a reporting goroutine only while it
//     has a push exporter, and Shutdown stops it.
//
// # Recording
//
// Record(ctx, m.M(v)) takes the tags from ctx (tag.FromContext) and updates
// every view of the manager that uses m. A measure no view uses costs one
// atomic load. For a known tag tuple recording takes no lock and allocates
// nothing: the tuple's series is found in a read-mostly map with a key built
// in a stack buffer, and its counters are updated with atomics, so parallel
// recorders do not serialise. When ctx carries a sampled span, distribution
// buckets keep the value as an exemplar with the span's ids.
// RecordWithOptions adds per-call tags and exemplar attachments.
//
// # Export
//
// Push: every reporting period (WithReportingPeriod, default 10 s) the
// manager hands the metrics to each MetricExporter (WithExporter,
// AddExporter); the print, file and log exporters implement it. Pull:
// Manager.Read returns the same metrics on demand, which is how the
// Prometheus exporter serves scrapes. Metrics follow the OpenCensus metrics
// proto: Count, Sum and Distribution views are cumulative from the view's
// registration time, LastValue views are gauges. Metric.AppendJSON is the
// JSON lines schema of the print, file and log exporters.
//
// # Limits
//
// Each view keeps at most WithMaxTimeSeries distinct tag tuples (default
// 2000). Later tuples are aggregated into one overflow series whose labels
// are all OverflowLabelValue, and the diverted measurements are counted in
// the OverflowMetricName metric, so unbounded tag values (user ids, peer
// addresses) cannot exhaust memory and the loss is visible.
//
// Distribution bounds follow the OpenCensus proto: finite, strictly
// increasing and > 0; the leading 0 of the OpenCensus specification tables
// is accepted and dropped. The sum of squared deviation is derived from
// running sums of squares taken about each series' first value, which keeps
// it precise unless values drift far from where they started; it is never
// negative.
//
// # Stability
//
// Beta: the API may still change in a minor release before gocensus 1.0;
// the README explains the versioning promise.
package stats

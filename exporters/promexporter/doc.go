// Package promexporter serves the views of a stats.Manager to Prometheus.
//
// An Exporter is a prometheus.Collector that reads the manager
// (stats.Manager.Read) on every scrape, so it needs no reporting goroutine
// and always serves the current state. Register it with your registry and
// serve that with promhttp:
//
//	exp, err := promexporter.New(manager, promexporter.WithNamespace("myapp"))
//	reg := prometheus.NewRegistry()
//	reg.MustRegister(exp)
//	http.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
//
// It lives in its own module so that only programs that use Prometheus
// depend on client_golang.
//
// # Mapping
//
//   - Names: the view name, prefixed with the namespace and "_" if one is
//     set; bytes other than ASCII letters, digits and "_" become "_", and a
//     leading digit gets the prefix "key_". "grpc.io/client/roundtrip_latency"
//     becomes "grpc_io_client_roundtrip_latency". Two views that sanitise to
//     the same name make the scrape fail with an error naming both, rather
//     than mixing their series.
//   - Labels: the view's tag keys, sanitised the same way (and "__" prefixes,
//     reserved by Prometheus, get "key" in front), plus WithConstLabels. A
//     tag absent from the recording context is an empty label value, which
//     Prometheus treats as no label.
//   - Count and Sum views are counters with the view's registration as
//     created timestamp; a Sum holding a negative total is served untyped,
//     since counters must not decrease. LastValue views are gauges.
//   - Distribution views are histograms: the view's bounds become cumulative
//     "le" buckets, with +Inf, _sum and _count. OpenCensus buckets are
//     [lower, upper) while Prometheus buckets are (lower, upper]; a value
//     exactly on a bound is counted one bucket higher than Prometheus would.
//     With WithExemplars, bucket exemplars from sampled spans are attached
//     with trace_id and span_id labels.
//   - The manager's overflow counter (stats.OverflowMetricName) appears as
//     gocensus_io_stats_overflow_count{view="..."} once a view overflows.
//
// # Stability
//
// Beta: the API may still change in a minor release before gocensus 1.0;
// the README explains the versioning promise.
package promexporter

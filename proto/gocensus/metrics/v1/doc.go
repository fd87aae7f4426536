// Package metricspb is the generated Go code for gocensus.metrics.v1: Metric,
// its descriptor, time series and points (int64, double, distribution with
// exemplars, summary).
//
// Every field number, field name, type and enum value matches OpenCensus'
// opencensus.proto.metrics.v1 (opencensus-proto v0.4.1), so the encoding is
// the OpenCensus one. Use sdk/stats to record measurements; exporters convert
// its view data into this type.
//
// # Stability
//
// Beta: the API may still change in a minor release before gocensus 1.0;
// the README explains the versioning promise.
package metricspb

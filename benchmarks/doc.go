// Package benchmarks compares gocensus with opencensus-go and
// OpenTelemetry-Go on the same machine in the same run. It is a separate
// module so the peers never appear in the core module's go.mod.
//
// Every benchmark has one sub-benchmark per library, named lib=gocensus,
// lib=opencensus and lib=otel, and each library is set up the way its users
// run it in production: sampling as the benchmark says and a batching
// exporter that discards (opencensus-go has no batching processor; its
// exporters are called on End). Run ./run.sh for a benchstat table with the
// libraries side by side.
package benchmarks

// Package zpages serves live debug pages about the process it runs in, in
// the tradition of OpenCensus zpages:
//
//   - /debug/tracez: for every span name, the spans running now, the spans
//     completed OK counted by latency bucket ([0, 10µs), [10µs, 100µs), ...,
//     [100s, ∞)) and the spans that ended with an error; a click on a count
//     lists sample spans with their ids, attributes, annotations and message
//     events.
//   - /debug/rpcz: per gRPC method, served and called, the number of calls,
//     average latency, rate, bytes in and out and errors over the last
//     minute, the last hour and in total, from censusgrpc's views.
//
// # Use
//
// One value, built by New, is both the span processor feeding tracez and
// the http.Handler serving the pages:
//
//	z, err := zpages.New(zpages.WithStatsManager(mgr))
//	tracer := trace.NewTracer(trace.WithSpanProcessor(z), ...)
//	mux.Handle("/debug/", z) // serves /debug/tracez, /debug/rpcz and an index
//	defer tracer.Shutdown(ctx) // also shuts z down
//
// WithBatchSpanProcessor adds the counters of a batch span processor to
// tracez (spans queued, exported and dropped by reason), so span loss shows
// where spans are inspected.
//
// The pages only see sampled spans, so debug builds often sample more. For
// rpcz, instrument gRPC with censusgrpc recording into the same stats
// manager; New registers the views it reads.
//
// # Costs and bounds
//
// OnStart and OnEnd take a few short locks and allocate nothing once a span
// name is known. Memory is bounded whatever the traffic: at most
// WithMaxSpanNames names are tracked one by one (spans with other names are
// counted on a single row), each keeping WithSamplesPerBucket spans per
// latency bucket and for errors, and WithMaxRunningPerName running spans for
// the details (all running spans are counted). For rpcz a goroutine reads
// the gRPC views every 10 s and keeps 7 snapshots for the minute window and
// 61 for the hour window.
//
// # Safety
//
// Pages are plain HTML rendered with html/template, which escapes every
// span name, attribute and message; they need no script, style sheet or
// other resource from the network and are sent with a
// Content-Security-Policy that forbids them. Serve them on an internal port: they reveal
// what the process is doing.
//
// # Stability
//
// Beta: the API may still change in a minor release before gocensus 1.0;
// the README explains the versioning promise.
package zpages

// Package censusgrpc traces gRPC calls, client and server, unary and
// streaming, and carries trace context (and, by option, tags) from service
// to service in gRPC metadata.
//
// # Which API
//
// Two front-ends share one per-RPC core, so they record the same spans:
//
//   - Interceptors: ClientOptions and ServerOptions install all four
//     (UnaryClientInterceptor, StreamClientInterceptor, UnaryServerInterceptor,
//     StreamServerInterceptor). Pick them when you order middleware yourself,
//     for example to let a logging interceptor see the span. They chain with
//     grpc.ChainUnaryInterceptor and with go-grpc-middleware interceptors in
//     either order, and are the cheaper choice.
//   - Stats handlers: NewClientHandler with grpc.WithStatsHandler and
//     NewServerHandler with grpc.StatsHandler, the opencensus-go ocgrpc and
//     otelgrpc way. gRPC runs them outside every interceptor and hands them
//     the message sizes it already knows.
//
// Installing both is harmless: a context marker makes the second
// instrumentation of the same RPC step aside (on the client the interceptor
// runs first, on the server the handler does), so no span is doubled.
//
//	conn, err := grpc.NewClient(target, append(censusgrpc.ClientOptions(censusgrpc.WithTracer(tracer)), creds)...)
//	srv := grpc.NewServer(censusgrpc.ServerOptions(censusgrpc.WithTracer(tracer))...)
//
// # Spans
//
// A client call starts a CLIENT span, a server call a SERVER span, both named
// after the full method without its leading slash, "pkg.Service/Method", as
// the OpenCensus specification says (opencensus-go writes
// "pkg.Service.Method"; WithSpanNameFormatter changes the name). Sampled
// spans carry the attributes grpc.method and peer.address (the peer is never
// used as a stats tag). WithMessageEvents(true) adds one message event per
// message sent or received, with its size and ids counting from 1 on each
// side, as opencensus-go does by default; the tracer's span limits cap how
// many a span keeps, and WithStreamSegments moves the events of long-lived
// streams into child spans.
//
// The status is the call's gRPC code, numerically (OpenCensus codes are the
// gRPC codes). An error that carries no gRPC status is UNKNOWN, the code
// grpc-go sends a client for such a handler error, so both sides agree;
// context errors are CANCELLED and DEADLINE_EXCEEDED. A handler that panics
// ends its span INTERNAL and the panic goes on up the stack.
//
// # Propagation
//
// Clients send the OpenCensus binary format in "grpc-trace-bin" by default;
// WithPropagation adds or replaces it with W3C "traceparent"/"tracestate"
// (what OpenTelemetry's otelgrpc sends). Servers extract the first format
// present and valid, in the order given to WithPropagation. Malformed,
// duplicated or oversized values (over 128 bytes of binary, 512 characters of
// traceparent, 8 KiB of tracestate) are ignored: the call proceeds as a new
// trace, and one debug line per minute at most reports it.
//
// WithTagPropagation sends the tags of the caller's context (sdk/tag) in
// "grpc-tags-bin", leaving out TTL-0 tags, and decodes them on the server.
//
// Servers can refuse to join untrusted traces: WithPublicEndpoint and
// WithPublicEndpointFunc start a new root linked (link type CHILD) to the
// caller's span instead.
//
// # Excluded methods
//
// WithExcludedMethods (default: the gRPC health service) lists methods that
// get no span. Their context still flows: an excluded server call puts the
// caller's span context into the handler's context, so calls the handler
// makes stay in the caller's trace. Excludelist.Matcher offers the same list
// to go-grpc-middleware's selector for other interceptors.
//
// # Streams
//
// A stream's span ends exactly once, whichever way the stream ends. On the
// server that is when the handler returns (or panics). On the client the
// interceptor adds a grpc.OnFinish call option and ends the span there,
// because gRPC finishes a stream on the last RecvMsg, an error, a deadline or
// cancellation of the stream's context alike; a stream that is never read to
// the end must have its context cancelled (gRPC requires it anyway), and its
// span ends then. go-grpc-middleware's generic reporter ends a client stream
// only from RecvMsg, and its CallMeta rebuilds the full method with
// fmt.Sprintf on every call, which is why the interceptors here implement
// the same reporter shape (begin, message sent, message received, end) on
// their own core instead of wrapping it. Reportable still offers that core
// to go-grpc-middleware's generic interceptors, for middleware stacks built
// on them.
//
// # Stats
//
// Every call records the OpenCensus gRPC measures (views.go) when it ends,
// from the counters the core kept while it ran (messages, bytes, latency),
// and started_rpcs when it begins; register DefaultClientViews and
// DefaultServerViews (or views of your own over the measures) with
// stats.Default() or the manager given to WithStatsManager. Views are
// tagged with the method (grpc_client_method, grpc_server_method) and, for
// completed_rpcs, the upper-case status name; never with the peer. The
// server handler's context carries grpc_server_method, so stats the handler
// records carry it too; these tags have TTL 0 and never leave the process.
// WithStats(false) skips recording, which in the interceptors also skips
// computing message sizes when no span needs them.
//
// # Lifecycle
//
// Interceptors and handlers hold only their configuration: build them once,
// or once per connection; nothing is registered globally, nothing runs in the
// background and nothing needs closing. With no WithTracer option each call
// uses trace.Default() as it is at that moment.
//
// # Stability
//
// Beta: the API may still change in a minor release before gocensus 1.0;
// the README explains the versioning promise.
package censusgrpc

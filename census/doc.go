// Package census sets up tracing, stats, propagation and exporters from one
// Config, which a file, the environment and code can each fill in, so an
// operator can change sampling or exporters without a rebuild. It is the
// counterpart of the OPENCENSUS settings of the Flask integration, with the
// OTEL_ variables that OpenTelemetry users already set.
//
//	cfg, err := census.Load("census.yaml")   // file, then environment
//	if err != nil { ... }
//	c, err := census.New(ctx, cfg)
//	if err != nil { ... }
//	defer c.Shutdown(context.Background())
//
//	srv := grpc.NewServer(c.GRPCServerOptions()...)
//	http.Handle("/", c.HTTPHandler(mux))
//	client := &http.Client{Transport: c.HTTPTransport(nil)}
//
// # Which API to pick
//
//   - Load(path) for a service: the file (JSON or YAML, by extension) with
//     the environment over it. FromEnv when there is no file. ReadFile,
//     ParseJSON and ParseYAML read a file or bytes without the environment;
//     ApplyEnv lays a given environment over a Config.
//   - New builds a Census: Tracer, Manager (stats), Propagator, and the
//     options for censusgrpc (GRPCServerOptions, GRPCClientOptions,
//     GRPCOptions) and censushttp (HTTPHandler, HTTPTransport, HTTPOptions).
//   - Code that needs more than the keys offer passes options to New:
//     WithSampler, WithResource, WithTracerOptions, WithStatsOptions, and
//     WithExporterFactory for exporters from other modules or of your own.
//   - Using the packages directly (trace.NewTracer, stats.NewManager,
//     censusgrpc options) stays possible and is what this package does.
//
// # Precedence
//
// code > environment > file > defaults. Load reads the file, lays the
// environment over it, and returns a Config that code may still change;
// options to New win over the Config. Within the environment a GOCENSUS_
// variable wins over its OpenTelemetry spelling. A variable that is unset or
// empty changes nothing; a list set through the environment replaces the
// file's list rather than adding to it.
//
// # Keys
//
// File key / environment variable: accepted values (default).
//
//	service_name / GOCENSUS_SERVICE_NAME, OTEL_SERVICE_NAME
//	    printable ASCII, at most 256 characters; becomes the service.name
//	    label of the resource. (resource.Default: OTEL_SERVICE_NAME, else
//	    "unknown_service:" and the executable's name.)
//	sampler / GOCENSUS_SAMPLER, OTEL_TRACES_SAMPLER + OTEL_TRACES_SAMPLER_ARG
//	    always | never | probability:P (0 ≤ P ≤ 1) | ratelimit:N (traces per
//	    second, N > 0) | parent:SAMPLER, which follows the caller's sampled
//	    flag and uses SAMPLER (one of the others) for new traces.
//	    (probability:0.0001, the OpenCensus default.)
//	exporters / GOCENSUS_EXPORTERS
//	    list of: print (JSON lines on stdout) | log (slog records) |
//	    file:PATH (JSON lines appended to PATH) | agent[:HOST:PORT]
//	    (OpenCensus agent or collector, plaintext as sidecars expect;
//	    agent:https://HOST:PORT for TLS; agent alone is localhost:55678) |
//	    otlp[:HOST:PORT] (OTLP/gRPC collector, plaintext as for agent;
//	    otlp:https://HOST:PORT for TLS; otlp alone follows the
//	    OTEL_EXPORTER_OTLP_* variables, else localhost:4317) | a scheme given to
//	    WithExporterFactory. Each exporter receives spans and metrics, as far
//	    as it supports them. (none: spans are sampled but go nowhere.)
//	propagators / GOCENSUS_PROPAGATORS, OTEL_PROPAGATORS
//	    list, in order of preference, of: tracecontext (W3C traceparent) |
//	    binary (OpenCensus grpc-trace-bin, gRPC only) | b3 (Zipkin X-B3-*
//	    headers) | b3single (the single b3 header) | cloud
//	    (X-Cloud-Trace-Context) | text (OpenCensus text headers). Clients send
//	    every format, servers accept the first one found. gRPC carries binary
//	    and tracecontext (binary when neither is listed); HTTP carries all but
//	    binary. (binary, tracecontext.)
//	exclude_paths / GOCENSUS_EXCLUDE_PATHS
//	    list of HTTP server paths without spans, starting with "/": exact,
//	    prefix ("/static/*") or glob. (censushttp.DefaultExcludedPaths:
//	    /healthz, /readyz, /livez, /_ah/health.)
//	exclude_hosts / GOCENSUS_EXCLUDE_HOSTS
//	    list of hosts (or host:port, globs allowed) HTTP clients call without
//	    a span, typically the telemetry endpoint. (none.)
//	exclude_methods / GOCENSUS_EXCLUDE_METHODS
//	    list of full gRPC methods without spans: "/pkg.Service/Method",
//	    "/pkg.Service/" or a glob. (censusgrpc.DefaultExcludedMethods: the
//	    gRPC health service.)
//	views / GOCENSUS_VIEWS
//	    list of the interceptors' default view sets to register on the stats
//	    manager: grpc_client | grpc_server (censusgrpc.DefaultClientViews,
//	    DefaultServerViews) | http_client | http_server (censushttp's).
//	    Register more with Census.Manager().Register. (none: measures are
//	    recorded but nothing is aggregated or exported.)
//	reporting_period / GOCENSUS_REPORTING_PERIOD
//	    a positive Go duration ("30s") between metric exports. (10s.)
//
// Lists are arrays in files, or comma-separated strings in files and in
// the environment. The single value "none" (or an empty array in a file)
// is the empty list, which switches a default excludelist off.
//
// # OpenTelemetry variables
//
// OTEL_TRACES_SAMPLER: always_on → always, always_off → never,
// traceidratio → probability:ARG, parentbased_always_on → parent:always,
// parentbased_always_off → parent:never, parentbased_traceidratio →
// parent:probability:ARG; ARG is OTEL_TRACES_SAMPLER_ARG, 1 when unset, and
// is an error with the other samplers. jaeger_remote and xray are errors.
// OTEL_PROPAGATORS: tracecontext, b3 (the single header, as OpenTelemetry
// means it), b3multi, none, and baggage, which is accepted so OpenTelemetry's
// default "tracecontext,baggage" works but carries nothing (gocensus
// propagates tags in gRPC's grpc-tags-bin only); jaeger, xray and ottrace
// are errors. OTEL_SERVICE_NAME sets service_name. New also builds the
// resource with resource.Default, which reads OTEL_RESOURCE_ATTRIBUTES,
// OC_RESOURCE_TYPE and OC_RESOURCE_LABELS (WithResource replaces that).
// OTEL_TRACES_EXPORTER and OTEL_METRICS_EXPORTER are not read: exporters
// here carry both signals, so the exporters key names them once; the OTLP
// exporter reads its own OTEL_EXPORTER_OTLP_ variables.
//
// # Errors
//
// Nothing is silently ignored: an unknown file key, an unknown GOCENSUS_
// variable, a malformed value, a repeated exporter or propagator, and an
// unknown exporter scheme are errors. Each is a *KeyError naming
// the key (or variable, and the file) and the accepted values; Validate and
// the loaders report every problem at once with errors.Join.
//
// # Exporters of your own
//
// Give New a factory for a scheme of your own, or to replace a built-in one:
//
//	c, err := census.New(ctx, cfg, census.WithExporterFactory("otlp",
//		func(ctx context.Context, addr string) (census.Exporter, error) {
//			return otlpexporter.New(otlpexporter.WithEndpoint(addr), otlpexporter.WithCompression("gzip"))
//		}))
//
// There is no global registry and nothing happens at init.
//
// # Stability
//
// Beta: the API may still change in a minor release before gocensus 1.0;
// the README explains the versioning promise.
package census

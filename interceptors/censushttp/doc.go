// Package censushttp traces net/http servers and clients, the counterpart
// of the OpenCensus Flask integration: NewHandler wraps a server's handler,
// NewTransport wraps a client's RoundTripper.
//
//	http.ListenAndServe(addr, censushttp.NewHandler(mux, censushttp.WithTracer(tracer)))
//	client := &http.Client{Transport: censushttp.NewTransport(nil, censushttp.WithTracer(tracer))}
//
// # Spans
//
// Server spans are named after the route when one is known, otherwise the
// URL path; the query string never appears in a name. With Go 1.22+
// http.ServeMux patterns, wrap the mux itself: the mux records the matched
// pattern on the request it is handed, and the span is renamed to the
// pattern's path ("/users/{id}") when the handler returns. Other routers
// report their route with SetRoute. Client spans are named after the URL
// path.
//
// Sampled spans carry the OpenCensus attributes http.host, http.method,
// http.path, http.route (server, when known), http.url, http.user_agent (when
// sent) and http.status_code. http.url is the absolute URL with user info
// and fragment dropped and every query value replaced by "REDACTED", so
// tokens passed in query strings do not end up in trace backends while the
// query's shape stays visible. A SENT and a RECEIVED message event carry the
// request and response body sizes.
//
// The status follows the OpenCensus HTTP specification (TraceStatus), with
// opencensus-go's extra mappings for 409, 422 and 499. Client transport
// errors map to CANCELLED (caller cancelled), DEADLINE_EXCEEDED (timeouts),
// INVALID_ARGUMENT (unusable URL) or UNKNOWN. A panicking handler's span
// gets status UNKNOWN, http.status_code 500 and an annotation with the panic
// value; the panic is then re-raised unchanged.
//
// # Propagation
//
// W3C Trace Context (traceparent, tracestate) by default; WithPropagator
// selects B3 (opencensus-go's ochttp default), Cloud Trace or a Composite.
// WithPublicEndpoint makes servers start a new trace linked to the caller's
// instead of joining it. A request whose B3 headers carry only a sampling
// decision ("b3: 0" to deny, "1" or "d" to trace) starts a new trace with
// that decision rather than the tracer's sampler's, and passes it on. B3 ids
// without a sampling state join the caller's trace with the decision left to
// the tracer's sampler (trace.WithDeferredRemoteParent), so a ParentBased
// sampler asks its root sampler instead of reading "not sampled".
//
// # Exclusions
//
// Server paths in DefaultExcludedPaths (/healthz, /readyz, /livez,
// /_ah/health) are not traced unless WithExcludedPaths replaces the list;
// patterns are exact, prefix ("/static/*") or glob, and a lone "/" means the
// root path only (see Matcher). WithExcludedHosts keeps client calls to some
// hosts (typically a telemetry endpoint) untraced. Excluded requests still
// pass trace context on: the handler sees the caller's span context, and
// the client still sends its caller's.
//
// # The response writer
//
// The handler sees a wrapper that has exactly the optional interfaces of the
// writer underneath (http.Flusher, http.Hijacker, io.ReaderFrom) and an
// Unwrap method for http.ResponseController.
//
// # Stats
//
// Each request records the OpenCensus HTTP measures (views.go) into
// stats.Default() or the manager given with WithStatsManager; register
// DefaultServerViews and DefaultClientViews to aggregate them.
//
// Handlers and transports hold only their configuration: nothing is
// registered globally and nothing runs in the background.
//
// # Stability
//
// Beta: the API may still change in a minor release before gocensus 1.0;
// the README explains the versioning promise.
package censushttp

package censushttp

import (
	"net/http"
	"path"
	"strings"

	"github.com/gocensus/gocensus/propagation"
	"github.com/gocensus/gocensus/sdk/stats"
	"github.com/gocensus/gocensus/sdk/trace"
)

// DefaultExcludedPaths are the server paths excluded unless
// WithExcludedPaths says otherwise: the health and readiness probes of
// Kubernetes (/healthz, /readyz, /livez) and App Engine (/_ah/health), which
// would otherwise flood traces with probe noise (opencensus-go's ochttp
// skips /healthz and /_ah/health).
var DefaultExcludedPaths = []string{"/healthz", "/readyz", "/livez", "/_ah/health"}

// Option configures NewHandler and NewTransport.
type Option func(*config)

type config struct {
	tracer    *trace.Tracer
	prop      propagation.TextMapPropagator
	decisions propagation.DecisionExtractor // prop, when it carries decisions without ids
	deferrals propagation.DeferralExtractor // prop, when its ids can come without a decision
	paths     *Matcher
	hosts     *Matcher
	publicFn  func(*http.Request) bool
	nameFn    func(*http.Request) string
	msgEvents bool
	attrs     []trace.Attribute
	stats     bool
	statsMgr  *stats.Manager
}

// newConfig applies defaults, then opts, in one place.
func newConfig(opts []Option) *config {
	c := &config{prop: propagation.TraceContext{}, msgEvents: true, stats: true}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	if c.prop == nil {
		c.prop = propagation.TraceContext{}
	}
	c.decisions, _ = c.prop.(propagation.DecisionExtractor)
	c.deferrals, _ = c.prop.(propagation.DeferralExtractor)
	if c.paths == nil {
		c.paths = NewMatcher(DefaultExcludedPaths...)
	}
	return c
}

func (c *config) tracerOrDefault() *trace.Tracer {
	if c.tracer != nil {
		return c.tracer
	}
	return trace.Default()
}

func (c *config) manager() *stats.Manager {
	if c.statsMgr != nil {
		return c.statsMgr
	}
	return stats.Default()
}

// WithTracer sets the Tracer; by default, and for a nil t, each request uses
// trace.Default() as it is at that moment.
func WithTracer(t *trace.Tracer) Option {
	return func(c *config) { c.tracer = t }
}

// WithPropagator sets the header format: W3C Trace Context by default
// (what the OpenCensus HTTP specification and OpenTelemetry use). Use
// propagation.B3{} for Zipkin and opencensus-go's ochttp, or a
// propagation.Composite to accept several.
func WithPropagator(p propagation.TextMapPropagator) Option {
	return func(c *config) { c.prop = p }
}

// WithExcludedPaths replaces DefaultExcludedPaths for the server side with
// patterns matched against the request path as Matcher describes. Excluded
// requests get no span and no stats, but the caller's span context still
// reaches the handler's context.
func WithExcludedPaths(patterns ...string) Option {
	return func(c *config) { c.paths = NewMatcher(patterns...) }
}

// WithExcludedHosts lists hosts the client side does not trace, matched
// against the request's host name (without port) and host:port, case
// insensitively, as Matcher describes; typically the exporter's own
// endpoint. The caller's span context is still sent to them.
func WithExcludedHosts(patterns ...string) Option {
	return func(c *config) {
		lower := make([]string, len(patterns))
		for i, p := range patterns {
			lower[i] = strings.ToLower(p)
		}
		c.hosts = NewMatcher(lower...)
	}
}

// WithPublicEndpoint makes every server span start a new trace linked
// (link type CHILD) to the caller's context, for servers facing untrusted
// callers.
func WithPublicEndpoint() Option {
	return func(c *config) { c.publicFn = func(*http.Request) bool { return true } }
}

// WithPublicEndpointFunc decides per request whether it is public (see
// WithPublicEndpoint); fn must be safe for concurrent use.
func WithPublicEndpointFunc(fn func(*http.Request) bool) Option {
	return func(c *config) { c.publicFn = fn }
}

// WithSpanNameFormatter names spans from the request. The default is the
// URL path ("/" when empty; never the query); on the server, once the
// handler has run, a ServeMux route pattern (or SetRoute) replaces it.
// A formatter's name is kept as is.
func WithSpanNameFormatter(fn func(*http.Request) string) Option {
	return func(c *config) { c.nameFn = fn }
}

// WithMessageEvents turns the SENT and RECEIVED events carrying the request
// and response body sizes on (the default) or off.
func WithMessageEvents(on bool) Option {
	return func(c *config) { c.msgEvents = on }
}

// WithAttributes adds attributes to every sampled span. Calls accumulate.
func WithAttributes(attrs ...trace.Attribute) Option {
	return func(c *config) { c.attrs = append(c.attrs, attrs...) }
}

// WithStats turns the recording of the HTTP measures (views.go) on, the
// default, or off.
func WithStats(on bool) Option {
	return func(c *config) { c.stats = on }
}

// WithStatsManager records the HTTP measures into m instead of
// stats.Default(). A nil m keeps the default.
func WithStatsManager(m *stats.Manager) Option {
	return func(c *config) { c.statsMgr = m }
}

// Matcher matches request paths (or host names) against patterns of three
// kinds:
//
//   - a pattern whose only glob character is a final '*' is a prefix:
//     "/static/*" matches "/static/css/site.css";
//   - any other pattern holding *, ? or [ is matched with path.Match, where
//     '*' does not cross a '/': "/users/*/avatar";
//   - any other pattern must equal the path: "/" is the root path only,
//     never everything.
//
// Malformed globs never match. A Matcher is immutable and safe for
// concurrent use; the nil *Matcher matches nothing.
type Matcher struct {
	exact    map[string]struct{}
	prefixes []string
	globs    []string
}

// NewMatcher returns a Matcher of patterns.
func NewMatcher(patterns ...string) *Matcher {
	m := &Matcher{exact: make(map[string]struct{}, len(patterns))}
	for _, p := range patterns {
		switch {
		case p == "":
		case strings.HasSuffix(p, "*") && !strings.ContainsAny(p[:len(p)-1], "*?[\\"):
			m.prefixes = append(m.prefixes, p[:len(p)-1])
		case strings.ContainsAny(p, "*?["):
			if _, err := path.Match(p, ""); err == nil {
				m.globs = append(m.globs, p)
			}
		default:
			m.exact[p] = struct{}{}
		}
	}
	return m
}

// Match reports whether s matches one of the patterns.
func (m *Matcher) Match(s string) bool {
	if m == nil {
		return false
	}
	if _, ok := m.exact[s]; ok {
		return true
	}
	for _, p := range m.prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	for _, g := range m.globs {
		if ok, _ := path.Match(g, s); ok {
			return true
		}
	}
	return false
}

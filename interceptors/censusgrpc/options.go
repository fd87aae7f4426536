package censusgrpc

import (
	"context"
	"fmt"
	"log/slog"
	"path"
	"strings"
	"time"

	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/selector"

	"github.com/gocensus/gocensus/sdk/stats"
	"github.com/gocensus/gocensus/sdk/trace"
)

// Format names a trace context format carried in gRPC metadata.
type Format uint8

const (
	// FormatBinary is the OpenCensus binary format in "grpc-trace-bin", what
	// opencensus-go, opencensus-java and grpc-go's OpenTelemetry plugin speak.
	FormatBinary Format = iota + 1
	// FormatTraceContext is W3C "traceparent" and "tracestate", what
	// OpenTelemetry's otelgrpc speaks by default.
	FormatTraceContext
)

// String returns the format's flag spelling: "binary" or "tracecontext".
func (f Format) String() string {
	switch f {
	case FormatBinary:
		return "binary"
	case FormatTraceContext:
		return "tracecontext"
	}
	return fmt.Sprintf("Format(%d)", uint8(f))
}

// ParseFormat parses "binary" or "tracecontext" (case-insensitive), the
// spelling String returns, for command-line flags.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "binary", "grpc-trace-bin":
		return FormatBinary, nil
	case "tracecontext", "traceparent", "w3c":
		return FormatTraceContext, nil
	}
	return 0, fmt.Errorf("censusgrpc: unknown propagation format %q (want binary or tracecontext)", s)
}

// DefaultExcludedMethods are the methods excluded unless WithExcludedMethods
// says otherwise: the standard health checks, which would otherwise flood
// traces and views with probe noise.
var DefaultExcludedMethods = []string{"/grpc.health.v1.Health/*"}

// Option configures the interceptors and stats handlers of this package.
type Option func(*config)

type config struct {
	tracer        *trace.Tracer
	formats       []Format // inject all, extract in order
	injectBinary  bool
	injectW3C     bool
	tags          bool
	exclude       *Excludelist
	publicMethods map[string]struct{}
	publicFn      func(ctx context.Context, fullMethod string) bool
	msgEvents     bool
	nameFn        func(fullMethod string) string
	attrs         []trace.Attribute
	segMsgs       int64
	segEvery      time.Duration
	logger        *slog.Logger
	stats         bool
	statsMgr      *stats.Manager
	clientTags    tagCache
	serverTags    tagCache
	limiter       logLimiter
}

// newConfig applies defaults, then opts, then validates, in one place.
func newConfig(opts []Option) *config {
	c := &config{
		formats: []Format{FormatBinary},
		stats:   true,
	}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	if len(c.formats) == 0 {
		c.formats = []Format{FormatBinary}
	}
	for _, f := range c.formats {
		switch f {
		case FormatBinary:
			c.injectBinary = true
		case FormatTraceContext:
			c.injectW3C = true
		}
	}
	if c.exclude == nil {
		c.exclude = NewExcludelist(DefaultExcludedMethods...)
	}
	if c.segMsgs < 0 {
		c.segMsgs = 0
	}
	if c.segEvery < 0 {
		c.segEvery = 0
	}
	return c
}

func (c *config) tracerOrDefault() *trace.Tracer {
	if c.tracer != nil {
		return c.tracer
	}
	return trace.Default()
}

func (c *config) log() *slog.Logger {
	if c.logger != nil {
		return c.logger
	}
	return slog.Default()
}

func (c *config) spanName(fullMethod string) string {
	if c.nameFn != nil {
		return c.nameFn(fullMethod)
	}
	return strings.TrimPrefix(fullMethod, "/")
}

func (c *config) isPublic(ctx context.Context, fullMethod string) bool {
	if _, ok := c.publicMethods[fullMethod]; ok {
		return true
	}
	return c.publicFn != nil && c.publicFn(ctx, fullMethod)
}

// WithTracer sets the Tracer that starts RPC spans. By default, and for a nil
// t, each RPC uses trace.Default() as it is at the time of the call.
func WithTracer(t *trace.Tracer) Option {
	return func(c *config) { c.tracer = t }
}

// WithPropagation sets the trace context formats: clients inject every one
// listed, servers extract the first one present and valid, in the order
// given. The default is FormatBinary alone, the OpenCensus behaviour; a
// server that must accept OpenTelemetry clients too uses
// WithPropagation(FormatBinary, FormatTraceContext). Unknown formats are
// ignored; an empty list keeps the default.
func WithPropagation(formats ...Format) Option {
	return func(c *config) {
		c.formats = c.formats[:0:0]
		for _, f := range formats {
			if f == FormatBinary || f == FormatTraceContext {
				c.formats = append(c.formats, f)
			}
		}
	}
}

// WithTagPropagation makes clients send the tags of the caller's context
// (sdk/tag) in "grpc-tags-bin", skipping tags with TTL 0, and servers decode
// them into the handler's context. Off by default.
func WithTagPropagation(on bool) Option {
	return func(c *config) { c.tags = on }
}

// WithExcludedMethods replaces the default excludelist (DefaultExcludedMethods)
// with patterns, full method names as gRPC spells them ("/pkg.Service/Method"),
// matched as Excludelist describes. Calling it with no pattern traces every
// method. Excluded calls start no span and record no stats, but trace context
// still flows: an excluded server call puts the caller's span context in the
// handler's context, and an excluded client call still sends the context of
// its caller.
func WithExcludedMethods(patterns ...string) Option {
	return func(c *config) { c.exclude = NewExcludelist(patterns...) }
}

// WithPublicEndpoint marks methods (full names, "/pkg.Service/Method") as
// public: their server spans start a new trace and link the caller's span
// context (link type CHILD, as opencensus-go does) instead of joining a trace
// an untrusted caller chose. Calls accumulate.
func WithPublicEndpoint(fullMethods ...string) Option {
	return func(c *config) {
		if c.publicMethods == nil {
			c.publicMethods = make(map[string]struct{}, len(fullMethods))
		}
		for _, m := range fullMethods {
			c.publicMethods[m] = struct{}{}
		}
	}
}

// WithPublicEndpointFunc decides per call whether a server call is public
// (see WithPublicEndpoint); fn sees the incoming context (with its metadata
// and peer) and must be safe for concurrent use.
func WithPublicEndpointFunc(fn func(ctx context.Context, fullMethod string) bool) Option {
	return func(c *config) { c.publicFn = fn }
}

// WithMessageEvents turns the per-message SENT/RECEIVED events with sizes on
// or off (the default, as in otelgrpc; opencensus-go's ocgrpc records them).
// The tracer's span limits cap how many one span keeps, and
// WithStreamSegments spreads a long-lived stream's events over child spans.
func WithMessageEvents(on bool) Option {
	return func(c *config) { c.msgEvents = on }
}

// WithSpanNameFormatter names spans; fn receives the full method with its
// leading slash. The default is the full method without the leading slash,
// "pkg.Service/Method", as the OpenCensus specification says (opencensus-go
// instead writes "pkg.Service.Method"). A nil fn keeps the default.
func WithSpanNameFormatter(fn func(fullMethod string) string) Option {
	return func(c *config) { c.nameFn = fn }
}

// WithAttributes adds attributes to every sampled RPC span, for example
// a deployment or shard name. Calls accumulate.
func WithAttributes(attrs ...trace.Attribute) Option {
	return func(c *config) { c.attrs = append(c.attrs, attrs...) }
}

// WithStreamSegments bounds what one long-lived stream holds in memory: the
// message events of a stream go to child spans named "<span name>/segment",
// each ended after maxMessages messages or maxAge, whichever comes first
// (0 disables that bound). The RPC span itself then stays small, and each
// segment is exported as soon as it ends. Off by default; it applies only
// with WithMessageEvents(true).
func WithStreamSegments(maxMessages int, maxAge time.Duration) Option {
	return func(c *config) {
		c.segMsgs = int64(maxMessages)
		c.segEvery = maxAge
	}
}

// WithLogger sets where malformed incoming trace context is reported, at
// debug level and at most once per minute (default slog.Default()).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.logger = l }
}

// WithStats turns the recording of the gRPC measures (see views.go) on, the
// default, or off. Measures no registered view uses cost next to nothing,
// so turning them off only matters for the last few allocations.
func WithStats(on bool) Option {
	return func(c *config) { c.stats = on }
}

// WithStatsManager records the gRPC measures into m instead of
// stats.Default() (as it is at the time of each call). A nil m keeps the
// default.
func WithStatsManager(m *stats.Manager) Option {
	return func(c *config) { c.statsMgr = m }
}

// Excludelist matches full gRPC method names ("/pkg.Service/Method") against
// patterns of three kinds:
//
//   - a pattern holding a glob metacharacter (*, ? or [) is matched with
//     path.Match, so "/grpc.health.v1.Health/*" is every method of the
//     service ('*' does not cross a '/');
//   - a pattern ending in "/" is a prefix: "/pkg.Service/" is every method of
//     the service;
//   - any other pattern must equal the method.
//
// Malformed globs never match. An Excludelist is immutable and safe for
// concurrent use; the nil *Excludelist matches nothing.
type Excludelist struct {
	exact    map[string]struct{}
	prefixes []string
	globs    []glob
}

// glob is a path.Match pattern with its literal prefix, checked first so
// most methods are rejected without running the matcher; a pattern that is
// that prefix plus one final '*' (the usual "/pkg.Service/*") needs no
// matcher at all.
type glob struct {
	pattern, literal string
	lastStar         bool
}

func (g glob) match(s string) bool {
	if !strings.HasPrefix(s, g.literal) {
		return false
	}
	if g.lastStar {
		return !strings.Contains(s[len(g.literal):], "/")
	}
	ok, _ := path.Match(g.pattern, s)
	return ok
}

// NewExcludelist returns an Excludelist of patterns.
func NewExcludelist(patterns ...string) *Excludelist {
	e := &Excludelist{exact: make(map[string]struct{}, len(patterns))}
	for _, p := range patterns {
		switch {
		case p == "":
		case strings.ContainsAny(p, "*?["):
			if _, err := path.Match(p, ""); err == nil {
				i := strings.IndexAny(p, "*?[\\")
				e.globs = append(e.globs, glob{pattern: p, literal: p[:i], lastStar: i == len(p)-1 && p[i] == '*'})
			}
		case strings.HasSuffix(p, "/"):
			e.prefixes = append(e.prefixes, p)
		default:
			e.exact[p] = struct{}{}
		}
	}
	return e
}

// Match reports whether fullMethod is excluded.
func (e *Excludelist) Match(fullMethod string) bool {
	if e == nil {
		return false
	}
	if _, ok := e.exact[fullMethod]; ok {
		return true
	}
	for _, p := range e.prefixes {
		if strings.HasPrefix(fullMethod, p) {
			return true
		}
	}
	for _, g := range e.globs {
		if g.match(fullMethod) {
			return true
		}
	}
	return false
}

// Matcher returns a go-grpc-middleware selector.Matcher that matches the
// calls e does not exclude, so any interceptor wrapped in selector skips the
// excluded methods:
//
//	selector.UnaryServerInterceptor(logging.UnaryServerInterceptor(l), ex.Matcher())
//
// Unlike the excludelist built into this package's interceptors, a call
// skipped by selector gets no context from the skipped interceptor at all.
func (e *Excludelist) Matcher() selector.Matcher {
	return selector.MatchFunc(func(_ context.Context, m interceptors.CallMeta) bool {
		return !e.Match(m.FullMethod())
	})
}

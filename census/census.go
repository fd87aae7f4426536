package census

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"google.golang.org/grpc"

	"github.com/gocensus/gocensus/exporters/fileexporter"
	"github.com/gocensus/gocensus/exporters/logexporter"
	"github.com/gocensus/gocensus/exporters/printexporter"
	"github.com/gocensus/gocensus/interceptors/censusgrpc"
	"github.com/gocensus/gocensus/interceptors/censushttp"
	"github.com/gocensus/gocensus/propagation"
	"github.com/gocensus/gocensus/sdk/resource"
	"github.com/gocensus/gocensus/sdk/stats"
	"github.com/gocensus/gocensus/sdk/trace"
)

// Exporter is what an ExporterFactory returns: a value that also
// implements trace.SpanExporter, stats.MetricExporter or both. The Census
// that built it owns it and shuts it down once, after the tracer and the
// stats manager have flushed into it.
type Exporter interface {
	Shutdown(ctx context.Context) error
}

// ExporterFactory builds the exporter an "exporters" entry names. arg is
// the text after "scheme:" ("" when there is none). ctx bounds any work done
// while building (New's ctx); the exporter must not keep it.
type ExporterFactory func(ctx context.Context, arg string) (Exporter, error)

// Option changes how New builds a Census from a Config.
type Option func(*options)

type options struct {
	factories map[string]ExporterFactory
	sampler   trace.Sampler
	resource  *resource.Resource
	writer    io.Writer
	logger    *slog.Logger
	tracer    []trace.TracerOption
	stats     []stats.Option
}

// WithExporterFactory makes scheme usable in Config.Exporters, or replaces
// a built-in scheme. This is how exporters of the application's own take
// part without a global registry:
//
//	census.WithExporterFactory("otlp", func(ctx context.Context, addr string) (census.Exporter, error) {
//		return otlpexporter.New(otlpexporter.WithEndpoint(addr), otlpexporter.WithCompression("gzip"))
//	})
func WithExporterFactory(scheme string, f ExporterFactory) Option {
	return func(o *options) {
		if o.factories == nil {
			o.factories = map[string]ExporterFactory{}
		}
		o.factories[scheme] = f
	}
}

// WithSampler overrides Config.Sampler with a sampler built in code.
func WithSampler(s trace.Sampler) Option {
	return func(o *options) { o.sampler = s }
}

// WithResource sets the resource attached to spans and metrics instead of
// resource.Default (Config.ServiceName still sets service.name on it).
func WithResource(r *resource.Resource) Option {
	return func(o *options) { o.resource = r }
}

// WithWriter sets where the print exporter writes (default os.Stdout).
func WithWriter(w io.Writer) Option {
	return func(o *options) { o.writer = w }
}

// WithLogger sets the logger of the log exporter (default slog.Default()).
func WithLogger(l *slog.Logger) Option {
	return func(o *options) { o.logger = l }
}

// WithTracerOptions adds options to the tracer, after those the Config
// implies (so WithSampler given here wins, and WithSyncer adds a processor).
func WithTracerOptions(opts ...trace.TracerOption) Option {
	return func(o *options) { o.tracer = append(o.tracer, opts...) }
}

// WithStatsOptions adds options to the stats manager, after those the
// Config implies.
func WithStatsOptions(opts ...stats.Option) Option {
	return func(o *options) { o.stats = append(o.stats, opts...) }
}

// Census is a configured tracer, stats manager and propagators, plus the
// matching options for the gRPC and HTTP integrations. Its methods are safe
// for concurrent use.
type Census struct {
	tracer    *trace.Tracer
	manager   *stats.Manager
	exporters []Exporter
	prop      propagation.Composite
	httpProp  propagation.Composite
	formats   []censusgrpc.Format
	cfg       Config

	shutdownOnce sync.Once
	shutdownErr  error
}

// New validates cfg and builds everything it describes. ctx bounds the
// building of exporters (a network exporter may dial). On error nothing is
// left running. Call Shutdown when done.
func New(ctx context.Context, cfg Config, opts ...Option) (*Census, error) {
	o := options{writer: os.Stdout}
	for _, opt := range opts {
		opt(&o)
	}
	if o.logger == nil {
		o.logger = slog.Default()
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	sampler := o.sampler
	if sampler == nil {
		var err error
		if sampler, err = ParseSampler(cfg.Sampler); err != nil {
			return nil, err
		}
	}
	res, err := buildResource(cfg, o)
	if err != nil {
		return nil, err
	}
	c := &Census{cfg: cfg.clone()}
	c.prop, c.httpProp, c.formats = buildPropagators(cfg.Propagators)

	tracerOpts := []trace.TracerOption{trace.WithSampler(sampler), trace.WithResource(res)}
	statsOpts := []stats.Option{stats.WithResource(res)}
	if cfg.ReportingPeriod > 0 {
		statsOpts = append(statsOpts, stats.WithReportingPeriod(time.Duration(cfg.ReportingPeriod)))
	}
	for _, spec := range effective(cfg.Exporters) {
		e, err := o.build(ctx, spec, res)
		if err != nil {
			return nil, errors.Join(err, c.shutdownExporters(ctx))
		}
		c.exporters = append(c.exporters, e)
		se, isSpan := e.(trace.SpanExporter)
		me, isMetric := e.(stats.MetricExporter)
		if !isSpan && !isMetric {
			return nil, errors.Join(
				&KeyError{Key: "exporters", Value: spec, Allowed: allowedExporter,
					Err: fmt.Errorf("the factory returned %T, which exports neither spans nor metrics", e)},
				c.shutdownExporters(ctx))
		}
		// The tracer and the manager each shut down what they are given;
		// the Census shuts the shared exporter down once, after both.
		if isSpan {
			tracerOpts = append(tracerOpts, trace.WithBatcher(spanOnly{se}))
		}
		if isMetric {
			statsOpts = append(statsOpts, stats.WithExporter(metricOnly{me}))
		}
	}
	c.tracer = trace.NewTracer(append(tracerOpts, o.tracer...)...)
	c.manager = stats.NewManager(append(statsOpts, o.stats...)...)
	if err := c.manager.Register(views(cfg.Views)...); err != nil {
		return nil, errors.Join(fmt.Errorf("census: registering views: %w", err), c.Shutdown(ctx))
	}
	return c, nil
}

func buildResource(cfg Config, o options) (*resource.Resource, error) {
	res := o.resource
	if res == nil {
		var err error
		if res, err = resource.Default(); err != nil {
			return nil, fmt.Errorf("census: resource from the environment: %w", err)
		}
	}
	if cfg.ServiceName != "" {
		res = resource.Merge(&resource.Resource{Labels: map[string]string{resource.ServiceNameKey: cfg.ServiceName}}, res)
	}
	return res, nil
}

func views(names []string) []*stats.View {
	var vs []*stats.View
	for _, n := range effective(names) {
		switch n {
		case "grpc_client":
			vs = append(vs, censusgrpc.DefaultClientViews...)
		case "grpc_server":
			vs = append(vs, censusgrpc.DefaultServerViews...)
		case "http_client":
			vs = append(vs, censushttp.DefaultClientViews...)
		case "http_server":
			vs = append(vs, censushttp.DefaultServerViews...)
		}
	}
	return vs
}

// defaultPropagators is what a nil Config.Propagators means.
var defaultPropagators = []string{"binary", "tracecontext"}

func buildPropagators(names []string) (all, http propagation.Composite, formats []censusgrpc.Format) {
	if names == nil {
		names = defaultPropagators
	}
	all, http = propagation.Composite{}, propagation.Composite{}
	for _, n := range effective(names) {
		var p propagation.TextMapPropagator
		switch n {
		case "binary":
			all = append(all, propagation.Binary{})
			formats = append(formats, censusgrpc.FormatBinary)
			continue
		case "tracecontext":
			p = propagation.TraceContext{}
			formats = append(formats, censusgrpc.FormatTraceContext)
		case "b3":
			p = propagation.B3{}
		case "b3single":
			p = propagation.B3{SingleHeader: true}
		case "cloud":
			p = propagation.CloudTrace{}
		case "text":
			p = propagation.OCText{}
		}
		all = append(all, p)
		http = append(http, p)
	}
	return all, http, formats
}

func (o *options) build(ctx context.Context, spec string, res *resource.Resource) (Exporter, error) {
	scheme, arg, _ := splitSpec(spec)
	if f, ok := o.factories[scheme]; ok {
		if f == nil {
			return nil, &KeyError{Key: "exporters", Value: spec, Allowed: allowedExporter, Err: errors.New("nil factory")}
		}
		e, err := f(ctx, arg)
		if err == nil && e == nil {
			err = errors.New("the factory returned no exporter")
		}
		if err != nil {
			return nil, fmt.Errorf("census: exporter %q: %w", spec, err)
		}
		return e, nil
	}
	switch scheme {
	case "print":
		return printexporter.New(printexporter.WithWriter(o.writer)), nil
	case "log":
		e, err := logexporter.New(o.logger)
		if err != nil {
			return nil, fmt.Errorf("census: exporter %q: %w", spec, err)
		}
		return e, nil
	case "file":
		e, err := fileexporter.New(arg)
		if err != nil {
			return nil, fmt.Errorf("census: exporter %q: %w", spec, err)
		}
		return e, nil
	case "agent":
		return buildAgent(spec, arg, res, o)
	case "otlp":
		return buildOTLP(spec, arg, res, o)
	}
	return nil, &KeyError{Key: "exporters", Value: spec, Allowed: allowedExporter, Err: errors.New("unknown exporter scheme")}
}

// spanOnly and metricOnly hand an exporter to the tracer or the manager
// without handing over its Shutdown, which the Census calls once itself.
type spanOnly struct{ trace.SpanExporter }

func (spanOnly) Shutdown(context.Context) error { return nil }

type metricOnly struct{ stats.MetricExporter }

func (metricOnly) Shutdown(context.Context) error { return nil }

// Tracer returns the tracer. Pass it to code that starts spans, or make it
// the package default with trace.SetDefault.
func (c *Census) Tracer() *trace.Tracer { return c.tracer }

// Manager returns the stats manager; register views on it. The gRPC and
// HTTP options record into it.
func (c *Census) Manager() *stats.Manager { return c.manager }

// Config returns a copy of the configuration c was built from.
func (c *Census) Config() Config { return c.cfg.clone() }

// Propagator returns every configured format as one composite, in the
// configured order. Its Binary member, if any, writes raw bytes and belongs
// in gRPC metadata; HTTPPropagator leaves it out.
func (c *Census) Propagator() propagation.TextMapPropagator { return c.prop }

// HTTPPropagator returns the configured formats that fit in HTTP headers
// (all but binary), in the configured order.
func (c *Census) HTTPPropagator() propagation.TextMapPropagator { return c.httpProp }

// GRPCOptions returns censusgrpc options with the tracer, the stats manager,
// the method excludelist and the trace context formats. gRPC carries binary
// and tracecontext; when the configuration names neither, censusgrpc keeps
// its default, binary.
func (c *Census) GRPCOptions() []censusgrpc.Option {
	opts := []censusgrpc.Option{
		censusgrpc.WithTracer(c.tracer),
		censusgrpc.WithStatsManager(c.manager),
		censusgrpc.WithPropagation(c.formats...),
	}
	if l := effective(c.cfg.ExcludeMethods); l != nil {
		opts = append(opts, censusgrpc.WithExcludedMethods(l...))
	}
	return opts
}

// GRPCServerOptions returns grpc.NewServer options installing censusgrpc's
// server interceptors configured by GRPCOptions.
func (c *Census) GRPCServerOptions() []grpc.ServerOption {
	return censusgrpc.ServerOptions(c.GRPCOptions()...)
}

// GRPCClientOptions returns grpc.NewClient options installing censusgrpc's
// client interceptors configured by GRPCOptions.
func (c *Census) GRPCClientOptions() []grpc.DialOption {
	return censusgrpc.ClientOptions(c.GRPCOptions()...)
}

// HTTPOptions returns censushttp options with the tracer, the stats
// manager, the header propagators and the path and host excludelists.
func (c *Census) HTTPOptions() []censushttp.Option {
	opts := []censushttp.Option{
		censushttp.WithTracer(c.tracer),
		censushttp.WithStatsManager(c.manager),
		censushttp.WithPropagator(c.httpProp),
	}
	if l := effective(c.cfg.ExcludePaths); l != nil {
		opts = append(opts, censushttp.WithExcludedPaths(l...))
	}
	if l := effective(c.cfg.ExcludeHosts); len(l) > 0 {
		opts = append(opts, censushttp.WithExcludedHosts(l...))
	}
	return opts
}

// HTTPHandler wraps h with censushttp's server middleware configured by
// HTTPOptions, plus any extra options.
func (c *Census) HTTPHandler(h http.Handler, extra ...censushttp.Option) http.Handler {
	return censushttp.NewHandler(h, append(c.HTTPOptions(), extra...)...)
}

// HTTPTransport wraps base (http.DefaultTransport when nil) with
// censushttp's client side configured by HTTPOptions, plus any extra
// options.
func (c *Census) HTTPTransport(base http.RoundTripper, extra ...censushttp.Option) http.RoundTripper {
	return censushttp.NewTransport(base, append(c.HTTPOptions(), extra...)...)
}

// Shutdown ends the tracer (exporting the spans it holds), then the stats
// manager (exporting the final metrics), then the exporters, all within
// ctx's deadline, and returns every error joined. Only the first call does
// anything; later calls return its result. Spans and recordings after
// Shutdown are dropped.
func (c *Census) Shutdown(ctx context.Context) error {
	c.shutdownOnce.Do(func() {
		c.shutdownErr = errors.Join(
			c.tracer.Shutdown(ctx),
			c.manager.Shutdown(ctx),
			c.shutdownExporters(ctx),
		)
	})
	return c.shutdownErr
}

func (c *Census) shutdownExporters(ctx context.Context) error {
	var errs []error
	for _, e := range c.exporters {
		if err := e.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("census: exporter shutdown: %w", err))
		}
	}
	c.exporters = nil
	return errors.Join(errs...)
}

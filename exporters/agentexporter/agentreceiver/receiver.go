package agentreceiver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	commonpb "github.com/gocensus/gocensus/proto/gocensus/agent/common/v1"
	agentmetricspb "github.com/gocensus/gocensus/proto/gocensus/agent/metrics/v1"
	agenttracepb "github.com/gocensus/gocensus/proto/gocensus/agent/trace/v1"
	metricspb "github.com/gocensus/gocensus/proto/gocensus/metrics/v1"
	resourcepb "github.com/gocensus/gocensus/proto/gocensus/resource/v1"
	tracepb "github.com/gocensus/gocensus/proto/gocensus/trace/v1"
	"github.com/gocensus/gocensus/sdk/resource"
	"github.com/gocensus/gocensus/sdk/stats"
	"github.com/gocensus/gocensus/sdk/trace"
)

// Defaults.
const (
	// DefaultMaxRecvMsgSize is gRPC's default receive limit, which senders
	// (agentexporter included) stay under.
	DefaultMaxRecvMsgSize = 4 << 20
	// DefaultMaxStreams caps concurrent streams across all connections.
	DefaultMaxStreams = 1024
)

// ErrShutdown is returned by Serve's callers' streams and PushConfig after
// Shutdown.
var ErrShutdown = errors.New("agentreceiver: receiver is shut down")

// SpanHandler receives the spans of one export message, with the Node and
// Resource in force for them (inherited from earlier messages of the stream
// when the message has none). Spans may carry their own resource. It is
// called from the stream's goroutine; calls for different streams may run
// concurrently. A returned error ends the stream with codes.Unavailable.
type SpanHandler func(ctx context.Context, node *commonpb.Node, res *resourcepb.Resource, spans []*tracepb.Span) error

// MetricHandler is SpanHandler for metrics.
type MetricHandler func(ctx context.Context, node *commonpb.Node, res *resourcepb.Resource, metrics []*metricspb.Metric) error

// ConfigHandler sees each TraceConfig an application reports on its Config
// stream: its initial one and every echo of an applied push.
type ConfigHandler func(node *commonpb.Node, cfg *tracepb.TraceConfig)

// Option configures a Receiver.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	spanExp    trace.SpanExporter
	metricExp  stats.MetricExporter
	spanFn     SpanHandler
	metricFn   MetricHandler
	configFn   ConfigHandler
	maxRecv    int
	maxStreams int
	serverOpts []grpc.ServerOption
	logger     *slog.Logger
}

// WithSpanExporter hands received spans, converted to trace.SpanData, to e.
// Calls are serialised, as the SpanExporter contract expects. The receiver
// does not shut e down.
func WithSpanExporter(e trace.SpanExporter) Option {
	return optionFunc(func(c *config) { c.spanExp = e })
}

// WithMetricExporter hands received metrics, converted to stats.Metric, to e
// (serialised; not shut down by the receiver).
func WithMetricExporter(e stats.MetricExporter) Option {
	return optionFunc(func(c *config) { c.metricExp = e })
}

// WithSpanHandler receives the raw spans, before any conversion.
func WithSpanHandler(f SpanHandler) Option { return optionFunc(func(c *config) { c.spanFn = f }) }

// WithMetricHandler receives the raw metrics, before any conversion.
func WithMetricHandler(f MetricHandler) Option { return optionFunc(func(c *config) { c.metricFn = f }) }

// WithConfigHandler observes the configs applications report.
func WithConfigHandler(f ConfigHandler) Option { return optionFunc(func(c *config) { c.configFn = f }) }

// WithMaxRecvMsgSize sets the largest message Serve's server accepts;
// default DefaultMaxRecvMsgSize.
func WithMaxRecvMsgSize(n int) Option { return optionFunc(func(c *config) { c.maxRecv = n }) }

// WithMaxStreams caps concurrent streams (all kinds, all connections); more
// are refused with ResourceExhausted. Default DefaultMaxStreams.
func WithMaxStreams(n int) Option { return optionFunc(func(c *config) { c.maxStreams = n }) }

// WithServerOptions adds options to the server Serve creates (TLS
// credentials, keepalive policy, ...).
func WithServerOptions(opts ...grpc.ServerOption) Option {
	return optionFunc(func(c *config) { c.serverOpts = append(c.serverOpts, opts...) })
}

// WithLogger sets where rejected streams are logged; default slog.Default(),
// nil silences it.
func WithLogger(l *slog.Logger) Option { return optionFunc(func(c *config) { c.logger = l }) }

// Receiver serves the OpenCensus agent protocol (trace Export and Config,
// metrics Export) in process. It answers on both the OpenCensus method paths
// and the gocensus ones. Build it with New; all methods are safe for
// concurrent use.
type Receiver struct {
	cfg     config
	quit    chan struct{}
	quitted sync.Once
	streams atomic.Int64
	active  sync.WaitGroup

	mu      sync.Mutex
	srv     *grpc.Server
	configs map[*configConn]struct{}
	closed  bool

	spanMu   sync.Mutex
	metricMu sync.Mutex
}

// New builds a Receiver. With no exporter or handler it accepts and discards
// data, which is still useful as a sink in tests and benchmarks.
func New(opts ...Option) (*Receiver, error) {
	c := config{maxRecv: DefaultMaxRecvMsgSize, maxStreams: DefaultMaxStreams, logger: slog.Default()}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	if c.maxRecv <= 0 || c.maxStreams <= 0 {
		return nil, fmt.Errorf("agentreceiver: limits (message %d, streams %d) must be positive", c.maxRecv, c.maxStreams)
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	return &Receiver{cfg: c, quit: make(chan struct{}), configs: make(map[*configConn]struct{})}, nil
}

// Register adds the trace and metrics services to s, under the OpenCensus
// names and the gocensus names. Use it to share a server; Serve does it for
// its own.
func (r *Receiver) Register(s grpc.ServiceRegistrar) {
	ts := &traceService{r: r}
	ms := &metricsService{r: r}
	agenttracepb.RegisterOpenCensusTraceServiceServer(s, ts)
	agenttracepb.RegisterTraceServiceServer(s, ts)
	agentmetricspb.RegisterOpenCensusMetricsServiceServer(s, ms)
	agentmetricspb.RegisterMetricsServiceServer(s, ms)
}

// Serve creates a gRPC server with the receiver's limits, registers the
// services and serves lis until Shutdown, after which it returns nil.
func (r *Receiver) Serve(lis net.Listener) error {
	opts := append([]grpc.ServerOption{grpc.MaxRecvMsgSize(r.cfg.maxRecv)}, r.cfg.serverOpts...)
	srv := grpc.NewServer(opts...)
	r.Register(srv)
	r.mu.Lock()
	if r.closed || r.srv != nil {
		r.mu.Unlock()
		srv.Stop()
		_ = lis.Close()
		return ErrShutdown
	}
	r.srv = srv
	r.mu.Unlock()
	if err := srv.Serve(lis); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
		return fmt.Errorf("agentreceiver: serve: %w", err)
	}
	return nil
}

// Shutdown ends every stream (clients see Unavailable and reconnect
// elsewhere or later), stops the server Serve created and waits for stream
// handlers to return, or for ctx to end. It is idempotent.
func (r *Receiver) Shutdown(ctx context.Context) error {
	r.quitted.Do(func() { close(r.quit) })
	r.mu.Lock()
	r.closed = true
	srv := r.srv
	r.mu.Unlock()
	done := make(chan struct{})
	go func() {
		if srv != nil {
			srv.GracefulStop()
		}
		r.active.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		if srv != nil {
			srv.Stop()
		}
		<-done
		return fmt.Errorf("agentreceiver: shutdown: %w", ctx.Err())
	}
}

// PushConfig sends cfg to every application connected on a Config stream and
// returns how many were reached. Applications apply it and echo what they
// applied (see WithConfigHandler).
func (r *Receiver) PushConfig(cfg *tracepb.TraceConfig) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for cc := range r.configs {
		select {
		case cc.push <- proto.CloneOf(cfg):
			n++
		default: // a slow application keeps its pending pushes
		}
	}
	return n
}

// ConfigStreams returns the number of connected Config streams.
func (r *Receiver) ConfigStreams() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.configs)
}

// enter admits one stream, or refuses it past the stream cap or after
// Shutdown.
func (r *Receiver) enter() error {
	select {
	case <-r.quit:
		return status.Error(codes.Unavailable, "agentreceiver: shutting down")
	default:
	}
	if r.streams.Add(1) > int64(r.cfg.maxStreams) {
		r.streams.Add(-1)
		return status.Errorf(codes.ResourceExhausted, "agentreceiver: more than %d concurrent streams", r.cfg.maxStreams)
	}
	r.active.Add(1)
	return nil
}

func (r *Receiver) leave() {
	r.streams.Add(-1)
	r.active.Done()
}

// recvLoop reads messages on its own goroutine, so a handler can stop
// waiting for the next one when the receiver shuts down.
func recvLoop[M any](ctx context.Context, recv func() (*M, error)) <-chan recvResult[M] {
	ch := make(chan recvResult[M])
	go func() {
		defer close(ch)
		for {
			m, err := recv()
			select {
			case ch <- recvResult[M]{m, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return ch
}

type recvResult[M any] struct {
	m   *M
	err error
}

func (r *Receiver) invalid(kind string, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	r.cfg.logger.Warn("agentreceiver: rejected stream", "stream", kind, "reason", msg)
	return status.Error(codes.InvalidArgument, "agentreceiver: "+msg)
}

type traceService struct {
	agenttracepb.UnimplementedTraceServiceServer
	r *Receiver
}

func (t *traceService) Export(stream agenttracepb.TraceService_ExportServer) error {
	return serveExport(t.r, "trace", stream.Context(), stream.Recv,
		func(ctx context.Context, node *commonpb.Node, res *resourcepb.Resource, convRes *resource.Resource, req *agenttracepb.ExportTraceServiceRequest) error {
			if len(req.Spans) == 0 {
				return nil
			}
			return t.r.handleSpans(ctx, node, res, convRes, req.Spans)
		})
}

// exportRequest is what the two Export streams' requests have in common.
type exportRequest interface {
	GetNode() *commonpb.Node
	GetResource() *resourcepb.Resource
}

// serveExport runs one Export stream of either service: it receives
// requests until EOF, an error, cancellation or Shutdown, requires a Node
// on the first request, keeps the latest Node and Resource (a request
// without them inherits the stream's), and hands each request to handle.
func serveExport[M any, PM interface {
	*M
	exportRequest
}](r *Receiver, kind string, streamCtx context.Context, recv func() (*M, error),
	handle func(ctx context.Context, node *commonpb.Node, res *resourcepb.Resource, convRes *resource.Resource, req PM) error) error {
	if err := r.enter(); err != nil {
		return err
	}
	defer r.leave()
	ctx, cancel := context.WithCancel(streamCtx)
	defer cancel()
	msgs := recvLoop(ctx, recv)
	var node *commonpb.Node
	var res *resourcepb.Resource
	var convRes *resource.Resource
	for {
		var in recvResult[M]
		select {
		case in = <-msgs:
			if in.m == nil && in.err == nil {
				return status.FromContextError(ctx.Err()).Err()
			}
		case <-r.quit:
			return status.Error(codes.Unavailable, "agentreceiver: shutting down")
		}
		if errors.Is(in.err, io.EOF) {
			return nil
		}
		if in.err != nil {
			return in.err
		}
		req := PM(in.m)
		if n := req.GetNode(); n != nil {
			node = n
		} else if node == nil {
			return r.invalid(kind, "the first message of an Export stream must carry a Node")
		}
		if rs := req.GetResource(); rs != nil {
			res, convRes = rs, ResourceFromProto(rs)
		}
		if err := handle(ctx, node, res, convRes, req); err != nil {
			return err
		}
	}
}

func (r *Receiver) handleSpans(ctx context.Context, node *commonpb.Node, res *resourcepb.Resource, convRes *resource.Resource, spans []*tracepb.Span) error {
	var sds []*trace.SpanData
	if r.cfg.spanExp != nil {
		sds = make([]*trace.SpanData, 0, len(spans))
	}
	for i, s := range spans {
		if s == nil {
			return r.invalid("trace", "span %d is empty", i)
		}
		if r.cfg.spanExp == nil {
			if len(s.TraceId) != 16 || len(s.SpanId) != 8 {
				return r.invalid("trace", "span %d: ids have %d and %d bytes, want 16 and 8", i, len(s.TraceId), len(s.SpanId))
			}
			continue
		}
		sd, err := SpanFromProto(s, convRes)
		if err != nil {
			return r.invalid("trace", "span %d: %v", i, err)
		}
		sds = append(sds, sd)
	}
	if r.cfg.spanFn != nil {
		if err := r.cfg.spanFn(ctx, node, res, spans); err != nil {
			return status.Errorf(codes.Unavailable, "agentreceiver: span handler: %v", err)
		}
	}
	if r.cfg.spanExp != nil {
		r.spanMu.Lock()
		err := r.cfg.spanExp.ExportSpans(ctx, sds)
		r.spanMu.Unlock()
		if err != nil {
			return status.Errorf(codes.Unavailable, "agentreceiver: span exporter: %v", err)
		}
	}
	return nil
}

type configConn struct {
	node *commonpb.Node
	push chan *tracepb.TraceConfig
}

func (t *traceService) Config(stream agenttracepb.TraceService_ConfigServer) error {
	r := t.r
	if err := r.enter(); err != nil {
		return err
	}
	defer r.leave()
	ctx, cancel := context.WithCancel(stream.Context())
	defer cancel()
	msgs := recvLoop(ctx, stream.Recv)
	var first recvResult[agenttracepb.CurrentLibraryConfig]
	select {
	case first = <-msgs:
		if first.m == nil && first.err == nil {
			return status.FromContextError(ctx.Err()).Err()
		}
	case <-r.quit:
		return status.Error(codes.Unavailable, "agentreceiver: shutting down")
	}
	if errors.Is(first.err, io.EOF) {
		return nil
	}
	if first.err != nil {
		return first.err
	}
	if first.m.Node == nil {
		return r.invalid("config", "the first message of a Config stream must carry a Node")
	}
	cc := &configConn{node: first.m.Node, push: make(chan *tracepb.TraceConfig, 4)}
	if r.cfg.configFn != nil && first.m.Config != nil {
		r.cfg.configFn(cc.node, first.m.Config)
	}
	r.mu.Lock()
	r.configs[cc] = struct{}{}
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		delete(r.configs, cc)
		r.mu.Unlock()
	}()
	for {
		select {
		case cfg := <-cc.push:
			if err := stream.Send(&agenttracepb.UpdatedLibraryConfig{Config: cfg}); err != nil {
				return err
			}
		case in := <-msgs:
			if in.m == nil && in.err == nil {
				return status.FromContextError(ctx.Err()).Err()
			}
			if errors.Is(in.err, io.EOF) {
				return nil
			}
			if in.err != nil {
				return in.err
			}
			if in.m.Node != nil {
				cc.node = in.m.Node
			}
			if r.cfg.configFn != nil && in.m.Config != nil {
				r.cfg.configFn(cc.node, in.m.Config)
			}
		case <-r.quit:
			return status.Error(codes.Unavailable, "agentreceiver: shutting down")
		}
	}
}

type metricsService struct {
	agentmetricspb.UnimplementedMetricsServiceServer
	r *Receiver
}

func (m *metricsService) Export(stream agentmetricspb.MetricsService_ExportServer) error {
	return serveExport(m.r, "metrics", stream.Context(), stream.Recv,
		func(ctx context.Context, node *commonpb.Node, res *resourcepb.Resource, convRes *resource.Resource, req *agentmetricspb.ExportMetricsServiceRequest) error {
			if len(req.Metrics) == 0 {
				return nil
			}
			return m.r.handleMetrics(ctx, node, res, convRes, req.Metrics)
		})
}

func (r *Receiver) handleMetrics(ctx context.Context, node *commonpb.Node, res *resourcepb.Resource, convRes *resource.Resource, metrics []*metricspb.Metric) error {
	var ms []*stats.Metric
	if r.cfg.metricExp != nil {
		ms = make([]*stats.Metric, 0, len(metrics))
		for i, pm := range metrics {
			m, err := MetricFromProto(pm, convRes)
			if err != nil {
				return r.invalid("metrics", "metric %d: %v", i, err)
			}
			ms = append(ms, m)
		}
	}
	if r.cfg.metricFn != nil {
		if err := r.cfg.metricFn(ctx, node, res, metrics); err != nil {
			return status.Errorf(codes.Unavailable, "agentreceiver: metric handler: %v", err)
		}
	}
	if r.cfg.metricExp != nil {
		r.metricMu.Lock()
		err := r.cfg.metricExp.ExportMetrics(ctx, ms)
		r.metricMu.Unlock()
		if err != nil {
			return status.Errorf(codes.Unavailable, "agentreceiver: metric exporter: %v", err)
		}
	}
	return nil
}

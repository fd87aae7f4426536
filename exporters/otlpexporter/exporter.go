package otlpexporter

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	colmetricspb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding/gzip"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"

	"github.com/gocensus/gocensus/exporters/internal/delivery"
	"github.com/gocensus/gocensus/sdk/stats"
	"github.com/gocensus/gocensus/sdk/trace"
)

// ScopeName is the instrumentation scope name on everything exported.
const ScopeName = "github.com/gocensus/gocensus"

// Full method names of the OTLP collector services.
const (
	traceExportMethod   = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"
	metricsExportMethod = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export"
)

// The Exporter serves both signals' exporter contracts.
var (
	_ trace.SpanExporter   = (*Exporter)(nil)
	_ stats.MetricExporter = (*Exporter)(nil)
)

// ErrShutdown is returned by exports after Shutdown.
var ErrShutdown = errors.New("otlpexporter: exporter is shut down")

// Exporter sends spans and metrics to an OTLP/gRPC collector. It implements
// trace.SpanExporter and stats.MetricExporter; each signal has its own
// bounded queue and sender goroutine, started on first use.
//
// Exports convert and encode on the caller's goroutine and return once the
// request is queued, so a slow collector never stalls the caller (unless
// WithBlocking asks for backpressure). All methods are safe for concurrent
// use. After Shutdown every export returns ErrShutdown and exports nothing.
type Exporter struct {
	cfg     *config
	spans   spanEncoder
	metrics metricConverter

	traces, metricsSig signal

	stopped  atomic.Bool
	shutOnce sync.Once
	shutErr  error
}

// signal is one signal's lazily started delivery path.
type signal struct {
	name     string
	method   string
	sc       *signalConfig
	mu       sync.Mutex
	started  bool
	conn     grpc.ClientConnInterface
	owned    *grpc.ClientConn
	senders  []*delivery.Sender[[]byte]
	md       metadata.MD
	callOpts []grpc.CallOption

	rejected    atomic.Uint64 // items the collector refused (partial success)
	unsupported atomic.Uint64 // metric points OTLP cannot carry
	warned      atomic.Bool   // partial success logged
}

// New builds an Exporter from the defaults, the OTEL_EXPORTER_OTLP_*
// environment and opts, in that order of increasing precedence. It does not
// connect: the connection is made on the first export and re-made as
// needed, so New succeeds while the collector is down.
func New(opts ...Option) (*Exporter, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if cfg.logger == nil {
		cfg.logger = slog.Default()
	}
	scope := scopeInfo{name: ScopeName, version: moduleVersion()}
	res := &resourceMapper{fallback: cfg.resource, serviceName: cfg.serviceName}
	scopeBytes, err := proto.Marshal(&commonpb.InstrumentationScope{Name: scope.name, Version: validUTF8(scope.version)})
	if err != nil {
		return nil, fmt.Errorf("otlpexporter: encode scope: %w", err)
	}
	e := &Exporter{
		cfg:     cfg,
		spans:   spanEncoder{scope: scopeBytes, resources: res},
		metrics: metricConverter{scope: scope, resources: res},
	}
	e.traces = signal{name: "traces", method: traceExportMethod, sc: &cfg.traces}
	e.metricsSig = signal{name: "metrics", method: metricsExportMethod, sc: &cfg.metrics}
	return e, nil
}

// moduleVersion reports the gocensus module version linked into the
// binary, or "" when it is unknown (no module information, or a module
// replaced by a local directory).
func moduleVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	if bi.Main.Path == ScopeName {
		if bi.Main.Version == "(devel)" {
			return ""
		}
		return bi.Main.Version
	}
	for _, d := range bi.Deps {
		if d.Path == ScopeName {
			if d.Replace != nil {
				return d.Replace.Version
			}
			return d.Version
		}
	}
	return ""
}

// start dials and starts the signal's senders once.
func (e *Exporter) start(s *signal) ([]*delivery.Sender[[]byte], error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.stopped.Load() {
		return nil, ErrShutdown
	}
	if s.started {
		return s.senders, nil
	}
	sc := s.sc
	if len(sc.headers) > 0 {
		s.md = metadata.New(sc.headers)
	}
	s.callOpts = []grpc.CallOption{grpc.ForceCodecV2(rawCodec{})}
	if sc.compression == "gzip" {
		s.callOpts = append(s.callOpts, grpc.UseCompressor(gzip.Name))
	}
	s.conn = e.cfg.conn
	if s.conn == nil {
		creds, err := e.credentials(sc)
		if err != nil {
			return nil, err
		}
		// grpc-go's own reconnect backoff grows to 120 s, which would keep a
		// restarted collector waiting long after the sender is ready to
		// retry; cap it like the sender's backoff. Dial options given by
		// the user come later and win.
		dial := append([]grpc.DialOption{
			grpc.WithTransportCredentials(creds),
			grpc.WithConnectParams(grpc.ConnectParams{
				Backoff:           backoff.Config{BaseDelay: 100 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 5 * time.Second},
				MinConnectTimeout: 5 * time.Second,
			}),
		}, e.cfg.dialOpts...)
		cc, err := grpc.NewClient(sc.endpoint, dial...)
		if err != nil {
			return nil, fmt.Errorf("otlpexporter: %s: dial %s: %w", s.name, sc.endpoint, err)
		}
		s.conn, s.owned = cc, cc
	}
	// Each of the concurrent senders owns an equal share of the budget.
	n := e.cfg.concurrency
	dopts := []delivery.Option{
		delivery.WithMaxItems((e.cfg.maxSpans + n - 1) / n),
		delivery.WithMaxBytes((e.cfg.maxBytes + n - 1) / n),
		delivery.WithSendTimeout(sc.timeout),
		delivery.WithMaxRetryTime(e.cfg.maxRetryTime),
		delivery.WithBackoff(delivery.Backoff{Initial: e.cfg.backoffMin, Max: e.cfg.backoffMax}),
		delivery.WithClassifier(delivery.GRPCClassifier),
		delivery.WithLogger(e.cfg.logger),
		delivery.WithName("otlp " + s.name),
	}
	if e.cfg.blocking {
		dopts = append(dopts, delivery.WithBlocking(e.cfg.blockTimeout))
	}
	send := func(ctx context.Context, b delivery.Batch[[]byte]) error { return e.send(ctx, s, b) }
	senders := make([]*delivery.Sender[[]byte], 0, n)
	for range n {
		sender, err := delivery.New(send, dopts...)
		if err != nil {
			for _, started := range senders {
				_ = started.Shutdown(context.Background())
			}
			if s.owned != nil {
				_ = s.owned.Close()
			}
			return nil, fmt.Errorf("otlpexporter: %s: %w", s.name, err)
		}
		senders = append(senders, sender)
	}
	s.senders, s.started = senders, true
	return senders, nil
}

// pick returns the sender with the fewest pending items.
func pick(senders []*delivery.Sender[[]byte]) *delivery.Sender[[]byte] {
	best := senders[0]
	if len(senders) == 1 {
		return best
	}
	least := best.Stats().Pending
	for _, x := range senders[1:] {
		if p := x.Stats().Pending; p < least {
			best, least = x, p
		}
	}
	return best
}

// credentials picks the transport security: explicit credentials, then
// insecure, then a CA file, then TLS with the system roots.
func (e *Exporter) credentials(sc *signalConfig) (credentials.TransportCredentials, error) {
	switch {
	case e.cfg.creds != nil:
		return e.cfg.creds, nil
	case sc.insecure:
		return insecure.NewCredentials(), nil
	case sc.certFile != "":
		c, err := credentials.NewClientTLSFromFile(sc.certFile, "")
		if err != nil {
			return nil, fmt.Errorf("otlpexporter: certificate: %w", err)
		}
		return c, nil
	}
	return credentials.NewTLS(&tls.Config{MinVersion: tls.VersionTLS12}), nil
}

// partial is the part of an Export response the exporter acts on.
type partial interface {
	rejected() (n int64, msg string)
}

type traceResp struct {
	coltracepb.ExportTraceServiceResponse
}

func (r *traceResp) rejected() (int64, string) {
	p := r.GetPartialSuccess()
	return p.GetRejectedSpans(), p.GetErrorMessage()
}

type metricsResp struct {
	colmetricspb.ExportMetricsServiceResponse
}

func (r *metricsResp) rejected() (int64, string) {
	p := r.GetPartialSuccess()
	return p.GetRejectedDataPoints(), p.GetErrorMessage()
}

// send ships one encoded request. Errors are classified by
// delivery.GRPCClassifier with the OTLP retry rules.
func (e *Exporter) send(ctx context.Context, s *signal, b delivery.Batch[[]byte]) error {
	if s.md != nil {
		ctx = metadata.NewOutgoingContext(ctx, s.md)
	}
	var resp interface {
		proto.Message
		partial
	}
	if s.method == traceExportMethod {
		resp = &traceResp{}
	} else {
		resp = &metricsResp{}
	}
	if err := s.conn.Invoke(ctx, s.method, rawMessage(b.Payload), resp, s.callOpts...); err != nil {
		return fmt.Errorf("otlpexporter: export %s: %w", s.name, err)
	}
	// Delivered: the transport is done with the bytes and the sender
	// forgets the batch, so the buffer can serve the next request.
	if s.method == traceExportMethod {
		putBuffer(b.Payload)
	}
	if n, msg := resp.rejected(); n > 0 || msg != "" {
		if n > 0 {
			s.rejected.Add(uint64(min(n, int64(b.Items))))
		}
		if s.warned.CompareAndSwap(false, true) {
			e.cfg.logger.Warn("collector rejected part of an export; further rejections are counted, not logged",
				slog.String("exporter", "otlp "+s.name),
				slog.Int64("rejected", n),
				slog.String("message", msg))
		}
	}
	return nil
}

// enqueue hands encoded requests to the signal's least loaded sender.
func (e *Exporter) enqueue(ctx context.Context, s *signal, reqs []encoded) error {
	senders, err := e.start(s)
	if err != nil {
		return err
	}
	var errs []error
	for _, r := range reqs {
		if err := pick(senders).Enqueue(ctx, delivery.Batch[[]byte]{Payload: r.b, Items: r.items, Bytes: len(r.b)}); err != nil {
			if errors.Is(err, delivery.ErrClosed) {
				err = ErrShutdown
			}
			errs = append(errs, fmt.Errorf("otlpexporter: %s: %w", s.name, err))
		}
	}
	return errors.Join(errs...)
}

// ExportSpans converts and encodes spans into requests of at most the
// maximum request size and queues them for delivery. It returns once they
// are queued; it blocks only with WithBlocking, and then no longer than ctx
// allows. Delivery outcomes are in Stats. ExportSpans does not retain spans.
func (e *Exporter) ExportSpans(ctx context.Context, spans []*trace.SpanData) error {
	if e.stopped.Load() {
		return ErrShutdown
	}
	if len(spans) == 0 {
		return nil
	}
	return e.enqueue(ctx, &e.traces, e.spans.encode(spans, e.cfg.maxReqBytes, e.cfg.maxReqItems))
}

// ExportMetrics converts and queues metrics like ExportSpans. Items in the
// queue budget and in Stats are data points. Summary and gauge
// distribution metrics have no faithful OTLP form; their points are counted
// in Stats().Metrics.Unsupported and not sent.
func (e *Exporter) ExportMetrics(ctx context.Context, metrics []*stats.Metric) error {
	if e.stopped.Load() {
		return ErrShutdown
	}
	if len(metrics) == 0 {
		return nil
	}
	req, unsupported := e.metrics.request(metrics)
	if unsupported > 0 {
		e.metricsSig.unsupported.Add(uint64(unsupported))
	}
	if len(req.ResourceMetrics) == 0 {
		return nil
	}
	reqs, err := encodeMetrics(req, e.cfg.maxReqBytes, e.cfg.maxReqItems)
	if err != nil {
		return err
	}
	return e.enqueue(ctx, &e.metricsSig, reqs)
}

// Flush waits until everything exported before the call has been
// delivered or dropped, or ctx ends.
func (e *Exporter) Flush(ctx context.Context) error {
	var errs []error
	for _, s := range []*signal{&e.traces, &e.metricsSig} {
		s.mu.Lock()
		senders := s.senders
		s.mu.Unlock()
		for _, sender := range senders {
			if err := sender.Flush(ctx); err != nil {
				errs = append(errs, fmt.Errorf("otlpexporter: %s: %w", s.name, err))
				break
			}
		}
	}
	return errors.Join(errs...)
}

// Shutdown stops accepting exports, delivers what is queued until ctx ends,
// then drops the rest, closes the connections it opened and returns an error
// naming how many items were undelivered. It returns by ctx's deadline even
// when the collector is down, leaves no goroutine behind, and is
// idempotent: later calls return the first call's result.
//
// The tracer's span processor and the stats manager each shut down the
// exporters they own; an Exporter given to both is shut down by whichever
// comes first, so give each its own Exporter.
func (e *Exporter) Shutdown(ctx context.Context) error {
	e.shutOnce.Do(func() {
		e.stopped.Store(true)
		sigs := []*signal{&e.traces, &e.metricsSig}
		errs := make([]error, len(sigs))
		var wg sync.WaitGroup
		for i, s := range sigs {
			s.mu.Lock()
			senders, owned := s.senders, s.owned
			s.mu.Unlock()
			if len(senders) == 0 {
				continue
			}
			wg.Go(func() {
				errs[i] = shutdownSenders(ctx, s.name, senders)
				if owned != nil {
					if err := owned.Close(); err != nil && errs[i] == nil {
						errs[i] = fmt.Errorf("otlpexporter: %s: close: %w", s.name, err)
					}
				}
			})
		}
		wg.Wait()
		e.shutErr = errors.Join(errs...)
	})
	return e.shutErr
}

// shutdownSenders shuts one signal's senders down together and reports the
// undelivered items of all of them in one error.
func shutdownSenders(ctx context.Context, name string, senders []*delivery.Sender[[]byte]) error {
	errs := make([]error, len(senders))
	var wg sync.WaitGroup
	for i, sender := range senders {
		wg.Go(func() { errs[i] = sender.Shutdown(ctx) })
	}
	wg.Wait()
	var undelivered uint64
	var first error
	for i, err := range errs {
		if err != nil {
			undelivered += senders[i].Stats().Dropped[delivery.DropShutdown]
			if first == nil {
				first = err
			}
		}
	}
	if first == nil {
		return nil
	}
	if len(senders) == 1 {
		return fmt.Errorf("otlpexporter: %s: %w", name, first)
	}
	return fmt.Errorf("otlpexporter: %s: %d items undelivered: %w", name, undelivered, first)
}

// rawMessage is an already encoded request.
type rawMessage []byte

// rawCodec sends rawMessage as is and decodes responses with protobuf. It
// keeps the name "proto", so the wire is plain gRPC protobuf.
type rawCodec struct{}

func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	if r, ok := v.(rawMessage); ok {
		return mem.BufferSlice{mem.SliceBuffer(r)}, nil
	}
	m, ok := v.(proto.Message)
	if !ok {
		return nil, fmt.Errorf("otlpexporter: cannot encode %T", v)
	}
	b, err := proto.Marshal(m)
	if err != nil {
		return nil, err
	}
	return mem.BufferSlice{mem.SliceBuffer(b)}, nil
}

func (rawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	m, ok := v.(proto.Message)
	if !ok {
		return fmt.Errorf("otlpexporter: cannot decode into %T", v)
	}
	return proto.Unmarshal(data.Materialize(), m)
}

func (rawCodec) Name() string { return "proto" }

package agentexporter

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding/gzip"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/gocensus/gocensus/exporters/internal/delivery"
	commonpb "github.com/gocensus/gocensus/proto/gocensus/agent/common/v1"
	agentmetricspb "github.com/gocensus/gocensus/proto/gocensus/agent/metrics/v1"
	agenttracepb "github.com/gocensus/gocensus/proto/gocensus/agent/trace/v1"
	"github.com/gocensus/gocensus/sdk/stats"
	"github.com/gocensus/gocensus/sdk/trace"
)

// Version is reported as the exporter version in the Node.
const Version = "0.1.0"

// ErrShutdown is returned by exports after Shutdown.
var ErrShutdown = errors.New("agentexporter: exporter is shut down")

// Backoff is the capped exponential backoff with jitter used between
// reconnect attempts; the zero value is 100 ms growing to 5 s.
type Backoff = delivery.Backoff

// QueueStats are the counters of one signal's replay buffer. Items (spans or
// metrics) satisfy Enqueued == Sent + DroppedTotal() + Pending. Dropped is
// indexed by DropReason.
type QueueStats = delivery.Stats

// DropReason says why items were dropped; it indexes QueueStats.Dropped,
// and its String is the KeyReason tag value.
type DropReason = delivery.Reason

// Drop reasons.
const (
	// DropQueueFull: the oldest pending batch was evicted to stay within
	// the queue budget.
	DropQueueFull = delivery.DropQueueFull
	// DropOversize: one batch was larger than the whole budget.
	DropOversize = delivery.DropOversize
	// DropPermanent: the receiver refused the data for good.
	DropPermanent = delivery.DropPermanent
	// DropRetryExhausted: still failing when the retry time ran out.
	DropRetryExhausted = delivery.DropRetryExhausted
	// DropShutdown: undelivered when Shutdown's deadline passed, or
	// exported after Shutdown.
	DropShutdown = delivery.DropShutdown
)

// Stats is a snapshot of the exporter's counters.
type Stats struct {
	Spans          QueueStats
	Metrics        QueueStats
	TruncatedSpans uint64 // spans shrunk to fit one message (details dropped)
	Stalls         uint64 // streams torn down because a Send blocked too long
	ConfigsApplied uint64 // TraceConfigs applied from the Config stream
}

// Exporter streams spans and metrics to an OpenCensus agent or collector
// over the OpenCensus agent protocol. It is a trace.SpanExporter and a
// stats.MetricExporter; build it with New. All methods are safe for
// concurrent use.
type Exporter struct {
	cfg      config
	conn     *grpc.ClientConn
	ownConn  bool
	callOpts []grpc.CallOption
	life     context.Context
	stop     context.CancelFunc

	nodeBytes []byte // field 1 of an export request
	resBytes  []byte // field 3, or nil
	node      *commonpb.Node

	traces      *delivery.Sender[[]byte]
	metrics     *delivery.Sender[[]byte]
	traceStream *exportStream
	metStream   *exportStream

	truncated      atomic.Uint64
	configsApplied atomic.Uint64
	closed         atomic.Bool
	bg             sync.WaitGroup
	views          *viewRecorder

	shutOnce sync.Once
	shutErr  error
}

var (
	_ trace.SpanExporter   = (*Exporter)(nil)
	_ stats.MetricExporter = (*Exporter)(nil)
)

// New builds an Exporter. It does not wait for the agent: the connection is
// made in the background and data is buffered (within the queue budget)
// until it succeeds.
func New(opts ...Option) (*Exporter, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	e := &Exporter{cfg: cfg, conn: cfg.conn}
	if e.conn == nil {
		creds := cfg.creds
		if cfg.insecure {
			creds = insecure.NewCredentials()
		} else if creds == nil {
			creds = tlsDefault()
		}
		b := cfg.backoff
		dial := []grpc.DialOption{
			grpc.WithTransportCredentials(creds),
			grpc.WithConnectParams(grpc.ConnectParams{
				Backoff:           backoff.Config{BaseDelay: max(b.Initial, 10*time.Millisecond), Multiplier: 1.6, Jitter: 0.2, MaxDelay: max(b.Max, 100*time.Millisecond)},
				MinConnectTimeout: 5 * time.Second,
			}),
		}
		dial = append(dial, cfg.dialOptions...)
		conn, err := grpc.NewClient(cfg.address, dial...)
		if err != nil {
			return nil, fmt.Errorf("agentexporter: dial %q: %w", cfg.address, err)
		}
		e.conn, e.ownConn = conn, true
	}
	e.callOpts = []grpc.CallOption{grpc.ForceCodecV2(rawCodec{}), grpc.MaxCallSendMsgSize(math.MaxInt32)}
	if cfg.perRPC != nil {
		e.callOpts = append(e.callOpts, grpc.PerRPCCredentials(cfg.perRPC))
	}
	if cfg.gzip {
		e.callOpts = append(e.callOpts, grpc.UseCompressor(gzip.Name))
	}
	e.life, e.stop = context.WithCancel(context.Background())

	e.node = buildNode(cfg)
	nb, err := proto.Marshal(e.node)
	if err != nil {
		e.close()
		return nil, fmt.Errorf("agentexporter: encode node: %w", err)
	}
	e.nodeBytes = protowire.AppendBytes(protowire.AppendTag(nil, reqNode, protowire.BytesType), nb)
	e.resBytes = appendResource(nil, reqResource, cfg.resource)

	e.traceStream = e.newStream(agenttracepb.OpenCensusTraceExportMethod,
		func() any { return new(agenttracepb.ExportTraceServiceResponse) }, func() { e.traces.Resend() })
	e.metStream = e.newStream(agentmetricspb.OpenCensusMetricsExportMethod,
		func() any { return new(agentmetricspb.ExportMetricsServiceResponse) }, func() { e.metrics.Resend() })

	qopts := func(name string) []delivery.Option {
		o := []delivery.Option{
			delivery.WithName(name),
			delivery.WithMaxItems(cfg.maxSpans),
			delivery.WithMaxBytes(cfg.maxBytes),
			delivery.WithBackoff(cfg.backoff),
			delivery.WithClassifier(classify),
			delivery.WithLogger(cfg.logger),
			delivery.WithSendTimeout(max(cfg.exportTimeout, cfg.stallTimeout+time.Second)),
		}
		if cfg.blocking {
			o = append(o, delivery.WithBlocking(cfg.exportTimeout))
		}
		if cfg.resendBatches > 0 && cfg.resendAge > 0 {
			o = append(o, delivery.WithResendWindow(cfg.resendBatches, cfg.resendAge))
		}
		return o
	}
	if e.traces, err = delivery.New(func(ctx context.Context, b delivery.Batch[[]byte]) error {
		return e.traceStream.send(ctx, b.Payload)
	}, qopts("agentexporter/traces")...); err != nil {
		e.close()
		return nil, fmt.Errorf("agentexporter: %w", err)
	}
	if e.metrics, err = delivery.New(func(ctx context.Context, b delivery.Batch[[]byte]) error {
		return e.metStream.send(ctx, b.Payload)
	}, qopts("agentexporter/metrics")...); err != nil {
		_ = e.traces.Shutdown(context.Background())
		e.close()
		return nil, fmt.Errorf("agentexporter: %w", err)
	}
	if cfg.manager != nil {
		e.views = newViewRecorder(cfg.manager)
	}
	if cfg.tracer != nil {
		e.bg.Add(1)
		go e.configLoop()
	}
	e.bg.Add(1)
	go e.watchConn()
	return e, nil
}

func (e *Exporter) newStream(method string, resp func() any, onBreak func()) *exportStream {
	s := &exportStream{e: e, method: method, newResp: resp}
	s.envelope = func() ([]byte, []byte) { return e.nodeBytes, e.resBytes }
	s.onBreak = onBreak
	s.onOpen = func(reconnect bool) {
		if reconnect {
			if s == e.traceStream {
				e.traces.CountReconnect()
			} else {
				e.metrics.CountReconnect()
			}
		}
	}
	return s
}

// watchConn rotates the streams when the connection leaves READY: a server
// sending GOAWAY (GracefulStop, max connection age) waits for open streams to
// end, so they are closed cleanly and reopened on the next connection.
func (e *Exporter) watchConn() {
	defer e.bg.Done()
	state := e.conn.GetState()
	for e.conn.WaitForStateChange(e.life, state) {
		next := e.conn.GetState()
		if state == connectivity.Ready && next != connectivity.Ready {
			e.traceStream.rotate(e.traces.Confirm, e.traces.Resend)
			e.metStream.rotate(e.metrics.Confirm, e.metrics.Resend)
		}
		state = next
	}
}

func buildNode(cfg config) *commonpb.Node {
	host, _ := os.Hostname()
	if h := os.Getenv("HOSTNAME"); host == "" && h != "" {
		host = h
	}
	return &commonpb.Node{
		Identifier: &commonpb.ProcessIdentifier{
			HostName:       host,
			Pid:            uint32(os.Getpid()),
			StartTimestamp: timestamppb.Now(),
		},
		LibraryInfo: &commonpb.LibraryInfo{
			Language:           commonpb.LibraryInfo_GO_LANG,
			ExporterVersion:    Version,
			CoreLibraryVersion: Version,
		},
		ServiceInfo: &commonpb.ServiceInfo{Name: cfg.serviceName},
		Attributes:  cfg.nodeAttrs,
	}
}

// Node returns a copy of the Node the exporter sends.
func (e *Exporter) Node() *commonpb.Node { return proto.CloneOf(e.node) }

// ExportSpans encodes spans and queues them for the Export stream. It does
// not wait for the agent: the spans are delivered in the background. Without
// WithBlocking it never blocks; with it, it waits up to the export timeout
// (or ctx) for room. A span too large for one message loses its attributes,
// annotations, message events, links and stack trace (counted in its dropped
// counts) rather than breaking the stream. It returns ErrShutdown after
// Shutdown.
func (e *Exporter) ExportSpans(ctx context.Context, spans []*trace.SpanData) error {
	if e.closed.Load() {
		return ErrShutdown
	}
	limit := e.cfg.maxMsgBytes - len(e.nodeBytes) - len(e.resBytes)
	var buf []byte
	n := 0
	flush := func() error {
		if n == 0 {
			return nil
		}
		err := e.enqueue(ctx, e.traces, buf, n)
		buf, n = nil, 0
		return err
	}
	for _, sd := range spans {
		if sd == nil {
			continue
		}
		if buf == nil {
			buf = make([]byte, 0, min(limit, 256*len(spans)))
		}
		start := len(buf)
		var shrunk bool
		buf, shrunk = appendSpanEntry(buf, sd, e.cfg.resource, limit)
		if shrunk {
			e.truncated.Add(1)
		}
		size := len(buf) - start
		if size > limit {
			buf = buf[:start]
			e.dropOversize(e.traces)
			continue
		}
		if len(buf) > limit {
			entry := append([]byte(nil), buf[start:]...)
			buf = buf[:start]
			if err := flush(); err != nil {
				return err
			}
			buf = append(make([]byte, 0, min(limit, 256*len(spans))), entry...)
		}
		n++
	}
	err := flush()
	e.record()
	return err
}

func (e *Exporter) enqueue(ctx context.Context, q *delivery.Sender[[]byte], buf []byte, n int) error {
	if e.cfg.blocking {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, e.cfg.exportTimeout)
		defer cancel()
	}
	err := q.Enqueue(ctx, delivery.Batch[[]byte]{Payload: buf, Items: n, Bytes: cap(buf)}) // memory held, not just encoded size
	if errors.Is(err, delivery.ErrClosed) {
		return ErrShutdown
	}
	if err != nil {
		return fmt.Errorf("agentexporter: %w", err)
	}
	return nil
}

// dropOversize counts one item that cannot fit any message: the delivery
// queue records it as DropOversize, so the accounting identity holds.
func (e *Exporter) dropOversize(q *delivery.Sender[[]byte]) {
	_ = q.Enqueue(context.Background(), delivery.Batch[[]byte]{Items: 1, Bytes: math.MaxInt})
}

// ExportMetrics converts metrics to the OpenCensus proto and queues them for
// the metrics Export stream, with the same buffering as ExportSpans.
func (e *Exporter) ExportMetrics(ctx context.Context, metrics []*stats.Metric) error {
	if e.closed.Load() {
		return ErrShutdown
	}
	limit := e.cfg.maxMsgBytes - len(e.nodeBytes) - len(e.resBytes)
	var buf []byte
	n := 0
	var errs []error
	for _, m := range metrics {
		if m == nil {
			continue
		}
		pb := metricToProto(m, e.cfg.resource)
		size := proto.Size(pb)
		if delivery.FieldSize(size) > limit {
			e.dropOversize(e.metrics)
			continue
		}
		if n > 0 && len(buf)+delivery.FieldSize(size) > limit {
			errs = append(errs, e.enqueue(ctx, e.metrics, buf, n))
			buf, n = nil, 0
		}
		buf = protowire.AppendTag(buf, reqItems, protowire.BytesType)
		buf = protowire.AppendVarint(buf, uint64(size))
		var err error
		if buf, err = (proto.MarshalOptions{UseCachedSize: true}).MarshalAppend(buf, pb); err != nil {
			return fmt.Errorf("agentexporter: encode metric %q: %w", m.Descriptor.Name, err)
		}
		n++
	}
	if n > 0 {
		errs = append(errs, e.enqueue(ctx, e.metrics, buf, n))
	}
	e.record()
	return errors.Join(errs...)
}

// Flush waits until everything exported before the call has been handed to
// the agent's streams, or ctx ends.
func (e *Exporter) Flush(ctx context.Context) error {
	err := errors.Join(e.traces.Flush(ctx), e.metrics.Flush(ctx))
	e.record()
	return err
}

// Stats returns the exporter's counters.
func (e *Exporter) Stats() Stats {
	return Stats{
		Spans:          e.traces.Stats(),
		Metrics:        e.metrics.Stats(),
		TruncatedSpans: e.truncated.Load(),
		Stalls:         e.traceStream.stalls.Load() + e.metStream.stalls.Load(),
		ConfigsApplied: e.configsApplied.Load(),
	}
}

func (e *Exporter) record() {
	if e.views != nil {
		e.views.record(e.traces.Stats(), e.metrics.Stats())
	}
}

// Shutdown delivers what is buffered, closes the streams and waits for the
// agent to end them (so the data was really received), then releases the
// connection. When the agent is down or stalled it returns by ctx's deadline
// with an error naming the undelivered count. No goroutine outlives it. It
// is idempotent; exports after it return ErrShutdown. The tracer and the
// stats manager each call Shutdown on their exporter; sharing one Exporter
// between both is fine.
func (e *Exporter) Shutdown(ctx context.Context) error {
	e.shutOnce.Do(func() {
		e.closed.Store(true)
		var errs []error
		// A clean end of stream proves the agent read everything sent on
		// it; otherwise what the resend window holds goes back to the
		// queue, to be sent again or counted as undelivered.
		for _, sig := range []struct {
			q *delivery.Sender[[]byte]
			s *exportStream
		}{{e.traces, e.traceStream}, {e.metrics, e.metStream}} {
			if err := sig.q.Flush(ctx); err != nil {
				continue
			}
			if sig.s.close(ctx) {
				sig.q.Confirm()
			} else {
				sig.q.Resend()
			}
		}
		if err := e.traces.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("agentexporter: spans: %w", err))
		}
		if err := e.metrics.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("agentexporter: metrics: %w", err))
		}
		e.stop()
		e.traceStream.close(ctx)
		e.metStream.close(ctx)
		e.bg.Wait()
		e.record()
		e.close()
		e.shutErr = errors.Join(errs...)
	})
	return e.shutErr
}

func (e *Exporter) close() {
	if e.stop != nil {
		e.stop()
	}
	if e.ownConn {
		_ = e.conn.Close()
	}
}

func randFloat() float64 { return rand.Float64() }

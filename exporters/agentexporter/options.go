package agentexporter

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"math"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/gocensus/gocensus/exporters/internal/delivery"
	"github.com/gocensus/gocensus/sdk/resource"
	"github.com/gocensus/gocensus/sdk/stats"
	"github.com/gocensus/gocensus/sdk/trace"
)

// Defaults.
const (
	// DefaultAddress is the OpenCensus agent's well-known port on this host.
	DefaultAddress = "localhost:55678"
	// DefaultStallTimeout is how long one Send may block on flow control
	// before the stream is declared stalled and redialled.
	DefaultStallTimeout = 5 * time.Second
	// DefaultExportTimeout bounds one ExportSpans / ExportMetrics call when
	// backpressure (WithBlocking) makes it wait for room.
	DefaultExportTimeout = 10 * time.Second
	// DefaultMaxQueueSpans and DefaultMaxQueueBytes bound the replay buffer.
	// 4 MiB of encoded spans (tens of thousands) rides out a collector
	// restart while keeping a busy exporter's peak memory under 48 MiB;
	// raise it with WithQueueBudget for longer outages.
	DefaultMaxQueueSpans = 65536
	DefaultMaxQueueBytes = 4 << 20
)

// Option configures an Exporter.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	address       string
	insecure      bool
	creds         credentials.TransportCredentials
	perRPC        credentials.PerRPCCredentials
	headers       map[string]string
	gzip          bool
	serviceName   string
	resource      *resource.Resource
	dialOptions   []grpc.DialOption
	conn          *grpc.ClientConn
	maxSpans      int
	maxBytes      int
	maxMsgBytes   int
	backoff       delivery.Backoff
	exportTimeout time.Duration
	stallTimeout  time.Duration
	blocking      bool
	tracer        *trace.Tracer
	manager       *stats.Manager
	logger        *slog.Logger
	resendBatches int
	resendAge     time.Duration
	nodeAttrs     map[string]string
}

func newConfig(opts []Option) (config, error) {
	c := config{
		address:       DefaultAddress,
		maxSpans:      DefaultMaxQueueSpans,
		maxBytes:      DefaultMaxQueueBytes,
		maxMsgBytes:   delivery.DefaultMaxMessageBytes,
		exportTimeout: DefaultExportTimeout,
		stallTimeout:  DefaultStallTimeout,
		logger:        slog.Default(),
		resendBatches: math.MaxInt32,
		resendAge:     time.Second,
		backoff:       delivery.Backoff{Initial: 100 * time.Millisecond, Max: 5 * time.Second},
	}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	switch {
	case c.address == "" && c.conn == nil:
		return c, fmt.Errorf("agentexporter: empty address")
	case c.maxSpans <= 0 || c.maxBytes <= 0:
		return c, fmt.Errorf("agentexporter: queue budget (%d spans, %d bytes) must be positive", c.maxSpans, c.maxBytes)
	case c.maxMsgBytes < 1024:
		return c, fmt.Errorf("agentexporter: message limit %d below 1 KiB", c.maxMsgBytes)
	case c.exportTimeout <= 0 || c.stallTimeout <= 0:
		return c, fmt.Errorf("agentexporter: timeouts (export %v, stall %v) must be positive", c.exportTimeout, c.stallTimeout)
	case c.resendBatches < 0 || c.resendAge < 0:
		return c, fmt.Errorf("agentexporter: resend window must not be negative")
	case c.creds != nil && c.insecure:
		return c, fmt.Errorf("agentexporter: WithInsecure and WithTLSCredentials are exclusive")
	}
	if c.maxBytes < c.maxMsgBytes {
		c.maxMsgBytes = max(c.maxBytes, 1024)
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// WithAddress sets the agent or collector address, host:port or any gRPC
// target; default DefaultAddress.
func WithAddress(addr string) Option { return optionFunc(func(c *config) { c.address = addr }) }

// WithInsecure disables transport security, as agents on localhost or a pod
// sidecar usually expect. Without it the exporter uses TLS with the system
// roots.
func WithInsecure() Option { return optionFunc(func(c *config) { c.insecure = true }) }

// WithTLSCredentials sets the transport credentials.
func WithTLSCredentials(creds credentials.TransportCredentials) Option {
	return optionFunc(func(c *config) { c.creds = creds })
}

// WithPerRPCCredentials attaches credentials (a token, for example) to every
// stream the exporter opens: trace, metrics and config.
func WithPerRPCCredentials(creds credentials.PerRPCCredentials) Option {
	return optionFunc(func(c *config) { c.perRPC = creds })
}

// WithHeaders adds gRPC metadata to every stream the exporter opens.
func WithHeaders(h map[string]string) Option {
	return optionFunc(func(c *config) {
		c.headers = make(map[string]string, len(h))
		for k, v := range h {
			c.headers[k] = v
		}
	})
}

// WithCompressor turns on gzip compression of every message ("gzip" is the
// only supported name).
func WithCompressor(name string) Option {
	return optionFunc(func(c *config) { c.gzip = name == "gzip" })
}

// WithServiceName names the service in the Node sent on every stream.
func WithServiceName(name string) Option { return optionFunc(func(c *config) { c.serviceName = name }) }

// WithNodeAttributes adds attributes to the Node.
func WithNodeAttributes(attrs map[string]string) Option {
	return optionFunc(func(c *config) { c.nodeAttrs = attrs })
}

// WithResource sets the stream-level resource sent with the first message of
// every stream; spans and metrics with a different resource carry their own.
func WithResource(r *resource.Resource) Option { return optionFunc(func(c *config) { c.resource = r }) }

// WithDialOptions adds gRPC dial options. Do not pass census instrumentation
// here: the exporter must not trace its own RPCs.
func WithDialOptions(opts ...grpc.DialOption) Option {
	return optionFunc(func(c *config) { c.dialOptions = append(c.dialOptions, opts...) })
}

// WithGRPCConn uses an existing connection instead of dialling; the
// exporter does not close it. Address, credentials and dial options are then
// ignored.
func WithGRPCConn(conn *grpc.ClientConn) Option { return optionFunc(func(c *config) { c.conn = conn }) }

// WithQueueBudget bounds the replay buffer: spans (and metrics, each counting
// as one) and encoded bytes held while the agent is unreachable or slow.
// Past it the oldest batches are dropped and counted. Defaults:
// DefaultMaxQueueSpans, DefaultMaxQueueBytes.
func WithQueueBudget(items, bytes int) Option {
	return optionFunc(func(c *config) { c.maxSpans, c.maxBytes = items, bytes })
}

// WithMaxMessageBytes caps one encoded export message; default
// delivery.DefaultMaxMessageBytes (4 MiB − 64 KiB). Match the receiver's
// grpc.MaxRecvMsgSize when it differs from gRPC's default.
func WithMaxMessageBytes(n int) Option { return optionFunc(func(c *config) { c.maxMsgBytes = n }) }

// WithReconnectBackoff sets the capped exponential backoff with jitter
// between attempts to reach the agent (and between retries of a batch).
// Default 100 ms growing to 5 s.
func WithReconnectBackoff(b delivery.Backoff) Option {
	return optionFunc(func(c *config) { c.backoff = b })
}

// WithExportTimeout bounds how long ExportSpans and ExportMetrics wait for
// room in backpressure mode; default DefaultExportTimeout.
func WithExportTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.exportTimeout = d })
}

// WithStallTimeout sets how long a Send may block before the stream is torn
// down and redialled; default DefaultStallTimeout.
func WithStallTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.stallTimeout = d })
}

// WithBlocking makes ExportSpans and ExportMetrics wait (up to the export
// timeout) for room in the replay buffer instead of dropping the oldest
// batches: zero loss at the price of slowing the producer. Pair it with the
// tracer batcher's own blocking mode.
func WithBlocking() Option { return optionFunc(func(c *config) { c.blocking = true }) }

// WithTracer lets the agent reconfigure t over the Config stream: the
// exporter reports t's sampler and limits, applies every TraceConfig the
// agent pushes with t.SetSampler and t.SetLimits, and echoes what it applied.
// Without it (or with nil) the Config stream is not opened.
func WithTracer(t *trace.Tracer) Option { return optionFunc(func(c *config) { c.tracer = t }) }

// WithStatsManager records the exporter's own counters (spans and metrics
// sent, dropped by reason, retries, reconnects, queue depth) into m under
// the gocensus.io/exporter/agent/ measures; register Views() on m to export
// them.
func WithStatsManager(m *stats.Manager) Option { return optionFunc(func(c *config) { c.manager = m }) }

// WithLogger sets where loss and connection warnings go; default
// slog.Default(), nil silences them.
func WithLogger(l *slog.Logger) Option { return optionFunc(func(c *config) { c.logger = l }) }

// WithResendWindow keeps the last batches sent on a stream (up to batches,
// for up to age) and sends them again when the stream breaks, since a
// successful Send does not prove the agent received them: the agent may have
// buffered them and died. Kept batches count against the queue budget; when
// room is needed the oldest are counted as sent, so the window never costs
// data or backpressure. Zero batches turns it off (at most once). Default: no
// count limit, 1 s.
func WithResendWindow(batches int, age time.Duration) Option {
	return optionFunc(func(c *config) { c.resendBatches, c.resendAge = batches, age })
}

func tlsDefault() credentials.TransportCredentials {
	return credentials.NewTLS(&tls.Config{MinVersion: tls.VersionTLS12})
}

package otlpexporter

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/gocensus/gocensus/sdk/resource"
)

// Defaults used when neither an option nor an environment variable says
// otherwise.
const (
	// DefaultEndpoint is the OTLP/gRPC port of a local collector.
	DefaultEndpoint = "localhost:4317"
	// DefaultTimeout bounds each Export RPC, as the OTLP exporter
	// specification's default does.
	DefaultTimeout = 10 * time.Second
	// DefaultMaxRequestBytes keeps every request under gRPC's default 4 MiB
	// receive limit, with room for framing.
	DefaultMaxRequestBytes = 4<<20 - 64<<10
	// DefaultMaxQueueSpans and DefaultMaxQueueBytes bound what each signal
	// holds, encoded, while the collector is slow or away: four times what
	// OpenTelemetry-Go's batch processor holds, in less memory than it
	// needs for its 2048 spans, since an encoded span takes about 200
	// bytes. Raise them to ride out longer outages.
	DefaultMaxQueueSpans = 8192
	DefaultMaxQueueBytes = 4 << 20
	// DefaultMaxRetryTime is how long a batch may keep failing before it is
	// dropped, matching the Collector's exporter default.
	DefaultMaxRetryTime = 5 * time.Minute
)

// Option configures an Exporter. Options override the OTEL_EXPORTER_OTLP_*
// environment variables, which override the defaults.
type Option func(*config)

// signalConfig is what may differ between the traces and metrics
// destinations.
type signalConfig struct {
	endpoint    string
	insecure    bool
	certFile    string
	headers     map[string]string
	compression string
	timeout     time.Duration
}

type config struct {
	traces, metrics signalConfig

	// Explicit settings from options; nil/zero means "not given".
	endpoint    *string
	insecure    *bool
	creds       credentials.TransportCredentials
	headers     map[string]string
	compression *string
	timeout     time.Duration

	conn         grpc.ClientConnInterface
	dialOpts     []grpc.DialOption
	resource     *resource.Resource
	serviceName  string
	maxReqBytes  int
	maxReqItems  int
	concurrency  int
	maxSpans     int
	maxBytes     int
	blocking     bool
	blockTimeout time.Duration
	maxRetryTime time.Duration
	backoffMin   time.Duration
	backoffMax   time.Duration
	logger       *slog.Logger
	getenv       func(string) string
}

// WithEndpoint sets the collector's host:port for both signals (default
// DefaultEndpoint). A URL such as "http://collector:4317" is accepted too;
// its scheme sets WithInsecure ("http") or TLS ("https").
func WithEndpoint(endpoint string) Option {
	return func(c *config) { c.endpoint = &endpoint }
}

// WithInsecure sends without TLS. Without it the connection uses TLS with
// the system roots, as OpenTelemetry's exporters do, unless the environment
// says otherwise.
func WithInsecure() Option {
	return func(c *config) { t := true; c.insecure = &t }
}

// WithTLSCredentials sets the transport credentials (client certificates,
// private roots). It overrides WithInsecure and OTEL_EXPORTER_OTLP_CERTIFICATE.
func WithTLSCredentials(creds credentials.TransportCredentials) Option {
	return func(c *config) { c.creds = creds }
}

// WithHeaders adds gRPC metadata to every Export RPC, typically an API key.
// Keys given here replace the same keys from OTEL_EXPORTER_OTLP_HEADERS.
func WithHeaders(h map[string]string) Option {
	return func(c *config) {
		if c.headers == nil {
			c.headers = map[string]string{}
		}
		maps.Copy(c.headers, h)
	}
}

// WithCompression sets the request compression: "gzip" or "none" (the
// default). Gzip costs CPU on both ends and saves bandwidth about fivefold
// on typical spans.
func WithCompression(name string) Option {
	return func(c *config) { c.compression = &name }
}

// WithTimeout bounds each Export RPC (default DefaultTimeout). A batch whose
// RPC times out is retried.
func WithTimeout(d time.Duration) Option {
	return func(c *config) { c.timeout = d }
}

// WithResource sets the resource reported for spans and metrics that carry
// none of their own.
func WithResource(r *resource.Resource) Option {
	return func(c *config) { c.resource = r }
}

// WithServiceName sets the service.name resource attribute on everything
// exported, overriding any service.name label of the resources.
func WithServiceName(name string) Option {
	return func(c *config) { c.serviceName = name }
}

// WithMaxRequestBytes caps the encoded size of one Export request (default
// DefaultMaxRequestBytes); larger batches are split. Raise it only together
// with the collector's max_recv_msg_size_mib.
func WithMaxRequestBytes(n int) Option {
	return func(c *config) { c.maxReqBytes = n }
}

// WithMaxBatchSize caps the spans, or metric data points, in one Export
// request (default 4096, and never more than the queue budget); larger
// exports are split. The span processor's batch size decides how many
// spans usually travel together; this only bounds it.
func WithMaxBatchSize(n int) Option {
	return func(c *config) { c.maxReqItems = n }
}

// WithConcurrency sets how many Export RPCs each signal may have in flight
// (default 1). One in flight caps throughput at a batch per round trip;
// over a long-haul link raise it. Requests may then arrive out of order,
// which OTLP allows. The queue budget is shared out among them.
func WithConcurrency(n int) Option {
	return func(c *config) { c.concurrency = n }
}

// WithQueueBudget bounds, per signal, the items (spans or metrics) and
// encoded bytes held while the collector is slow or away (defaults
// DefaultMaxQueueSpans, DefaultMaxQueueBytes). Past the budget the oldest
// batches are dropped and counted, unless WithBlocking is given.
func WithQueueBudget(items, bytes int) Option {
	return func(c *config) { c.maxSpans, c.maxBytes = items, bytes }
}

// WithBlocking turns on backpressure: ExportSpans and ExportMetrics wait up
// to timeout (0: until their ctx is done) for room in the budget before
// anything is dropped. Use it when losing telemetry is worse than slowing
// the span processor down.
func WithBlocking(timeout time.Duration) Option {
	return func(c *config) { c.blocking, c.blockTimeout = true, timeout }
}

// WithRetry sets the backoff between failed attempts (initial and maximum
// delay) and how long a batch may keep failing before it is dropped
// (default DefaultMaxRetryTime; 0 retries until Shutdown).
func WithRetry(initial, maxDelay, maxElapsed time.Duration) Option {
	return func(c *config) {
		c.backoffMin, c.backoffMax, c.maxRetryTime = initial, maxDelay, maxElapsed
	}
}

// WithDialOption adds options to the gRPC dial. The exporter never adds
// census instrumentation, so its own RPCs are not traced; do not pass a
// tracing stats handler here.
func WithDialOption(opts ...grpc.DialOption) Option {
	return func(c *config) { c.dialOpts = append(c.dialOpts, opts...) }
}

// WithGRPCConn exports over an existing connection, which the exporter does
// not close. Endpoint, TLS and dial options are then ignored.
func WithGRPCConn(conn grpc.ClientConnInterface) Option {
	return func(c *config) { c.conn = conn }
}

// WithLogger sets where loss warnings go (default slog.Default()).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.logger = l }
}

var errNoEndpoint = errors.New("otlpexporter: empty endpoint")

// validate checks the finished configuration.
func (c *config) validate() error {
	for _, s := range []*signalConfig{&c.traces, &c.metrics} {
		if s.endpoint == "" && c.conn == nil {
			return errNoEndpoint
		}
		switch s.compression {
		case "", "none", "gzip":
		default:
			return fmt.Errorf("otlpexporter: unsupported compression %q (want gzip or none)", s.compression)
		}
		if s.timeout <= 0 {
			return fmt.Errorf("otlpexporter: timeout %v must be positive", s.timeout)
		}
	}
	switch {
	case c.maxReqBytes < 1024:
		return fmt.Errorf("otlpexporter: max request bytes %d too small (want at least 1024)", c.maxReqBytes)
	case c.concurrency <= 0:
		return fmt.Errorf("otlpexporter: concurrency %d must be positive", c.concurrency)
	case c.maxReqItems <= 0:
		return fmt.Errorf("otlpexporter: max batch size %d must be positive", c.maxReqItems)
	case c.maxSpans <= 0 || c.maxBytes <= 0:
		return fmt.Errorf("otlpexporter: queue budget (%d items, %d bytes) must be positive", c.maxSpans, c.maxBytes)
	case c.maxRetryTime < 0 || c.backoffMin < 0 || c.backoffMax < 0 || c.blockTimeout < 0:
		return errors.New("otlpexporter: negative retry or blocking duration")
	}
	return nil
}

package otlpexporter_test

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	colmetricspb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// collector is a loopback OTLP receiver built on the official generated
// service definitions. Hooks let tests fail, throttle or partially reject
// requests.
type collector struct {
	coltracepb.UnimplementedTraceServiceServer

	mu        sync.Mutex
	traces    []*coltracepb.ExportTraceServiceRequest
	metrics   []*colmetricspb.ExportMetricsServiceRequest
	md        []metadata.MD
	attempts  []time.Time
	spans     int
	changed   chan struct{}
	traceHook func(attempt int, req *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error)

	addr      string
	srv       *grpc.Server
	readBytes atomic.Int64 // bytes read from clients, framing included
}

// countingListener counts the bytes its connections read.
type countingListener struct {
	net.Listener
	n *atomic.Int64
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return countingConn{c, l.n}, nil
}

type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// startCollector listens on a fresh loopback port.
func startCollector(t testing.TB) *collector {
	t.Helper()
	c := &collector{changed: make(chan struct{})}
	c.listen(t, "127.0.0.1:0")
	return c
}

// listen serves on addr (a previous address to restart on it).
func (c *collector) listen(t testing.TB, addr string) {
	t.Helper()
	var lis net.Listener
	var err error
	for i := 0; i < 50; i++ { // the old socket may linger briefly
		if lis, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("listen %s: %v", addr, err)
	}
	srv := grpc.NewServer()
	coltracepb.RegisterTraceServiceServer(srv, c)
	colmetricspb.RegisterMetricsServiceServer(srv, metricsService{c: c})
	c.mu.Lock()
	c.addr, c.srv = lis.Addr().String(), srv
	c.mu.Unlock()
	go func() { _ = srv.Serve(countingListener{lis, &c.readBytes}) }()
	t.Cleanup(srv.Stop)
}

// stop closes the listener and every connection at once, like a crash.
func (c *collector) stop() {
	c.mu.Lock()
	srv := c.srv
	c.mu.Unlock()
	srv.Stop()
}

func (c *collector) Export(ctx context.Context, req *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	c.mu.Lock()
	c.attempts = append(c.attempts, time.Now())
	attempt := len(c.attempts)
	hook := c.traceHook
	c.md = append(c.md, md)
	c.mu.Unlock()
	resp := &coltracepb.ExportTraceServiceResponse{}
	if hook != nil {
		r, err := hook(attempt, req)
		if err != nil {
			return nil, err
		}
		if r != nil {
			resp = r
		}
	}
	c.mu.Lock()
	c.traces = append(c.traces, req)
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			c.spans += len(ss.Spans)
		}
	}
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
	return resp, nil
}

// metricsService adapts the metrics Export method, whose name clashes with
// the trace one on collector.
type metricsService struct {
	colmetricspb.UnimplementedMetricsServiceServer
	c *collector
}

func (m metricsService) Export(ctx context.Context, req *colmetricspb.ExportMetricsServiceRequest) (*colmetricspb.ExportMetricsServiceResponse, error) {
	m.c.mu.Lock()
	m.c.metrics = append(m.c.metrics, req)
	close(m.c.changed)
	m.c.changed = make(chan struct{})
	m.c.mu.Unlock()
	return &colmetricspb.ExportMetricsServiceResponse{}, nil
}

func (c *collector) setHook(h func(int, *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error)) {
	c.mu.Lock()
	c.traceHook = h
	c.mu.Unlock()
}

func (c *collector) spanCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.spans
}

func (c *collector) attemptTimes() []time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Time(nil), c.attempts...)
}

func (c *collector) traceRequests() []*coltracepb.ExportTraceServiceRequest {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*coltracepb.ExportTraceServiceRequest(nil), c.traces...)
}

func (c *collector) metricRequests() []*colmetricspb.ExportMetricsServiceRequest {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*colmetricspb.ExportMetricsServiceRequest(nil), c.metrics...)
}

func (c *collector) metadata() []metadata.MD {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]metadata.MD(nil), c.md...)
}

// testCtx is a context that ends with the test or after 10 s.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

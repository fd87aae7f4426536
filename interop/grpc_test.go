package interop_test

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"go.opencensus.io/plugin/ocgrpc"
	octrace "go.opencensus.io/trace"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	otelprop "go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	oteltest "go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/gocensus/gocensus/interceptors/censusgrpc"
	"github.com/gocensus/gocensus/sdk/trace"
	"github.com/gocensus/gocensus/sdk/trace/tracetest"
)

// The echo service used against the peers, registered by hand.
const interopMethod = "/interop.Echo/Unary"

var interopDesc = grpc.ServiceDesc{
	ServiceName: "interop.Echo",
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{{
		MethodName: "Unary",
		Handler: func(srv any, ctx context.Context, dec func(any) error, i grpc.UnaryServerInterceptor) (any, error) {
			in := new(wrapperspb.StringValue)
			if err := dec(in); err != nil {
				return nil, err
			}
			h := func(_ context.Context, req any) (any, error) { return req, nil }
			if i == nil {
				return h(ctx, in)
			}
			return i(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: interopMethod}, h)
		},
	}},
}

// dialPair serves interopDesc over bufconn with srvOpts and returns a
// client connection for each of dialOpts.
func dialPair(t *testing.T, srvOpts []grpc.ServerOption, dialOpts ...[]grpc.DialOption) []*grpc.ClientConn {
	t.Helper()
	lis := bufconn.Listen(1 << 20)
	srv := grpc.NewServer(srvOpts...)
	srv.RegisterService(&interopDesc, struct{}{})
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	var conns []*grpc.ClientConn
	for _, opts := range dialOpts {
		opts = append(opts,
			grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
			grpc.WithTransportCredentials(insecure.NewCredentials()))
		conn, err := grpc.NewClient("passthrough:///interop", opts...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = conn.Close() })
		conns = append(conns, conn)
	}
	return conns
}

// noLeaks checks, after every cleanup of t has run, that t left no
// goroutine behind (opencensus-go's own init-time worker is ignored, as
// everything running before t started).
func noLeaks(t *testing.T) {
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, opt) })
}

func call(t *testing.T, conn *grpc.ClientConn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := conn.Invoke(ctx, interopMethod, wrapperspb.String("hi"), new(wrapperspb.StringValue)); err != nil {
		t.Fatal(err)
	}
}

// waitFor polls until n() reaches want or 5 seconds pass, and returns the
// last count. A peer's server span ends on its stats handler's End event,
// which grpc-go delivers after the response is on its way: the client can
// return from the call first.
func waitFor(want int, n func() int) int {
	deadline := time.Now().Add(5 * time.Second)
	got := n()
	for got < want && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
		got = n()
	}
	return got
}

// gcTracer samples everything into memory.
func gcTracer() (*trace.Tracer, *tracetest.InMemoryExporter) {
	mem := tracetest.NewInMemoryExporter()
	return trace.NewTracer(trace.WithSampler(trace.AlwaysSample()), trace.WithSyncer(mem)), mem
}

// ocCollector gathers the spans opencensus-go exports, from its global
// exporter registry.
type ocCollector struct {
	mu    sync.Mutex
	spans []*octrace.SpanData
}

func (c *ocCollector) ExportSpan(s *octrace.SpanData) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.spans = append(c.spans, s)
}

func (c *ocCollector) byKind(kind int) []*octrace.SpanData {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []*octrace.SpanData
	for _, s := range c.spans {
		if s.SpanKind == kind {
			out = append(out, s)
		}
	}
	return out
}

func registerOC(t *testing.T) *ocCollector {
	c := new(ocCollector)
	octrace.RegisterExporter(c)
	t.Cleanup(func() { octrace.UnregisterExporter(c) })
	return c
}

func gcSpans(mem *tracetest.InMemoryExporter, kind trace.SpanKind) []*trace.SpanData {
	var out []*trace.SpanData
	for _, s := range mem.GetSpans() {
		if s.Kind == kind {
			out = append(out, s)
		}
	}
	return out
}

func TestOpenCensusClientToGocensusServer(t *testing.T) {
	noLeaks(t)
	oc := registerOC(t)
	tracer, mem := gcTracer()
	conns := dialPair(t, censusgrpc.ServerOptions(censusgrpc.WithTracer(tracer)),
		[]grpc.DialOption{grpc.WithStatsHandler(&ocgrpc.ClientHandler{StartOptions: octrace.StartOptions{Sampler: octrace.AlwaysSample()}})})
	call(t, conns[0])
	clients, servers := oc.byKind(octrace.SpanKindClient), gcSpans(mem, trace.SpanKindServer)
	if len(clients) != 1 || len(servers) != 1 {
		t.Fatalf("%d opencensus client spans, %d gocensus server spans", len(clients), len(servers))
	}
	c, s := clients[0], servers[0]
	if trace.TraceID(c.TraceID) != s.TraceID || trace.SpanID(c.SpanID) != s.ParentSpanID || !s.IsSampled() {
		t.Errorf("server span %v/%v (parent %v) is not the child of opencensus client %v/%v", s.TraceID, s.SpanID, s.ParentSpanID, c.TraceID, c.SpanID)
	}
}

func TestGocensusClientToOpenCensusServer(t *testing.T) {
	noLeaks(t)
	oc := registerOC(t)
	tracer, mem := gcTracer()
	conns := dialPair(t, []grpc.ServerOption{grpc.StatsHandler(&ocgrpc.ServerHandler{})},
		censusgrpc.ClientOptions(censusgrpc.WithTracer(tracer)))
	call(t, conns[0])
	waitFor(1, func() int { return len(oc.byKind(octrace.SpanKindServer)) })
	clients, servers := gcSpans(mem, trace.SpanKindClient), oc.byKind(octrace.SpanKindServer)
	if len(clients) != 1 || len(servers) != 1 {
		t.Fatalf("%d gocensus client spans, %d opencensus server spans", len(clients), len(servers))
	}
	c, s := clients[0], servers[0]
	if trace.TraceID(s.TraceID) != c.TraceID || trace.SpanID(s.ParentSpanID) != c.SpanID || !s.HasRemoteParent {
		t.Errorf("opencensus server span (parent %v) is not the child of gocensus client %v/%v", s.ParentSpanID, c.TraceID, c.SpanID)
	}
}

// otelTracing returns otelgrpc options with the W3C propagator and an
// always-sampling provider recording into memory.
func otelTracing(t *testing.T) ([]otelgrpc.Option, *oteltest.SpanRecorder) {
	rec := oteltest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()), sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return []otelgrpc.Option{otelgrpc.WithTracerProvider(tp), otelgrpc.WithPropagators(otelprop.TraceContext{})}, rec
}

func TestOTelClientToGocensusServer(t *testing.T) {
	t.Parallel()
	opts, rec := otelTracing(t)
	tracer, mem := gcTracer()
	conns := dialPair(t, censusgrpc.ServerOptions(censusgrpc.WithTracer(tracer),
		censusgrpc.WithPropagation(censusgrpc.FormatTraceContext)),
		[]grpc.DialOption{grpc.WithStatsHandler(otelgrpc.NewClientHandler(opts...))})
	call(t, conns[0])
	clients, servers := rec.Ended(), gcSpans(mem, trace.SpanKindServer)
	if len(clients) != 1 || len(servers) != 1 {
		t.Fatalf("%d otel spans, %d gocensus server spans", len(clients), len(servers))
	}
	c, s := clients[0].SpanContext(), servers[0]
	if trace.TraceID(c.TraceID()) != s.TraceID || trace.SpanID(c.SpanID()) != s.ParentSpanID {
		t.Errorf("server span parent %v/%v, want otel client %v/%v", s.TraceID, s.ParentSpanID, c.TraceID(), c.SpanID())
	}
}

func TestGocensusClientToOTelServer(t *testing.T) {
	t.Parallel()
	opts, rec := otelTracing(t)
	tracer, mem := gcTracer()
	conns := dialPair(t, []grpc.ServerOption{grpc.StatsHandler(otelgrpc.NewServerHandler(opts...))},
		censusgrpc.ClientOptions(censusgrpc.WithTracer(tracer), censusgrpc.WithPropagation(censusgrpc.FormatBinary, censusgrpc.FormatTraceContext)))
	call(t, conns[0])
	waitFor(1, func() int { return len(rec.Ended()) })
	clients, servers := gcSpans(mem, trace.SpanKindClient), rec.Ended()
	if len(clients) != 1 || len(servers) != 1 {
		t.Fatalf("%d gocensus client spans, %d otel spans", len(clients), len(servers))
	}
	c, s := clients[0], servers[0]
	if trace.TraceID(s.SpanContext().TraceID()) != c.TraceID || trace.SpanID(s.Parent().SpanID()) != c.SpanID || !s.Parent().IsRemote() {
		t.Errorf("otel server span parent %v, want gocensus client %v/%v", s.Parent().SpanID(), c.TraceID, c.SpanID)
	}
}

// TestMixedClientsOneServer sends from an opencensus-go client and an
// otelgrpc client at once to one gocensus server that accepts both formats;
// every server span must join its own caller's trace.
func TestMixedClientsOneServer(t *testing.T) {
	noLeaks(t)
	oc := registerOC(t)
	otelOpts, rec := otelTracing(t)
	tracer, mem := gcTracer()
	conns := dialPair(t,
		censusgrpc.ServerOptions(censusgrpc.WithTracer(tracer), censusgrpc.WithPropagation(censusgrpc.FormatBinary, censusgrpc.FormatTraceContext)),
		[]grpc.DialOption{grpc.WithStatsHandler(&ocgrpc.ClientHandler{StartOptions: octrace.StartOptions{Sampler: octrace.AlwaysSample()}})},
		[]grpc.DialOption{grpc.WithStatsHandler(otelgrpc.NewClientHandler(otelOpts...))})
	const perClient = 50
	var wg sync.WaitGroup
	for _, conn := range conns {
		for range perClient {
			wg.Add(1)
			go func() {
				defer wg.Done()
				call(t, conn)
			}()
		}
	}
	wg.Wait()
	callers := map[trace.SpanID]trace.TraceID{}
	for _, s := range oc.byKind(octrace.SpanKindClient) {
		callers[trace.SpanID(s.SpanID)] = trace.TraceID(s.TraceID)
	}
	for _, s := range rec.Ended() {
		callers[trace.SpanID(s.SpanContext().SpanID())] = trace.TraceID(s.SpanContext().TraceID())
	}
	servers := gcSpans(mem, trace.SpanKindServer)
	if len(callers) != 2*perClient || len(servers) != 2*perClient {
		t.Fatalf("%d client spans, %d server spans, want %d each", len(callers), len(servers), 2*perClient)
	}
	for _, s := range servers {
		if tid, ok := callers[s.ParentSpanID]; !ok || tid != s.TraceID {
			t.Errorf("server span %v (trace %v) has no client parent", s.SpanID, s.TraceID)
		}
	}
}

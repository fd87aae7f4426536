package censusgrpc_test

import (
	"context"
	"fmt"
	"net"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/gocensus/gocensus/interceptors/censusgrpc"
	"github.com/gocensus/gocensus/sdk/trace"
	"github.com/gocensus/gocensus/sdk/trace/tracetest"
)

// Install the interceptors on both sides of a connection.
func Example() {
	mem := tracetest.NewInMemoryExporter()
	tracer := trace.NewTracer(trace.WithSampler(trace.AlwaysSample()), trace.WithSyncer(mem))

	// Message events (one per message, with its size) are off by default.
	opts := []censusgrpc.Option{censusgrpc.WithTracer(tracer), censusgrpc.WithMessageEvents(true)}

	lis := bufconn.Listen(1 << 16)
	srv := grpc.NewServer(censusgrpc.ServerOptions(opts...)...)
	srv.RegisterService(&echoDesc, &echoServer{})
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop()

	dial := append(censusgrpc.ClientOptions(opts...),
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	conn, err := grpc.NewClient("passthrough:///bufnet", dial...)
	if err != nil {
		panic(err)
	}
	defer conn.Close()

	out := new(wrapperspb.StringValue)
	if err := conn.Invoke(context.Background(), "/test.Echo/Unary", wrapperspb.String("hi"), out); err != nil {
		panic(err)
	}
	for _, s := range mem.GetSpans() {
		fmt.Println(s.Kind == trace.SpanKindClient, s.Name, len(s.MessageEvents))
	}
	// Output:
	// false test.Echo/Unary 2
	// true test.Echo/Unary 2
}

// Install the stats handlers instead, as with opencensus-go's ocgrpc.
func ExampleNewServerHandler() {
	mem := tracetest.NewInMemoryExporter()
	tracer := trace.NewTracer(trace.WithSampler(trace.AlwaysSample()), trace.WithSyncer(mem))

	lis := bufconn.Listen(1 << 16)
	srv := grpc.NewServer(grpc.StatsHandler(censusgrpc.NewServerHandler(censusgrpc.WithTracer(tracer))))
	srv.RegisterService(&echoDesc, &echoServer{})
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop()

	conn, err := grpc.NewClient("passthrough:///bufnet",
		grpc.WithStatsHandler(censusgrpc.NewClientHandler(censusgrpc.WithTracer(tracer))),
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		panic(err)
	}
	defer conn.Close()

	if err := conn.Invoke(context.Background(), "/test.Echo/Unary", wrapperspb.String("hi"), new(wrapperspb.StringValue)); err != nil {
		panic(err)
	}
	// The server's handler ends its span when gRPC reports the call's end,
	// after the status is on its way to the client: wait for both spans.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	spans, err := mem.WaitForSpans(ctx, 2)
	if err != nil {
		panic(err)
	}
	server, client := spans[0], spans[1]
	if server.Kind != trace.SpanKindServer {
		server, client = client, server
	}
	fmt.Println(server.Name, server.ParentSpanID == client.SpanID, server.TraceID == client.TraceID)
	// Output:
	// test.Echo/Unary true true
}

// Accept both OpenCensus and OpenTelemetry callers, and keep the health
// checks and a whole internal service out of the traces.
func ExampleWithPropagation() {
	opts := []censusgrpc.Option{
		censusgrpc.WithPropagation(censusgrpc.FormatBinary, censusgrpc.FormatTraceContext),
		censusgrpc.WithExcludedMethods("/grpc.health.v1.Health/*", "/internal.Admin/"),
	}
	srv := grpc.NewServer(censusgrpc.ServerOptions(opts...)...)
	defer srv.Stop()
	fmt.Println(censusgrpc.NewExcludelist("/internal.Admin/").Match("/internal.Admin/Drain"))
	// Output: true
}

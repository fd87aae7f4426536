package benchmarks_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"testing"

	"go.opencensus.io/plugin/ocgrpc"
	octrace "go.opencensus.io/trace"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/gocensus/gocensus/interceptors/censusgrpc"
	"github.com/gocensus/gocensus/sdk/trace"
)

// An echo service registered by hand (no generated code): a unary method
// and a bidi stream that echoes every message.
const (
	benchUnary  = "/bench.Echo/Unary"
	benchStream = "/bench.Echo/Stream"
)

var benchDesc = grpc.ServiceDesc{
	ServiceName: "bench.Echo",
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
			return i(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: benchUnary}, h)
		},
	}},
	Streams: []grpc.StreamDesc{{
		StreamName: "Stream", ServerStreams: true, ClientStreams: true,
		Handler: func(_ any, ss grpc.ServerStream) error {
			m := new(wrapperspb.StringValue)
			for {
				if err := ss.RecvMsg(m); errors.Is(err, io.EOF) {
					return nil
				} else if err != nil {
					return err
				}
				if err := ss.SendMsg(m); err != nil {
					return err
				}
			}
		},
	}},
}

var benchStreamDesc = &grpc.StreamDesc{StreamName: "Stream", ServerStreams: true, ClientStreams: true}

// grpcLibs are the instrumentations compared; each returns the server and
// dial options for one sampling decision (every call is a root span).
var grpcLibs = []struct {
	name  string
	setup func(b *testing.B, sampled bool) ([]grpc.ServerOption, []grpc.DialOption)
}{
	{"none", func(*testing.B, bool) ([]grpc.ServerOption, []grpc.DialOption) { return nil, nil }},
	{"gocensus", func(b *testing.B, sampled bool) ([]grpc.ServerOption, []grpc.DialOption) {
		sampler := trace.NeverSample()
		if sampled {
			sampler = trace.AlwaysSample()
		}
		quiet := trace.WithLogger(slog.New(slog.DiscardHandler))
		t := trace.NewTracer(trace.WithSampler(sampler), trace.WithBatcher(gcDiscard{}, quiet))
		b.Cleanup(func() { _ = t.Shutdown(context.Background()) })
		opt := censusgrpc.WithTracer(t)
		return censusgrpc.ServerOptions(opt), censusgrpc.ClientOptions(opt)
	}},
	{"opencensus", func(b *testing.B, sampled bool) ([]grpc.ServerOption, []grpc.DialOption) {
		sampler := octrace.NeverSample()
		if sampled {
			sampler = octrace.AlwaysSample()
		}
		octrace.ApplyConfig(octrace.Config{DefaultSampler: sampler})
		octrace.RegisterExporter(ocDiscard{})
		b.Cleanup(func() {
			octrace.UnregisterExporter(ocDiscard{})
			octrace.ApplyConfig(octrace.Config{DefaultSampler: octrace.ProbabilitySampler(1e-4)})
		})
		return []grpc.ServerOption{grpc.StatsHandler(&ocgrpc.ServerHandler{})},
			[]grpc.DialOption{grpc.WithStatsHandler(&ocgrpc.ClientHandler{})}
	}},
	{"otel", func(b *testing.B, sampled bool) ([]grpc.ServerOption, []grpc.DialOption) {
		sampler := sdktrace.NeverSample()
		if sampled {
			sampler = sdktrace.AlwaysSample()
		}
		tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sampler), sdktrace.WithBatcher(otelDiscard{}))
		b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
		opts := []otelgrpc.Option{otelgrpc.WithTracerProvider(tp), otelgrpc.WithPropagators(propagation.TraceContext{})}
		return []grpc.ServerOption{grpc.StatsHandler(otelgrpc.NewServerHandler(opts...))},
			[]grpc.DialOption{grpc.WithStatsHandler(otelgrpc.NewClientHandler(opts...))}
	}},
}

// grpcConn serves the echo service over bufconn and returns a client
// connection to it; both close when the benchmark ends.
func grpcConn(b *testing.B, srvOpts []grpc.ServerOption, dialOpts []grpc.DialOption) *grpc.ClientConn {
	b.Helper()
	lis := bufconn.Listen(1 << 20)
	srv := grpc.NewServer(srvOpts...)
	srv.RegisterService(&benchDesc, struct{}{})
	go func() { _ = srv.Serve(lis) }()
	dialOpts = append(dialOpts,
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	conn, err := grpc.NewClient("passthrough:///bench", dialOpts...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = conn.Close()
		srv.Stop()
	})
	return conn
}

// BenchmarkUnary is one unary call, client and server instrumented, over
// bufconn in one process.
func BenchmarkUnary(b *testing.B) {
	for _, lib := range grpcLibs {
		for _, sampled := range []bool{true, false} {
			name := "lib=" + lib.name + "/unsampled"
			if sampled {
				name = "lib=" + lib.name + "/sampled"
			}
			b.Run(name, func(b *testing.B) {
				so, do := lib.setup(b, sampled)
				conn := grpcConn(b, so, do)
				ctx := context.Background()
				req := wrapperspb.String("hello")
				if err := conn.Invoke(ctx, benchUnary, req, new(wrapperspb.StringValue)); err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				for b.Loop() {
					if err := conn.Invoke(ctx, benchUnary, req, new(wrapperspb.StringValue)); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkStreamMessage is one message echoed on an open, sampled bidi
// stream: sent by the client, received and sent back by the server,
// received by the client.
func BenchmarkStreamMessage(b *testing.B) {
	for _, lib := range grpcLibs {
		b.Run("lib="+lib.name, func(b *testing.B) {
			so, do := lib.setup(b, true)
			conn := grpcConn(b, so, do)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			cs, err := conn.NewStream(ctx, benchStreamDesc, benchStream)
			if err != nil {
				b.Fatal(err)
			}
			out, in := wrapperspb.String("hello"), new(wrapperspb.StringValue)
			b.ReportAllocs()
			for b.Loop() {
				if err := cs.SendMsg(out); err != nil {
					b.Fatal(err)
				}
				if err := cs.RecvMsg(in); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if err := cs.CloseSend(); err != nil {
				b.Fatal(err)
			}
			for cs.RecvMsg(in) == nil {
			}
		})
	}
}

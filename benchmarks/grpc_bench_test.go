package benchmarks_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"go.opencensus.io/plugin/ocgrpc"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel/propagation"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/stats"
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

// gcRPCTracer is a gocensus tracer with the given sampling exporting to a
// discarding batcher.
func gcRPCTracer(b *testing.B, sampled bool) *trace.Tracer {
	sampler := trace.NeverSample()
	if sampled {
		sampler = trace.AlwaysSample()
	}
	quiet := trace.WithLogger(slog.New(slog.DiscardHandler))
	t := trace.NewTracer(trace.WithSampler(sampler), trace.WithBatcher(gcDiscard{}, quiet))
	b.Cleanup(func() { _ = t.Shutdown(context.Background()) })
	return t
}

// grpcLibs are the instrumentations compared. They trace with their
// defaults; metrics are as cheap as each library makes them when nobody
// reads them (opencensus-go records into views nobody registered, otelgrpc
// into the global no-op meter). gocensus records its RPC stats by
// default, into stats.Default(); lib=gocensus turns that off to compare
// tracing alone, and lib=gocensus-stats shows the default, whose extra cost
// is mostly computing message sizes in the interceptors. Like otelgrpc,
// gocensus records no message events by default; opencensus-go records one
// per message, and lib=gocensus-events does too.
//
// Each setup returns the server and dial options for one sampling decision
// (every call is a root span).
var grpcLibs = []struct {
	name  string
	setup func(b *testing.B, sampled bool) ([]grpc.ServerOption, []grpc.DialOption)
}{
	{"none", func(*testing.B, bool) ([]grpc.ServerOption, []grpc.DialOption) { return nil, nil }},
	{"gocensus", func(b *testing.B, sampled bool) ([]grpc.ServerOption, []grpc.DialOption) {
		opt := censusgrpc.WithTracer(gcRPCTracer(b, sampled))
		return censusgrpc.ServerOptions(opt, censusgrpc.WithStats(false)), censusgrpc.ClientOptions(opt, censusgrpc.WithStats(false))
	}},
	{"gocensus-events", func(b *testing.B, sampled bool) ([]grpc.ServerOption, []grpc.DialOption) {
		opts := []censusgrpc.Option{censusgrpc.WithTracer(gcRPCTracer(b, sampled)),
			censusgrpc.WithStats(false), censusgrpc.WithMessageEvents(true)}
		return censusgrpc.ServerOptions(opts...), censusgrpc.ClientOptions(opts...)
	}},
	{"gocensus-stats", func(b *testing.B, sampled bool) ([]grpc.ServerOption, []grpc.DialOption) {
		opt := censusgrpc.WithTracer(gcRPCTracer(b, sampled))
		return censusgrpc.ServerOptions(opt), censusgrpc.ClientOptions(opt)
	}},
	{"opencensus", func(b *testing.B, sampled bool) ([]grpc.ServerOption, []grpc.DialOption) {
		configureOpenCensus(b, sampled)
		return []grpc.ServerOption{grpc.StatsHandler(&ocgrpc.ServerHandler{})},
			[]grpc.DialOption{grpc.WithStatsHandler(&ocgrpc.ClientHandler{})}
	}},
	{"otel", func(b *testing.B, sampled bool) ([]grpc.ServerOption, []grpc.DialOption) {
		tp := otelProvider(b, sampled)
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

// rpcSides is one library's client and server instrumentation as plain
// functions, so that an RPC can be driven through both without a
// transport: unary(ctx, handler) runs the client side, hands the outgoing
// metadata to the server side as incoming metadata, and runs handler there.
type rpcSides func(ctx context.Context, req, resp *wrapperspb.StringValue) error

// handlerSides drives a client and a server stats.Handler with the events
// gRPC delivers for a unary call, and makes the metadata copies gRPC makes
// only for stats handlers (the client's OutHeader, the server's InHeader).
func handlerSides(cli, srv stats.Handler) rpcSides {
	return func(ctx context.Context, req, resp *wrapperspb.StringValue) error {
		now := time.Now()
		ctx = cli.TagRPC(ctx, &stats.RPCTagInfo{FullMethodName: benchUnary})
		cli.HandleRPC(ctx, &stats.Begin{Client: true, BeginTime: now})
		// gRPC's client transport copies the outgoing metadata for a
		// stats handler's OutHeader event.
		md, ok := metadata.FromOutgoingContext(ctx)
		if ok {
			md.Set("user-agent", benchUserAgent)
		} else {
			md = metadata.Pairs("user-agent", benchUserAgent)
		}
		cli.HandleRPC(ctx, &stats.OutHeader{Client: true, FullMethod: benchUnary, Header: md})
		cli.HandleRPC(ctx, &stats.OutPayload{Client: true, Payload: req, Length: 7, WireLength: 12, SentTime: now})

		in := transport(ctx)
		inMD, _ := metadata.FromIncomingContext(in)
		sctx := srv.TagRPC(in, &stats.RPCTagInfo{FullMethodName: benchUnary})
		srv.HandleRPC(sctx, &stats.InHeader{FullMethod: benchUnary, Header: inMD})
		srv.HandleRPC(sctx, &stats.Begin{BeginTime: now})
		srv.HandleRPC(sctx, &stats.InPayload{Payload: req, Length: 7, WireLength: 12, RecvTime: now})
		srv.HandleRPC(sctx, &stats.OutPayload{Payload: resp, Length: 7, WireLength: 12, SentTime: now})
		srv.HandleRPC(sctx, &stats.End{BeginTime: now, EndTime: time.Now()})

		cli.HandleRPC(ctx, &stats.InPayload{Client: true, Payload: resp, Length: 7, WireLength: 12, RecvTime: now})
		cli.HandleRPC(ctx, &stats.End{Client: true, BeginTime: now, EndTime: time.Now()})
		return nil
	}
}

// benchUserAgent is the user-agent header gRPC adds to every call.
const benchUserAgent = "grpc-go/1.85.0"

// transport hands a call's outgoing metadata to the server as gRPC's HTTP/2
// transport does, without the encoding: the server builds one map of every
// header it keeps, those gRPC always sends and the caller's, and puts it in a
// new context. FromOutgoingContext's copy stands in for the per-header work
// of both ends (the client transport reads the metadata in place, but
// encodes each value); the map is made once per call with or without
// instrumentation, as in gRPC.
func transport(ctx context.Context) context.Context {
	in, ok := metadata.FromOutgoingContext(ctx)
	if !ok {
		in = make(metadata.MD, 3)
	}
	in[":authority"] = append(in[":authority"], "bufnet")
	in["content-type"] = append(in["content-type"], "application/grpc")
	in["user-agent"] = append(in["user-agent"], benchUserAgent)
	return metadata.NewIncomingContext(context.Background(), in)
}

// gcSides runs gocensus's unary interceptors, handing the outgoing
// metadata to the server side as the transport would.
func gcSides(t *trace.Tracer, opts ...censusgrpc.Option) rpcSides {
	opts = append(opts, censusgrpc.WithTracer(t))
	cli := censusgrpc.UnaryClientInterceptor(opts...)
	srv := censusgrpc.UnaryServerInterceptor(opts...)
	info := &grpc.UnaryServerInfo{FullMethod: benchUnary}
	return func(ctx context.Context, req, resp *wrapperspb.StringValue) error {
		return cli(ctx, benchUnary, req, resp, nil, func(ctx context.Context, _ string, req, _ any, _ *grpc.ClientConn, _ ...grpc.CallOption) error {
			_, err := srv(transport(ctx), req, info,
				func(context.Context, any) (any, error) { return resp, nil })
			return err
		})
	}
}

// BenchmarkUnaryOverhead is the instrumentation of one unary call, client
// and server side, without gRPC's transport: what each library adds to a
// call. gocensus runs its interceptors, the peers their stats handlers fed
// the events gRPC would deliver. It isolates the overhead that
// BenchmarkUnary measures against a transport whose cost dominates and
// varies.
func BenchmarkUnaryOverhead(b *testing.B) {
	libs := []struct {
		name  string
		setup func(b *testing.B, sampled bool) rpcSides
	}{
		{"none", func(*testing.B, bool) rpcSides {
			return func(ctx context.Context, req, resp *wrapperspb.StringValue) error {
				_ = transport(ctx)
				return nil
			}
		}},
		{"gocensus", func(b *testing.B, sampled bool) rpcSides {
			return gcSides(gcRPCTracer(b, sampled), censusgrpc.WithStats(false))
		}},
		{"gocensus-events", func(b *testing.B, sampled bool) rpcSides {
			return gcSides(gcRPCTracer(b, sampled), censusgrpc.WithStats(false), censusgrpc.WithMessageEvents(true))
		}},
		{"gocensus-stats", func(b *testing.B, sampled bool) rpcSides {
			return gcSides(gcRPCTracer(b, sampled))
		}},
		{"opencensus", func(b *testing.B, sampled bool) rpcSides {
			configureOpenCensus(b, sampled)
			return handlerSides(&ocgrpc.ClientHandler{}, &ocgrpc.ServerHandler{})
		}},
		{"otel", func(b *testing.B, sampled bool) rpcSides {
			tp := otelProvider(b, sampled)
			opts := []otelgrpc.Option{otelgrpc.WithTracerProvider(tp), otelgrpc.WithPropagators(propagation.TraceContext{})}
			return handlerSides(otelgrpc.NewClientHandler(opts...), otelgrpc.NewServerHandler(opts...))
		}},
	}
	for _, lib := range libs {
		for _, sampled := range []bool{true, false} {
			name := "lib=" + lib.name + "/unsampled"
			if sampled {
				name = "lib=" + lib.name + "/sampled"
			}
			b.Run(name, func(b *testing.B) {
				rpc := lib.setup(b, sampled)
				ctx := context.Background()
				req, resp := wrapperspb.String("hello"), wrapperspb.String("hello")
				b.ReportAllocs()
				for b.Loop() {
					if err := rpc(ctx, req, resp); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

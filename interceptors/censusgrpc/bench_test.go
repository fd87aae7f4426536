package censusgrpc_test

import (
	"context"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/gocensus/gocensus/interceptors/censusgrpc"
	"github.com/gocensus/gocensus/propagation"
	"github.com/gocensus/gocensus/sdk/trace"
)

func benchTracer(sampled bool) *trace.Tracer {
	s := trace.NeverSample()
	if sampled {
		s = trace.AlwaysSample()
	}
	// Sampled spans go to a processor that drops them, so the benchmark
	// measures recording, not exporting.
	return trace.NewTracer(trace.WithSampler(s), trace.WithSpanProcessor(discard{}))
}

type discard struct{}

func (discard) OnStart(context.Context, *trace.Span) {}
func (discard) OnEnd(*trace.SpanData)                {}
func (discard) ForceFlush(context.Context) error     { return nil }
func (discard) Shutdown(context.Context) error       { return nil }

// BenchmarkInterceptorUnary measures both interceptors around an in-memory
// call: the instrumentation cost alone, without a transport.
func BenchmarkInterceptorUnary(b *testing.B) {
	for _, sampled := range []bool{true, false} {
		name := "unsampled"
		if sampled {
			name = "sampled"
		}
		b.Run(name, func(b *testing.B) {
			opt := censusgrpc.WithTracer(benchTracer(sampled))
			cli := censusgrpc.UnaryClientInterceptor(opt)
			srv := censusgrpc.UnaryServerInterceptor(opt)
			info := &grpc.UnaryServerInfo{FullMethod: methodUnary}
			req, resp := wrapperspb.String("hello"), wrapperspb.String("echo:hello")
			handler := func(ctx context.Context, _ any) (any, error) { return resp, nil }
			invoker := func(ctx context.Context, method string, req, reply any, _ *grpc.ClientConn, _ ...grpc.CallOption) error {
				md, _ := metadata.FromOutgoingContext(ctx)
				_, err := srv(metadata.NewIncomingContext(context.Background(), md), req, info, handler)
				return err
			}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if err := cli(ctx, methodUnary, req, resp, nil, invoker); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkServerExtract measures the server side alone with an incoming
// grpc-trace-bin.
func BenchmarkServerExtract(b *testing.B) {
	srv := censusgrpc.UnaryServerInterceptor(censusgrpc.WithTracer(benchTracer(false)))
	info := &grpc.UnaryServerInfo{FullMethod: methodUnary}
	var buf [propagation.BinaryLen]byte
	propagation.PutBinary(&buf, trace.SpanContext{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}})
	ctx := metadata.NewIncomingContext(context.Background(), metadata.Pairs(propagation.BinaryKey, string(buf[:])))
	handler := func(ctx context.Context, _ any) (any, error) { return nil, nil }
	b.ReportAllocs()
	for b.Loop() {
		if _, err := srv(ctx, nil, info, handler); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUnary is a unary call over bufconn, uninstrumented and with each
// front-end.
func BenchmarkUnary(b *testing.B) {
	type setup struct {
		name string
		opts func(*trace.Tracer) ([]grpc.ServerOption, []grpc.DialOption)
	}
	setups := []setup{
		{"none", func(*trace.Tracer) ([]grpc.ServerOption, []grpc.DialOption) { return nil, nil }},
		{"interceptors", func(t *trace.Tracer) ([]grpc.ServerOption, []grpc.DialOption) {
			return withTracer("interceptors", t)
		}},
		{"handlers", func(t *trace.Tracer) ([]grpc.ServerOption, []grpc.DialOption) {
			return withTracer("handlers", t)
		}},
	}
	for _, s := range setups {
		for _, sampled := range []bool{true, false} {
			name := s.name + "/unsampled"
			if sampled {
				name = s.name + "/sampled"
			}
			b.Run(name, func(b *testing.B) {
				so, do := s.opts(benchTracer(sampled))
				e := newEnv(b, so, do)
				ctx := context.Background()
				req := wrapperspb.String("hello")
				b.ReportAllocs()
				for b.Loop() {
					if err := e.conn.Invoke(ctx, methodUnary, req, new(wrapperspb.StringValue)); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkStreamMessage is one message each way on an open, sampled
// bidi stream.
func BenchmarkStreamMessage(b *testing.B) {
	for _, name := range []string{"none", "interceptors", "handlers"} {
		b.Run(name, func(b *testing.B) {
			var so []grpc.ServerOption
			var do []grpc.DialOption
			if name != "none" {
				so, do = withTracer(name, benchTracer(true), censusgrpc.WithMessageEvents(true), censusgrpc.WithStreamSegments(64, 0))
			}
			e := newEnv(b, so, do)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			cs, err := e.conn.NewStream(ctx, streamDesc, methodStream)
			if err != nil {
				b.Fatal(err)
			}
			msg, in := wrapperspb.String("echo"), new(wrapperspb.StringValue)
			b.ReportAllocs()
			for b.Loop() {
				if err := cs.SendMsg(msg); err != nil {
					b.Fatal(err)
				}
				if err := cs.RecvMsg(in); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			_ = cs.CloseSend()
			_ = drain(cs)
		})
	}
}

// nopClientStream is a client stream that moves no bytes, so that
// BenchmarkStreamMessageOverhead measures the interceptor alone.
type nopClientStream struct{ grpc.ClientStream }

func (nopClientStream) SendMsg(any) error { return nil }
func (nopClientStream) RecvMsg(any) error { return nil }

// BenchmarkStreamMessageOverhead is what the client stream interceptor adds
// to one message sent and one received on a sampled stream, without a
// transport.
func BenchmarkStreamMessageOverhead(b *testing.B) {
	cases := []struct {
		name string
		opts []censusgrpc.Option
	}{
		{"none", nil},
		{"tracing", []censusgrpc.Option{censusgrpc.WithStats(false)}},
		{"tracing+events", []censusgrpc.Option{censusgrpc.WithStats(false), censusgrpc.WithMessageEvents(true)}},
		{"tracing+stats", nil},
		{"tracing+stats+events+segments", []censusgrpc.Option{censusgrpc.WithMessageEvents(true), censusgrpc.WithStreamSegments(64, 0)}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			var cs grpc.ClientStream = nopClientStream{}
			if tc.name != "none" {
				icpt := censusgrpc.StreamClientInterceptor(append(tc.opts, censusgrpc.WithTracer(benchTracer(true)))...)
				var err error
				cs, err = icpt(context.Background(), streamDesc, nil, methodStream,
					func(context.Context, *grpc.StreamDesc, *grpc.ClientConn, string, ...grpc.CallOption) (grpc.ClientStream, error) {
						return nopClientStream{}, nil
					})
				if err != nil {
					b.Fatal(err)
				}
			}
			out, in := wrapperspb.String("hello"), wrapperspb.String("hello")
			b.ReportAllocs()
			for b.Loop() {
				_ = cs.SendMsg(out)
				_ = cs.RecvMsg(in)
			}
		})
	}
}

package censusgrpc_test

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/gocensus/gocensus/sdk/trace"
	"github.com/gocensus/gocensus/sdk/trace/tracetest"
)

// The test service, registered by hand so no generated code is needed:
// Unary echoes, Fail returns the status named by the request, Stream is a
// bidi stream whose behaviour the first message chooses, and the health
// method stands for an excluded one.
const (
	methodUnary  = "/test.Echo/Unary"
	methodStream = "/test.Echo/Stream"
	methodHealth = "/grpc.health.v1.Health/Check"
)

// echoServer is the handler side; onUnary lets a test look at the handler's
// context.
type echoServer struct {
	onUnary func(ctx context.Context) error
}

type echoService interface{}

func unaryHandler(srv any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor, method string) (any, error) {
	in := new(wrapperspb.StringValue)
	if err := dec(in); err != nil {
		return nil, err
	}
	h := func(ctx context.Context, req any) (any, error) {
		s := srv.(*echoServer)
		if s.onUnary != nil {
			if err := s.onUnary(ctx); err != nil {
				return nil, err
			}
		}
		v := req.(*wrapperspb.StringValue).GetValue()
		if code, ok := strings.CutPrefix(v, "fail:"); ok {
			switch code {
			case "plain":
				return nil, errors.New("plain failure")
			case "panic":
				panic("handler panic")
			}
			return nil, status.Error(codes.NotFound, "no such thing")
		}
		return wrapperspb.String("echo:" + v), nil
	}
	if interceptor == nil {
		return h(ctx, in)
	}
	return interceptor(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: method}, h)
}

// streamHandler reads the first message, which picks a behaviour:
// "echo" echoes until EOF, "fail" fails at once, "quit" returns at once
// without reading, "flood" sends until the client goes away.
func streamHandler(_ any, ss grpc.ServerStream) error {
	first := new(wrapperspb.StringValue)
	if err := ss.RecvMsg(first); err != nil {
		return err
	}
	switch first.GetValue() {
	case "fail":
		return status.Error(codes.FailedPrecondition, "refused")
	case "quit":
		return nil
	case "flood":
		for {
			if err := ss.SendMsg(wrapperspb.String("x")); err != nil {
				return err
			}
		}
	}
	if err := ss.SendMsg(first); err != nil {
		return err
	}
	for {
		m := new(wrapperspb.StringValue)
		if err := ss.RecvMsg(m); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if err := ss.SendMsg(m); err != nil {
			return err
		}
	}
}

var echoDesc = grpc.ServiceDesc{
	ServiceName: "test.Echo",
	HandlerType: (*echoService)(nil),
	Methods: []grpc.MethodDesc{{
		MethodName: "Unary",
		Handler: func(srv any, ctx context.Context, dec func(any) error, i grpc.UnaryServerInterceptor) (any, error) {
			return unaryHandler(srv, ctx, dec, i, methodUnary)
		},
	}},
	Streams: []grpc.StreamDesc{{
		StreamName: "Stream", Handler: streamHandler, ServerStreams: true, ClientStreams: true,
	}},
}

var healthDesc = grpc.ServiceDesc{
	ServiceName: "grpc.health.v1.Health",
	HandlerType: (*echoService)(nil),
	Methods: []grpc.MethodDesc{{
		MethodName: "Check",
		Handler: func(srv any, ctx context.Context, dec func(any) error, i grpc.UnaryServerInterceptor) (any, error) {
			return unaryHandler(srv, ctx, dec, i, methodHealth)
		},
	}},
}

var streamDesc = &grpc.StreamDesc{StreamName: "Stream", ServerStreams: true, ClientStreams: true}

// env is a server and a client connection over bufconn.
type env struct {
	conn *grpc.ClientConn
	srv  *echoServer
}

func newEnv(t testing.TB, srvOpts []grpc.ServerOption, dialOpts []grpc.DialOption) *env {
	t.Helper()
	lis := bufconn.Listen(1 << 20)
	s := grpc.NewServer(srvOpts...)
	es := &echoServer{}
	s.RegisterService(&echoDesc, es)
	s.RegisterService(&healthDesc, es)
	go func() { _ = s.Serve(lis) }()
	dialOpts = append([]grpc.DialOption{
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
	}, dialOpts...)
	conn, err := grpc.NewClient("passthrough:///bufnet", dialOpts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = conn.Close()
		s.Stop()
	})
	return &env{conn: conn, srv: es}
}

func (e *env) unary(ctx context.Context, v string) (string, error) {
	out := new(wrapperspb.StringValue)
	err := e.conn.Invoke(ctx, methodUnary, wrapperspb.String(v), out)
	return out.GetValue(), err
}

// recordingTracer samples everything and exports synchronously to mem; rec
// sees starts and ends.
func recordingTracer() (*trace.Tracer, *tracetest.InMemoryExporter, *tracetest.SpanRecorder) {
	mem := tracetest.NewInMemoryExporter()
	rec := tracetest.NewSpanRecorder()
	t := trace.NewTracer(trace.WithSampler(trace.AlwaysSample()), trace.WithSyncer(mem), trace.WithSpanProcessor(rec))
	return t, mem, rec
}

// endedSpans waits until mem holds n spans and returns them. A server span
// ended by the stats handler ends after gRPC has sent the status, so it can
// still be open when the client's call returns.
func endedSpans(t testing.TB, mem *tracetest.InMemoryExporter, n int) []*trace.SpanData {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	spans, err := mem.WaitForSpans(ctx, n)
	if err != nil {
		t.Fatalf("%d spans ended, want %d: %v", len(spans), n, err)
	}
	return spans
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// spansByKind splits spans into client and server (others ignored).
func spansByKind(spans []*trace.SpanData) (client, server []*trace.SpanData) {
	for _, s := range spans {
		switch s.Kind {
		case trace.SpanKindClient:
			client = append(client, s)
		case trace.SpanKindServer:
			server = append(server, s)
		}
	}
	return client, server
}

func attr(s *trace.SpanData, key string) (trace.Value, bool) {
	for _, a := range s.Attributes {
		if a.Key == key {
			return a.Value, true
		}
	}
	return trace.Value{}, false
}

func newMem() *tracetest.InMemoryExporter { return tracetest.NewInMemoryExporter() }

func wrapString(s string) *wrapperspb.StringValue { return wrapperspb.String(s) }

func newString() *wrapperspb.StringValue { return new(wrapperspb.StringValue) }

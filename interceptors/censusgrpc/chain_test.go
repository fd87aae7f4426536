package censusgrpc_test

import (
	"context"
	"sync"
	"testing"

	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/logging"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/recovery"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/selector"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/gocensus/gocensus/interceptors/censusgrpc"
	"github.com/gocensus/gocensus/sdk/trace"
)

// logSink collects what the go-grpc-middleware logging interceptor logs,
// and whether a span context was in the context it logged with.
type logSink struct {
	mu      sync.Mutex
	entries int
	traced  int
}

func (l *logSink) logger() logging.Logger {
	return logging.LoggerFunc(func(ctx context.Context, _ logging.Level, _ string, _ ...any) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.entries++
		if trace.SpanContextFromContext(ctx).IsValid() {
			l.traced++
		}
	})
}

// TestChainWithMiddleware chains the interceptors with go-grpc-middleware's
// logging and recovery in both orders; a panicking handler must still end
// both spans with an error status, and the logging interceptor must see the
// span when it runs inside ours.
func TestChainWithMiddleware(t *testing.T) {
	t.Parallel()
	for _, censusFirst := range []bool{true, false} {
		for _, req := range []string{"ok", "fail:panic"} {
			name := "census-inner"
			if censusFirst {
				name = "census-outer"
			}
			t.Run(name+"/"+req, func(t *testing.T) {
				t.Parallel()
				tracer, mem, _ := recordingTracer()
				srvSink, cliSink := new(logSink), new(logSink)
				census := censusgrpc.UnaryServerInterceptor(censusgrpc.WithTracer(tracer))
				logSrv := logging.UnaryServerInterceptor(srvSink.logger(), logging.WithLogOnEvents(logging.FinishCall))
				rec := recovery.UnaryServerInterceptor(recovery.WithRecoveryHandler(func(p any) error {
					return status.Errorf(codes.Internal, "recovered: %v", p)
				}))
				srvChain := []grpc.UnaryServerInterceptor{rec, logSrv, census}
				cliChain := []grpc.UnaryClientInterceptor{
					logging.UnaryClientInterceptor(cliSink.logger(), logging.WithLogOnEvents(logging.FinishCall)),
					censusgrpc.UnaryClientInterceptor(censusgrpc.WithTracer(tracer)),
				}
				if censusFirst {
					srvChain = []grpc.UnaryServerInterceptor{census, rec, logSrv}
					cliChain[0], cliChain[1] = cliChain[1], cliChain[0]
				}
				e := newEnv(t,
					[]grpc.ServerOption{grpc.ChainUnaryInterceptor(srvChain...)},
					[]grpc.DialOption{grpc.WithChainUnaryInterceptor(cliChain...)})
				_, err := e.unary(testCtx(t), req)
				wantCode := codes.OK
				if req == "fail:panic" {
					wantCode = codes.Internal
				}
				if status.Code(err) != wantCode {
					t.Fatalf("err %v, want %v", err, wantCode)
				}
				client, server := spansByKind(mem.GetSpans())
				if len(client) != 1 || len(server) != 1 {
					t.Fatalf("%d client and %d server spans", len(client), len(server))
				}
				if codes.Code(server[0].Status.Code) != wantCode || codes.Code(client[0].Status.Code) != wantCode {
					t.Errorf("statuses %v, %v, want %v", server[0].Status, client[0].Status, wantCode)
				}
				if server[0].ParentSpanID != client[0].SpanID {
					t.Errorf("server span is not the client span's child")
				}
				// The logging interceptor sits inside recovery, so a panic
				// passes it by unlogged.
				wantSrv := 1
				if req == "fail:panic" {
					wantSrv = 0
				}
				if srvSink.entries != wantSrv || cliSink.entries != 1 {
					t.Errorf("logged %d server and %d client entries, want %d and 1", srvSink.entries, cliSink.entries, wantSrv)
				}
				if censusFirst && (srvSink.traced != wantSrv || cliSink.traced != 1) {
					t.Errorf("logging inside census saw no span context")
				}
			})
		}
	}
}

// TestExcludelist checks the three pattern kinds and the selector matcher.
func TestExcludelist(t *testing.T) {
	t.Parallel()
	ex := censusgrpc.NewExcludelist("/a.B/Exact", "/c.D/", "/grpc.health.v1.Health/*", "/bad[", "")
	cases := []struct {
		method string
		want   bool
	}{
		{"/a.B/Exact", true},
		{"/a.B/Exactly", false},
		{"/c.D/Anything", true},
		{"/c.DX/Anything", false},
		{"/grpc.health.v1.Health/Check", true},
		{"/grpc.health.v1.Health/Watch", true},
		{"/grpc.health.v1.Healthz/Check", false},
		{"/bad[", false},
		{"", false},
	}
	for _, tc := range cases {
		if got := ex.Match(tc.method); got != tc.want {
			t.Errorf("Match(%q) = %v, want %v", tc.method, got, tc.want)
		}
		meta := interceptors.NewServerCallMeta(tc.method, nil, nil)
		if tc.method != "" && tc.method != "/bad[" {
			if got := ex.Matcher().Match(context.Background(), meta); got == tc.want {
				t.Errorf("Matcher(%q) = %v, want %v", tc.method, got, !tc.want)
			}
		}
	}
	var nilList *censusgrpc.Excludelist
	if nilList.Match("/x/y") {
		t.Error("nil Excludelist matched")
	}
	_ = selector.MatchFunc
}

// TestExcludedMethodsOption replaces the default list.
func TestExcludedMethodsOption(t *testing.T) {
	t.Parallel()
	tracer, mem, _ := recordingTracer()
	opts := []censusgrpc.Option{censusgrpc.WithTracer(tracer), censusgrpc.WithExcludedMethods("/test.Echo/")}
	e := newEnv(t, censusgrpc.ServerOptions(opts...), censusgrpc.ClientOptions(opts...))
	ctx := testCtx(t)
	if _, err := e.unary(ctx, "x"); err != nil {
		t.Fatal(err)
	}
	if err := e.conn.Invoke(ctx, methodHealth, wrapString("x"), newString()); err != nil {
		t.Fatal(err)
	}
	client, server := spansByKind(mem.GetSpans())
	if len(client) != 1 || len(server) != 1 || client[0].Name != "grpc.health.v1.Health/Check" {
		t.Errorf("want only the health call traced, got %d/%d spans", len(client), len(server))
	}
}

// TestReportable runs the core behind go-grpc-middleware's generic
// interceptors.
func TestReportable(t *testing.T) {
	t.Parallel()
	tracer, mem, _ := recordingTracer()
	r := censusgrpc.Reportable(censusgrpc.WithTracer(tracer), censusgrpc.WithMessageEvents(true))
	e := newEnv(t,
		[]grpc.ServerOption{grpc.ChainUnaryInterceptor(interceptors.UnaryServerInterceptor(r)), grpc.ChainStreamInterceptor(interceptors.StreamServerInterceptor(r))},
		[]grpc.DialOption{grpc.WithChainUnaryInterceptor(interceptors.UnaryClientInterceptor(r)), grpc.WithChainStreamInterceptor(interceptors.StreamClientInterceptor(r))})
	ctx := testCtx(t)
	if _, err := e.unary(ctx, "x"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.unary(ctx, "fail:status"); status.Code(err) != codes.NotFound {
		t.Fatalf("err %v", err)
	}
	if err := streamEndings[0].run(ctx, e.conn); err != nil {
		t.Fatal(err)
	}
	client, server := spansByKind(mem.GetSpans())
	if len(client) != 3 || len(server) != 3 {
		t.Fatalf("%d client and %d server spans, want 3 and 3", len(client), len(server))
	}
	parents := map[trace.SpanID]*trace.SpanData{}
	for _, c := range client {
		parents[c.SpanID] = c
	}
	for _, s := range server {
		c := parents[s.ParentSpanID]
		if c == nil || c.Name != s.Name || c.Status.Code != s.Status.Code {
			t.Errorf("server span %q has no matching client span", s.Name)
		}
		if s.Name == "test.Echo/Unary" && s.Status.Code == 0 && len(s.MessageEvents) != 2 {
			t.Errorf("unary server span has %d message events", len(s.MessageEvents))
		}
	}
}

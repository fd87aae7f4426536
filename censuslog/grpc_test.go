package censuslog_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/logging"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/gocensus/gocensus/censuslog"
	"github.com/gocensus/gocensus/interceptors/censusgrpc"
	"github.com/gocensus/gocensus/internal/testkit"
	"github.com/gocensus/gocensus/sdk/trace"
	"github.com/gocensus/gocensus/sdk/trace/tracetest"
)

// jsonLines decodes the JSON log lines written to b.
func jsonLines(t *testing.T, b *testkit.SyncBuffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("bad log line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

// TestGRPCLoggingInterceptor runs go-grpc-middleware's logging interceptor
// behind censusgrpc's on a real gRPC server (over bufconn) and checks that
// its lines, and the handler's own lines, carry the server span's ids.
func TestGRPCLoggingInterceptor(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	exp := tracetest.NewInMemoryExporter()
	tracer := trace.NewTracer(trace.WithSampler(trace.AlwaysSample()), trace.WithSyncer(exp))
	defer tracer.Shutdown(context.Background())

	var interceptorLog, appLog testkit.SyncBuffer
	// The interceptor's logger is deliberately not wrapped: the ids come
	// from the field hook alone.
	plain := slog.New(slog.NewJSONHandler(&interceptorLog, nil))
	logger := logging.LoggerFunc(func(ctx context.Context, lvl logging.Level, msg string, fields ...any) {
		plain.Log(ctx, slog.Level(lvl), msg, fields...)
	})
	app := slog.New(censuslog.NewHandler(slog.NewJSONHandler(&appLog, nil)))

	lis := bufconn.Listen(1 << 20)
	srv := grpc.NewServer(grpc.ChainUnaryInterceptor(
		censusgrpc.UnaryServerInterceptor(censusgrpc.WithTracer(tracer), censusgrpc.WithStats(false)),
		logging.UnaryServerInterceptor(logger, logging.WithFieldsFromContext(censuslog.GRPCLoggingFields)),
	))
	srv.RegisterService(&grpc.ServiceDesc{
		ServiceName: "test.Echo",
		HandlerType: (*any)(nil),
		Methods: []grpc.MethodDesc{{
			MethodName: "Unary",
			Handler: func(_ any, ctx context.Context, dec func(any) error, ic grpc.UnaryServerInterceptor) (any, error) {
				in := new(wrapperspb.StringValue)
				if err := dec(in); err != nil {
					return nil, err
				}
				h := func(ctx context.Context, req any) (any, error) {
					app.InfoContext(ctx, "handling", "name", in.GetValue())
					if in.GetValue() == "fail" {
						return nil, status.Error(codes.NotFound, "no such name")
					}
					return wrapperspb.String("hello " + in.GetValue()), nil
				}
				return ic(ctx, in, &grpc.UnaryServerInfo{FullMethod: "/test.Echo/Unary"}, h)
			},
		}},
	}, struct{}{})
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	defer func() {
		srv.Stop()
		<-served
	}()

	conn, err := grpc.NewClient("passthrough:///bufnet",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithChainUnaryInterceptor(censusgrpc.UnaryClientInterceptor(censusgrpc.WithTracer(tracer), censusgrpc.WithStats(false))),
	)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, name := range []string{"ok", "fail"} {
		err := conn.Invoke(ctx, "/test.Echo/Unary", wrapperspb.String(name), new(wrapperspb.StringValue))
		if (name == "fail") != (status.Code(err) == codes.NotFound) {
			t.Fatalf("call %q: %v", name, err)
		}
	}

	// Server spans by id; each client span is the parent of one.
	servers := map[string]*trace.SpanData{}
	for _, s := range exp.GetSpans() {
		if s.Kind == trace.SpanKindServer {
			servers[s.SpanID.String()] = s
		}
	}
	if len(servers) != 2 {
		t.Fatalf("got %d server spans, want 2", len(servers))
	}
	check := func(what string, lines []map[string]any, want int) {
		t.Helper()
		if len(lines) != want {
			t.Fatalf("%s: %d lines, want %d", what, len(lines), want)
		}
		for _, l := range lines {
			s := servers[l["span_id"].(string)]
			if s == nil {
				t.Errorf("%s: line %v does not carry a server span id", what, l)
				continue
			}
			if l["trace_id"] != s.TraceID.String() || l["trace_sampled"] != true {
				t.Errorf("%s: line %v, want trace %s sampled", what, l, s.TraceID)
			}
		}
	}
	// Default options log "started call" and "finished call" per call.
	check("interceptor", jsonLines(t, &interceptorLog), 4)
	check("application", jsonLines(t, &appLog), 2)
}

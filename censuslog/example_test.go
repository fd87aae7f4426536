package censuslog_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/logging"
	"google.golang.org/grpc"

	"github.com/gocensus/gocensus/censuslog"
	"github.com/gocensus/gocensus/interceptors/censusgrpc"
	"github.com/gocensus/gocensus/sdk/trace"
	"github.com/gocensus/gocensus/sdk/trace/tracetest"
)

// dropTime keeps example output stable.
func dropTime(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}

func ExampleNewHandler() {
	jh := slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: dropTime})
	logger := slog.New(censuslog.NewHandler(jh))

	tracer := trace.NewTracer(
		trace.WithSampler(trace.AlwaysSample()),
		trace.WithIDGenerator(tracetest.NewSequentialIDGenerator()),
	)
	ctx, span := tracer.Start(context.Background(), "checkout")
	defer span.End()

	logger.InfoContext(ctx, "charging card", "amount", 42)
	// The ids stay at the top level inside groups.
	logger.WithGroup("order").InfoContext(ctx, "shipped", "id", 7)
	// Without a span the record is unchanged.
	logger.InfoContext(context.Background(), "idle")
	// Output:
	// {"level":"INFO","msg":"charging card","amount":42,"trace_id":"00000000000000000000000000000001","span_id":"0000000000000001","trace_sampled":true}
	// {"level":"INFO","msg":"shipped","trace_id":"00000000000000000000000000000001","span_id":"0000000000000001","trace_sampled":true,"order":{"id":7}}
	// {"level":"INFO","msg":"idle"}
}

func ExampleGRPCLoggingFields() {
	tid, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	sid, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	// A server interceptor stores the caller's span context like this.
	ctx := trace.ContextWithRemoteSpanContext(context.Background(),
		trace.SpanContext{TraceID: tid, SpanID: sid, TraceOptions: trace.FlagSampled, Remote: true})

	// Use it as logging.WithFieldsFromContext(censuslog.GRPCLoggingFields).
	fmt.Println(censuslog.GRPCLoggingFields(ctx))
	fmt.Println(censuslog.GRPCLoggingFields(context.Background()) == nil)
	// Output:
	// [trace_id 4bf92f3577b34da6a3ce929d0e0e4736 span_id 00f067aa0ba902b7 trace_sampled true]
	// true
}

// A gRPC server whose request logs, written by go-grpc-middleware's logging
// interceptor through any logger, carry the server span's ids. The logging
// interceptor comes after censusgrpc's so that it sees the span.
func Example_grpcServer() {
	tracer := trace.NewTracer()
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	logFunc := logging.LoggerFunc(func(ctx context.Context, lvl logging.Level, msg string, fields ...any) {
		logger.Log(ctx, slog.Level(lvl), msg, fields...)
	})
	srv := grpc.NewServer(grpc.ChainUnaryInterceptor(
		censusgrpc.UnaryServerInterceptor(censusgrpc.WithTracer(tracer)),
		logging.UnaryServerInterceptor(logFunc, logging.WithFieldsFromContext(censuslog.GRPCLoggingFields)),
	))
	defer srv.Stop()
	// Register services and call srv.Serve(lis).
}

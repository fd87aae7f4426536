package censusgrpc_test

import (
	"context"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/gocensus/gocensus/interceptors/censusgrpc"
	"github.com/gocensus/gocensus/propagation"
	"github.com/gocensus/gocensus/sdk/trace"
)

// TestUnaryAllocations pins what each side of an unsampled unary call
// allocates in the interceptors, without a transport. The client's four are
// grpc's metadata.AppendToOutgoingContext; the call record holds the span
// and is the context handed on, on both sides.
func TestUnaryAllocations(t *testing.T) {
	// Not parallel: AllocsPerRun counts every goroutine's allocations.
	tr := trace.NewTracer(trace.WithSampler(trace.NeverSample()))
	opts := []censusgrpc.Option{censusgrpc.WithTracer(tr), censusgrpc.WithStats(false)}
	cli := censusgrpc.UnaryClientInterceptor(opts...)
	srv := censusgrpc.UnaryServerInterceptor(opts...)
	invoker := func(context.Context, string, any, any, *grpc.ClientConn, ...grpc.CallOption) error { return nil }
	handler := func(context.Context, any) (any, error) { return nil, nil }
	info := &grpc.UnaryServerInfo{FullMethod: methodUnary}
	var bin [propagation.BinaryLen]byte
	propagation.PutBinary(&bin, trace.SpanContext{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}})
	in := metadata.NewIncomingContext(context.Background(), metadata.MD{propagation.BinaryKey: {string(bin[:])}})
	ctx := context.Background()
	for _, tt := range []struct {
		name string
		max  float64
		f    func()
	}{
		{"client", 5, func() { _ = cli(ctx, methodUnary, nil, nil, nil, invoker) }},
		{"server", 1, func() { _, _ = srv(in, nil, info, handler) }},
	} {
		if got := testing.AllocsPerRun(200, tt.f); got > tt.max {
			t.Errorf("%s: %v allocations, want <= %v", tt.name, got, tt.max)
		}
	}
}

package censusgrpc_test

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/gocensus/gocensus/interceptors/censusgrpc"
	"github.com/gocensus/gocensus/propagation"
	"github.com/gocensus/gocensus/sdk/stats"
	"github.com/gocensus/gocensus/sdk/tag"
	"github.com/gocensus/gocensus/sdk/trace"
)

// countHandler counts slog records.
type countHandler struct{ n atomic.Int64 }

func (h *countHandler) Enabled(context.Context, slog.Level) bool  { return true }
func (h *countHandler) Handle(context.Context, slog.Record) error { h.n.Add(1); return nil }
func (h *countHandler) WithAttrs([]slog.Attr) slog.Handler        { return h }
func (h *countHandler) WithGroup(string) slog.Handler             { return h }

func TestBadIncomingContext(t *testing.T) {
	t.Parallel()
	valid := "00-4bf92f3577b34da6a3ce929d000e4736-00f067aa0ba902b7-01"
	cases := []struct {
		name string
		md   []string
	}{
		{"empty binary", []string{propagation.BinaryKey, ""}},
		{"short binary", []string{propagation.BinaryKey, "\x00\x00\x01"}},
		{"bad version", []string{propagation.BinaryKey, "\x07" + strings.Repeat("\x01", 28)}},
		{"zero ids", []string{propagation.BinaryKey, "\x00\x00" + strings.Repeat("\x00", 16) + "\x01" + strings.Repeat("\x00", 8) + "\x02\x01"}},
		{"oversized binary", []string{propagation.BinaryKey, "\x00\x00" + strings.Repeat("\x01", 16) + "\x01" + strings.Repeat("\x01", 8) + "\x02\x01" + strings.Repeat("\x09", 4096)}},
		{"garbage traceparent", []string{"traceparent", "not-a-traceparent"}},
		{"upper-case traceparent", []string{"traceparent", strings.ToUpper(valid)}},
		{"two traceparents", []string{"traceparent", valid, "traceparent", valid}},
		{"oversized traceparent", []string{"traceparent", valid + "-" + strings.Repeat("a", 9000)}},
		{"bad tracestate", []string{"traceparent", valid, "tracestate", "=,=,=="}},
		{"bad tags", []string{tag.GRPCMetadataKey, "\x05\x00"}},
	}
	logs := new(countHandler)
	tracer, mem, _ := recordingTracer()
	srv := censusgrpc.UnaryServerInterceptor(censusgrpc.WithTracer(tracer),
		censusgrpc.WithPropagation(censusgrpc.FormatBinary, censusgrpc.FormatTraceContext),
		censusgrpc.WithTagPropagation(true),
		censusgrpc.WithLogger(slog.New(logs)))
	info := &grpc.UnaryServerInfo{FullMethod: methodUnary}
	for _, tc := range cases {
		for range 3 {
			ctx := metadata.NewIncomingContext(testCtx(t), metadata.Pairs(tc.md...))
			called := false
			_, err := srv(ctx, wrapString("x"), info, func(ctx context.Context, _ any) (any, error) {
				called = true
				return wrapString("y"), nil
			})
			if err != nil || !called {
				t.Fatalf("%s: err %v, handler called %v", tc.name, err, called)
			}
		}
	}
	for _, s := range mem.GetSpans() {
		if s.ParentSpanID.IsValid() && s.TraceID.String() != "4bf92f3577b34da6a3ce929d000e4736" {
			t.Errorf("span %q has parent %v from bad input", s.Name, s.ParentSpanID)
		}
	}
	// Only "bad tracestate" carries a valid traceparent: that span keeps the
	// parent and drops the tracestate.
	joined := 0
	for _, s := range mem.GetSpans() {
		if s.ParentSpanID.IsValid() {
			joined++
			if s.Tracestate.String() != "" {
				t.Errorf("bad tracestate kept: %q", s.Tracestate.String())
			}
		}
	}
	if joined != 3 {
		t.Errorf("%d spans joined a trace, want 3", joined)
	}
	if n := logs.n.Load(); n != 1 {
		t.Errorf("%d log records for %d bad calls, want 1 (rate-limited)", n, 3*len(cases))
	}
}

// FuzzServerExtract feeds arbitrary metadata to the server interceptor: it
// must never panic and must always run the handler.
func FuzzServerExtract(f *testing.F) {
	var bin [propagation.BinaryLen]byte
	sc := trace.SpanContext{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}, TraceOptions: 1}
	propagation.PutBinary(&bin, sc)
	f.Add(bin[:], "00-4bf92f3577b34da6a3ce929d000e4736-00f067aa0ba902b7-01", "a=b", []byte{0, 0, 1, 'k', 1, 'v'})
	f.Add([]byte{}, "", "", []byte{})
	f.Add([]byte{0, 2, 9}, "00-xyz", "=,", []byte{0, 0, 200})
	srv := censusgrpc.UnaryServerInterceptor(
		censusgrpc.WithTracer(trace.NewTracer(trace.WithSampler(trace.AlwaysSample()))),
		censusgrpc.WithPropagation(censusgrpc.FormatTraceContext, censusgrpc.FormatBinary),
		censusgrpc.WithTagPropagation(true),
		censusgrpc.WithLogger(slog.New(new(countHandler))))
	info := &grpc.UnaryServerInfo{FullMethod: methodUnary}
	f.Fuzz(func(t *testing.T, bin []byte, tp, ts string, tags []byte) {
		md := metadata.MD{
			propagation.BinaryKey: {string(bin)},
			"traceparent":         {tp},
			"tracestate":          {ts},
			tag.GRPCMetadataKey:   {string(tags)},
		}
		called := false
		_, err := srv(metadata.NewIncomingContext(context.Background(), md), nil, info, func(ctx context.Context, _ any) (any, error) {
			called = true
			return nil, nil
		})
		if err != nil || !called {
			t.Fatalf("err %v, called %v", err, called)
		}
	})
}

// TestBadContextOverTheWire sends malformed trace context from a plain
// client through a real transport: the call succeeds and the server span
// starts a new trace.
func TestBadContextOverTheWire(t *testing.T) {
	t.Parallel()
	tracer, mem, _ := recordingTracer()
	e := newEnv(t, censusgrpc.ServerOptions(censusgrpc.WithTracer(tracer),
		censusgrpc.WithPropagation(censusgrpc.FormatBinary, censusgrpc.FormatTraceContext),
		censusgrpc.WithLogger(slog.New(new(countHandler)))), nil)
	bad := [][]string{
		{propagation.BinaryKey, "\x00\x00\x01"},
		{propagation.BinaryKey, strings.Repeat("\x00", 4000)},
		{"traceparent", "00-zz-zz-01"},
		{"traceparent", strings.Repeat("f", 4000)},
	}
	for _, kv := range bad {
		ctx := metadata.AppendToOutgoingContext(testCtx(t), kv...)
		if _, err := e.unary(ctx, "x"); err != nil {
			t.Fatalf("%q: %v", kv[0], err)
		}
	}
	spans := mem.GetSpans()
	if len(spans) != len(bad) {
		t.Fatalf("%d spans, want %d", len(spans), len(bad))
	}
	for _, s := range spans {
		if s.ParentSpanID.IsValid() || s.HasRemoteParent {
			t.Errorf("span with parent %v from malformed input", s.ParentSpanID)
		}
	}
}

// TestNoGlobalState builds interceptors and handlers per connection, as
// some programs do, and checks nothing is registered globally or left
// running.
func TestNoGlobalState(t *testing.T) {
	t.Parallel()
	before := len(stats.Default().Read())
	for range 1000 {
		_ = censusgrpc.ClientOptions(nil, censusgrpc.WithTracer(nil), censusgrpc.WithSpanNameFormatter(nil))
		_ = censusgrpc.ServerOptions(nil)
		_ = censusgrpc.NewClientHandler(nil)
		_ = censusgrpc.NewServerHandler()
	}
	if after := len(stats.Default().Read()); after != before {
		t.Errorf("building instrumentation registered %d metrics", after-before)
	}
}

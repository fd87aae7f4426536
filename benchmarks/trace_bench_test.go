package benchmarks_test

import (
	"context"
	"log/slog"
	"testing"

	octrace "go.opencensus.io/trace"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	oteltrace "go.opentelemetry.io/otel/trace"

	"github.com/gocensus/gocensus/sdk/trace"
)

// Exporters that drop everything, so the benchmarks measure the span
// pipeline and not an encoder.
type (
	gcDiscard   struct{}
	ocDiscard   struct{}
	otelDiscard struct{}
)

func (gcDiscard) ExportSpans(context.Context, []*trace.SpanData) error         { return nil }
func (gcDiscard) Shutdown(context.Context) error                               { return nil }
func (ocDiscard) ExportSpan(*octrace.SpanData)                                 {}
func (otelDiscard) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (otelDiscard) Shutdown(context.Context) error                             { return nil }

// setupGocensus returns a context holding a parent span of a tracer with
// the given sampling and a discarding batcher.
func setupGocensus(b *testing.B, sampled bool) (*trace.Tracer, context.Context) {
	sampler := trace.NeverSample()
	if sampled {
		sampler = trace.AlwaysSample()
	}
	// The batcher warns when its queue fills, as it may under a benchmark
	// loop; keep that out of the benchmark output (OTel drops silently).
	quiet := trace.WithLogger(slog.New(slog.DiscardHandler))
	t := trace.NewTracer(trace.WithSampler(sampler), trace.WithBatcher(gcDiscard{}, quiet))
	ctx, parent := t.Start(context.Background(), "parent")
	b.Cleanup(func() {
		parent.End()
		if err := t.Shutdown(context.Background()); err != nil {
			b.Error(err)
		}
	})
	return t, ctx
}

// configureOpenCensus sets opencensus-go's global sampler and a discarding
// exporter, and restores its defaults when the benchmark ends.
func configureOpenCensus(b *testing.B, sampled bool) {
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
}

// otelProvider returns an OpenTelemetry tracer provider with the given
// sampling and a discarding batcher, shut down when the benchmark ends.
func otelProvider(b *testing.B, sampled bool) *sdktrace.TracerProvider {
	sampler := sdktrace.NeverSample()
	if sampled {
		sampler = sdktrace.AlwaysSample()
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sampler), sdktrace.WithBatcher(otelDiscard{}))
	b.Cleanup(func() {
		if err := tp.Shutdown(context.Background()); err != nil {
			b.Error(err)
		}
	})
	return tp
}

// setupOpenCensus configures opencensus-go and returns a context holding a
// parent span.
func setupOpenCensus(b *testing.B, sampled bool) context.Context {
	configureOpenCensus(b, sampled)
	ctx, parent := octrace.StartSpan(context.Background(), "parent")
	b.Cleanup(parent.End)
	return ctx
}

func setupOTel(b *testing.B, sampled bool) (oteltrace.Tracer, context.Context) {
	t := otelProvider(b, sampled).Tracer("benchmarks")
	ctx, parent := t.Start(context.Background(), "parent")
	b.Cleanup(func() { parent.End() })
	return t, ctx
}

// benchSpans runs a child span start+end under a parent in ctx for each
// library, with or without sampling.
func benchSpans(b *testing.B, sampled bool) {
	b.Run("lib=gocensus", func(b *testing.B) {
		t, ctx := setupGocensus(b, sampled)
		b.ReportAllocs()
		for b.Loop() {
			_, s := t.Start(ctx, "child")
			s.End()
		}
	})
	b.Run("lib=opencensus", func(b *testing.B) {
		ctx := setupOpenCensus(b, sampled)
		b.ReportAllocs()
		for b.Loop() {
			_, s := octrace.StartSpan(ctx, "child")
			s.End()
		}
	})
	b.Run("lib=otel", func(b *testing.B) {
		t, ctx := setupOTel(b, sampled)
		b.ReportAllocs()
		for b.Loop() {
			_, s := t.Start(ctx, "child")
			s.End()
		}
	})
}

func BenchmarkSpanSampled(b *testing.B)   { benchSpans(b, true) }
func BenchmarkSpanUnsampled(b *testing.B) { benchSpans(b, false) }

// BenchmarkSpanAttributes4 sets four string attributes on a sampled span
// after starting it, the common shape of RPC instrumentation.
func BenchmarkSpanAttributes4(b *testing.B) {
	b.Run("lib=gocensus", func(b *testing.B) {
		t, ctx := setupGocensus(b, true)
		b.ReportAllocs()
		for b.Loop() {
			_, s := t.Start(ctx, "child")
			s.SetAttributes(
				trace.StringAttribute("rpc.system", "grpc"),
				trace.StringAttribute("rpc.service", "helloworld.Greeter"),
				trace.StringAttribute("rpc.method", "SayHello"),
				trace.StringAttribute("net.peer.name", "greeter.svc"),
			)
			s.End()
		}
	})
	b.Run("lib=opencensus", func(b *testing.B) {
		ctx := setupOpenCensus(b, true)
		b.ReportAllocs()
		for b.Loop() {
			_, s := octrace.StartSpan(ctx, "child")
			s.AddAttributes(
				octrace.StringAttribute("rpc.system", "grpc"),
				octrace.StringAttribute("rpc.service", "helloworld.Greeter"),
				octrace.StringAttribute("rpc.method", "SayHello"),
				octrace.StringAttribute("net.peer.name", "greeter.svc"),
			)
			s.End()
		}
	})
	b.Run("lib=otel", func(b *testing.B) {
		t, ctx := setupOTel(b, true)
		b.ReportAllocs()
		for b.Loop() {
			_, s := t.Start(ctx, "child")
			s.SetAttributes(
				attribute.String("rpc.system", "grpc"),
				attribute.String("rpc.service", "helloworld.Greeter"),
				attribute.String("rpc.method", "SayHello"),
				attribute.String("net.peer.name", "greeter.svc"),
			)
			s.End()
		}
	})
}

// BenchmarkSpanParallel starts and ends sampled child spans from
// GOMAXPROCS goroutines under one shared parent, to expose contention.
func BenchmarkSpanParallel(b *testing.B) {
	b.Run("lib=gocensus", func(b *testing.B) {
		t, ctx := setupGocensus(b, true)
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				_, s := t.Start(ctx, "child")
				s.End()
			}
		})
	})
	b.Run("lib=opencensus", func(b *testing.B) {
		ctx := setupOpenCensus(b, true)
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				_, s := octrace.StartSpan(ctx, "child")
				s.End()
			}
		})
	})
	b.Run("lib=otel", func(b *testing.B) {
		t, ctx := setupOTel(b, true)
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				_, s := t.Start(ctx, "child")
				s.End()
			}
		})
	})
}

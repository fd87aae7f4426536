package trace_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/gocensus/gocensus/sdk/trace"
)

// discard is an exporter that drops every batch.
type discard struct{}

func (discard) ExportSpans(context.Context, []*trace.SpanData) error { return nil }
func (discard) Shutdown(context.Context) error                       { return nil }

func newBenchTracer(b *testing.B, s trace.Sampler) *trace.Tracer {
	tr := trace.NewTracer(trace.WithSampler(s),
		trace.WithBatcher(discard{}, trace.WithLogger(slog.New(slog.DiscardHandler))))
	b.Cleanup(func() { _ = tr.Shutdown(context.Background()) })
	return tr
}

// startEnd starts and ends a child of a root span of tr in the benchmark
// loop, on one goroutine or, with parallel, on GOMAXPROCS of them.
func startEnd(b *testing.B, tr *trace.Tracer, parallel bool) {
	ctx, root := tr.Start(context.Background(), "root")
	defer root.End()
	b.ReportAllocs()
	if parallel {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				_, s := tr.Start(ctx, "child")
				s.End()
			}
		})
		return
	}
	for b.Loop() {
		_, s := tr.Start(ctx, "child")
		s.End()
	}
}

// nopTracer samples every span and hands it to a processor that does
// nothing: start and end without export.
func nopTracer() *trace.Tracer {
	return trace.NewTracer(trace.WithSampler(trace.AlwaysSample()), trace.WithSpanProcessor(nopProcessor{}))
}

func BenchmarkStartEndSampled(b *testing.B) {
	startEnd(b, newBenchTracer(b, trace.AlwaysSample()), false)
}

func BenchmarkStartEndUnsampled(b *testing.B) {
	startEnd(b, newBenchTracer(b, trace.NeverSample()), false)
}

func BenchmarkStartEndAttributes4(b *testing.B) {
	tr := newBenchTracer(b, trace.AlwaysSample())
	ctx, root := tr.Start(context.Background(), "root")
	defer root.End()
	b.ReportAllocs()
	for b.Loop() {
		_, s := tr.Start(ctx, "child", trace.WithAttributes(
			trace.StringAttribute("k1", "v1"),
			trace.StringAttribute("k2", "v2"),
			trace.StringAttribute("k3", "v3"),
			trace.StringAttribute("k4", "v4"),
		))
		s.End()
	}
}

func BenchmarkStartEndParallel(b *testing.B) {
	startEnd(b, newBenchTracer(b, trace.AlwaysSample()), true)
}

// nopProcessor takes ended spans and does nothing with them.
type nopProcessor struct{}

func (nopProcessor) OnStart(context.Context, *trace.Span) {}
func (nopProcessor) OnEnd(*trace.SpanData)                {}
func (nopProcessor) ForceFlush(context.Context) error     { return nil }
func (nopProcessor) Shutdown(context.Context) error       { return nil }

// BenchmarkStartEndParallelUnsampled and BenchmarkStartEndParallelNop show
// how span start and end scale over cores without the batcher's export
// worker, which in BenchmarkStartEndParallel competes with the producers
// for the same cores.
func BenchmarkStartEndParallelUnsampled(b *testing.B) {
	startEnd(b, newBenchTracer(b, trace.NeverSample()), true)
}

func BenchmarkStartEndParallelNop(b *testing.B) { startEnd(b, nopTracer(), true) }

func BenchmarkSetAttributes(b *testing.B) {
	tr := newBenchTracer(b, trace.AlwaysSample())
	_, s := tr.Start(context.Background(), "span")
	defer s.End()
	attrs := []trace.Attribute{
		trace.StringAttribute("rpc.method", "SayHello"),
		trace.Int64Attribute("rpc.status", 0),
	}
	b.ReportAllocs()
	for b.Loop() {
		s.SetAttributes(attrs...)
	}
}

func BenchmarkAnnotate(b *testing.B) {
	tr := newBenchTracer(b, trace.AlwaysSample())
	_, s := tr.Start(context.Background(), "span")
	defer s.End()
	b.ReportAllocs()
	for b.Loop() {
		s.Annotate("cache miss", trace.StringAttribute("key", "user:42"))
	}
}

func BenchmarkMessageEvent(b *testing.B) {
	tr := newBenchTracer(b, trace.AlwaysSample())
	_, s := tr.Start(context.Background(), "span")
	defer s.End()
	b.ReportAllocs()
	for i := int64(0); b.Loop(); i++ {
		s.AddMessageSendEvent(i, 1024, 512)
	}
}

func BenchmarkStartEndRoot(b *testing.B) {
	tr := newBenchTracer(b, trace.ProbabilitySampler(1))
	b.ReportAllocs()
	for b.Loop() {
		_, s := tr.Start(context.Background(), "root")
		s.End()
	}
}

func BenchmarkStartEndNop(b *testing.B) { startEnd(b, nopTracer(), false) }

package zpages_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/gocensus/gocensus/sdk/trace"
)

// BenchmarkSpan measures a sampled span's start and end through the
// processor, against the same span with no processor.
func BenchmarkSpan(b *testing.B) {
	ctx := context.Background()
	b.Run("no-processor", func(b *testing.B) {
		tr := trace.NewTracer(trace.WithSampler(trace.AlwaysSample()))
		b.ReportAllocs()
		for b.Loop() {
			_, s := tr.Start(ctx, "op")
			s.End()
		}
	})
	b.Run("zpages", func(b *testing.B) {
		tr := newTracer(newZ(b))
		b.ReportAllocs()
		for b.Loop() {
			_, s := tr.Start(ctx, "op")
			s.End()
		}
	})
	b.Run("zpages-parallel", func(b *testing.B) {
		tr := newTracer(newZ(b))
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				_, s := tr.Start(ctx, "op")
				s.End()
			}
		})
	})
	b.Run("zpages-names-overflow", func(b *testing.B) {
		tr := newTracer(newZ(b))
		names := make([]string, 2000)
		for i := range names {
			names[i] = "op/" + strconv.Itoa(i)
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			_, s := tr.Start(ctx, names[i%len(names)])
			s.End()
			i++
		}
	})
}

// BenchmarkOnStartOnEnd calls the processor directly, without the tracer's
// own cost.
func BenchmarkOnStartOnEnd(b *testing.B) {
	z := newZ(b)
	tr := trace.NewTracer(trace.WithSampler(trace.AlwaysSample()))
	_, s := tr.Start(context.Background(), "op")
	d, _ := s.Snapshot()
	d.EndTime = d.StartTime.Add(1500)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		z.OnStart(ctx, s)
		z.OnEnd(&d)
	}
}

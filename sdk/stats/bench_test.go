package stats_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/gocensus/gocensus/sdk/stats"
	"github.com/gocensus/gocensus/sdk/tag"
	"github.com/gocensus/gocensus/sdk/trace"
)

var latencyBounds = []float64{0, 0.01, 0.05, 0.1, 0.3, 0.6, 0.8, 1, 2, 3, 4, 5, 6, 8, 10, 13, 16, 20, 25, 30, 40, 50, 65, 80, 100, 130, 160, 200, 250, 300, 400, 500, 650, 800, 1000, 2000, 5000, 10000, 20000, 50000, 100000}

// benchSetup registers one distribution view over two tag keys and returns
// a context carrying both tags.
func benchSetup(b *testing.B) (*stats.Manager, *stats.Float64Measure, context.Context) {
	b.Helper()
	m := stats.NewManager()
	b.Cleanup(func() { _ = m.Shutdown(context.Background()) })
	lat := stats.Float64("bench/latency", "latency", "ms")
	k1, k2 := tag.MustNewKey("method"), tag.MustNewKey("status")
	if err := m.Register(&stats.View{Name: "bench/latency", Measure: lat, TagKeys: []tag.Key{k1, k2}, Aggregation: stats.Distribution(latencyBounds...)}); err != nil {
		b.Fatal(err)
	}
	ctx, err := tag.New(context.Background(), tag.Insert(k1, "pkg.Service/Method"), tag.Insert(k2, "OK"))
	if err != nil {
		b.Fatal(err)
	}
	return m, lat, ctx
}

func BenchmarkRecordDistribution2Tags(b *testing.B) {
	m, lat, ctx := benchSetup(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		m.Record(ctx, lat.M(float64(i%200)))
	}
}

func BenchmarkRecordDistribution2TagsParallel(b *testing.B) {
	m, lat, ctx := benchSetup(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			m.Record(ctx, lat.M(float64(i%200)))
			i++
		}
	})
}

func BenchmarkRecordUnused(b *testing.B) {
	m := stats.NewManager()
	unused := stats.Int64("bench/unused", "not in any view", "1")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		m.Record(ctx, unused.M(1))
	}
}

func BenchmarkRecordAggregations(b *testing.B) {
	k := tag.MustNewKey("k")
	ctx, _ := tag.New(context.Background(), tag.Insert(k, "v"))
	for _, agg := range []*stats.Aggregation{stats.Count(), stats.Sum(), stats.LastValue(), stats.Distribution(1, 10, 100)} {
		b.Run(agg.Type.String(), func(b *testing.B) {
			m := stats.NewManager()
			meas := stats.Int64("bench/"+agg.Type.String(), "", "1")
			if err := m.Register(&stats.View{Measure: meas, TagKeys: []tag.Key{k}, Aggregation: agg}); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				m.Record(ctx, meas.M(int64(i&63)))
			}
		})
	}
}

func BenchmarkRead(b *testing.B) {
	m, lat, _ := benchSetup(b)
	k := tag.MustNewKey("method")
	for i := range 100 {
		ctx, _ := tag.New(context.Background(), tag.Insert(k, "m"+strconv.Itoa(i)))
		m.Record(ctx, lat.M(float64(i)))
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = m.Read()
	}
}

// BenchmarkRecordSampledSpan records inside a sampled span, which keeps an
// exemplar and so allocates it.
func BenchmarkRecordSampledSpan(b *testing.B) {
	m, lat, ctx := benchSetup(b)
	ctx = trace.ContextWithRemoteSpanContext(ctx, trace.SpanContext{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{1}, TraceOptions: trace.FlagSampled})
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		m.Record(ctx, lat.M(float64(i%200)))
	}
}

// BenchmarkRecordManyTuples spreads recordings over 1000 tag tuples, so
// the series map no longer fits in the innermost caches.
func BenchmarkRecordManyTuples(b *testing.B) {
	m, lat, _ := benchSetup(b)
	k := tag.MustNewKey("method")
	ctxs := make([]context.Context, 1000)
	for i := range ctxs {
		ctxs[i], _ = tag.New(context.Background(), tag.Insert(k, "pkg.Service/Method"+strconv.Itoa(i)))
		m.Record(ctxs[i], lat.M(1))
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		m.Record(ctxs[i%len(ctxs)], lat.M(float64(i%200)))
	}
}

// BenchmarkRecordWithOptions adds a tag per call, as RPC instrumentation
// adds the method and status.
func BenchmarkRecordWithOptions(b *testing.B) {
	m, lat, ctx := benchSetup(b)
	k := tag.MustNewKey("status")
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if err := m.RecordWithOptions(ctx, stats.WithTags(tag.Upsert(k, "OK")), stats.WithMeasurements(lat.M(float64(i%200)))); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecordWithOptionsUnused is instrumentation whose views nobody
// registered: it must stay nearly free.
func BenchmarkRecordWithOptionsUnused(b *testing.B) {
	m := stats.NewManager()
	unused := stats.Float64("bench/unused", "", "ms")
	k := tag.MustNewKey("status")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_ = m.RecordWithOptions(ctx, stats.WithTags(tag.Upsert(k, "OK")), stats.WithMeasurements(unused.M(1)))
	}
}

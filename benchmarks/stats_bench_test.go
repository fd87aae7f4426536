package benchmarks_test

import (
	"context"
	"testing"

	ocstats "go.opencensus.io/stats"
	ocview "go.opencensus.io/stats/view"
	octag "go.opencensus.io/tag"
	"go.opentelemetry.io/otel/attribute"
	otelmetric "go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/gocensus/gocensus/sdk/stats"
	"github.com/gocensus/gocensus/sdk/tag"
)

// statsBounds are the OpenCensus gRPC latency buckets (ms), without the
// leading 0 that opencensus-go drops anyway.
var statsBounds = []float64{0.01, 0.05, 0.1, 0.3, 0.6, 0.8, 1, 2, 3, 4, 5, 6, 8, 10, 13, 16, 20, 25, 30, 40, 50, 65, 80, 100, 130, 160, 200, 250, 300, 400, 500, 650, 800, 1000, 2000, 5000, 10000, 20000, 50000, 100000}

// statsRecorder records one latency value with two tags already in place.
type statsRecorder func(v float64)

func setupStatsGocensus(b *testing.B) statsRecorder {
	m := stats.NewManager()
	b.Cleanup(func() {
		if err := m.Shutdown(context.Background()); err != nil {
			b.Error(err)
		}
	})
	lat := stats.Float64("bench/latency", "latency", "ms")
	method, status := tag.MustNewKey("method"), tag.MustNewKey("status")
	err := m.Register(&stats.View{Measure: lat, TagKeys: []tag.Key{method, status}, Aggregation: stats.Distribution(statsBounds...)})
	if err != nil {
		b.Fatal(err)
	}
	ctx, err := tag.New(context.Background(), tag.Insert(method, "pkg.Service/Method"), tag.Insert(status, "OK"))
	if err != nil {
		b.Fatal(err)
	}
	return func(v float64) { m.Record(ctx, lat.M(v)) }
}

func setupStatsOpenCensus(b *testing.B) statsRecorder {
	lat := ocstats.Float64("bench/latency", "latency", "ms")
	method, status := octag.MustNewKey("method"), octag.MustNewKey("status")
	v := &ocview.View{Measure: lat, TagKeys: []octag.Key{method, status}, Aggregation: ocview.Distribution(statsBounds...)}
	if err := ocview.Register(v); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ocview.Unregister(v) })
	ctx, err := octag.New(context.Background(), octag.Insert(method, "pkg.Service/Method"), octag.Insert(status, "OK"))
	if err != nil {
		b.Fatal(err)
	}
	return func(v float64) { ocstats.Record(ctx, lat.M(v)) }
}

func setupStatsOTel(b *testing.B) statsRecorder {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	b.Cleanup(func() {
		if err := mp.Shutdown(context.Background()); err != nil {
			b.Error(err)
		}
	})
	h, err := mp.Meter("bench").Float64Histogram("bench/latency",
		otelmetric.WithUnit("ms"), otelmetric.WithExplicitBucketBoundaries(statsBounds...))
	if err != nil {
		b.Fatal(err)
	}
	attrs := otelmetric.WithAttributeSet(attribute.NewSet(
		attribute.String("method", "pkg.Service/Method"), attribute.String("status", "OK")))
	ctx := context.Background()
	return func(v float64) { h.Record(ctx, v, attrs) }
}

var statsLibs = []struct {
	name  string
	setup func(*testing.B) statsRecorder
}{
	{"gocensus", setupStatsGocensus},
	{"opencensus", setupStatsOpenCensus},
	{"otel", setupStatsOTel},
}

// BenchmarkRecordDistribution2Tags records one value into one distribution
// view split by two tags taken from the context (attributes for OTel).
func BenchmarkRecordDistribution2Tags(b *testing.B) {
	for _, lib := range statsLibs {
		b.Run("lib="+lib.name, func(b *testing.B) {
			rec := lib.setup(b)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				rec(float64(i % 200))
			}
		})
	}
}

// BenchmarkRecordDistribution2TagsParallel is the same from GOMAXPROCS
// goroutines at once, all on the same time series.
func BenchmarkRecordDistribution2TagsParallel(b *testing.B) {
	for _, lib := range statsLibs {
		b.Run("lib="+lib.name, func(b *testing.B) {
			rec := lib.setup(b)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					rec(float64(i % 200))
					i++
				}
			})
		})
	}
}

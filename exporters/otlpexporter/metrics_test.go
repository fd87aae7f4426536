package otlpexporter_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	colmetricspb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	metricspb "go.opentelemetry.io/proto/otlp/metrics/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/gocensus/gocensus/exporters/otlpexporter"
	"github.com/gocensus/gocensus/sdk/resource"
	"github.com/gocensus/gocensus/sdk/stats"
)

func ptr[T any](v T) *T { return &v }

func TestMetricMapping(t *testing.T) {
	t.Parallel()
	res := &resource.Resource{Labels: map[string]string{"service.name": "greeter"}}
	start := t0.Add(-time.Minute)
	keys := []stats.LabelKey{{Key: "method"}, {Key: "status"}}
	labels := []stats.LabelValue{{Value: "SayHello", Present: true}, {}} // status absent
	metrics := []*stats.Metric{{
		Descriptor: stats.Descriptor{Name: "rpc/count", Description: "RPCs", Unit: "1", Type: stats.TypeCumulativeInt64, LabelKeys: keys},
		TimeSeries: []*stats.TimeSeries{{LabelValues: labels, StartTime: start, Points: []stats.Point{{Time: t0, Int64Value: 42}}}},
		Resource:   res,
	}, {
		Descriptor: stats.Descriptor{Name: "rpc/bytes", Unit: "By", Type: stats.TypeCumulativeFloat64, LabelKeys: keys},
		TimeSeries: []*stats.TimeSeries{{LabelValues: []stats.LabelValue{{Value: "", Present: true}, {Value: "OK", Present: true}}, StartTime: start, Points: []stats.Point{{Time: t0, Float64Value: 2.5}}}},
		Resource:   res,
	}, {
		Descriptor: stats.Descriptor{Name: "queue/len", Type: stats.TypeGaugeInt64},
		TimeSeries: []*stats.TimeSeries{{Points: []stats.Point{{Time: t0, Int64Value: 7}}}},
		Resource:   res,
	}, {
		Descriptor: stats.Descriptor{Name: "temp", Type: stats.TypeGaugeFloat64},
		TimeSeries: []*stats.TimeSeries{{Points: []stats.Point{{Time: t0, Float64Value: -1.25}}}},
		Resource:   res,
	}, {
		Descriptor: stats.Descriptor{Name: "rpc/latency", Unit: "ms", Type: stats.TypeCumulativeDistribution, LabelKeys: keys[:1]},
		TimeSeries: []*stats.TimeSeries{{LabelValues: labels[:1], StartTime: start, Points: []stats.Point{{Time: t0, Distribution: &stats.DistributionValue{
			Count: 6, Sum: 123, SumOfSquaredDeviation: 9,
			BucketBounds: []float64{10, 100},
			Buckets: []stats.Bucket{
				{Count: 1},
				{Count: 3, Exemplar: &stats.Exemplar{Value: 42, Time: t0, Attachments: map[string]string{
					stats.AttachmentKeyTraceID: tid.String(), stats.AttachmentKeySpanID: sid.String(), "user": "u1",
				}}},
				{Count: 2, Exemplar: &stats.Exemplar{Value: 250, Time: t0, Attachments: map[string]string{
					stats.AttachmentKeySpanID: "not-hex-at-all!!",
				}}},
			},
		}}}}},
		Resource: res,
	}, {
		Descriptor: stats.Descriptor{Name: "summary", Type: stats.TypeSummary},
		TimeSeries: []*stats.TimeSeries{{Points: []stats.Point{{Time: t0}, {Time: t0}}}},
		Resource:   res,
	}}

	c := startCollector(t)
	exp, err := otlpexporter.New(otlpexporter.WithEndpoint(c.addr), otlpexporter.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	if err := exp.ExportMetrics(ctx, metrics); err != nil {
		t.Fatal(err)
	}
	if err := exp.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	got := c.metricRequests()
	if len(got) != 1 {
		t.Fatalf("got %d requests, want 1", len(got))
	}
	method := strKV("method", "SayHello")
	startNs, cum := uint64(start.UnixNano()), metricspb.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE
	want := &colmetricspb.ExportMetricsServiceRequest{ResourceMetrics: []*metricspb.ResourceMetrics{{
		Resource: &resourcepb.Resource{Attributes: []*commonpb.KeyValue{strKV("service.name", "greeter")}},
		ScopeMetrics: []*metricspb.ScopeMetrics{{Scope: scope(), Metrics: []*metricspb.Metric{{
			Name: "rpc/count", Description: "RPCs", Unit: "1",
			Data: &metricspb.Metric_Sum{Sum: &metricspb.Sum{AggregationTemporality: cum, IsMonotonic: true, DataPoints: []*metricspb.NumberDataPoint{{
				Attributes: []*commonpb.KeyValue{method}, StartTimeUnixNano: startNs, TimeUnixNano: ns0,
				Value: &metricspb.NumberDataPoint_AsInt{AsInt: 42},
			}}}},
		}, {
			Name: "rpc/bytes", Unit: "By",
			Data: &metricspb.Metric_Sum{Sum: &metricspb.Sum{AggregationTemporality: cum, IsMonotonic: true, DataPoints: []*metricspb.NumberDataPoint{{
				Attributes: []*commonpb.KeyValue{strKV("method", ""), strKV("status", "OK")}, StartTimeUnixNano: startNs, TimeUnixNano: ns0,
				Value: &metricspb.NumberDataPoint_AsDouble{AsDouble: 2.5},
			}}}},
		}, {
			Name: "queue/len",
			Data: &metricspb.Metric_Gauge{Gauge: &metricspb.Gauge{DataPoints: []*metricspb.NumberDataPoint{{
				TimeUnixNano: ns0, Value: &metricspb.NumberDataPoint_AsInt{AsInt: 7},
			}}}},
		}, {
			Name: "temp",
			Data: &metricspb.Metric_Gauge{Gauge: &metricspb.Gauge{DataPoints: []*metricspb.NumberDataPoint{{
				TimeUnixNano: ns0, Value: &metricspb.NumberDataPoint_AsDouble{AsDouble: -1.25},
			}}}},
		}, {
			Name: "rpc/latency", Unit: "ms",
			Data: &metricspb.Metric_Histogram{Histogram: &metricspb.Histogram{AggregationTemporality: cum, DataPoints: []*metricspb.HistogramDataPoint{{
				Attributes: []*commonpb.KeyValue{method}, StartTimeUnixNano: startNs, TimeUnixNano: ns0,
				Count: 6, Sum: ptr(123.0), ExplicitBounds: []float64{10, 100}, BucketCounts: []uint64{1, 3, 2},
				Exemplars: []*metricspb.Exemplar{{
					TimeUnixNano: ns0, Value: &metricspb.Exemplar_AsDouble{AsDouble: 42},
					TraceId: tid[:], SpanId: sid[:], FilteredAttributes: []*commonpb.KeyValue{strKV("user", "u1")},
				}, {
					TimeUnixNano: ns0, Value: &metricspb.Exemplar_AsDouble{AsDouble: 250},
					FilteredAttributes: []*commonpb.KeyValue{strKV("span_id", "not-hex-at-all!!")},
				}},
			}}}},
		}}}},
	}}}
	if diff := cmp.Diff(want, got[0], protocmp.Transform()); diff != "" {
		t.Errorf("request mismatch (-want +got):\n%s", diff)
	}
	st := exp.Stats().Metrics
	if st.Unsupported != 2 || st.Enqueued != 5 || st.Sent != 5 || st.Dropped() != 0 {
		t.Errorf("stats = %+v, want 2 unsupported and 5 points sent", st)
	}
}

// An export larger than the queue budget is spread over requests that each
// fit it, so nothing is refused as oversize.
func TestLargeExportsFitTheBudget(t *testing.T) {
	t.Parallel()
	c := startCollector(t)
	exp := newExporter(t, c.addr, otlpexporter.WithQueueBudget(1000, 1<<20), otlpexporter.WithBlocking(0))
	ctx := testCtx(t)

	var metrics []*stats.Metric
	for m := range 5 {
		series := make([]*stats.TimeSeries, 600)
		for i := range series {
			series[i] = &stats.TimeSeries{
				LabelValues: []stats.LabelValue{{Value: string(rune('a'+m)) + string(rune(i)), Present: true}},
				StartTime:   t0, Points: []stats.Point{{Time: t0, Int64Value: int64(i)}},
			}
		}
		metrics = append(metrics, &stats.Metric{
			Descriptor: stats.Descriptor{Name: "m" + string(rune('a'+m)), Type: stats.TypeCumulativeInt64, LabelKeys: []stats.LabelKey{{Key: "k"}}},
			TimeSeries: series,
		})
	}
	if err := exp.ExportMetrics(ctx, metrics); err != nil {
		t.Fatal(err)
	}
	if err := exp.ExportSpans(ctx, makeSpans(2500, 0)); err != nil {
		t.Fatal(err)
	}
	if err := exp.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	st := exp.Stats()
	if st.Metrics.Sent != 3000 || st.Metrics.Dropped() != 0 {
		t.Errorf("metrics stats = %+v, want 3000 points sent", st.Metrics)
	}
	if st.Traces.Sent != 2500 || st.Traces.Dropped() != 0 || c.spanCount() != 2500 {
		t.Errorf("trace stats = %+v, want 2500 spans sent", st.Traces)
	}
	for i, r := range c.metricRequests() {
		n := 0
		for _, m := range r.ResourceMetrics[0].ScopeMetrics[0].Metrics {
			n += len(m.GetSum().DataPoints)
		}
		if n > 1000 {
			t.Errorf("metrics request %d holds %d points, over the budget of 1000", i, n)
		}
	}
	for i, r := range c.traceRequests() {
		if n := len(r.ResourceSpans[0].ScopeSpans[0].Spans); n > 1000 {
			t.Errorf("trace request %d holds %d spans, over the budget of 1000", i, n)
		}
	}
}

func TestMaxBatchSize(t *testing.T) {
	t.Parallel()
	c := startCollector(t)
	exp := newExporter(t, c.addr, otlpexporter.WithMaxBatchSize(30))
	ctx := testCtx(t)
	if err := exp.ExportSpans(ctx, makeSpans(100, 0)); err != nil {
		t.Fatal(err)
	}
	if err := exp.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	var sizes []int
	for _, r := range c.traceRequests() {
		sizes = append(sizes, len(r.ResourceSpans[0].ScopeSpans[0].Spans))
	}
	if len(sizes) != 4 || sizes[0] != 30 || sizes[3] != 10 {
		t.Errorf("request sizes %v, want 30, 30, 30, 10", sizes)
	}
	if _, err := otlpexporter.New(otlpexporter.WithMaxBatchSize(0)); err == nil {
		t.Error("New accepted a zero batch size")
	}
}

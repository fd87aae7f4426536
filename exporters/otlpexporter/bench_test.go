package otlpexporter_test

import (
	"context"
	"net"
	"strconv"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/mem"

	"github.com/gocensus/gocensus/exporters/otlpexporter"
	"github.com/gocensus/gocensus/sdk/resource"
	"github.com/gocensus/gocensus/sdk/stats"
	"github.com/gocensus/gocensus/sdk/trace"
)

// rpcSpan is a typical server span: four attributes, two message events.
func rpcSpan(i int, res *resource.Resource) *trace.SpanData {
	return &trace.SpanData{
		SpanContext:  trace.SpanContext{TraceID: tid, SpanID: trace.SpanID{byte(i >> 8), byte(i), 1}, TraceOptions: trace.FlagSampled},
		ParentSpanID: psid,
		Name:         "/helloworld.Greeter/SayHello",
		Kind:         trace.SpanKindServer,
		StartTime:    t0,
		EndTime:      t0.Add(1500000),
		Attributes: []trace.Attribute{
			trace.StringAttribute("rpc.system", "grpc"),
			trace.StringAttribute("rpc.service", "helloworld.Greeter"),
			trace.StringAttribute("rpc.method", "SayHello"),
			trace.Int64Attribute("rpc.grpc.status_code", 0),
		},
		MessageEvents: []trace.MessageEvent{
			{Time: t0, EventType: trace.MessageEventTypeRecv, MessageID: 1, UncompressedSize: 12},
			{Time: t0.Add(1400000), EventType: trace.MessageEventTypeSent, MessageID: 1, UncompressedSize: 18},
		},
		Resource: res,
	}
}

// BenchmarkConvertSpans measures turning a 512-span batch into an encoded
// OTLP request: conversion and protobuf marshalling, no network.
func BenchmarkConvertSpans(b *testing.B) {
	res := &resource.Resource{Labels: map[string]string{"service.name": "greeter"}}
	spans := make([]*trace.SpanData, 512)
	for i := range spans {
		spans[i] = rpcSpan(i, res)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if otlpexporter.EncodeSpansForBenchmark(spans) == 0 {
			b.Fatal("nothing encoded")
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(spans)), "ns/span")
}

// BenchmarkExportSpans measures ExportSpans into the queue, against a
// collector that accepts everything over loopback without decoding it.
func BenchmarkExportSpans(b *testing.B) {
	exp, err := otlpexporter.New(otlpexporter.WithEndpoint(startSinkCollector(b)), otlpexporter.WithInsecure(), otlpexporter.WithBlocking(0))
	if err != nil {
		b.Fatal(err)
	}
	res := &resource.Resource{Labels: map[string]string{"service.name": "greeter"}}
	spans := make([]*trace.SpanData, 512)
	for i := range spans {
		spans[i] = rpcSpan(i, res)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := exp.ExportSpans(ctx, spans); err != nil {
			b.Fatal(err)
		}
	}
	if err := exp.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(spans)), "ns/span")
	if err := exp.Shutdown(ctx); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkExportMetrics measures converting and encoding one reporting
// period: ten distribution views of a hundred series each.
func BenchmarkExportMetrics(b *testing.B) {
	exp, err := otlpexporter.New(otlpexporter.WithEndpoint(startSinkCollector(b)), otlpexporter.WithInsecure(), otlpexporter.WithBlocking(0))
	if err != nil {
		b.Fatal(err)
	}
	var metrics []*stats.Metric
	for m := range 10 {
		series := make([]*stats.TimeSeries, 100)
		for i := range series {
			series[i] = &stats.TimeSeries{
				LabelValues: []stats.LabelValue{{Value: "SayHello", Present: true}, {Value: strconv.Itoa(i), Present: true}},
				StartTime:   t0,
				Points: []stats.Point{{Time: t0, Distribution: &stats.DistributionValue{
					Count: 3, Sum: 30, BucketBounds: []float64{1, 10, 100},
					Buckets: []stats.Bucket{{Count: 1}, {Count: 1}, {Count: 1}, {}},
				}}},
			}
		}
		metrics = append(metrics, &stats.Metric{
			Descriptor: stats.Descriptor{Name: "m" + strconv.Itoa(m), Type: stats.TypeCumulativeDistribution, LabelKeys: []stats.LabelKey{{Key: "method"}, {Key: "peer"}}},
			TimeSeries: series,
		})
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := exp.ExportMetrics(ctx, metrics); err != nil {
			b.Fatal(err)
		}
	}
	if err := exp.Shutdown(ctx); err != nil {
		b.Fatal(err)
	}
}

// rawServerCodec hands handlers the request bytes undecoded.
type rawServerCodec struct{}

func (rawServerCodec) Marshal(v any) (mem.BufferSlice, error) {
	return mem.BufferSlice{mem.SliceBuffer(*(v.(*[]byte)))}, nil
}

func (rawServerCodec) Unmarshal(data mem.BufferSlice, v any) error {
	*(v.(*[]byte)) = data.Materialize()
	return nil
}

func (rawServerCodec) Name() string { return "proto" }

// startSinkCollector serves both Export methods without decoding the
// requests, so that benchmarks measure the exporter, not the receiver.
func startSinkCollector(b *testing.B) string {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := grpc.NewServer(grpc.ForceServerCodecV2(rawServerCodec{}))
	for _, svc := range []string{"opentelemetry.proto.collector.trace.v1.TraceService", "opentelemetry.proto.collector.metrics.v1.MetricsService"} {
		srv.RegisterService(&grpc.ServiceDesc{
			ServiceName: svc,
			HandlerType: (*any)(nil),
			Methods: []grpc.MethodDesc{{
				MethodName: "Export",
				Handler: func(_ any, _ context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
					var req []byte
					if err := dec(&req); err != nil {
						return nil, err
					}
					resp := []byte{}
					return &resp, nil
				},
			}},
		}, struct{}{})
	}
	go func() { _ = srv.Serve(lis) }()
	b.Cleanup(srv.Stop)
	return lis.Addr().String()
}

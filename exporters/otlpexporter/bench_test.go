package otlpexporter_test

import (
	"context"
	"testing"

	"github.com/gocensus/gocensus/exporters/otlpexporter"
	"github.com/gocensus/gocensus/sdk/resource"
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
// collector that accepts everything over loopback.
func BenchmarkExportSpans(b *testing.B) {
	c := startCollector(b)
	exp, err := otlpexporter.New(otlpexporter.WithEndpoint(c.addr), otlpexporter.WithInsecure(), otlpexporter.WithBlocking(0))
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

package agentexporter_test

import (
	"context"
	"testing"
	"time"

	"github.com/gocensus/gocensus/exporters/agentexporter"
	"github.com/gocensus/gocensus/sdk/trace"
)

// BenchmarkExportSpansLoopback measures ExportSpans for a batcher-sized
// batch of typical RPC spans with the streaming to a loopback receiver
// running concurrently in the same process (the receiver's decoding shows in
// the allocations).
func BenchmarkExportSpansLoopback(b *testing.B) {
	srv := startServer(b, "")
	defer srv.stop()
	e, err := agentexporter.New(agentexporter.WithAddress(srv.addr), agentexporter.WithInsecure(),
		agentexporter.WithLogger(nil), agentexporter.WithBlocking())
	if err != nil {
		b.Fatal(err)
	}
	spans := spanBatch(0, 512)
	for _, sd := range spans {
		sd.Attributes = append(sd.Attributes, trace.StringAttribute("rpc.service", "helloworld.Greeter"),
			trace.BoolAttribute("retry", false))
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := e.ExportSpans(ctx, spans); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N*len(spans))/b.Elapsed().Seconds(), "spans/s")
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := e.Shutdown(sctx); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkExportSpans measures what ExportSpans costs the batcher's
// goroutine for a batch of 512 typical RPC spans: conversion to the wire
// format, splitting and enqueueing (the agent is unreachable and the queue
// full, so each call also evicts the oldest batch).
func BenchmarkExportSpans(b *testing.B) {
	e, err := agentexporter.New(agentexporter.WithAddress("127.0.0.1:1"), agentexporter.WithInsecure(),
		agentexporter.WithLogger(nil))
	if err != nil {
		b.Fatal(err)
	}
	spans := spanBatch(0, 512)
	for _, sd := range spans {
		sd.Attributes = append(sd.Attributes, trace.StringAttribute("rpc.service", "helloworld.Greeter"),
			trace.BoolAttribute("retry", false))
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_ = e.ExportSpans(ctx, spans)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(spans)), "ns/span")
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_ = e.Shutdown(cctx)
}

// BenchmarkEncodeSpan is BenchmarkExportSpans for one span with every kind
// of detail (attributes of each type, annotation, message event, link,
// tracestate, status).
func BenchmarkEncodeSpan(b *testing.B) {
	e, err := agentexporter.New(agentexporter.WithAddress("127.0.0.1:1"), agentexporter.WithInsecure(),
		agentexporter.WithLogger(nil))
	if err != nil {
		b.Fatal(err)
	}
	sd := richSpan()
	sd.Resource = nil
	one := []*trace.SpanData{sd}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_ = e.ExportSpans(ctx, one)
	}
	b.StopTimer()
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_ = e.Shutdown(cctx)
}

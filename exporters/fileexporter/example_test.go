package fileexporter_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gocensus/gocensus/exporters/fileexporter"
	"github.com/gocensus/gocensus/sdk/trace"
)

func Example() {
	dir, err := os.MkdirTemp("", "spans")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "spans.jsonl")

	// Keep at most 10 MiB in spans.jsonl plus three rotated files.
	exp, err := fileexporter.New(path, fileexporter.WithMaxBytes(10<<20), fileexporter.WithMaxBackups(3))
	if err != nil {
		panic(err) // missing directory, unwritable path, bad option
	}

	start := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	traceID, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	spanID, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	span := &trace.SpanData{
		SpanContext: trace.SpanContext{TraceID: traceID, SpanID: spanID, TraceOptions: trace.FlagSampled},
		Name:        "nightly-report",
		Kind:        trace.SpanKindInternal,
		StartTime:   start,
		EndTime:     start.Add(90 * time.Second),
		Status:      trace.Status{Code: 4, Message: "report took too long"},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := exp.ExportSpans(ctx, []*trace.SpanData{span}); err != nil {
		fmt.Println("export:", err, exp.Stats().FailedSpans, "spans lost")
	}
	if err := exp.Shutdown(ctx); err != nil { // fsyncs the file
		panic(err)
	}

	b, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	fmt.Print(string(b))
	fmt.Printf("%+v\n", exp.Stats())
	// Output:
	// {"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7","name":"nightly-report","kind":"INTERNAL","start_time":"2026-05-01T12:00:00.000000000Z","end_time":"2026-05-01T12:01:30.000000000Z","duration_ns":90000000000,"sampled":true,"attributes":{},"status":{"code":4,"name":"DEADLINE_EXCEEDED","message":"report took too long"}}
	// {ExportedSpans:1 FailedSpans:0 WriteErrors:0 Rotations:0 RotationErrors:0}
}

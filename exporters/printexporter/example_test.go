package printexporter_test

import (
	"context"
	"time"

	"github.com/gocensus/gocensus/exporters/printexporter"
	"github.com/gocensus/gocensus/sdk/trace"
)

func Example() {
	exp := printexporter.New() // os.Stdout
	start := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	traceID, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	root, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	child, _ := trace.SpanIDFromHex("53995c3f42cd8ad8")
	spans := []*trace.SpanData{
		{
			SpanContext:  trace.SpanContext{TraceID: traceID, SpanID: child, TraceOptions: trace.FlagSampled},
			ParentSpanID: root,
			Name:         "db.query",
			Kind:         trace.SpanKindClient,
			StartTime:    start.Add(time.Millisecond),
			EndTime:      start.Add(4 * time.Millisecond),
			Attributes:   []trace.Attribute{trace.StringAttribute("db.system", "postgresql")},
		},
		{
			SpanContext: trace.SpanContext{TraceID: traceID, SpanID: root, TraceOptions: trace.FlagSampled},
			Name:        "GET /users",
			Kind:        trace.SpanKindServer,
			StartTime:   start,
			EndTime:     start.Add(5 * time.Millisecond),
		},
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := exp.ExportSpans(ctx, spans); err != nil {
		panic(err)
	}
	if err := exp.Shutdown(ctx); err != nil {
		panic(err)
	}
	// Output:
	// {"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"53995c3f42cd8ad8","parent_span_id":"00f067aa0ba902b7","name":"db.query","kind":"CLIENT","start_time":"2026-05-01T12:00:00.001000000Z","end_time":"2026-05-01T12:00:00.004000000Z","duration_ns":3000000,"sampled":true,"attributes":{"db.system":"postgresql"},"status":{"code":0,"name":"OK"}}
	// {"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7","name":"GET /users","kind":"SERVER","start_time":"2026-05-01T12:00:00.000000000Z","end_time":"2026-05-01T12:00:00.005000000Z","duration_ns":5000000,"sampled":true,"attributes":{},"status":{"code":0,"name":"OK"}}
}

package trace_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gocensus/gocensus/sdk/trace"
	"github.com/gocensus/gocensus/sdk/trace/tracetest"
)

func ExampleTracer_Start() {
	exp := tracetest.NewInMemoryExporter()
	tracer := trace.NewTracer(
		trace.WithSampler(trace.AlwaysSample()),
		trace.WithSyncer(exp),
	)
	defer tracer.Shutdown(context.Background())

	ctx, parent := tracer.Start(context.Background(), "handle-request", trace.WithSpanKind(trace.SpanKindServer))
	_, child := tracer.Start(ctx, "query-db", trace.WithAttributes(trace.StringAttribute("db.system", "postgresql")))
	child.End()
	parent.End()

	for _, s := range exp.GetSpans() {
		fmt.Printf("%s child of root: %v\n", s.Name, s.ParentSpanID == parent.SpanContext().SpanID)
	}
	// Output:
	// query-db child of root: true
	// handle-request child of root: false
}

func ExampleContextWithRemoteSpanContext() {
	rec := tracetest.NewSpanRecorder()
	tracer := trace.NewTracer(trace.WithSampler(trace.ParentBased(trace.NeverSample())), trace.WithSpanProcessor(rec))

	// What a server interceptor does with the caller's span context.
	tid, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	sid, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	incoming := trace.SpanContext{TraceID: tid, SpanID: sid, TraceOptions: trace.FlagSampled}
	ctx := trace.ContextWithRemoteSpanContext(context.Background(), incoming)

	_, span := tracer.Start(ctx, "Greeter.SayHello", trace.WithSpanKind(trace.SpanKindServer))
	span.End()

	d := rec.Ended()[0]
	fmt.Println(d.TraceID, d.ParentSpanID, d.HasRemoteParent, d.IsSampled())
	// Output: 4bf92f3577b34da6a3ce929d0e0e4736 00f067aa0ba902b7 true true
}

func ExampleProbabilitySampler() {
	s := trace.ProbabilitySampler(0.5)
	for _, hexID := range []string{
		"3fffffffffffffff0000000000000000", // high 8 bytes >> 1 is below 2^62
		"80000000000000000000000000000000", // it is not
	} {
		tid, _ := trace.TraceIDFromHex(hexID)
		fmt.Println(s.ShouldSample(trace.SamplingParameters{TraceID: tid}).Sample)
	}
	// Output:
	// true
	// false
}

func ExampleNewBatchSpanProcessor() {
	exp := tracetest.NewInMemoryExporter()
	bsp := trace.NewBatchSpanProcessor(exp,
		trace.WithMaxQueueSize(4096),
		trace.WithBatchTimeout(time.Second),
	)
	tracer := trace.NewTracer(trace.WithSampler(trace.AlwaysSample()), trace.WithSpanProcessor(bsp))

	for range 3 {
		_, s := tracer.Start(context.Background(), "work")
		s.End()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := tracer.Shutdown(ctx); err != nil {
		fmt.Println(err)
	}
	st := bsp.Stats()
	fmt.Printf("ended %d exported %d dropped %d\n", st.Ended, st.Exported, st.Dropped())
	// Output: ended 3 exported 3 dropped 0
}

func ExampleSpan_RecordError() {
	exp := tracetest.NewInMemoryExporter()
	tracer := trace.NewTracer(trace.WithSampler(trace.AlwaysSample()), trace.WithSyncer(exp))

	_, span := tracer.Start(context.Background(), "charge-card")
	span.RecordError(errors.New("card declined"))
	span.End()

	d := exp.GetSpans()[0]
	fmt.Println(d.Status.Code, d.Status.Message)
	fmt.Println(d.Annotations[0].Message, d.Annotations[0].Attributes[1].Value.AsString())
	// Output:
	// 2 card declined
	// exception card declined
}

func ExampleTracer_StartSpan() {
	exp := tracetest.NewInMemoryExporter()
	tracer := trace.NewTracer(trace.WithSampler(trace.AlwaysSample()), trace.WithSyncer(exp))

	stream := tracer.StartSpan(nil, "stream")
	for i := range int64(2) {
		msg := tracer.StartSpan(stream, "message")
		msg.AddMessageReceiveEvent(i+1, 128, 0)
		msg.End()
	}
	stream.End()
	fmt.Println(len(exp.GetSpans()), stream.SpanContext().IsSampled())
	// Output: 3 true
}

// request is an instrumentation's per-call state. Embedding a SpanNode makes
// it the context that carries the call's span, so starting the span costs
// no allocation beyond the state itself (and a sampled span's record).
type request struct {
	trace.SpanNode
	span *trace.Span
}

func ExampleTracer_StartIn() {
	exp := tracetest.NewInMemoryExporter()
	tracer := trace.NewTracer(trace.WithSampler(trace.AlwaysSample()), trace.WithSyncer(exp))

	r := new(request)
	r.span = tracer.StartIn(&r.SpanNode, context.Background(), "handle", trace.WithSpanKind(trace.SpanKindServer))
	// r is the context to hand on: spans started from it are children.
	_, child := tracer.Start(r, "query")
	child.End()
	r.span.End()

	spans := exp.GetSpans()
	fmt.Println(spans[0].Name, spans[0].ParentSpanID == r.span.SpanContext().SpanID)
	// Output: query true
}

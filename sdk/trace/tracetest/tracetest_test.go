package tracetest_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"go.uber.org/goleak"

	"github.com/gocensus/gocensus/sdk/trace"
	"github.com/gocensus/gocensus/sdk/trace/tracetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestInMemoryExporterCopies(t *testing.T) {
	t.Parallel()
	exp := tracetest.NewInMemoryExporter()
	in := &trace.SpanData{
		Name:          "x",
		Attributes:    []trace.Attribute{trace.StringAttribute("k", "v")},
		Annotations:   []trace.Annotation{{Message: "a", Attributes: []trace.Attribute{trace.BoolAttribute("b", true)}}},
		MessageEvents: []trace.MessageEvent{{MessageID: 1}},
		Links:         []trace.Link{{Attributes: []trace.Attribute{trace.Int64Attribute("i", 1)}}},
		StackTrace:    []uintptr{1, 2},
	}
	if err := exp.ExportSpans(context.Background(), []*trace.SpanData{in, nil}); err != nil {
		t.Fatal(err)
	}
	// Mutating the exporter's input must not reach what it stored.
	in.Name = "changed"
	in.Attributes[0] = trace.StringAttribute("k", "changed")
	in.Annotations[0].Attributes[0] = trace.BoolAttribute("b", false)
	in.Links[0].Attributes[0] = trace.Int64Attribute("i", 2)
	in.StackTrace[0] = 9
	got := exp.GetSpans()
	if len(got) != 1 {
		t.Fatalf("%d spans", len(got))
	}
	g := got[0]
	if g.Name != "x" || g.Attributes[0].Value.AsString() != "v" || !g.Annotations[0].Attributes[0].Value.AsBool() ||
		g.Links[0].Attributes[0].Value.AsInt64() != 1 || g.StackTrace[0] != 1 || g.MessageEvents[0].MessageID != 1 {
		t.Errorf("stored span changed with its input: %+v", g)
	}
	// Nor may mutating what GetSpans returned.
	g.Attributes[0] = trace.StringAttribute("k", "mutated")
	if exp.GetSpans()[0].Attributes[0].Value.AsString() != "v" {
		t.Error("GetSpans returned shared storage")
	}
	exp.Reset()
	if len(exp.GetSpans()) != 0 {
		t.Error("Reset kept spans")
	}
	if err := exp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := exp.ExportSpans(context.Background(), []*trace.SpanData{in}); !errors.Is(err, tracetest.ErrExporterShutdown) {
		t.Errorf("export after Shutdown = %v", err)
	}
	if tracetest.Clone(nil) != nil {
		t.Error("Clone(nil) != nil")
	}
}

func TestSpanRecorder(t *testing.T) {
	t.Parallel()
	rec := tracetest.NewSpanRecorder()
	tr := trace.NewTracer(trace.WithSampler(trace.AlwaysSample()), trace.WithSpanProcessor(rec))
	ctx, a := tr.Start(context.Background(), "a")
	_, b := tr.Start(ctx, "b")
	if n := len(rec.Started()); n != 2 || len(rec.Ended()) != 0 {
		t.Fatalf("started %d ended %d", n, len(rec.Ended()))
	}
	rec.Started()[1].SetAttributes(trace.StringAttribute("set", "by test"))
	b.End()
	a.End()
	ended := rec.Ended()
	if len(ended) != 2 || ended[0].Name != "b" || ended[0].Attributes[0].Key != "set" {
		t.Errorf("ended %+v", ended)
	}
	if rec.ForceFlush(context.Background()) != nil || rec.Shutdown(context.Background()) != nil {
		t.Error("recorder returned an error")
	}
	rec.Reset()
	if len(rec.Started())+len(rec.Ended()) != 0 {
		t.Error("Reset kept spans")
	}
}

func TestSequentialIDGenerator(t *testing.T) {
	t.Parallel()
	g := tracetest.NewSequentialIDGenerator()
	tid, sid := g.NewIDs()
	if tid.String() != "00000000000000000000000000000001" || sid.String() != "0000000000000001" {
		t.Errorf("first ids %v %v", tid, sid)
	}
	if s := g.NewSpanID(tid); s.String() != "0000000000000002" {
		t.Errorf("next span id %v", s)
	}
	if tid2, _ := g.NewIDs(); tid2.String() != "00000000000000000000000000000002" {
		t.Errorf("second trace id %v", tid2)
	}
}

func Example() {
	exp := tracetest.NewInMemoryExporter()
	tracer := trace.NewTracer(
		trace.WithSampler(trace.AlwaysSample()),
		trace.WithSyncer(exp),
		trace.WithIDGenerator(tracetest.NewSequentialIDGenerator()),
	)
	ctx, root := tracer.Start(context.Background(), "root")
	_, child := tracer.Start(ctx, "child")
	child.End()
	root.End()
	for _, s := range exp.GetSpans() {
		fmt.Println(s.Name, s.TraceID, s.SpanID, s.ParentSpanID)
	}
	// Output:
	// child 00000000000000000000000000000001 0000000000000002 0000000000000001
	// root 00000000000000000000000000000001 0000000000000001 0000000000000000
}

// TestWaitForSpans waits for spans ended on other goroutines, and gives up
// with the spans so far when its context ends first.
func TestWaitForSpans(t *testing.T) {
	t.Parallel()
	mem := tracetest.NewInMemoryExporter()
	tr := trace.NewTracer(trace.WithSampler(trace.AlwaysSample()), trace.WithSyncer(mem))
	start := make(chan struct{})
	for i := range 3 {
		go func() {
			<-start
			_, s := tr.Start(context.Background(), fmt.Sprint("span", i))
			s.End()
		}()
	}
	close(start)
	spans, err := mem.WaitForSpans(context.Background(), 3)
	if err != nil || len(spans) != 3 {
		t.Fatalf("WaitForSpans(3) = %d spans, %v", len(spans), err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	spans, err = mem.WaitForSpans(ctx, 4)
	if !errors.Is(err, context.Canceled) || len(spans) != 3 {
		t.Errorf("WaitForSpans(4) with a cancelled context = %d spans, %v; want 3, context.Canceled", len(spans), err)
	}
	if spans, err := new(tracetest.InMemoryExporter).WaitForSpans(context.Background(), 0); err != nil || len(spans) != 0 {
		t.Errorf("zero exporter, WaitForSpans(0) = %d spans, %v", len(spans), err)
	}
}

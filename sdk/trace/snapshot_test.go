package trace_test

import (
	"context"
	"testing"

	"github.com/gocensus/gocensus/sdk/trace"
)

func TestSnapshotOfRunningSpan(t *testing.T) {
	t.Parallel()
	tr, _ := newTestTracer(t, trace.WithSpanLimits(trace.SpanLimits{MaxAnnotations: 2}))
	ctx, s := tr.Start(context.Background(), "first", trace.WithAttributes(trace.StringAttribute("k", "v")))
	if got := s.Name(); got != "first" {
		t.Errorf("Name() = %q, want first", got)
	}
	s.SetName("renamed")
	for _, msg := range []string{"a", "b", "c"} { // "a" is evicted
		s.Annotate(msg)
	}
	s.AddMessageSendEvent(1, 10, 0)
	_, child := tr.Start(ctx, "child")
	child.End()

	d, ok := s.Snapshot()
	if !ok {
		t.Fatal("Snapshot of a running span reported false")
	}
	if d.Name != "renamed" || s.Name() != "renamed" {
		t.Errorf("name = %q / %q, want renamed", d.Name, s.Name())
	}
	if d.SpanContext != s.SpanContext() || d.StartTime.IsZero() || !d.EndTime.IsZero() {
		t.Errorf("snapshot identity or times wrong: %+v", d)
	}
	if len(d.Annotations) != 2 || d.Annotations[0].Message != "b" || d.Annotations[1].Message != "c" || d.DroppedAnnotationCount != 1 {
		t.Errorf("annotations = %+v dropped %d, want [b c] dropped 1", d.Annotations, d.DroppedAnnotationCount)
	}
	if len(d.MessageEvents) != 1 || d.ChildSpanCount != 1 {
		t.Errorf("message events %d, children %d; want 1 and 1", len(d.MessageEvents), d.ChildSpanCount)
	}
	// The copy is independent of the live span.
	d.Attributes[0].Key = "changed"
	s.SetAttributes(trace.StringAttribute("k2", "v2"))
	s.Annotate("d")
	again, _ := s.Snapshot()
	if again.Attributes[0].Key != "k" || len(again.Attributes) != 2 || again.Annotations[1].Message != "d" {
		t.Errorf("second snapshot = %+v", again)
	}
	if len(d.Attributes) != 1 || d.Annotations[1].Message != "c" {
		t.Errorf("first snapshot changed after the span did: %+v", d)
	}

	s.End()
	if _, ok := s.Snapshot(); ok {
		t.Error("Snapshot of an ended span reported true")
	}
}

func TestSnapshotOfSpansThatDoNotRecord(t *testing.T) {
	t.Parallel()
	var nilSpan *trace.Span
	_, unsampled := trace.NewTracer(trace.WithSampler(trace.NeverSample())).Start(context.Background(), "x")
	for name, s := range map[string]*trace.Span{"nil": nilSpan, "unsampled": unsampled} {
		if _, ok := s.Snapshot(); ok {
			t.Errorf("%s: Snapshot reported true", name)
		}
		if got := s.Name(); got != "" {
			t.Errorf("%s: Name() = %q, want empty", name, got)
		}
	}
}

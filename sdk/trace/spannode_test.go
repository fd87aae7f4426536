package trace_test

import (
	"context"
	"testing"
	"time"

	"github.com/gocensus/gocensus/sdk/trace"
)

// rpcState is what an instrumentation keeps per operation, with the span
// node embedded.
type rpcState struct {
	trace.SpanNode
	method string
}

type methodKey struct{}

func (s *rpcState) Value(key any) any {
	if _, ok := key.(methodKey); ok {
		return s.method
	}
	return s.SpanNode.Value(key)
}

func TestStartIn(t *testing.T) {
	t.Parallel()
	tr, exp := newTestTracer(t)
	ctx, root := tr.Start(context.Background(), "root")
	st := &rpcState{method: "m"}
	if st.Span() != nil {
		t.Fatal("Span before StartIn is not nil")
	}
	span := tr.StartIn(&st.SpanNode, ctx, "call", trace.WithSpanKind(trace.SpanKindClient))
	if st.Span() != span || trace.FromContext(st) != span {
		t.Fatal("the node does not carry the span it started")
	}
	if st.Value(methodKey{}) != "m" {
		t.Error("the embedding type's own key is lost")
	}
	// Children of the node's span, and the parent context's values.
	_, child := tr.Start(st, "child")
	child.End()
	span.End()
	root.End()
	spans := exp.GetSpans()
	if len(spans) != 3 {
		t.Fatalf("%d spans, want 3", len(spans))
	}
	byName := map[string]*trace.SpanData{}
	for _, d := range spans {
		byName[d.Name] = d
	}
	call, kid := byName["call"], byName["child"]
	if call.ParentSpanID != root.SpanContext().SpanID || call.TraceID != root.SpanContext().TraceID ||
		call.Kind != trace.SpanKindClient {
		t.Errorf("call span %+v is not a client child of root", call)
	}
	if kid.ParentSpanID != call.SpanID {
		t.Errorf("child's parent %v, want %v", kid.ParentSpanID, call.SpanID)
	}
	if st.Deadline(); st.Err() != nil || st.Done() != ctx.Done() {
		t.Error("the node does not defer to its parent context")
	}
}

func TestStartInRemoteParentUnsampled(t *testing.T) {
	t.Parallel()
	tr := trace.NewTracer(trace.WithSampler(trace.ParentBased(trace.AlwaysSample())))
	remote := trace.SpanContext{TraceID: trace.TraceID{7, 15: 1}, SpanID: trace.SpanID{8, 7: 1}, Remote: true}
	var n trace.SpanNode
	s := tr.StartIn(&n, nil, "server", trace.WithRemoteParent(remote))
	got := s.SpanContext()
	if s.IsRecordingEvents() || got.IsSampled() || got.TraceID != remote.TraceID || got.SpanID == remote.SpanID ||
		!got.SpanID.IsValid() || got.Remote {
		t.Errorf("span %+v under unsampled remote parent %+v", got, remote)
	}
	if trace.SpanContextFromContext(&n) != got {
		t.Error("node's context does not carry the span")
	}
}

func TestStartInTwicePanics(t *testing.T) {
	t.Parallel()
	tr := trace.NewTracer()
	var n trace.SpanNode
	tr.StartIn(&n, context.Background(), "once").End()
	defer func() {
		if recover() == nil {
			t.Error("second StartIn on one node did not panic")
		}
	}()
	tr.StartIn(&n, context.Background(), "twice")
}

func TestStartInAllocations(t *testing.T) {
	// Not parallel: AllocsPerRun counts every goroutine's allocations.
	sampled := trace.NewTracer(trace.WithSampler(trace.AlwaysSample()), trace.WithSpanProcessor(&countingProcessor{}))
	unsampled := trace.NewTracer(trace.WithSampler(trace.NeverSample()))
	for _, tt := range []struct {
		name string
		tr   *trace.Tracer
		max  float64
	}{
		{"unsampled", unsampled, 0},
		{"sampled", sampled, 1},
	} {
		nodes := make([]trace.SpanNode, 202)
		i := 0
		got := testing.AllocsPerRun(200, func() {
			tt.tr.StartIn(&nodes[i], context.Background(), "op").End()
			i++
		})
		if got > tt.max {
			t.Errorf("%s: %v allocations, want <= %v", tt.name, got, tt.max)
		}
	}
}

func BenchmarkStartInUnsampled(b *testing.B) {
	tr := trace.NewTracer(trace.WithSampler(trace.NeverSample()))
	ctx, root := tr.Start(context.Background(), "root")
	defer root.End()
	b.ReportAllocs()
	for b.Loop() {
		st := new(rpcState)
		tr.StartIn(&st.SpanNode, ctx, "call").End()
	}
}

func TestAddMessageEventAndStartTime(t *testing.T) {
	t.Parallel()
	tr, exp := newTestTracer(t)
	at := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	_, s := tr.Start(context.Background(), "op", trace.WithStartTime(at))
	if got := s.StartTime(); !got.Equal(at) {
		t.Errorf("StartTime = %v, want %v", got, at)
	}
	before := time.Now()
	s.AddMessageEvent(trace.MessageEvent{Time: at.Add(time.Second), EventType: trace.MessageEventTypeSent, MessageID: 1, UncompressedSize: 10})
	s.AddMessageEvent(trace.MessageEvent{EventType: trace.MessageEventTypeRecv, MessageID: 1, UncompressedSize: 20, CompressedSize: 5})
	after := time.Now()
	s.End()
	d := onlySpan(t, exp)
	if len(d.MessageEvents) != 2 {
		t.Fatalf("%d message events, want 2", len(d.MessageEvents))
	}
	sent, recv := d.MessageEvents[0], d.MessageEvents[1]
	if !sent.Time.Equal(at.Add(time.Second)) || sent.EventType != trace.MessageEventTypeSent || sent.UncompressedSize != 10 {
		t.Errorf("explicit event %+v", sent)
	}
	if recv.Time.Before(before) || recv.Time.After(after) || recv.EventType != trace.MessageEventTypeRecv || recv.CompressedSize != 5 {
		t.Errorf("event without a time got %v, want between %v and %v (%+v)", recv.Time, before, after, recv)
	}
	var nilSpan *trace.Span
	_, unsampled := trace.NewTracer(trace.WithSampler(trace.NeverSample())).Start(context.Background(), "x")
	if !nilSpan.StartTime().IsZero() || !unsampled.StartTime().IsZero() {
		t.Error("StartTime of a span that is not sampled is not zero")
	}
	unsampled.AddMessageEvent(trace.MessageEvent{MessageID: 1}) // ignored, no panic
	nilSpan.AddMessageEvent(trace.MessageEvent{MessageID: 1})
}

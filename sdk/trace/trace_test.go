package trace_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gocensus/gocensus/sdk/resource"
	"github.com/gocensus/gocensus/sdk/trace"
	"github.com/gocensus/gocensus/sdk/trace/tracetest"
)

// newTestTracer returns a tracer sampling everything into an in-memory
// exporter, synchronously.
func newTestTracer(t *testing.T, opts ...trace.TracerOption) (*trace.Tracer, *tracetest.InMemoryExporter) {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	opts = append([]trace.TracerOption{trace.WithSampler(trace.AlwaysSample()), trace.WithSyncer(exp)}, opts...)
	tr := trace.NewTracer(opts...)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := tr.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return tr, exp
}

func onlySpan(t *testing.T, exp *tracetest.InMemoryExporter) *trace.SpanData {
	t.Helper()
	spans := exp.GetSpans()
	if len(spans) != 1 {
		t.Fatalf("got %d spans, want 1", len(spans))
	}
	return spans[0]
}

func TestStartNesting(t *testing.T) {
	t.Parallel()
	res := &resource.Resource{Type: "host", Labels: map[string]string{"service.name": "svc"}}
	tr, exp := newTestTracer(t, trace.WithResource(res))
	ctx, root := tr.Start(context.Background(), "root", trace.WithSpanKind(trace.SpanKindServer))
	ctx2, child := tr.Start(ctx, "child")
	_, grandchild := tr.Start(ctx2, "grandchild")
	_, sibling := tr.Start(ctx, "sibling")
	if trace.FromContext(ctx) != root || trace.FromContext(ctx2) != child {
		t.Fatal("FromContext does not return the span started with the context")
	}
	for _, s := range []*trace.Span{grandchild, sibling, child, root} {
		s.End()
	}
	got := map[string]*trace.SpanData{}
	for _, s := range exp.GetSpans() {
		got[s.Name] = s
	}
	rs := got["root"]
	if rs.ParentSpanID.IsValid() || rs.HasRemoteParent {
		t.Errorf("root has parent %v (remote %v)", rs.ParentSpanID, rs.HasRemoteParent)
	}
	if rs.Kind != trace.SpanKindServer || rs.Resource != res {
		t.Errorf("root kind %v resource %v", rs.Kind, rs.Resource)
	}
	for name, parent := range map[string]string{"child": "root", "grandchild": "child", "sibling": "root"} {
		s := got[name]
		if s.TraceID != rs.TraceID {
			t.Errorf("%s trace id %v, want %v", name, s.TraceID, rs.TraceID)
		}
		if s.ParentSpanID != got[parent].SpanID {
			t.Errorf("%s parent %v, want %s's %v", name, s.ParentSpanID, parent, got[parent].SpanID)
		}
		if !s.IsSampled() || !s.SpanID.IsValid() {
			t.Errorf("%s: sampled %v span id %v", name, s.IsSampled(), s.SpanID)
		}
	}
	if rs.ChildSpanCount != 2 || got["child"].ChildSpanCount != 1 {
		t.Errorf("child counts root %d child %d, want 2 and 1", rs.ChildSpanCount, got["child"].ChildSpanCount)
	}
	if !rs.EndTime.After(rs.StartTime) && !rs.EndTime.Equal(rs.StartTime) {
		t.Errorf("end %v before start %v", rs.EndTime, rs.StartTime)
	}
}

func TestRemoteParent(t *testing.T) {
	t.Parallel()
	remote := trace.SpanContext{
		TraceID:      trace.TraceID{1, 2, 3},
		SpanID:       trace.SpanID{4, 5, 6},
		TraceOptions: trace.FlagSampled,
	}
	tests := []struct {
		name      string
		start     func(tr *trace.Tracer) *trace.Span
		wantTrace trace.TraceID
		wantPar   trace.SpanID
		remote    bool
	}{
		{
			name: "context",
			start: func(tr *trace.Tracer) *trace.Span {
				ctx := trace.ContextWithRemoteSpanContext(context.Background(), remote)
				if trace.FromContext(ctx) != nil {
					t.Error("FromContext returned a span for a remote span context")
				}
				if got := trace.SpanContextFromContext(ctx); got.SpanID != remote.SpanID || !got.Remote {
					t.Errorf("SpanContextFromContext = %+v", got)
				}
				_, s := tr.Start(ctx, "server")
				return s
			},
			wantTrace: remote.TraceID, wantPar: remote.SpanID, remote: true,
		},
		{
			name: "option overrides local parent",
			start: func(tr *trace.Tracer) *trace.Span {
				ctx, local := tr.Start(context.Background(), "local")
				defer local.End()
				_, s := tr.Start(ctx, "server", trace.WithRemoteParent(remote))
				return s
			},
			wantTrace: remote.TraceID, wantPar: remote.SpanID, remote: true,
		},
		{
			name: "StartSpan with option",
			start: func(tr *trace.Tracer) *trace.Span {
				return tr.StartSpan(nil, "server", trace.WithRemoteParent(remote))
			},
			wantTrace: remote.TraceID, wantPar: remote.SpanID, remote: true,
		},
		{
			name: "local span set after remote context wins",
			start: func(tr *trace.Tracer) *trace.Span {
				ctx := trace.ContextWithRemoteSpanContext(context.Background(), remote)
				ctx, local := tr.Start(ctx, "local")
				defer local.End()
				_, s := tr.Start(ctx, "server")
				return s
			},
			wantTrace: remote.TraceID, remote: false,
		},
		{
			name: "invalid remote parent makes a root",
			start: func(tr *trace.Tracer) *trace.Span {
				ctx := trace.ContextWithRemoteSpanContext(context.Background(), trace.SpanContext{})
				_, s := tr.Start(ctx, "server")
				return s
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tr, exp := newTestTracer(t)
			s := tt.start(tr)
			s.End()
			var d *trace.SpanData
			for _, sd := range exp.GetSpans() {
				if sd.Name == "server" {
					d = sd
				}
			}
			if d == nil {
				t.Fatal("server span not exported")
			}
			if tt.wantTrace.IsValid() && d.TraceID != tt.wantTrace {
				t.Errorf("trace id %v, want %v", d.TraceID, tt.wantTrace)
			}
			if tt.wantPar.IsValid() && d.ParentSpanID != tt.wantPar {
				t.Errorf("parent %v, want %v", d.ParentSpanID, tt.wantPar)
			}
			if !tt.wantTrace.IsValid() && d.ParentSpanID.IsValid() {
				t.Errorf("root has parent %v", d.ParentSpanID)
			}
			if d.HasRemoteParent != tt.remote {
				t.Errorf("HasRemoteParent %v, want %v", d.HasRemoteParent, tt.remote)
			}
			if d.Remote {
				t.Error("a local span's SpanContext is marked remote")
			}
		})
	}
}

func TestWithNewRootLinksIgnoredParent(t *testing.T) {
	t.Parallel()
	tr, exp := newTestTracer(t)
	ctx, parent := tr.Start(context.Background(), "parent")
	psc := parent.SpanContext()
	_, s := tr.Start(ctx, "root", trace.WithNewRoot(),
		trace.WithLinks(trace.Link{TraceID: psc.TraceID, SpanID: psc.SpanID, Type: trace.LinkTypeParent}))
	s.End()
	parent.End()
	d := exp.GetSpans()[0]
	if d.TraceID == psc.TraceID || d.ParentSpanID.IsValid() {
		t.Errorf("WithNewRoot span joined the parent's trace: %v parent %v", d.TraceID, d.ParentSpanID)
	}
	if len(d.Links) != 1 || d.Links[0].SpanID != psc.SpanID {
		t.Errorf("links %+v", d.Links)
	}
}

func TestStartSpanWithoutContext(t *testing.T) {
	t.Parallel()
	tr, exp := newTestTracer(t)
	root := tr.StartSpan(nil, "root")
	child := tr.StartSpan(root, "child", trace.WithStartTime(time.Unix(100, 0)))
	child.End(trace.WithEndTime(time.Unix(101, 0)))
	root.End()
	spans := exp.GetSpans()
	if spans[0].Name != "child" || spans[0].ParentSpanID != root.SpanContext().SpanID {
		t.Fatalf("child %q parent %v, want parent %v", spans[0].Name, spans[0].ParentSpanID, root.SpanContext().SpanID)
	}
	if !spans[0].StartTime.Equal(time.Unix(100, 0)) || !spans[0].EndTime.Equal(time.Unix(101, 0)) {
		t.Errorf("times %v..%v", spans[0].StartTime, spans[0].EndTime)
	}
	ctx := trace.NewContext(context.Background(), root)
	if trace.FromContext(ctx) != root {
		t.Error("NewContext/FromContext round trip failed")
	}
	if trace.FromContext(trace.NewContext(ctx, nil)) != nil {
		t.Error("NewContext(ctx, nil) does not hide the span")
	}
}

func TestSamplingInheritance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		tracer      trace.Sampler
		root        []trace.StartOption
		child       []trace.StartOption
		wantRoot    bool
		wantChild   bool
		wantRecords int
	}{
		{"sampled root, child inherits despite NeverSample tracer", trace.NeverSample(),
			[]trace.StartOption{trace.WithSpanSampler(trace.AlwaysSample())}, nil, true, true, 2},
		{"unsampled root, child inherits despite AlwaysSample tracer", trace.AlwaysSample(),
			[]trace.StartOption{trace.WithSpanSampler(trace.NeverSample())}, nil, false, false, 0},
		{"child sampler overrides inheritance", trace.AlwaysSample(),
			nil, []trace.StartOption{trace.WithSpanSampler(trace.NeverSample())}, true, false, 1},
		{"ParentBased local slot via span sampler", trace.AlwaysSample(),
			nil, []trace.StartOption{trace.WithSpanSampler(trace.ParentBased(trace.AlwaysSample(),
				trace.WithLocalParentSampled(trace.NeverSample())))}, true, false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := tracetest.NewSpanRecorder()
			tr := trace.NewTracer(trace.WithSampler(tt.tracer), trace.WithSpanProcessor(rec))
			ctx, root := tr.Start(context.Background(), "root", tt.root...)
			_, child := tr.Start(ctx, "child", tt.child...)
			child.End()
			root.End()
			if got := root.SpanContext().IsSampled(); got != tt.wantRoot {
				t.Errorf("root sampled %v, want %v", got, tt.wantRoot)
			}
			if got := child.SpanContext().IsSampled(); got != tt.wantChild {
				t.Errorf("child sampled %v, want %v", got, tt.wantChild)
			}
			if got := root.IsRecordingEvents() || child.IsRecordingEvents(); got {
				t.Error("ended span still recording")
			}
			if got := len(rec.Ended()); got != tt.wantRecords {
				t.Errorf("%d spans reached the processor, want %d", got, tt.wantRecords)
			}
		})
	}
}

// TestUnsampledChildContext checks what an unsampled child of a local
// unsampled span carries, with and without start options (which take
// different paths): the parent's trace id, options and tracestate, a new
// non-zero span id, and no remote mark.
func TestUnsampledChildContext(t *testing.T) {
	t.Parallel()
	ts, err := trace.ParseTracestate("vendor=abc,other=1")
	if err != nil {
		t.Fatal(err)
	}
	remote := trace.SpanContext{
		TraceID: trace.TraceID{0xaa, 15: 1}, SpanID: trace.SpanID{0xbb, 7: 1},
		TraceOptions: 0x02, // not sampled, random flag kept
		Tracestate:   ts, Remote: true,
	}
	tr := trace.NewTracer(trace.WithSampler(trace.AlwaysSample()))
	ctx, parent := tr.Start(context.Background(), "parent",
		trace.WithRemoteParent(remote), trace.WithSpanSampler(trace.NeverSample()))
	defer parent.End()
	psc := parent.SpanContext()
	for name, opts := range map[string][]trace.StartOption{
		"no options":   nil,
		"with options": {trace.WithSpanKind(trace.SpanKindClient)},
	} {
		_, child := tr.Start(ctx, "child", opts...)
		child.End()
		got := child.SpanContext()
		if got.TraceID != psc.TraceID || got.TraceOptions != 0x02 || got.Tracestate != ts || got.Remote ||
			!got.SpanID.IsValid() || got.SpanID == psc.SpanID || child.IsRecordingEvents() {
			t.Errorf("%s: child %+v of parent %+v", name, got, psc)
		}
	}
}

// TestZeroSpanAsParent puts a zero Span in a context: starting from it
// gives a new root, with or without options, and no panic.
func TestZeroSpanAsParent(t *testing.T) {
	t.Parallel()
	for _, s := range []trace.Sampler{trace.NeverSample(), trace.AlwaysSample()} {
		tr := trace.NewTracer(trace.WithSampler(s))
		ctx := trace.NewContext(context.Background(), &trace.Span{})
		for _, opts := range [][]trace.StartOption{nil, {trace.WithSpanKind(trace.SpanKindClient)}} {
			_, span := tr.Start(ctx, "child", opts...)
			if sc := span.SpanContext(); !sc.IsValid() {
				t.Errorf("child of a zero span has context %+v", sc)
			}
			span.End()
		}
	}
}

func TestEndIdempotentAndLaterCallsIgnored(t *testing.T) {
	t.Parallel()
	tr, exp := newTestTracer(t)
	_, s := tr.Start(context.Background(), "op")
	s.SetAttributes(trace.StringAttribute("k", "v"))
	if !s.IsRecordingEvents() {
		t.Fatal("sampled span not recording")
	}
	s.End()
	s.End()
	s.SetAttributes(trace.StringAttribute("late", "v"))
	s.Annotate("late")
	s.Annotatef("late %d", 1)
	s.AddMessageSendEvent(1, 2, 3)
	s.AddMessageReceiveEvent(1, 2, 3)
	s.AddLink(trace.Link{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{1}})
	s.SetStatus(trace.Status{Code: 5})
	s.SetName("renamed")
	s.RecordError(errors.New("late"))
	s.End()
	d := onlySpan(t, exp)
	if d.Name != "op" || len(d.Attributes) != 1 || d.Annotations != nil || d.MessageEvents != nil ||
		d.Links != nil || d.Status.Code != 0 {
		t.Errorf("span changed after End: %+v", d)
	}
}

func TestNilAndNonRecordingSpansAreSafe(t *testing.T) {
	t.Parallel()
	var nilTracer *trace.Tracer
	ctx, unsampled := trace.NewTracer(trace.WithSampler(trace.NeverSample())).Start(context.Background(), "x")
	_, fromNil := nilTracer.Start(ctx, "y")
	for name, s := range map[string]*trace.Span{"nil": nil, "unsampled": unsampled, "nil tracer": fromNil, "zero": {}} {
		s.SetAttributes(trace.BoolAttribute("b", true))
		s.Annotate("a")
		s.Annotatef("%d", 1)
		s.AddMessageSendEvent(1, 1, 1)
		s.AddMessageReceiveEvent(1, 1, 1)
		s.AddLink(trace.Link{})
		s.SetStatus(trace.Status{Code: 1})
		s.SetName("n")
		s.RecordError(errors.New("e"))
		s.End()
		if s.IsRecordingEvents() {
			t.Errorf("%s span is recording", name)
		}
	}
	if got := fromNil.SpanContext(); got.TraceID != unsampled.SpanContext().TraceID || !got.SpanID.IsValid() {
		t.Errorf("nil tracer's span does not continue the trace: %+v", got)
	}
	if (*trace.Span)(nil).SpanContext().IsValid() {
		t.Error("nil span has a valid SpanContext")
	}
	if nilTracer.Shutdown(context.Background()) != nil || nilTracer.ForceFlush(context.Background()) != nil {
		t.Error("nil tracer Shutdown/ForceFlush returned an error")
	}
}

func TestNilContext(t *testing.T) {
	t.Parallel()
	tr, exp := newTestTracer(t)
	//lint:ignore SA1012 a nil context is tested on purpose
	ctx, s := tr.Start(nil, "nil ctx")
	if ctx == nil || trace.FromContext(ctx) != s {
		t.Fatal("Start(nil) did not return a usable context")
	}
	s.End()
	//lint:ignore SA1012 a nil context is tested on purpose
	if trace.FromContext(nil) != nil || trace.SpanContextFromContext(nil).IsValid() {
		t.Error("nil context has a span")
	}
	//lint:ignore SA1012 a nil context is tested on purpose
	if trace.NewContext(nil, s) == nil || trace.ContextWithRemoteSpanContext(nil, s.SpanContext()) == nil {
		t.Error("nil context helpers returned nil")
	}
	if len(exp.GetSpans()) != 1 {
		t.Error("span not exported")
	}
}

func TestBadInputIsKeptAsDocumented(t *testing.T) {
	t.Parallel()
	tr, exp := newTestTracer(t)
	_, s := tr.Start(context.Background(), "")
	s.SetAttributes(
		trace.StringAttribute("", "empty key"),
		trace.StringAttribute("utf8", "\xff\xfe"),
		trace.Float64Attribute("nan", math.NaN()),
	)
	s.End()
	d := onlySpan(t, exp)
	if d.Name != "" {
		t.Errorf("name %q, want empty", d.Name)
	}
	if d.DroppedAttributeCount != 1 || len(d.Attributes) != 2 {
		t.Fatalf("attributes %+v dropped %d, want 2 kept and the empty key dropped", d.Attributes, d.DroppedAttributeCount)
	}
	if d.Attributes[0].Value.AsString() != "\xff\xfe" || !math.IsNaN(d.Attributes[1].Value.AsFloat64()) {
		t.Errorf("values changed: %+v", d.Attributes)
	}
}

func TestLimits(t *testing.T) {
	t.Parallel()
	attrs := func(n int) []trace.Attribute {
		var a []trace.Attribute
		for i := range n {
			a = append(a, trace.Int64Attribute(string(rune('a'+i)), int64(i)))
		}
		return a
	}
	tests := []struct {
		name   string
		limits trace.SpanLimits
		do     func(s *trace.Span)
		check  func(t *testing.T, d *trace.SpanData)
	}{
		{"attributes drop newest, updates still apply", trace.SpanLimits{MaxAttributes: 3},
			func(s *trace.Span) {
				s.SetAttributes(attrs(5)...)
				s.SetAttributes(trace.Int64Attribute("a", 100))
			},
			func(t *testing.T, d *trace.SpanData) {
				if len(d.Attributes) != 3 || d.DroppedAttributeCount != 2 {
					t.Fatalf("%d attributes, %d dropped", len(d.Attributes), d.DroppedAttributeCount)
				}
				if d.Attributes[0].Key != "a" || d.Attributes[0].Value.AsInt64() != 100 || d.Attributes[2].Key != "c" {
					t.Errorf("attributes %+v", d.Attributes)
				}
			}},
		{"default attribute limit is 32", trace.SpanLimits{},
			func(s *trace.Span) {
				for i := range 40 {
					s.SetAttributes(trace.Int64Attribute(string(rune(0x100+i)), 1))
				}
			},
			func(t *testing.T, d *trace.SpanData) {
				if len(d.Attributes) != 32 || d.DroppedAttributeCount != 8 {
					t.Errorf("%d attributes, %d dropped", len(d.Attributes), d.DroppedAttributeCount)
				}
			}},
		{"annotations evict oldest", trace.SpanLimits{MaxAnnotations: 2, MaxAttributesPerAnnotation: 1},
			func(s *trace.Span) {
				s.Annotate("1")
				s.Annotate("2", attrs(3)...)
				s.Annotate("3")
				s.Annotatef("%d", 4)
			},
			func(t *testing.T, d *trace.SpanData) {
				if d.DroppedAnnotationCount != 2 || len(d.Annotations) != 2 ||
					d.Annotations[0].Message != "3" || d.Annotations[1].Message != "4" {
					t.Errorf("annotations %+v dropped %d", d.Annotations, d.DroppedAnnotationCount)
				}
			}},
		{"annotation attributes capped", trace.SpanLimits{MaxAttributesPerAnnotation: 1},
			func(s *trace.Span) { s.Annotate("x", attrs(3)...) },
			func(t *testing.T, d *trace.SpanData) {
				if len(d.Annotations[0].Attributes) != 1 {
					t.Errorf("annotation attributes %+v", d.Annotations[0].Attributes)
				}
			}},
		{"message events evict oldest", trace.SpanLimits{MaxMessageEvents: 3},
			func(s *trace.Span) {
				for i := range int64(7) {
					s.AddMessageSendEvent(i, 10, 0)
				}
				s.AddMessageReceiveEvent(7, 20, 5)
			},
			func(t *testing.T, d *trace.SpanData) {
				var ids []int64
				for _, e := range d.MessageEvents {
					ids = append(ids, e.MessageID)
				}
				if !slices.Equal(ids, []int64{5, 6, 7}) || d.DroppedMessageEventCount != 5 {
					t.Errorf("ids %v dropped %d", ids, d.DroppedMessageEventCount)
				}
				last := d.MessageEvents[2]
				if last.EventType != trace.MessageEventTypeRecv || last.UncompressedSize != 20 || last.CompressedSize != 5 {
					t.Errorf("last event %+v", last)
				}
			}},
		{"links evict oldest, attributes capped", trace.SpanLimits{MaxLinks: 2, MaxAttributesPerLink: 2},
			func(s *trace.Span) {
				for i := range 3 {
					s.AddLink(trace.Link{TraceID: trace.TraceID{byte(i + 1)}, SpanID: trace.SpanID{1}, Attributes: attrs(4)})
				}
			},
			func(t *testing.T, d *trace.SpanData) {
				if len(d.Links) != 2 || d.DroppedLinkCount != 1 || d.Links[0].TraceID[0] != 2 || len(d.Links[1].Attributes) != 2 {
					t.Errorf("links %+v dropped %d", d.Links, d.DroppedLinkCount)
				}
			}},
		{"negative limit keeps none", trace.SpanLimits{MaxAnnotations: -1, MaxAttributes: -1},
			func(s *trace.Span) {
				s.Annotate("x")
				s.SetAttributes(attrs(2)...)
			},
			func(t *testing.T, d *trace.SpanData) {
				if len(d.Annotations) != 0 || d.DroppedAnnotationCount != 1 || len(d.Attributes) != 0 || d.DroppedAttributeCount != 2 {
					t.Errorf("annotations %+v (%d dropped) attributes %+v (%d dropped)", d.Annotations, d.DroppedAnnotationCount,
						d.Attributes, d.DroppedAttributeCount)
				}
			}},
		{"value length cut at UTF-8 boundary", trace.SpanLimits{MaxAttributeValueLength: 4},
			func(s *trace.Span) {
				s.SetAttributes(
					trace.StringAttribute("ascii", "abcdef"),
					trace.StringAttribute("euro", "ab€"), // € is 3 bytes: cut before it
					trace.StringAttribute("short", "é"),
					trace.StringAttribute("invalid", "abc\xff\xff"),
					trace.Int64Attribute("int", 123456),
				)
				s.Annotate("a", trace.StringAttribute("k", "123456"))
			},
			func(t *testing.T, d *trace.SpanData) {
				want := []string{"abcd", "ab", "é", "abc\xff", ""}
				for i, w := range want {
					if got := d.Attributes[i].Value.AsString(); got != w {
						t.Errorf("%s = %q, want %q", d.Attributes[i].Key, got, w)
					}
				}
				if d.Attributes[4].Value.AsInt64() != 123456 {
					t.Error("int value changed")
				}
				if got := d.Annotations[0].Attributes[0].Value.AsString(); got != "1234" {
					t.Errorf("annotation value %q", got)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tr, exp := newTestTracer(t, trace.WithSpanLimits(tt.limits))
			_, s := tr.Start(context.Background(), "op")
			tt.do(s)
			s.End()
			tt.check(t, onlySpan(t, exp))
		})
	}
}

func TestRecordError(t *testing.T) {
	t.Parallel()
	errBoom := errors.New("boom")
	tests := []struct {
		name       string
		tracerOpts []trace.TracerOption
		before     *trace.Status
		opts       []trace.ErrorOption
		wantStatus trace.Status
		wantStack  bool
	}{
		{"sets status", nil, nil, nil, trace.Status{Code: 2, Message: "boom"}, false},
		{"keeps an earlier non-OK status", nil, &trace.Status{Code: 14, Message: "unavailable"}, nil,
			trace.Status{Code: 14, Message: "unavailable"}, false},
		{"without status", nil, nil, []trace.ErrorOption{trace.WithoutErrorStatus()}, trace.Status{}, false},
		{"stack by option", nil, nil, []trace.ErrorOption{trace.WithStackTrace(true)}, trace.Status{Code: 2, Message: "boom"}, true},
		{"stack by tracer", []trace.TracerOption{trace.WithErrorStackTraces(true)}, nil, nil,
			trace.Status{Code: 2, Message: "boom"}, true},
		{"option overrides tracer", []trace.TracerOption{trace.WithErrorStackTraces(true)}, nil,
			[]trace.ErrorOption{trace.WithStackTrace(false)}, trace.Status{Code: 2, Message: "boom"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tr, exp := newTestTracer(t, tt.tracerOpts...)
			_, s := tr.Start(context.Background(), "op")
			if tt.before != nil {
				s.SetStatus(*tt.before)
			}
			s.RecordError(nil)
			s.RecordError(errBoom, tt.opts...)
			s.End()
			d := onlySpan(t, exp)
			if d.Status != tt.wantStatus {
				t.Errorf("status %+v, want %+v", d.Status, tt.wantStatus)
			}
			if len(d.Annotations) != 1 || d.Annotations[0].Message != "exception" {
				t.Fatalf("annotations %+v", d.Annotations)
			}
			a := d.Annotations[0].Attributes
			if len(a) != 2 || a[0].Value.AsString() != "*errors.errorString" || a[1].Value.AsString() != "boom" {
				t.Errorf("annotation attributes %+v", a)
			}
			if got := len(d.StackTrace) > 0; got != tt.wantStack {
				t.Errorf("stack captured %v, want %v", got, tt.wantStack)
			}
		})
	}
}

func TestSetNameAndStatus(t *testing.T) {
	t.Parallel()
	tr, exp := newTestTracer(t)
	_, s := tr.Start(context.Background(), "before", trace.WithAttributes(trace.StringAttribute("a", "1")),
		trace.WithAttributes(trace.StringAttribute("b", "2")))
	s.SetName("after")
	s.SetStatus(trace.Status{Code: 3, Message: "bad"})
	s.SetStatus(trace.Status{Code: 5, Message: "missing"})
	s.End()
	d := onlySpan(t, exp)
	if d.Name != "after" || d.Status != (trace.Status{Code: 5, Message: "missing"}) || len(d.Attributes) != 2 {
		t.Errorf("got %q %+v %+v", d.Name, d.Status, d.Attributes)
	}
}

// countingProcessor counts calls; it allocates nothing.
type countingProcessor struct {
	mu            sync.Mutex
	starts, ends  int
	flushErr, err error
}

func (p *countingProcessor) OnStart(context.Context, *trace.Span) {
	p.mu.Lock()
	p.starts++
	p.mu.Unlock()
}

func (p *countingProcessor) OnEnd(*trace.SpanData) {
	p.mu.Lock()
	p.ends++
	p.mu.Unlock()
}

func (p *countingProcessor) ForceFlush(context.Context) error { return p.flushErr }
func (p *countingProcessor) Shutdown(context.Context) error   { return p.err }

func TestTracerFanOut(t *testing.T) {
	t.Parallel()
	errA, errB := errors.New("a"), errors.New("b")
	p1 := &countingProcessor{flushErr: errA}
	p2 := &countingProcessor{err: errB}
	tr := trace.NewTracer(trace.WithSampler(trace.AlwaysSample()), trace.WithSpanProcessor(p1),
		trace.WithSpanProcessor(nil), trace.WithSpanProcessor(p2))
	_, s := tr.Start(context.Background(), "x")
	s.End()
	if p1.starts != 1 || p1.ends != 1 || p2.starts != 1 || p2.ends != 1 {
		t.Errorf("calls p1 %d/%d p2 %d/%d", p1.starts, p1.ends, p2.starts, p2.ends)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := tr.ForceFlush(ctx); !errors.Is(err, errA) {
		t.Errorf("ForceFlush = %v, want %v", err, errA)
	}
	err := tr.Shutdown(ctx)
	if !errors.Is(err, errB) {
		t.Errorf("Shutdown = %v, want %v", err, errB)
	}
	if again := tr.Shutdown(ctx); again != err {
		t.Errorf("second Shutdown = %v, want the first result", again)
	}
	_, s = tr.Start(context.Background(), "after shutdown")
	s.End()
	if s.IsRecordingEvents() || p1.starts != 1 {
		t.Error("span started after Shutdown was recorded")
	}
}

func TestSwapSamplerAndLimitsWhileStarting(t *testing.T) {
	t.Parallel()
	p := &countingProcessor{}
	tr := trace.NewTracer(trace.WithSpanProcessor(p))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i := range 2000 {
				if ctx.Err() != nil {
					return
				}
				_, s := tr.Start(context.Background(), "op")
				s.SetAttributes(trace.Int64Attribute("i", int64(i)))
				s.End()
			}
		})
	}
	samplers := []trace.Sampler{trace.AlwaysSample(), trace.NeverSample(), trace.ProbabilitySampler(0.5), nil}
	for i := range 500 {
		tr.SetSampler(samplers[i%len(samplers)])
		tr.SetLimits(trace.SpanLimits{MaxAttributes: i%3 - 1})
		_ = tr.Sampler().Description()
		_ = tr.Limits()
	}
	wg.Wait()
	tr.SetSampler(nil)
	if got := tr.Sampler().Description(); got != trace.ProbabilitySampler(1e-4).Description() {
		t.Errorf("SetSampler(nil) gave %s", got)
	}
	if p.starts != p.ends {
		t.Errorf("%d starts, %d ends", p.starts, p.ends)
	}
}

func TestZeroTracer(t *testing.T) {
	t.Parallel()
	var tr trace.Tracer
	if got := tr.Limits(); got != trace.DefaultSpanLimits() {
		t.Errorf("zero tracer limits %+v", got)
	}
	_, s := tr.Start(context.Background(), "x", trace.WithSpanSampler(trace.AlwaysSample()))
	if !s.IsRecordingEvents() {
		t.Error("zero tracer span not recording")
	}
	s.End()
}

func TestIDsAreValidAndDistinct(t *testing.T) {
	t.Parallel()
	g := trace.RandomIDGenerator()
	seen := map[trace.SpanID]bool{}
	for range 10000 {
		tid, sid := g.NewIDs()
		if !tid.IsValid() || !sid.IsValid() || seen[sid] {
			t.Fatalf("bad or repeated ids %v %v", tid, sid)
		}
		seen[sid] = true
		if s := g.NewSpanID(tid); !s.IsValid() {
			t.Fatal("zero span id")
		}
	}
}

func TestCustomIDGenerator(t *testing.T) {
	t.Parallel()
	tr, exp := newTestTracer(t, trace.WithIDGenerator(tracetest.NewSequentialIDGenerator()))
	ctx, root := tr.Start(context.Background(), "root")
	_, child := tr.Start(ctx, "child")
	child.End()
	root.End()
	spans := exp.GetSpans()
	if spans[1].TraceID != (trace.TraceID{15: 1}) || spans[1].SpanID != (trace.SpanID{7: 1}) ||
		spans[0].SpanID != (trace.SpanID{7: 2}) {
		t.Errorf("ids %v/%v and %v", spans[1].TraceID, spans[1].SpanID, spans[0].SpanID)
	}
}

// zeroIDs breaks the IDGenerator contract.
type zeroIDs struct{}

func (zeroIDs) NewIDs() (trace.TraceID, trace.SpanID) { return trace.TraceID{}, trace.SpanID{} }
func (zeroIDs) NewSpanID(trace.TraceID) trace.SpanID  { return trace.SpanID{} }

func TestZeroIDsAreReplaced(t *testing.T) {
	t.Parallel()
	tr := trace.NewTracer(trace.WithIDGenerator(zeroIDs{}))
	ctx, root := tr.Start(context.Background(), "root")
	_, child := tr.Start(ctx, "child")
	if !root.SpanContext().IsValid() || !child.SpanContext().IsValid() ||
		child.SpanContext().TraceID != root.SpanContext().TraceID {
		t.Errorf("ids root %+v child %+v", root.SpanContext(), child.SpanContext())
	}
	var nilTracer *trace.Tracer
	nilTracer.SetSampler(trace.AlwaysSample())
	nilTracer.SetLimits(trace.SpanLimits{})
}

func TestAllocations(t *testing.T) {
	// Not parallel: AllocsPerRun counts every goroutine's allocations.
	p := &countingProcessor{}
	tr := trace.NewTracer(trace.WithSampler(trace.AlwaysSample()), trace.WithSpanProcessor(p))
	ctx, root := tr.Start(context.Background(), "root")
	defer root.End()
	un := trace.NewTracer(trace.WithSampler(trace.NeverSample()))
	uctx, uroot := un.Start(context.Background(), "root")
	defer uroot.End()
	tests := []struct {
		name string
		max  float64
		f    func()
	}{
		{"sampled start+end", 1, func() { _, s := tr.Start(ctx, "child"); s.End() }},
		{"unsampled start+end", 1, func() { _, s := un.Start(uctx, "child"); s.End() }},
		// Two attributes are stored inline; more grow one slice. The
		// WithAttributes arguments escape: options reach the Sampler
		// interface.
		{"sampled with 2 attributes set later", 1, func() {
			_, s := tr.Start(ctx, "child")
			s.SetAttributes(trace.StringAttribute("a", "1"), trace.StringAttribute("b", "2"))
			s.End()
		}},
		{"sampled with 4 attributes at start", 3, func() {
			_, s := tr.Start(ctx, "child", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
				trace.StringAttribute("a", "1"), trace.StringAttribute("b", "2"),
				trace.StringAttribute("c", "3"), trace.StringAttribute("d", "4")))
			s.End()
		}},
		// An HTTP span's seven attributes in one call grow the slice once.
		{"sampled with 7 attributes in one call", 2, func() {
			_, s := tr.Start(ctx, "child")
			s.SetAttributes(trace.StringAttribute("a", "1"), trace.StringAttribute("b", "2"),
				trace.StringAttribute("c", "3"), trace.StringAttribute("d", "4"), trace.StringAttribute("e", "5"),
				trace.StringAttribute("f", "6"), trace.Int64Attribute("g", 7))
			s.End()
		}},
		{"sampled with 4 attributes set later", 2, func() {
			_, s := tr.Start(ctx, "child", trace.WithSpanKind(trace.SpanKindClient))
			s.SetAttributes(trace.StringAttribute("a", "1"), trace.StringAttribute("b", "2"),
				trace.StringAttribute("c", "3"), trace.StringAttribute("d", "4"))
			s.End()
		}},
		{"StartSpan sampled", 1, func() { s := tr.StartSpan(root, "child"); s.End() }},
		// A unary RPC span: request sent, response received.
		{"sampled with 2 message events", 2, func() {
			_, s := tr.Start(ctx, "child")
			s.AddMessageSendEvent(1, 10, 10)
			s.AddMessageReceiveEvent(1, 20, 20)
			s.End()
		}},
		{"SetAttributes", 0, func() { root.SetAttributes(trace.Int64Attribute("k", 1)) }},
		{"message event on unsampled span", 0, func() { uroot.AddMessageSendEvent(1, 2, 3) }},
	}
	for _, tt := range tests {
		if got := testing.AllocsPerRun(200, tt.f); got > tt.max {
			t.Errorf("%s: %v allocations, want <= %v", tt.name, got, tt.max)
		}
	}
}

// readingExporter reads every field of the spans it gets, so the race
// detector sees any write that races with export.
type readingExporter struct{ n atomic.Int64 }

func (e *readingExporter) ExportSpans(_ context.Context, spans []*trace.SpanData) error {
	for _, s := range spans {
		e.n.Add(int64(len(s.AppendJSON(nil))))
	}
	return nil
}

func (e *readingExporter) Shutdown(context.Context) error { return nil }

func TestConcurrentUseOfOneSpan(t *testing.T) {
	t.Parallel()
	exp := &readingExporter{}
	tr := trace.NewTracer(trace.WithSampler(trace.AlwaysSample()),
		trace.WithBatcher(exp, trace.WithBatchTimeout(time.Millisecond)))
	defer func() {
		if err := tr.Shutdown(testCtx(t)); err != nil {
			t.Error(err)
		}
	}()
	for range 20 {
		ctx, s := tr.Start(context.Background(), "shared")
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Go(func() {
				for i := range 50 {
					s.SetAttributes(trace.Int64Attribute("g", int64(g)), trace.Int64Attribute("i", int64(i)))
					s.Annotate("a")
					s.AddMessageSendEvent(int64(i), 1, 1)
					s.AddLink(trace.Link{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{1}})
					_, c := tr.Start(ctx, "child")
					c.End()
					if i == 25 && g == 0 {
						s.End() // the others keep calling after End
					}
					_ = s.IsRecordingEvents()
					_ = s.SpanContext()
				}
			})
		}
		wg.Wait()
	}
	if err := tr.ForceFlush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if exp.n.Load() == 0 {
		t.Error("nothing exported")
	}
}

// TestSampledChildContext is TestUnsampledChildContext for a sampled local
// parent: the child records, carries the parent's trace id, options and
// tracestate and a new span id, and after Shutdown is no longer recorded.
func TestSampledChildContext(t *testing.T) {
	t.Parallel()
	ts, err := trace.ParseTracestate("vendor=abc")
	if err != nil {
		t.Fatal(err)
	}
	remote := trace.SpanContext{TraceID: trace.TraceID{0xaa, 15: 1}, SpanID: trace.SpanID{0xbb, 7: 1},
		TraceOptions: 0x03, Tracestate: ts, Remote: true}
	tr, exp := newTestTracer(t, trace.WithSampler(trace.NeverSample()))
	ctx, parent := tr.Start(context.Background(), "parent",
		trace.WithRemoteParent(remote), trace.WithSpanSampler(trace.AlwaysSample()))
	psc := parent.SpanContext()
	for name, opts := range map[string][]trace.StartOption{
		"no options":   nil,
		"with options": {trace.WithSpanKind(trace.SpanKindClient)},
	} {
		_, child := tr.Start(ctx, name, opts...)
		got := child.SpanContext()
		if !child.IsRecordingEvents() || got.TraceID != psc.TraceID || got.TraceOptions != 0x03 || got.Tracestate != ts ||
			got.Remote || !got.SpanID.IsValid() || got.SpanID == psc.SpanID {
			t.Errorf("%s: child %+v of parent %+v", name, got, psc)
		}
		child.End()
	}
	parent.End()
	var parentOf = map[string]trace.SpanID{}
	for _, d := range exp.GetSpans() {
		parentOf[d.Name] = d.ParentSpanID
	}
	if parentOf["no options"] != psc.SpanID || parentOf["with options"] != psc.SpanID {
		t.Errorf("recorded parents %v, want %v", parentOf, psc.SpanID)
	}
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, late := tr.Start(ctx, "late"); late.IsRecordingEvents() || !late.SpanContext().IsSampled() {
		t.Errorf("child started after Shutdown: recording %v, sampled %v", late.IsRecordingEvents(), late.SpanContext().IsSampled())
	}
}

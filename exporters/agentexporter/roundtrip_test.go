package agentexporter_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/gocensus/gocensus/exporters/agentexporter"
	"github.com/gocensus/gocensus/exporters/agentexporter/agentreceiver"
	commonpb "github.com/gocensus/gocensus/proto/gocensus/agent/common/v1"
	resourcepb "github.com/gocensus/gocensus/proto/gocensus/resource/v1"
	tracepb "github.com/gocensus/gocensus/proto/gocensus/trace/v1"
	"github.com/gocensus/gocensus/sdk/resource"
	"github.com/gocensus/gocensus/sdk/trace"
)

func richSpan() *trace.SpanData {
	sd := testSpan(7)
	ts, err := trace.ParseTracestate("vendor=opaque,other=1")
	if err != nil {
		panic(err)
	}
	sd.Tracestate = ts
	sd.ParentSpanID = trace.SpanID{9, 9, 9, 9, 9, 9, 9, 9}
	sd.HasRemoteParent = true
	sd.Name = "/helloworld.Greeter/SayHello"
	sd.Kind = trace.SpanKindServer
	sd.Attributes = []trace.Attribute{
		trace.BoolAttribute("b", true), trace.Float64Attribute("f", 1.5),
		trace.Int64Attribute("i", -3), trace.StringAttribute("s", "héllo"),
		trace.Int64Attribute("zero", 0),
	}
	sd.DroppedAttributeCount = 2
	sd.Annotations = []trace.Annotation{{Time: epoch.Add(time.Millisecond), Message: "cache miss",
		Attributes: []trace.Attribute{trace.StringAttribute("key", "user:1")}}}
	sd.MessageEvents = []trace.MessageEvent{{Time: epoch.Add(2 * time.Millisecond), EventType: trace.MessageEventTypeSent,
		MessageID: 1, UncompressedSize: 300, CompressedSize: 200}}
	sd.DroppedAnnotationCount, sd.DroppedMessageEventCount = 1, 3
	sd.Links = []trace.Link{{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}, Type: trace.LinkTypeParent,
		Attributes: []trace.Attribute{trace.Int64Attribute("n", 1)}, Tracestate: ts}}
	sd.DroppedLinkCount = 4
	sd.Status = trace.Status{Code: 5, Message: "not found"}
	sd.ChildSpanCount = 3
	sd.Resource = &resource.Resource{Type: "k8s", Labels: map[string]string{"pod": "a"}}
	return sd
}

var cmpSpan = cmp.Options{
	cmp.AllowUnexported(trace.Value{}, trace.Tracestate{}),
	cmpopts.EquateEmpty(),
	cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) }),
}

func TestSpanRoundTrip(t *testing.T) {
	t.Parallel()
	sink := newSink()
	type seen struct {
		node *commonpb.Node
		res  *resourcepb.Resource
		span *tracepb.Span
	}
	got := make(chan seen, 16)
	srv := startServer(t, "", agentreceiver.WithSpanExporter(sink),
		agentreceiver.WithSpanHandler(func(_ context.Context, n *commonpb.Node, r *resourcepb.Resource, spans []*tracepb.Span) error {
			for _, s := range spans {
				got <- seen{n, r, s}
			}
			return nil
		}))
	defer srv.stop()
	streamRes := &resource.Resource{Type: "service", Labels: map[string]string{"service.name": "greeter"}}
	e := newExporter(t, srv.addr, agentexporter.WithServiceName("greeter"), agentexporter.WithResource(streamRes))
	ctx := ctxTimeout(t, 5*time.Second)

	want := richSpan()
	plain := testSpan(1)
	plain.Resource = streamRes // same as the stream's: not repeated per span
	if err := e.ExportSpans(ctx, []*trace.SpanData{want, plain}); err != nil {
		t.Fatal(err)
	}
	if err := e.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	first := <-got
	if first.node.GetServiceInfo().GetName() != "greeter" || first.node.GetLibraryInfo().GetLanguage() != commonpb.LibraryInfo_GO_LANG ||
		first.node.GetIdentifier().GetPid() == 0 {
		t.Fatalf("node %v", first.node)
	}
	if first.res.GetLabels()["service.name"] != "greeter" {
		t.Fatalf("stream resource %v", first.res)
	}
	if first.span.GetSameProcessAsParentSpan().GetValue() {
		t.Fatal("same_process_as_parent_span true for a remote parent")
	}
	second := <-got
	if second.span.Resource != nil {
		t.Fatalf("span repeats the stream resource: %v", second.span.Resource)
	}

	if sink.count() != 2 {
		t.Fatalf("receiver got %d spans", sink.count())
	}
	sink.mu.Lock()
	gotSD := sink.spans[want.SpanID]
	gotPlain := sink.spans[plain.SpanID]
	sink.mu.Unlock()
	if diff := cmp.Diff(want, gotSD, cmpSpan); diff != "" {
		t.Errorf("span changed on the way (-sent +received):\n%s", diff)
	}
	if diff := cmp.Diff(streamRes, gotPlain.Resource); diff != "" {
		t.Errorf("stream resource not inherited (-want +got):\n%s", diff)
	}
	st := e.Stats()
	checkAccounting(t, st.Spans)
	if st.Spans.Sent != 2 {
		t.Fatalf("%+v", st.Spans)
	}
}

func TestKindMappingAndStackTrace(t *testing.T) {
	t.Parallel()
	got := make(chan *tracepb.Span, 8)
	srv := startServer(t, "", agentreceiver.WithSpanHandler(func(_ context.Context, _ *commonpb.Node, _ *resourcepb.Resource, spans []*tracepb.Span) error {
		for _, s := range spans {
			got <- s
		}
		return nil
	}))
	defer srv.stop()
	e := newExporter(t, srv.addr)
	ctx := ctxTimeout(t, 5*time.Second)
	kinds := []struct {
		in   trace.SpanKind
		want tracepb.Span_SpanKind
	}{
		{trace.SpanKindProducer, tracepb.Span_CLIENT},
		{trace.SpanKindConsumer, tracepb.Span_SERVER},
		{trace.SpanKindInternal, tracepb.Span_SPAN_KIND_UNSPECIFIED},
		{trace.SpanKindUnspecified, tracepb.Span_SPAN_KIND_UNSPECIFIED},
	}
	var spans []*trace.SpanData
	for i, k := range kinds {
		sd := testSpan(i)
		sd.Kind = k.in
		spans = append(spans, sd)
	}
	pcs := make([]uintptr, 8)
	spans[0].StackTrace = pcs[:runtime.Callers(1, pcs)]
	if err := e.ExportSpans(ctx, spans); err != nil {
		t.Fatal(err)
	}
	if err := e.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	for i, k := range kinds {
		s := <-got
		if s.GetKind() != k.want {
			t.Errorf("kind %v went out as %v, want %v", k.in, s.GetKind(), k.want)
		}
		if i == 0 {
			frames := s.GetStackTrace().GetStackFrames().GetFrame()
			if len(frames) == 0 || frames[0].GetFunctionName().GetValue() == "" || frames[0].GetLineNumber() == 0 {
				t.Errorf("stack trace not converted: %v", s.GetStackTrace())
			}
		}
	}
}

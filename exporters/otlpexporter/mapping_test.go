package otlpexporter_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/gocensus/gocensus/exporters/otlpexporter"
	"github.com/gocensus/gocensus/sdk/resource"
	"github.com/gocensus/gocensus/sdk/trace"
)

func strKV(k, v string) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: v}}}
}

func intKV(k string, v int64) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: v}}}
}

func dblKV(k string, v float64) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_DoubleValue{DoubleValue: v}}}
}

func boolKV(k string, v bool) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_BoolValue{BoolValue: v}}}
}

var (
	t0    = time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	ns0   = uint64(t0.UnixNano())
	tid   = trace.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	sid   = trace.SpanID{0xa, 0xb, 0xc, 0xd, 0xe, 0xf, 1, 2}
	psid  = trace.SpanID{9, 9, 9, 9, 9, 9, 9, 9}
	ltid  = trace.TraceID{0xff, 1}
	lsid  = trace.SpanID{0xee, 2}
	tsVal = mustTracestate("vendor=abc,other=x")
)

func mustTracestate(s string) trace.Tracestate {
	ts, err := trace.ParseTracestate(s)
	if err != nil {
		panic(err)
	}
	return ts
}

// fullSpan uses every field of the model.
func fullSpan(res *resource.Resource) *trace.SpanData {
	return &trace.SpanData{
		SpanContext:     trace.SpanContext{TraceID: tid, SpanID: sid, TraceOptions: trace.FlagSampled | trace.FlagRandom, Tracestate: tsVal},
		ParentSpanID:    psid,
		HasRemoteParent: true,
		Name:            "/helloworld.Greeter/SayHello",
		Kind:            trace.SpanKindServer,
		StartTime:       t0,
		EndTime:         t0.Add(3 * time.Millisecond),
		Attributes: []trace.Attribute{
			trace.StringAttribute("s", "v"),
			trace.Int64Attribute("i", -7),
			trace.Float64Attribute("f", 1.5),
			trace.BoolAttribute("b", true),
		},
		Annotations: []trace.Annotation{
			{Time: t0.Add(1 * time.Millisecond), Message: "cache miss", Attributes: []trace.Attribute{trace.StringAttribute("key", "k1")}},
			{Time: t0.Add(2 * time.Millisecond), Message: "retrying"},
		},
		MessageEvents: []trace.MessageEvent{
			{Time: t0, EventType: trace.MessageEventTypeRecv, MessageID: 1, UncompressedSize: 100, CompressedSize: 60},
			{Time: t0.Add(2500 * time.Microsecond), EventType: trace.MessageEventTypeSent, MessageID: 1, UncompressedSize: 20},
			{Time: t0.Add(2600 * time.Microsecond), MessageID: 2},
		},
		Links: []trace.Link{
			{TraceID: ltid, SpanID: lsid, Type: trace.LinkTypeParent, Tracestate: mustTracestate("a=1"), Attributes: []trace.Attribute{trace.StringAttribute("why", "batch")}},
			{TraceID: ltid, SpanID: lsid},
		},
		DroppedAttributeCount:    1,
		DroppedAnnotationCount:   2,
		DroppedMessageEventCount: 3,
		DroppedLinkCount:         4,
		Status:                   trace.Status{Code: 5, Message: "no such greeter"},
		ChildSpanCount:           2,
		Resource:                 res,
	}
}

func fullSpanProto() *tracepb.Span {
	return &tracepb.Span{
		TraceId:           tid[:],
		SpanId:            sid[:],
		ParentSpanId:      psid[:],
		TraceState:        "vendor=abc,other=x",
		Flags:             0x03 | 0x100 | 0x200,
		Name:              "/helloworld.Greeter/SayHello",
		Kind:              tracepb.Span_SPAN_KIND_SERVER,
		StartTimeUnixNano: ns0,
		EndTimeUnixNano:   ns0 + uint64(3*time.Millisecond),
		Attributes: []*commonpb.KeyValue{
			strKV("s", "v"), intKV("i", -7), dblKV("f", 1.5), boolKV("b", true),
			strKV(otlpexporter.AttrStatusCode, "NOT_FOUND"),
		},
		DroppedAttributesCount: 1,
		Events: []*tracepb.Span_Event{
			{TimeUnixNano: ns0, Name: "message", Attributes: []*commonpb.KeyValue{
				strKV("message.type", "RECEIVED"), intKV("message.id", 1),
				intKV("message.uncompressed_size", 100), intKV("message.compressed_size", 60),
			}},
			{TimeUnixNano: ns0 + uint64(time.Millisecond), Name: "cache miss", Attributes: []*commonpb.KeyValue{strKV("key", "k1")}},
			{TimeUnixNano: ns0 + uint64(2*time.Millisecond), Name: "retrying"},
			{TimeUnixNano: ns0 + uint64(2500*time.Microsecond), Name: "message", Attributes: []*commonpb.KeyValue{
				strKV("message.type", "SENT"), intKV("message.id", 1), intKV("message.uncompressed_size", 20),
			}},
			{TimeUnixNano: ns0 + uint64(2600*time.Microsecond), Name: "message", Attributes: []*commonpb.KeyValue{
				intKV("message.id", 2), intKV("message.uncompressed_size", 0),
			}},
		},
		DroppedEventsCount: 5,
		Links: []*tracepb.Span_Link{
			{TraceId: ltid[:], SpanId: lsid[:], TraceState: "a=1", Attributes: []*commonpb.KeyValue{
				strKV("why", "batch"), strKV(otlpexporter.AttrLinkType, "PARENT_LINKED_SPAN"),
			}},
			{TraceId: ltid[:], SpanId: lsid[:]},
		},
		DroppedLinksCount: 4,
		Status:            &tracepb.Status{Code: tracepb.Status_STATUS_CODE_ERROR, Message: "no such greeter"},
	}
}

func scope() *commonpb.InstrumentationScope {
	// The test binary links gocensus through a directory replacement, so
	// its version is unknown.
	return &commonpb.InstrumentationScope{Name: otlpexporter.ScopeName}
}

// exportAndReceive exports spans through a loopback collector and returns
// what it received.
func exportAndReceive(t *testing.T, spans []*trace.SpanData, opts ...otlpexporter.Option) []*coltracepb.ExportTraceServiceRequest {
	t.Helper()
	c := startCollector(t)
	exp, err := otlpexporter.New(append([]otlpexporter.Option{otlpexporter.WithEndpoint(c.addr), otlpexporter.WithInsecure()}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	if err := exp.ExportSpans(ctx, spans); err != nil {
		t.Fatal(err)
	}
	if err := exp.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	return c.traceRequests()
}

func TestSpanMapping(t *testing.T) {
	t.Parallel()
	procRes := &resource.Resource{Type: "k8s.io/container", Labels: map[string]string{"service.name": "greeter", "host.name": "h1"}}
	other := &resource.Resource{Labels: map[string]string{"service.name": "other"}}
	minimal := &trace.SpanData{
		SpanContext: trace.SpanContext{TraceID: tid, SpanID: sid},
		Name:        "root",
	}
	tests := []struct {
		name  string
		spans []*trace.SpanData
		opts  []otlpexporter.Option
		want  *coltracepb.ExportTraceServiceRequest
	}{{
		name:  "every field",
		spans: []*trace.SpanData{fullSpan(procRes)},
		want: &coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{
			Resource: &resourcepb.Resource{Attributes: []*commonpb.KeyValue{
				strKV("host.name", "h1"), strKV("service.name", "greeter"), strKV(otlpexporter.AttrResourceType, "k8s.io/container"),
			}},
			ScopeSpans: []*tracepb.ScopeSpans{{Scope: scope(), Spans: []*tracepb.Span{fullSpanProto()}}},
		}}},
	}, {
		name:  "minimal span, no resource, fallback resource and service name",
		spans: []*trace.SpanData{minimal},
		opts: []otlpexporter.Option{
			otlpexporter.WithResource(&resource.Resource{Labels: map[string]string{"env": "prod"}}),
			otlpexporter.WithServiceName("svc"),
		},
		want: &coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{
			Resource: &resourcepb.Resource{Attributes: []*commonpb.KeyValue{strKV("env", "prod"), strKV("service.name", "svc")}},
			ScopeSpans: []*tracepb.ScopeSpans{{Scope: scope(), Spans: []*tracepb.Span{{
				TraceId: tid[:], SpanId: sid[:], Flags: 0x100, Name: "root", Kind: tracepb.Span_SPAN_KIND_INTERNAL,
			}}}},
		}}},
	}, {
		name:  "service name overrides the resource label; spans grouped by resource in order",
		spans: []*trace.SpanData{{SpanContext: trace.SpanContext{TraceID: tid, SpanID: sid}, Name: "a", Resource: procRes}, {SpanContext: trace.SpanContext{TraceID: tid, SpanID: psid}, Name: "b", Resource: other}, {SpanContext: trace.SpanContext{TraceID: tid, SpanID: lsid}, Name: "c", Resource: procRes}},
		opts:  []otlpexporter.Option{otlpexporter.WithServiceName("svc")},
		want: &coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{
			Resource: &resourcepb.Resource{Attributes: []*commonpb.KeyValue{strKV("host.name", "h1"), strKV("service.name", "svc"), strKV(otlpexporter.AttrResourceType, "k8s.io/container")}},
			ScopeSpans: []*tracepb.ScopeSpans{{Scope: scope(), Spans: []*tracepb.Span{
				{TraceId: tid[:], SpanId: sid[:], Flags: 0x100, Name: "a", Kind: tracepb.Span_SPAN_KIND_INTERNAL},
				{TraceId: tid[:], SpanId: lsid[:], Flags: 0x100, Name: "c", Kind: tracepb.Span_SPAN_KIND_INTERNAL},
			}}},
		}, {
			Resource: &resourcepb.Resource{Attributes: []*commonpb.KeyValue{strKV("service.name", "svc")}},
			ScopeSpans: []*tracepb.ScopeSpans{{Scope: scope(), Spans: []*tracepb.Span{
				{TraceId: tid[:], SpanId: psid[:], Flags: 0x100, Name: "b", Kind: tracepb.Span_SPAN_KIND_INTERNAL},
			}}},
		}}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := exportAndReceive(t, tt.spans, tt.opts...)
			if len(got) != 1 {
				t.Fatalf("got %d requests, want 1", len(got))
			}
			if diff := cmp.Diff(tt.want, got[0], protocmp.Transform()); diff != "" {
				t.Errorf("request mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSpanKindsAndStatus(t *testing.T) {
	t.Parallel()
	kinds := []struct {
		in   trace.SpanKind
		want tracepb.Span_SpanKind
	}{
		{trace.SpanKindUnspecified, tracepb.Span_SPAN_KIND_INTERNAL},
		{trace.SpanKindServer, tracepb.Span_SPAN_KIND_SERVER},
		{trace.SpanKindClient, tracepb.Span_SPAN_KIND_CLIENT},
		{trace.SpanKindProducer, tracepb.Span_SPAN_KIND_PRODUCER},
		{trace.SpanKindConsumer, tracepb.Span_SPAN_KIND_CONSUMER},
		{trace.SpanKindInternal, tracepb.Span_SPAN_KIND_INTERNAL},
		{trace.SpanKind(200), tracepb.Span_SPAN_KIND_UNSPECIFIED},
	}
	var spans []*trace.SpanData
	for i, k := range kinds {
		spans = append(spans, &trace.SpanData{
			SpanContext: trace.SpanContext{TraceID: tid, SpanID: trace.SpanID{byte(i + 1)}},
			Kind:        k.in,
			Status:      trace.Status{Code: int32(i) * 7, Message: "m"},
		})
	}
	got := exportAndReceive(t, spans)
	out := got[0].ResourceSpans[0].ScopeSpans[0].Spans
	for i, k := range kinds {
		if out[i].Kind != k.want {
			t.Errorf("kind %d: got %v, want %v", k.in, out[i].Kind, k.want)
		}
	}
	// Code 0 (OK) stays UNSET without an attribute; others become ERROR
	// with the canonical name.
	wantNames := []string{"", "PERMISSION_DENIED", "UNAVAILABLE", "CODE_21", "CODE_28", "CODE_35", "CODE_42"}
	for i, sp := range out {
		var name string
		for _, kv := range sp.Attributes {
			if kv.Key == otlpexporter.AttrStatusCode {
				name = kv.Value.GetStringValue()
			}
		}
		if name != wantNames[i] {
			t.Errorf("span %d status attribute %q, want %q", i, name, wantNames[i])
		}
		wantCode := tracepb.Status_STATUS_CODE_ERROR
		if i == 0 {
			wantCode = tracepb.Status_STATUS_CODE_UNSET
		}
		if sp.GetStatus().GetCode() != wantCode {
			t.Errorf("span %d status code %v, want %v", i, sp.GetStatus().GetCode(), wantCode)
		}
	}
}

package interop_test

import (
	"context"
	"io"
	"net"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"contrib.go.opencensus.io/exporter/ocagent"
	upagentmetricspb "github.com/census-instrumentation/opencensus-proto/gen-go/agent/metrics/v1"
	upagenttracepb "github.com/census-instrumentation/opencensus-proto/gen-go/agent/trace/v1"
	uptracepb "github.com/census-instrumentation/opencensus-proto/gen-go/trace/v1"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	ocstats "go.opencensus.io/stats"
	"go.opencensus.io/stats/view"
	octag "go.opencensus.io/tag"
	octrace "go.opencensus.io/trace"
	"go.opencensus.io/trace/tracestate"
	"google.golang.org/grpc"

	"github.com/gocensus/gocensus/exporters/agentexporter"
	"github.com/gocensus/gocensus/exporters/agentexporter/agentreceiver"
	"github.com/gocensus/gocensus/sdk/resource"
	"github.com/gocensus/gocensus/sdk/stats"
	"github.com/gocensus/gocensus/sdk/trace"
)

var agentEpoch = time.Date(2026, 11, 26, 8, 0, 0, 123456789, time.UTC)

type memSpans struct {
	mu    sync.Mutex
	spans []*trace.SpanData
}

func (m *memSpans) ExportSpans(_ context.Context, s []*trace.SpanData) error {
	m.mu.Lock()
	m.spans = append(m.spans, s...)
	m.mu.Unlock()
	return nil
}
func (m *memSpans) Shutdown(context.Context) error { return nil }

type memMetrics struct {
	mu sync.Mutex
	ms []*stats.Metric
}

func (m *memMetrics) ExportMetrics(_ context.Context, ms []*stats.Metric) error {
	m.mu.Lock()
	m.ms = append(m.ms, ms...)
	m.mu.Unlock()
	return nil
}
func (m *memMetrics) Shutdown(context.Context) error { return nil }

// TestOCAgentExporterIntoOurReceiver streams spans and view data from the
// stock OpenCensus agent exporter (ocagent v0.5.0 on opencensus-go v0.24.0)
// into agentreceiver and checks every field it sends arrives. ocagent v0.5.0
// does not send float attributes, link attributes,
// same_process_as_parent_span or child_span_count, so those arrive as absent
// (HasRemoteParent false, ChildSpanCount 0).
func TestOCAgentExporterIntoOurReceiver(t *testing.T) {
	noLeaks(t)
	spans, metrics := &memSpans{}, &memMetrics{}
	r, err := agentreceiver.New(agentreceiver.WithSpanExporter(spans), agentreceiver.WithMetricExporter(metrics),
		agentreceiver.WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- r.Serve(lis) }()

	exp, err := ocagent.NewExporter(ocagent.WithInsecure(), ocagent.WithAddress(lis.Addr().String()),
		ocagent.WithServiceName("oc-app"), ocagent.WithReconnectionPeriod(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	// ocagent opens Export, metrics Export and then Config; once Config is
	// up, it is connected.
	deadline := time.Now().Add(5 * time.Second)
	for r.ConfigStreams() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("ocagent never connected")
		}
		time.Sleep(5 * time.Millisecond)
	}

	ts, err := tracestate.New(nil, tracestate.Entry{Key: "vendor", Value: "opaque"})
	if err != nil {
		t.Fatal(err)
	}
	var sent []*octrace.SpanData
	for i := range 50 {
		sd := &octrace.SpanData{
			SpanContext: octrace.SpanContext{
				TraceID: octrace.TraceID{0: 1, 15: byte(i + 1)}, SpanID: octrace.SpanID{0: 2, 7: byte(i + 1)},
				TraceOptions: 1, Tracestate: ts,
			},
			ParentSpanID:    octrace.SpanID{0: 3, 7: byte(i + 1)},
			SpanKind:        octrace.SpanKindClient,
			Name:            "/helloworld.Greeter/SayHello",
			StartTime:       agentEpoch.Add(time.Duration(i) * time.Millisecond),
			EndTime:         agentEpoch.Add(time.Duration(i)*time.Millisecond + 500*time.Microsecond),
			Attributes:      map[string]any{"s": "v", "i": int64(i), "b": true, "f": 2.5},
			Annotations:     []octrace.Annotation{{Time: agentEpoch, Message: "retrying", Attributes: map[string]any{"attempt": int64(2)}}},
			MessageEvents:   []octrace.MessageEvent{{Time: agentEpoch, EventType: octrace.MessageEventTypeRecv, MessageID: 7, UncompressedByteSize: 100, CompressedByteSize: 60}},
			Links:           []octrace.Link{{TraceID: octrace.TraceID{9}, SpanID: octrace.SpanID{8}, Type: octrace.LinkTypeParent, Attributes: map[string]any{"l": "x"}}},
			Status:          octrace.Status{Code: 5, Message: "not found"},
			HasRemoteParent: i%2 == 0,
			ChildSpanCount:  i,
		}
		sent = append(sent, sd)
		exp.ExportSpan(sd)
	}

	latency := ocstats.Float64("interop/latency", "RPC latency", ocstats.UnitMilliseconds)
	method := octag.MustNewKey("method")
	v := &view.View{Name: "interop/latency_dist", Measure: latency, TagKeys: []octag.Key{method},
		Aggregation: view.Distribution(1, 10, 100)}
	exp.ExportView(&view.Data{View: v, Start: agentEpoch.Add(-time.Minute), End: agentEpoch, Rows: []*view.Row{
		{Tags: []octag.Tag{{Key: method, Value: "Get"}}, Data: &view.DistributionData{
			Count: 3, Min: 0.5, Max: 50, Mean: 17, SumOfSquaredDev: 1800, CountPerBucket: []int64{1, 1, 1, 0}}},
	}})
	exp.Flush()
	waitUntil(t, 5*time.Second, func() bool {
		spans.mu.Lock()
		defer spans.mu.Unlock()
		metrics.mu.Lock()
		defer metrics.mu.Unlock()
		return len(spans.spans) == len(sent) && len(metrics.ms) == 1
	})
	if err := exp.Stop(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-served; err != nil {
		t.Fatal(err)
	}

	spans.mu.Lock()
	defer spans.mu.Unlock()
	sort.Slice(spans.spans, func(i, j int) bool { return spans.spans[i].SpanID[7] < spans.spans[j].SpanID[7] })
	for i, want := range sent {
		got := spans.spans[i]
		if got.TraceID != trace.TraceID(want.TraceID) || got.SpanID != trace.SpanID(want.SpanID) ||
			got.ParentSpanID != trace.SpanID(want.ParentSpanID) || got.Name != want.Name ||
			got.Kind != trace.SpanKindClient || !got.StartTime.Equal(want.StartTime) || !got.EndTime.Equal(want.EndTime) ||
			got.HasRemoteParent || got.ChildSpanCount != 0 ||
			got.Status != (trace.Status{Code: 5, Message: "not found"}) || got.Tracestate.String() != "vendor=opaque" {
			t.Fatalf("span %d: got %+v\nsent %+v", i, got, want)
		}
		wantAttrs := []trace.Attribute{trace.BoolAttribute("b", true),
			trace.Int64Attribute("i", int64(i)), trace.StringAttribute("s", "v")}
		if diff := cmp.Diff(wantAttrs, got.Attributes, cmp.AllowUnexported(trace.Value{})); diff != "" {
			t.Fatalf("span %d attributes (-want +got):\n%s", i, diff)
		}
		if len(got.Annotations) != 1 || got.Annotations[0].Message != "retrying" || !got.Annotations[0].Time.Equal(agentEpoch) ||
			len(got.Annotations[0].Attributes) != 1 || got.Annotations[0].Attributes[0].Value.AsInt64() != 2 {
			t.Fatalf("span %d annotations %+v", i, got.Annotations)
		}
		if diff := cmp.Diff([]trace.MessageEvent{{Time: agentEpoch, EventType: trace.MessageEventTypeRecv, MessageID: 7,
			UncompressedSize: 100, CompressedSize: 60}}, got.MessageEvents); diff != "" {
			t.Fatalf("span %d message events (-want +got):\n%s", i, diff)
		}
		if len(got.Links) != 1 || got.Links[0].TraceID != (trace.TraceID{9}) || got.Links[0].SpanID != (trace.SpanID{8}) ||
			got.Links[0].Type != trace.LinkTypeParent {
			t.Fatalf("span %d links %+v", i, got.Links)
		}
		if got.Resource == nil {
			t.Fatalf("span %d: the stream resource was not applied", i)
		}
	}
	metrics.mu.Lock()
	defer metrics.mu.Unlock()
	m := metrics.ms[0]
	if m.Descriptor.Name != "interop/latency_dist" || m.Descriptor.Type != stats.TypeCumulativeDistribution ||
		len(m.TimeSeries) != 1 || m.TimeSeries[0].LabelValues[0] != (stats.LabelValue{Value: "Get", Present: true}) {
		t.Fatalf("metric %+v", m)
	}
	d := m.TimeSeries[0].Points[0].Distribution
	if d.Count != 3 || d.Sum != 51 || !slices.Equal(d.BucketBounds, []float64{1, 10, 100}) || len(d.Buckets) != 4 || d.Buckets[2].Count != 1 {
		t.Fatalf("distribution %+v", d)
	}
}

// upstreamReceiver implements the agent services with the upstream
// opencensus-proto v0.4.1 generated code.
type upstreamReceiver struct {
	upagenttracepb.UnimplementedTraceServiceServer
	upagentmetricspb.UnimplementedMetricsServiceServer
	mu       sync.Mutex
	spans    []*uptracepb.Span
	firstMsg *upagenttracepb.ExportTraceServiceRequest
	nodes    int
}

func (u *upstreamReceiver) Export(stream upagenttracepb.TraceService_ExportServer) error {
	for {
		req, err := stream.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		u.mu.Lock()
		if u.firstMsg == nil {
			u.firstMsg = req
		}
		if req.Node != nil {
			u.nodes++
		}
		u.spans = append(u.spans, req.Spans...)
		u.mu.Unlock()
	}
}

// TestOurExporterIntoUpstreamReceiver streams spans from agentexporter into
// a receiver built on the upstream opencensus-proto service definitions and
// checks every span arrives intact.
func TestOurExporterIntoUpstreamReceiver(t *testing.T) {
	noLeaks(t)
	up := &upstreamReceiver{}
	srv := grpc.NewServer()
	upagenttracepb.RegisterTraceServiceServer(srv, up)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(lis)
	defer srv.Stop()

	res := &resource.Resource{Type: "service", Labels: map[string]string{"service.name": "gc-app"}}
	// The upstream receiver leaves Config unimplemented, like the
	// OpenTelemetry Collector's: the exporter must give up on it quietly.
	tracer := trace.NewTracer()
	defer tracer.Shutdown(context.Background())
	exp, err := agentexporter.New(agentexporter.WithAddress(lis.Addr().String()), agentexporter.WithInsecure(),
		agentexporter.WithServiceName("gc-app"), agentexporter.WithResource(res), agentexporter.WithLogger(nil),
		agentexporter.WithTracer(tracer))
	if err != nil {
		t.Fatal(err)
	}
	ts, err := trace.ParseTracestate("vendor=opaque")
	if err != nil {
		t.Fatal(err)
	}
	var sent []*trace.SpanData
	for i := range 200 {
		sd := &trace.SpanData{
			SpanContext: trace.SpanContext{TraceID: trace.TraceID{0: 1, 15: byte(i)}, SpanID: trace.SpanID{0: 2, 6: byte(i >> 8), 7: byte(i)},
				TraceOptions: 1, Tracestate: ts},
			ParentSpanID: trace.SpanID{3}, HasRemoteParent: i%2 == 1,
			Name: "/helloworld.Greeter/SayHello", Kind: trace.SpanKindServer,
			StartTime: agentEpoch, EndTime: agentEpoch.Add(time.Duration(i) * time.Microsecond),
			Attributes: []trace.Attribute{trace.StringAttribute("s", strings.Repeat("v", i)), trace.Int64Attribute("i", int64(i)),
				trace.BoolAttribute("b", false), trace.Float64Attribute("f", -1.25)},
			DroppedAttributeCount: 1,
			Annotations:           []trace.Annotation{{Time: agentEpoch, Message: "note", Attributes: []trace.Attribute{trace.Int64Attribute("n", 1)}}},
			MessageEvents:         []trace.MessageEvent{{Time: agentEpoch, EventType: trace.MessageEventTypeSent, MessageID: 1, UncompressedSize: 9}},
			Links:                 []trace.Link{{TraceID: trace.TraceID{7}, SpanID: trace.SpanID{8}, Type: trace.LinkTypeChild}},
			Status:                trace.Status{Code: 14, Message: "unavailable"},
			ChildSpanCount:        int32(i),
			Resource:              res,
		}
		sent = append(sent, sd)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := exp.ExportSpans(ctx, sent); err != nil {
		t.Fatal(err)
	}
	if err := exp.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	up.mu.Lock()
	defer up.mu.Unlock()
	if up.firstMsg.GetNode().GetServiceInfo().GetName() != "gc-app" || up.firstMsg.GetResource().GetLabels()["service.name"] != "gc-app" || up.nodes != 1 {
		t.Fatalf("first message %v, %d nodes", up.firstMsg, up.nodes)
	}
	if len(up.spans) != len(sent) {
		t.Fatalf("upstream receiver got %d of %d spans", len(up.spans), len(sent))
	}
	for i, want := range sent {
		got := up.spans[i]
		wantPB := &uptracepb.Span{
			TraceId: want.TraceID[:], SpanId: want.SpanID[:], ParentSpanId: want.ParentSpanID[:],
			Tracestate: &uptracepb.Span_Tracestate{Entries: []*uptracepb.Span_Tracestate_Entry{{Key: "vendor", Value: "opaque"}}},
			Name:       &uptracepb.TruncatableString{Value: want.Name}, Kind: uptracepb.Span_SERVER,
		}
		if diff := cmp.Diff(wantPB, got, cmpopts.IgnoreUnexported(uptracepb.Span{}, uptracepb.Span_Tracestate{}, uptracepb.Span_Tracestate_Entry{}, uptracepb.TruncatableString{}),
			cmpopts.IgnoreFields(uptracepb.Span{}, "StartTime", "EndTime", "Attributes", "TimeEvents", "Links", "Status", "SameProcessAsParentSpan", "ChildSpanCount", "Resource", "StackTrace")); diff != "" {
			t.Fatalf("span %d (-want +got):\n%s", i, diff)
		}
		if !got.GetStartTime().AsTime().Equal(want.StartTime) || !got.GetEndTime().AsTime().Equal(want.EndTime) {
			t.Fatalf("span %d times %v %v", i, got.GetStartTime(), got.GetEndTime())
		}
		am := got.GetAttributes().GetAttributeMap()
		if am["s"].GetStringValue().GetValue() != want.Attributes[0].Value.AsString() || am["i"].GetIntValue() != int64(i) ||
			am["b"] == nil || am["b"].GetBoolValue() || am["f"].GetDoubleValue() != -1.25 || got.GetAttributes().GetDroppedAttributesCount() != 1 {
			t.Fatalf("span %d attributes %v", i, got.GetAttributes())
		}
		tev := got.GetTimeEvents().GetTimeEvent()
		if len(tev) != 2 || tev[0].GetAnnotation().GetDescription().GetValue() != "note" ||
			tev[1].GetMessageEvent().GetType() != uptracepb.Span_TimeEvent_MessageEvent_SENT || tev[1].GetMessageEvent().GetUncompressedSize() != 9 {
			t.Fatalf("span %d time events %v", i, tev)
		}
		if l := got.GetLinks().GetLink(); len(l) != 1 || l[0].GetType() != uptracepb.Span_Link_CHILD_LINKED_SPAN || l[0].GetTraceId()[0] != 7 {
			t.Fatalf("span %d links %v", i, got.GetLinks())
		}
		if got.GetStatus().GetCode() != 14 || got.GetStatus().GetMessage() != "unavailable" ||
			got.GetSameProcessAsParentSpan().GetValue() != !want.HasRemoteParent || got.GetChildSpanCount().GetValue() != uint32(i) ||
			got.GetResource() != nil {
			t.Fatalf("span %d: status %v same process %v children %v resource %v", i, got.GetStatus(),
				got.GetSameProcessAsParentSpan(), got.GetChildSpanCount(), got.GetResource())
		}
	}
}

func waitUntil(t *testing.T, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

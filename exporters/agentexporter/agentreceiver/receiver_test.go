package agentreceiver_test

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/gocensus/gocensus/exporters/agentexporter/agentreceiver"
	commonpb "github.com/gocensus/gocensus/proto/gocensus/agent/common/v1"
	agentmetricspb "github.com/gocensus/gocensus/proto/gocensus/agent/metrics/v1"
	agenttracepb "github.com/gocensus/gocensus/proto/gocensus/agent/trace/v1"
	metricspb "github.com/gocensus/gocensus/proto/gocensus/metrics/v1"
	resourcepb "github.com/gocensus/gocensus/proto/gocensus/resource/v1"
	tracepb "github.com/gocensus/gocensus/proto/gocensus/trace/v1"
	"github.com/gocensus/gocensus/sdk/stats"
	"github.com/gocensus/gocensus/sdk/trace"
	"github.com/gocensus/gocensus/sdk/trace/tracetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// serve starts r on loopback and returns a client connection to it.
func serve(t *testing.T, r *agentreceiver.Receiver) *grpc.ClientConn {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- r.Serve(lis) }()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := r.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return conn
}

func newReceiver(t *testing.T, opts ...agentreceiver.Option) *agentreceiver.Receiver {
	t.Helper()
	r, err := agentreceiver.New(append([]agentreceiver.Option{agentreceiver.WithLogger(nil)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var node = &commonpb.Node{ServiceInfo: &commonpb.ServiceInfo{Name: "svc"}}

func pbSpan(id byte) *tracepb.Span {
	return &tracepb.Span{
		TraceId: []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, id},
		SpanId:  []byte{1, 2, 3, 4, 5, 6, 7, id},
		Name:    &tracepb.TruncatableString{Value: "op"},
	}
}

// exportAll sends reqs on one trace Export stream, half-closes it and
// returns the status the receiver ended it with.
func exportAll(ctx context.Context, t *testing.T, conn *grpc.ClientConn, reqs ...*agenttracepb.ExportTraceServiceRequest) error {
	t.Helper()
	stream, err := agenttracepb.NewOpenCensusTraceServiceClient(conn).Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reqs {
		if err := stream.Send(r); err != nil {
			break
		}
	}
	_ = stream.CloseSend()
	for {
		if _, err := stream.Recv(); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

func TestBadClients(t *testing.T) {
	t.Parallel()
	sink := tracetest.NewInMemoryExporter()
	r := newReceiver(t, agentreceiver.WithSpanExporter(sink))
	conn := serve(t, r)
	short := pbSpan(1)
	short.TraceId = short.TraceId[:15]
	badParent := pbSpan(2)
	badParent.ParentSpanId = []byte{1}
	badLink := pbSpan(3)
	badLink.Links = &tracepb.Span_Links{Link: []*tracepb.Span_Link{{TraceId: []byte{1}}}}
	tests := []struct {
		name string
		reqs []*agenttracepb.ExportTraceServiceRequest
		msg  string
	}{
		{"no node first", []*agenttracepb.ExportTraceServiceRequest{{Spans: []*tracepb.Span{pbSpan(1)}}}, "must carry a Node"},
		{"short trace id", []*agenttracepb.ExportTraceServiceRequest{{Node: node, Spans: []*tracepb.Span{short}}}, "trace_id has 15 bytes"},
		{"bad parent", []*agenttracepb.ExportTraceServiceRequest{{Node: node, Spans: []*tracepb.Span{badParent}}}, "parent_span_id"},
		{"bad link", []*agenttracepb.ExportTraceServiceRequest{{Node: node, Spans: []*tracepb.Span{badLink}}}, "link ids"},
		{"nil span", []*agenttracepb.ExportTraceServiceRequest{{Node: node, Spans: []*tracepb.Span{{}}}}, "trace_id has 0 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := exportAll(ctxT(t), t, conn, tt.reqs...)
			if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("status %v, want InvalidArgument containing %q", err, tt.msg)
			}
		})
	}
	t.Run("garbage bytes", func(t *testing.T) {
		t.Parallel()
		ctx := ctxT(t)
		stream, err := conn.NewStream(ctx, &grpc.StreamDesc{ClientStreams: true, ServerStreams: true},
			agenttracepb.OpenCensusTraceExportMethod, grpc.ForceCodecV2(rawCodec{}))
		if err != nil {
			t.Fatal(err)
		}
		_ = stream.SendMsg([]byte{0xff, 0xff, 0xff, 0x0f, 0x12})
		_ = stream.CloseSend()
		if err := stream.RecvMsg(new([]byte)); status.Code(err) == codes.OK {
			t.Fatalf("garbage accepted: %v", err)
		}
	})
	t.Run("still serving", func(t *testing.T) {
		t.Parallel()
		if err := exportAll(ctxT(t), t, conn, &agenttracepb.ExportTraceServiceRequest{Node: node, Spans: []*tracepb.Span{pbSpan(9)}}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestMetricsBadClients(t *testing.T) {
	t.Parallel()
	r := newReceiver(t, agentreceiver.WithMetricExporter(&metricSink{}))
	conn := serve(t, r)
	mismatched := &metricspb.Metric{
		MetricDescriptor: &metricspb.MetricDescriptor{Name: "m", LabelKeys: []*metricspb.LabelKey{{Key: "a"}}},
		Timeseries:       []*metricspb.TimeSeries{{}},
	}
	tests := []struct {
		name string
		req  *agentmetricspb.ExportMetricsServiceRequest
		msg  string
	}{
		{"no node", &agentmetricspb.ExportMetricsServiceRequest{Metrics: []*metricspb.Metric{mismatched}}, "must carry a Node"},
		{"no descriptor", &agentmetricspb.ExportMetricsServiceRequest{Node: node, Metrics: []*metricspb.Metric{{}}}, "without a descriptor"},
		{"label mismatch", &agentmetricspb.ExportMetricsServiceRequest{Node: node, Metrics: []*metricspb.Metric{mismatched}}, "label values"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := ctxT(t)
			stream, err := agentmetricspb.NewOpenCensusMetricsServiceClient(conn).Export(ctx)
			if err != nil {
				t.Fatal(err)
			}
			_ = stream.Send(tt.req)
			_, err = stream.Recv()
			if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("status %v, want InvalidArgument containing %q", err, tt.msg)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	t.Parallel()
	r := newReceiver(t, agentreceiver.WithMaxRecvMsgSize(1024), agentreceiver.WithMaxStreams(1))
	conn := serve(t, r)
	ctx := ctxT(t)
	big := pbSpan(1)
	big.Name.Value = strings.Repeat("x", 2048)
	var err error
	for range 100 { // a stream still closing may hold the one slot briefly
		err = exportAll(ctx, t, conn, &agenttracepb.ExportTraceServiceRequest{Node: node, Spans: []*tracepb.Span{big}})
		if err == nil || !strings.Contains(err.Error(), "concurrent streams") {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if status.Code(err) != codes.ResourceExhausted || !strings.Contains(err.Error(), "larger than max") {
		t.Fatalf("oversize message: %v, want ResourceExhausted", err)
	}

	// Hold the one slot with a Config stream, whose registration is visible.
	var hold agenttracepb.TraceService_ConfigClient
	for range 100 {
		hctx, cancel := context.WithCancel(ctx)
		t.Cleanup(cancel)
		if hold, err = agenttracepb.NewOpenCensusTraceServiceClient(conn).Config(hctx); err != nil {
			t.Fatal(err)
		}
		if err := hold.Send(&agenttracepb.CurrentLibraryConfig{Node: node}); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(200 * time.Millisecond)
		for r.ConfigStreams() == 0 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		if r.ConfigStreams() == 1 {
			break
		}
		cancel()
	}
	if r.ConfigStreams() != 1 {
		t.Fatal("could not hold a stream")
	}
	err = exportAll(ctx, t, conn, &agenttracepb.ExportTraceServiceRequest{Node: node})
	if status.Code(err) != codes.ResourceExhausted || !strings.Contains(err.Error(), "concurrent streams") {
		t.Fatalf("second stream: %v, want ResourceExhausted", err)
	}
	_ = hold.CloseSend()
	_, _ = hold.Recv()
}

func TestInheritance(t *testing.T) {
	t.Parallel()
	type seen struct {
		node string
		res  string
		n    int
	}
	var mu sync.Mutex
	var got []seen
	sink := tracetest.NewInMemoryExporter()
	r := newReceiver(t, agentreceiver.WithSpanExporter(sink), agentreceiver.WithSpanHandler(
		func(_ context.Context, n *commonpb.Node, res *resourcepb.Resource, spans []*tracepb.Span) error {
			mu.Lock()
			got = append(got, seen{n.GetServiceInfo().GetName(), res.GetType(), len(spans)})
			mu.Unlock()
			return nil
		}))
	conn := serve(t, r)
	nodeB := &commonpb.Node{ServiceInfo: &commonpb.ServiceInfo{Name: "other"}}
	r1, r2 := &resourcepb.Resource{Type: "r1"}, &resourcepb.Resource{Type: "r2"}
	own := pbSpan(5)
	own.Resource = &resourcepb.Resource{Type: "own", Labels: map[string]string{"k": "v"}}
	err := exportAll(ctxT(t), t, conn,
		&agenttracepb.ExportTraceServiceRequest{Node: node, Resource: r1},
		&agenttracepb.ExportTraceServiceRequest{Spans: []*tracepb.Span{pbSpan(1)}},
		&agenttracepb.ExportTraceServiceRequest{Resource: r2, Spans: []*tracepb.Span{pbSpan(2), own}},
		&agenttracepb.ExportTraceServiceRequest{Node: nodeB, Spans: []*tracepb.Span{pbSpan(3)}},
	)
	if err != nil {
		t.Fatal(err)
	}
	want := []seen{{"svc", "r1", 1}, {"svc", "r2", 2}, {"other", "r2", 1}}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	types := map[string]string{}
	for _, sd := range sink.GetSpans() {
		types[sd.Name+sd.SpanID.String()] = sd.Resource.Type
	}
	if types["op"+trace.SpanID{1, 2, 3, 4, 5, 6, 7, 5}.String()] != "own" || types["op"+trace.SpanID{1, 2, 3, 4, 5, 6, 7, 1}.String()] != "r1" {
		t.Fatalf("resources applied: %v", types)
	}
}

func TestPushConfig(t *testing.T) {
	t.Parallel()
	echoes := make(chan *tracepb.TraceConfig, 4)
	r := newReceiver(t, agentreceiver.WithConfigHandler(func(n *commonpb.Node, cfg *tracepb.TraceConfig) {
		echoes <- cfg
	}))
	conn := serve(t, r)
	ctx := ctxT(t)
	stream, err := agenttracepb.NewOpenCensusTraceServiceClient(conn).Config(ctx)
	if err != nil {
		t.Fatal(err)
	}
	initial := &tracepb.TraceConfig{MaxNumberOfLinks: 7}
	if err := stream.Send(&agenttracepb.CurrentLibraryConfig{Node: node, Config: initial}); err != nil {
		t.Fatal(err)
	}
	if got := <-echoes; got.GetMaxNumberOfLinks() != 7 {
		t.Fatalf("initial config %v", got)
	}
	for r.ConfigStreams() == 0 {
		time.Sleep(time.Millisecond)
	}
	push := &tracepb.TraceConfig{Sampler: &tracepb.TraceConfig_ProbabilitySampler{
		ProbabilitySampler: &tracepb.ProbabilitySampler{SamplingProbability: 0.25}}}
	if n := r.PushConfig(push); n != 1 {
		t.Fatalf("PushConfig reached %d streams", n)
	}
	upd, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	if upd.GetConfig().GetProbabilitySampler().GetSamplingProbability() != 0.25 {
		t.Fatalf("pushed %v", upd)
	}
	if err := stream.Send(&agenttracepb.CurrentLibraryConfig{Config: upd.GetConfig()}); err != nil {
		t.Fatal(err)
	}
	if got := <-echoes; got.GetProbabilitySampler().GetSamplingProbability() != 0.25 {
		t.Fatalf("echo %v", got)
	}
	_ = stream.CloseSend()
	if _, err := stream.Recv(); !errors.Is(err, io.EOF) {
		t.Fatalf("stream end: %v", err)
	}
}

func TestConfigWithoutNode(t *testing.T) {
	t.Parallel()
	conn := serve(t, newReceiver(t))
	stream, err := agenttracepb.NewOpenCensusTraceServiceClient(conn).Config(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	_ = stream.Send(&agenttracepb.CurrentLibraryConfig{})
	if _, err := stream.Recv(); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("status %v, want InvalidArgument", err)
	}
}

func TestShutdownEndsOpenStreams(t *testing.T) {
	t.Parallel()
	r := newReceiver(t)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- r.Serve(lis) }()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx := ctxT(t)
	stream, err := agenttracepb.NewOpenCensusTraceServiceClient(conn).Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(&agenttracepb.ExportTraceServiceRequest{Node: node}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	start := time.Now()
	sctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if err := r.Shutdown(sctx); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 500*time.Millisecond {
		t.Fatalf("Shutdown waited %v for an open stream", took)
	}
	if _, err := stream.Recv(); status.Code(err) != codes.Unavailable {
		t.Fatalf("client saw %v, want Unavailable", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := r.Shutdown(ctx); err != nil {
		t.Fatal("second Shutdown:", err)
	}
}

func TestSpanFromProtoDetails(t *testing.T) {
	t.Parallel()
	s := pbSpan(1)
	s.Kind = tracepb.Span_SERVER
	s.SameProcessAsParentSpan = wrapperspb.Bool(false)
	s.ChildSpanCount = wrapperspb.UInt32(4)
	s.Tracestate = &tracepb.Span_Tracestate{Entries: []*tracepb.Span_Tracestate_Entry{{Key: "a", Value: "1"}, {Key: "BAD KEY", Value: "x"}}}
	s.Attributes = &tracepb.Span_Attributes{AttributeMap: map[string]*tracepb.AttributeValue{"z": {}, "a": {Value: &tracepb.AttributeValue_IntValue{IntValue: 1}}}}
	sd, err := agentreceiver.SpanFromProto(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sd.Kind != trace.SpanKindServer || !sd.HasRemoteParent || sd.ChildSpanCount != 4 || !sd.IsSampled() {
		t.Fatalf("%+v", sd)
	}
	if sd.Tracestate.Len() != 0 {
		t.Fatal("invalid tracestate kept")
	}
	if len(sd.Attributes) != 1 || sd.DroppedAttributeCount != 1 {
		t.Fatalf("attributes %v dropped %d: a value-less attribute must count as dropped", sd.Attributes, sd.DroppedAttributeCount)
	}
	if _, err := agentreceiver.SpanFromProto(nil, nil); err == nil {
		t.Fatal("nil span accepted")
	}
}

type metricSink struct {
	mu sync.Mutex
	ms []*stats.Metric
}

func (m *metricSink) ExportMetrics(_ context.Context, ms []*stats.Metric) error {
	m.mu.Lock()
	m.ms = append(m.ms, ms...)
	m.mu.Unlock()
	return nil
}

func (m *metricSink) Shutdown(context.Context) error { return nil }

func TestAnswersOnGocensusPaths(t *testing.T) {
	t.Parallel()
	sink := tracetest.NewInMemoryExporter()
	conn := serve(t, newReceiver(t, agentreceiver.WithSpanExporter(sink), agentreceiver.WithMetricExporter(&metricSink{})))
	ctx := ctxT(t)
	stream, err := agenttracepb.NewTraceServiceClient(conn).Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(&agenttracepb.ExportTraceServiceRequest{Node: node, Spans: []*tracepb.Span{pbSpan(1)}}); err != nil {
		t.Fatal(err)
	}
	_ = stream.CloseSend()
	if _, err := stream.Recv(); !errors.Is(err, io.EOF) {
		t.Fatalf("trace stream ended with %v", err)
	}
	mstream, err := agentmetricspb.NewMetricsServiceClient(conn).Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := mstream.Send(&agentmetricspb.ExportMetricsServiceRequest{Node: node}); err != nil {
		t.Fatal(err)
	}
	_ = mstream.CloseSend()
	if _, err := mstream.Recv(); !errors.Is(err, io.EOF) {
		t.Fatalf("metrics stream ended with %v", err)
	}
	if n := len(sink.GetSpans()); n != 1 {
		t.Fatalf("received %d spans", n)
	}
}

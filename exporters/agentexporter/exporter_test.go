package agentexporter_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/gocensus/gocensus/exporters/agentexporter"
	"github.com/gocensus/gocensus/exporters/agentexporter/agentreceiver"
	commonpb "github.com/gocensus/gocensus/proto/gocensus/agent/common/v1"
	tracepb "github.com/gocensus/gocensus/proto/gocensus/trace/v1"
	"github.com/gocensus/gocensus/sdk/resource"
	"github.com/gocensus/gocensus/sdk/stats"
	"github.com/gocensus/gocensus/sdk/trace"
)

func TestConfigStream(t *testing.T) {
	t.Parallel()
	echoes := make(chan *tracepb.TraceConfig, 16)
	srv := startServer(t, "", agentreceiver.WithConfigHandler(func(_ *commonpb.Node, cfg *tracepb.TraceConfig) {
		echoes <- cfg
	}))
	defer srv.stop()
	tracer := trace.NewTracer(trace.WithSampler(trace.ProbabilitySampler(0.5)))
	defer tracer.Shutdown(context.Background())
	e := newExporter(t, srv.addr, agentexporter.WithTracer(tracer))
	initial := <-echoes
	if initial.GetProbabilitySampler().GetSamplingProbability() != 0.5 || initial.GetMaxNumberOfAttributes() != 32 {
		t.Fatalf("initial config %v", initial)
	}
	waitFor(t, 2*time.Second, "the config stream", func() bool { return srv.r.ConfigStreams() == 1 })
	tests := []struct {
		name    string
		push    *tracepb.TraceConfig
		sampler string
		limits  trace.SpanLimits
	}{
		{"always", &tracepb.TraceConfig{Sampler: &tracepb.TraceConfig_ConstantSampler{ConstantSampler: &tracepb.ConstantSampler{Decision: tracepb.ConstantSampler_ALWAYS_ON}},
			MaxNumberOfAttributes: 8, MaxNumberOfAnnotations: 9, MaxNumberOfMessageEvents: 10, MaxNumberOfLinks: 11}, "AlwaysSample",
			trace.SpanLimits{MaxAttributes: 8, MaxAnnotations: 9, MaxMessageEvents: 10, MaxLinks: 11}},
		{"never", &tracepb.TraceConfig{Sampler: &tracepb.TraceConfig_ConstantSampler{ConstantSampler: &tracepb.ConstantSampler{}}}, "NeverSample",
			trace.SpanLimits{MaxAttributes: 8, MaxAnnotations: 9, MaxMessageEvents: 10, MaxLinks: 11}},
		{"parent", &tracepb.TraceConfig{Sampler: &tracepb.TraceConfig_ConstantSampler{ConstantSampler: &tracepb.ConstantSampler{Decision: tracepb.ConstantSampler_ALWAYS_PARENT}}}, "ParentBased{root:NeverSample",
			trace.SpanLimits{MaxAttributes: 8, MaxAnnotations: 9, MaxMessageEvents: 10, MaxLinks: 11}},
		{"rate", &tracepb.TraceConfig{Sampler: &tracepb.TraceConfig_RateLimitingSampler{RateLimitingSampler: &tracepb.RateLimitingSampler{Qps: 5}},
			MaxNumberOfLinks: 1 << 40}, "RateLimitingSampler{5}",
			trace.SpanLimits{MaxAttributes: 8, MaxAnnotations: 9, MaxMessageEvents: 10, MaxLinks: 1 << 16}},
		{"probability clamped", &tracepb.TraceConfig{Sampler: &tracepb.TraceConfig_ProbabilitySampler{ProbabilitySampler: &tracepb.ProbabilitySampler{SamplingProbability: 7}}}, "ProbabilitySampler{1}",
			trace.SpanLimits{MaxAttributes: 8, MaxAnnotations: 9, MaxMessageEvents: 10, MaxLinks: 1 << 16}},
	}
	for _, tt := range tests {
		if n := srv.r.PushConfig(tt.push); n != 1 {
			t.Fatalf("%s: pushed to %d streams", tt.name, n)
		}
		echo := <-echoes
		if got := tracer.Sampler().Description(); !strings.HasPrefix(got, tt.sampler) {
			t.Errorf("%s: sampler %q, want %q", tt.name, got, tt.sampler)
		}
		l := tracer.Limits()
		if l.MaxAttributes != tt.limits.MaxAttributes || l.MaxAnnotations != tt.limits.MaxAnnotations ||
			l.MaxMessageEvents != tt.limits.MaxMessageEvents || l.MaxLinks != tt.limits.MaxLinks {
			t.Errorf("%s: limits %+v, want %+v", tt.name, l, tt.limits)
		}
		if echo.GetMaxNumberOfLinks() != int64(l.MaxLinks) {
			t.Errorf("%s: echo %v does not report the applied limits", tt.name, echo)
		}
	}
	ctx := ctxTimeout(t, 5*time.Second)
	if err := e.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if e.Stats().ConfigsApplied != uint64(len(tests)) {
		t.Fatalf("ConfigsApplied %d", e.Stats().ConfigsApplied)
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

func TestMetricsRoundTrip(t *testing.T) {
	t.Parallel()
	sink := &metricSink{}
	srv := startServer(t, "", agentreceiver.WithMetricExporter(sink))
	defer srv.stop()
	res := &resource.Resource{Type: "service", Labels: map[string]string{"service.name": "m"}}
	e := newExporter(t, srv.addr, agentexporter.WithResource(res))
	start := epoch.Add(-time.Minute)
	want := []*stats.Metric{
		{Descriptor: stats.Descriptor{Name: "latency", Unit: "ms", Type: stats.TypeCumulativeDistribution,
			LabelKeys: []stats.LabelKey{{Key: "method"}, {Key: "status"}}},
			TimeSeries: []*stats.TimeSeries{{StartTime: start,
				LabelValues: []stats.LabelValue{{Value: "Get", Present: true}, {}},
				Points: []stats.Point{{Time: epoch, Distribution: &stats.DistributionValue{
					Count: 3, Sum: 12, SumOfSquaredDeviation: 2, BucketBounds: []float64{1, 10},
					Buckets: []stats.Bucket{{Count: 0}, {Count: 3, Exemplar: &stats.Exemplar{Value: 4, Time: epoch,
						Attachments: map[string]string{"trace_id": "abc"}}}, {}}}}}}},
			Resource: res},
		{Descriptor: stats.Descriptor{Name: "queue", Type: stats.TypeGaugeInt64},
			TimeSeries: []*stats.TimeSeries{{Points: []stats.Point{{Time: epoch, Int64Value: 42}}}},
			Resource:   &resource.Resource{Type: "other"}},
		{Descriptor: stats.Descriptor{Name: "bytes", Type: stats.TypeCumulativeFloat64},
			TimeSeries: []*stats.TimeSeries{{StartTime: start, Points: []stats.Point{{Time: epoch, Float64Value: 1.5}}}},
			Resource:   res},
	}
	ctx := ctxTimeout(t, 5*time.Second)
	if err := e.ExportMetrics(ctx, want); err != nil {
		t.Fatal(err)
	}
	if err := e.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if diff := cmp.Diff(want, sink.ms, cmpSpan); diff != "" {
		t.Fatalf("metrics changed on the way (-sent +received):\n%s", diff)
	}
	st := e.Stats().Metrics
	checkAccounting(t, st)
	if st.Sent != 3 {
		t.Fatalf("%+v", st)
	}
}

type tokenCreds struct{}

func (tokenCreds) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer t0k3n"}, nil
}
func (tokenCreds) RequireTransportSecurity() bool { return false }

func TestHeadersAndCredentialsOnEveryStream(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	seen := map[string]metadata.MD{}
	r, err := agentreceiver.New(agentreceiver.WithLogger(nil), agentreceiver.WithServerOptions(grpc.StreamInterceptor(
		func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
			md, _ := metadata.FromIncomingContext(ss.Context())
			mu.Lock()
			seen[info.FullMethod] = md
			mu.Unlock()
			return handler(srv, ss)
		})))
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- r.Serve(lis) }()
	tracer := trace.NewTracer()
	defer tracer.Shutdown(context.Background())
	e := newExporter(t, lis.Addr().String(), agentexporter.WithHeaders(map[string]string{"x-tenant": "acme"}),
		agentexporter.WithPerRPCCredentials(tokenCreds{}), agentexporter.WithTracer(tracer), agentexporter.WithCompressor("gzip"))
	ctx := ctxTimeout(t, 5*time.Second)
	if err := e.ExportSpans(ctx, spanBatch(0, 3)); err != nil {
		t.Fatal(err)
	}
	if err := e.ExportMetrics(ctx, []*stats.Metric{{Descriptor: stats.Descriptor{Name: "m", Type: stats.TypeGaugeInt64}}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 3*time.Second, "three streams", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(seen) == 3
	})
	if err := e.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	_ = r.Shutdown(sctx)
	<-done
	for _, m := range []string{"/opencensus.proto.agent.trace.v1.TraceService/Export",
		"/opencensus.proto.agent.trace.v1.TraceService/Config",
		"/opencensus.proto.agent.metrics.v1.MetricsService/Export"} {
		md := seen[m]
		if got := md.Get("x-tenant"); len(got) != 1 || got[0] != "acme" {
			t.Errorf("%s: x-tenant %v", m, got)
		}
		if got := md.Get("authorization"); len(got) != 1 || got[0] != "Bearer t0k3n" {
			t.Errorf("%s: authorization %v", m, got)
		}
		if got := md.Get("grpc-accept-encoding"); len(got) == 0 || !strings.Contains(got[0], "gzip") {
			t.Errorf("%s: accept-encoding %v", m, got)
		}
	}
}

func TestOversizeSpansAndSplitting(t *testing.T) {
	t.Parallel()
	sink := newSink()
	srv := startServer(t, "", agentreceiver.WithSpanExporter(sink))
	defer srv.stop()
	e := newExporter(t, srv.addr, agentexporter.WithQueueBudget(10000, 64<<20))
	ctx := ctxTimeout(t, 5*time.Second)
	huge := testSpan(0)
	huge.Attributes = append(huge.Attributes, trace.StringAttribute("blob", strings.Repeat("x", 5<<20)))
	huge.Annotations = []trace.Annotation{{Message: "a"}}
	spans := []*trace.SpanData{huge}
	blob := strings.Repeat("y", 4<<10)
	for i := 1; i <= 3000; i++ { // ~12 MiB: must be split into several messages
		sd := testSpan(i)
		sd.Attributes = append(sd.Attributes, trace.StringAttribute("blob", blob))
		spans = append(spans, sd)
	}
	if err := e.ExportSpans(ctx, spans); err != nil {
		t.Fatal(err)
	}
	if err := e.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if sink.count() != 3001 {
		t.Fatalf("receiver got %d of 3001 spans", sink.count())
	}
	sink.mu.Lock()
	got := sink.spans[huge.SpanID]
	sink.mu.Unlock()
	if len(got.Attributes) != 0 || got.DroppedAttributeCount != 3 || got.DroppedAnnotationCount != 1 {
		t.Fatalf("oversize span not shrunk: %d attributes, %d dropped, %d annotations dropped",
			len(got.Attributes), got.DroppedAttributeCount, got.DroppedAnnotationCount)
	}
	st := e.Stats()
	checkAccounting(t, st.Spans)
	if st.TruncatedSpans != 1 || st.Spans.SentBatches < 3 {
		t.Fatalf("%+v", st)
	}
}

func TestSelfViews(t *testing.T) {
	t.Parallel()
	m := stats.NewManager()
	if err := m.Register(agentexporter.Views()...); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t) // nobody listens: everything stays queued, then is dropped
	e := newExporter(t, addr, agentexporter.WithStatsManager(m), agentexporter.WithQueueBudget(10, 1<<20))
	ctx := ctxTimeout(t, 5*time.Second)
	if err := e.ExportSpans(ctx, spanBatch(0, 10)); err != nil {
		t.Fatal(err)
	}
	if err := e.ExportSpans(ctx, spanBatch(10, 10)); err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := e.Shutdown(sctx); err == nil || !strings.Contains(err.Error(), "10 items undelivered") {
		t.Fatalf("Shutdown = %v", err)
	}
	got := map[string]int64{}
	for _, md := range m.Read() {
		for _, ts := range md.TimeSeries {
			key := md.Descriptor.Name
			for _, lv := range ts.LabelValues {
				key += "/" + lv.Value
			}
			for _, p := range ts.Points {
				got[key] += p.Int64Value
			}
		}
	}
	if got["gocensus.io/exporter/agent/dropped_spans/queue_full"] != 10 || got["gocensus.io/exporter/agent/dropped_spans/shutdown"] != 10 {
		t.Fatalf("views %v", got)
	}
	if err := e.ExportSpans(ctx, spanBatch(0, 1)); !errors.Is(err, agentexporter.ErrShutdown) {
		t.Fatalf("ExportSpans after Shutdown = %v", err)
	}
	if err := e.Shutdown(ctx); err == nil {
		t.Fatal("second Shutdown must report the first result")
	}
}

func TestBadOptions(t *testing.T) {
	t.Parallel()
	for _, o := range []agentexporter.Option{
		agentexporter.WithAddress(""), agentexporter.WithQueueBudget(0, 1), agentexporter.WithMaxMessageBytes(10),
		agentexporter.WithStallTimeout(0), agentexporter.WithResendWindow(-1, 0),
	} {
		if e, err := agentexporter.New(agentexporter.WithInsecure(), o); err == nil {
			_ = e.Shutdown(context.Background())
			t.Error("bad option accepted")
		}
	}
}

func TestExportsRacingShutdown(t *testing.T) {
	t.Parallel()
	sink := newSink()
	srv := startServer(t, "", agentreceiver.WithSpanExporter(sink), agentreceiver.WithMetricExporter(&metricSink{}))
	defer srv.stop()
	e := newExporter(t, srv.addr)
	ctx := ctxTimeout(t, 5*time.Second)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				err := e.ExportSpans(ctx, spanBatch(g*100000+i*10, 10))
				_ = e.ExportMetrics(ctx, []*stats.Metric{{Descriptor: stats.Descriptor{Name: "m", Type: stats.TypeGaugeInt64}}})
				if errors.Is(err, agentexporter.ErrShutdown) {
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	time.Sleep(50 * time.Millisecond)
	if err := e.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	st := e.Stats()
	checkAccounting(t, st.Spans)
	checkAccounting(t, st.Metrics)
	// Four writers can outrun the stream, so the oldest batches may be
	// evicted (queue_full) as well as cut off by Shutdown; nothing else may
	// be lost, and everything counted as sent must have arrived.
	d := st.Spans.Dropped
	if st.Spans.Pending != 0 || uint64(sink.count()) != st.Spans.Sent ||
		d[agentexporter.DropOversize]+d[agentexporter.DropPermanent]+d[agentexporter.DropRetryExhausted] != 0 {
		t.Fatalf("receiver %d, stats %+v", sink.count(), st.Spans)
	}
}

func TestCallerOwnedConnection(t *testing.T) {
	t.Parallel()
	sink := newSink()
	srv := startServer(t, "", agentreceiver.WithSpanExporter(sink))
	defer srv.stop()
	conn, err := grpc.NewClient(srv.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	e, err := agentexporter.New(agentexporter.WithGRPCConn(conn), agentexporter.WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxTimeout(t, 5*time.Second)
	if err := e.ExportSpans(ctx, spanBatch(0, 5)); err != nil {
		t.Fatal(err)
	}
	if err := e.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if sink.count() != 5 {
		t.Fatalf("received %d spans", sink.count())
	}
	if s := conn.GetState(); s == connectivity.Shutdown {
		t.Fatal("the exporter closed a connection it does not own")
	}
}

func TestDropReasons(t *testing.T) {
	t.Parallel()
	want := []string{"queue_full", "oversize", "permanent_error", "retry_exhausted", "shutdown"}
	reasons := []agentexporter.DropReason{agentexporter.DropQueueFull, agentexporter.DropOversize,
		agentexporter.DropPermanent, agentexporter.DropRetryExhausted, agentexporter.DropShutdown}
	if n := len(agentexporter.QueueStats{}.Dropped); n != len(reasons) {
		t.Fatalf("QueueStats.Dropped has %d reasons, the package names %d", n, len(reasons))
	}
	for i, r := range reasons {
		if int(r) != i || r.String() != want[i] {
			t.Errorf("reason %d: index %d, name %q, want %q", i, int(r), r.String(), want[i])
		}
	}
}

package agentreceiver_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/gocensus/gocensus/exporters/agentexporter/agentreceiver"
	agentmetricspb "github.com/gocensus/gocensus/proto/gocensus/agent/metrics/v1"
	agenttracepb "github.com/gocensus/gocensus/proto/gocensus/agent/trace/v1"
	metricspb "github.com/gocensus/gocensus/proto/gocensus/metrics/v1"
	tracepb "github.com/gocensus/gocensus/proto/gocensus/trace/v1"
)

// FuzzExportTraceRequest feeds arbitrary bytes through what the receiver
// does with a trace message: decode, then convert every span. Nothing may
// panic; bad spans must come back as errors.
func FuzzExportTraceRequest(f *testing.F) {
	full := pbSpan(1)
	full.ParentSpanId = []byte{1, 2, 3, 4, 5, 6, 7, 8}
	full.Attributes = &tracepb.Span_Attributes{AttributeMap: map[string]*tracepb.AttributeValue{
		"s": {Value: &tracepb.AttributeValue_StringValue{StringValue: &tracepb.TruncatableString{Value: "v"}}}}}
	full.TimeEvents = &tracepb.Span_TimeEvents{TimeEvent: []*tracepb.Span_TimeEvent{
		{Value: &tracepb.Span_TimeEvent_MessageEvent_{MessageEvent: &tracepb.Span_TimeEvent_MessageEvent{Type: 9}}}}}
	full.Links = &tracepb.Span_Links{Link: []*tracepb.Span_Link{{TraceId: make([]byte, 16), SpanId: make([]byte, 8), Type: 7}}}
	for _, req := range []*agenttracepb.ExportTraceServiceRequest{
		{Node: node, Spans: []*tracepb.Span{full}},
		{Spans: []*tracepb.Span{{TraceId: []byte{1}}}},
	} {
		b, err := proto.Marshal(req)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{0x12, 0x03, 0x0a, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		var req agenttracepb.ExportTraceServiceRequest
		if proto.Unmarshal(b, &req) != nil {
			return
		}
		res := agentreceiver.ResourceFromProto(req.GetResource())
		for _, s := range req.GetSpans() {
			sd, err := agentreceiver.SpanFromProto(s, res)
			if err == nil && sd == nil {
				t.Fatal("nil span without an error")
			}
		}
	})
}

// FuzzExportMetricsRequest is FuzzExportTraceRequest for metrics.
func FuzzExportMetricsRequest(f *testing.F) {
	m := &metricspb.Metric{
		MetricDescriptor: &metricspb.MetricDescriptor{Name: "m", Type: metricspb.MetricDescriptor_CUMULATIVE_DISTRIBUTION,
			LabelKeys: []*metricspb.LabelKey{{Key: "k"}}},
		Timeseries: []*metricspb.TimeSeries{{LabelValues: []*metricspb.LabelValue{{Value: "v", HasValue: true}},
			Points: []*metricspb.Point{{Value: &metricspb.Point_DistributionValue{DistributionValue: &metricspb.DistributionValue{
				Count: 1, Buckets: []*metricspb.DistributionValue_Bucket{{Count: 1, Exemplar: &metricspb.DistributionValue_Exemplar{Value: 1}}}}}}}}},
	}
	b, err := proto.Marshal(&agentmetricspb.ExportMetricsServiceRequest{Node: node, Metrics: []*metricspb.Metric{m}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte{0x12, 0x02, 0x0a, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		var req agentmetricspb.ExportMetricsServiceRequest
		if proto.Unmarshal(b, &req) != nil {
			return
		}
		for _, m := range req.GetMetrics() {
			_, _ = agentreceiver.MetricFromProto(m, nil)
		}
	})
}

package agentreceiver_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/gocensus/gocensus/exporters/agentexporter/agentreceiver"
	agenttracepb "github.com/gocensus/gocensus/proto/gocensus/agent/trace/v1"
	tracepb "github.com/gocensus/gocensus/proto/gocensus/trace/v1"
)

// BenchmarkDecodeAndConvert measures what the receiver does per message of
// 512 typical spans: decode the request and convert each span to SpanData.
func BenchmarkDecodeAndConvert(b *testing.B) {
	req := &agenttracepb.ExportTraceServiceRequest{Node: node}
	for i := range 512 {
		s := pbSpan(byte(i))
		s.Attributes = &tracepb.Span_Attributes{AttributeMap: map[string]*tracepb.AttributeValue{
			"rpc.system":  {Value: &tracepb.AttributeValue_StringValue{StringValue: &tracepb.TruncatableString{Value: "grpc"}}},
			"rpc.service": {Value: &tracepb.AttributeValue_StringValue{StringValue: &tracepb.TruncatableString{Value: "helloworld.Greeter"}}},
			"status_code": {Value: &tracepb.AttributeValue_IntValue{IntValue: 0}},
			"retry":       {Value: &tracepb.AttributeValue_BoolValue{BoolValue: false}},
		}}
		req.Spans = append(req.Spans, s)
	}
	wire, err := proto.Marshal(req)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(wire)))
	b.ReportAllocs()
	for b.Loop() {
		var got agenttracepb.ExportTraceServiceRequest
		if err := proto.Unmarshal(wire, &got); err != nil {
			b.Fatal(err)
		}
		for _, s := range got.Spans {
			if _, err := agentreceiver.SpanFromProto(s, nil); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(req.Spans)), "ns/span")
}

package tracepb_test

import (
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	tracepb "github.com/gocensus/gocensus/proto/gocensus/trace/v1"
)

// rpcSpan is a span as the gRPC interceptors produce it: a few attributes,
// two message events, a status.
func rpcSpan() *tracepb.Span {
	str := func(s string) *tracepb.AttributeValue {
		return &tracepb.AttributeValue{Value: &tracepb.AttributeValue_StringValue{StringValue: &tracepb.TruncatableString{Value: s}}}
	}
	event := func(typ tracepb.Span_TimeEvent_MessageEvent_Type, size uint64) *tracepb.Span_TimeEvent {
		return &tracepb.Span_TimeEvent{
			Time: &timestamppb.Timestamp{Seconds: 1_700_000_000, Nanos: 1000},
			Value: &tracepb.Span_TimeEvent_MessageEvent_{MessageEvent: &tracepb.Span_TimeEvent_MessageEvent{
				Type: typ, Id: 1, UncompressedSize: size, CompressedSize: size,
			}},
		}
	}
	return &tracepb.Span{
		TraceId:      []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
		SpanId:       []byte{1, 2, 3, 4, 5, 6, 7, 8},
		ParentSpanId: []byte{8, 7, 6, 5, 4, 3, 2, 1},
		Name:         &tracepb.TruncatableString{Value: "/shop.Cart/Checkout"},
		Kind:         tracepb.Span_SERVER,
		StartTime:    &timestamppb.Timestamp{Seconds: 1_700_000_000},
		EndTime:      &timestamppb.Timestamp{Seconds: 1_700_000_000, Nanos: 2_500_000},
		Attributes: &tracepb.Span_Attributes{AttributeMap: map[string]*tracepb.AttributeValue{
			"rpc.service": str("shop.Cart"),
			"rpc.method":  str("Checkout"),
			"net.peer":    str("10.1.2.3:443"),
		}},
		TimeEvents: &tracepb.Span_TimeEvents{TimeEvent: []*tracepb.Span_TimeEvent{
			event(tracepb.Span_TimeEvent_MessageEvent_RECEIVED, 120),
			event(tracepb.Span_TimeEvent_MessageEvent_SENT, 2048),
		}},
		Status: &tracepb.Status{Code: 0},
	}
}

func BenchmarkSpanMarshal(b *testing.B) {
	span := rpcSpan()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := proto.Marshal(span); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSpanUnmarshal(b *testing.B) {
	buf, err := proto.Marshal(rpcSpan())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		var span tracepb.Span
		if err := proto.Unmarshal(buf, &span); err != nil {
			b.Fatal(err)
		}
	}
}

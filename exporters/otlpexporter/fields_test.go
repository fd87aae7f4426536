package otlpexporter

import (
	"testing"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// The direct encoder's field numbers must be those of the generated types.
func TestFieldNumbersMatchGeneratedTypes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		msg   proto.Message
		field protoreflect.Name
		num   protowire.Number
	}{
		{&coltracepb.ExportTraceServiceRequest{}, "resource_spans", fReqResourceSpans},
		{&tracepb.ResourceSpans{}, "resource", fRSResource},
		{&tracepb.ResourceSpans{}, "scope_spans", fRSScopeSpans},
		{&tracepb.ScopeSpans{}, "scope", fSSScope},
		{&tracepb.ScopeSpans{}, "spans", fSSSpans},
		{&tracepb.Span{}, "trace_id", fSpanTraceID},
		{&tracepb.Span{}, "span_id", fSpanSpanID},
		{&tracepb.Span{}, "trace_state", fSpanTraceState},
		{&tracepb.Span{}, "parent_span_id", fSpanParentSpanID},
		{&tracepb.Span{}, "name", fSpanName},
		{&tracepb.Span{}, "kind", fSpanKind},
		{&tracepb.Span{}, "start_time_unix_nano", fSpanStart},
		{&tracepb.Span{}, "end_time_unix_nano", fSpanEnd},
		{&tracepb.Span{}, "attributes", fSpanAttributes},
		{&tracepb.Span{}, "dropped_attributes_count", fSpanDroppedAttrs},
		{&tracepb.Span{}, "events", fSpanEvents},
		{&tracepb.Span{}, "dropped_events_count", fSpanDroppedEvents},
		{&tracepb.Span{}, "links", fSpanLinks},
		{&tracepb.Span{}, "dropped_links_count", fSpanDroppedLinks},
		{&tracepb.Span{}, "status", fSpanStatus},
		{&tracepb.Span{}, "flags", fSpanFlags},
		{&tracepb.Status{}, "message", fStatusMessage},
		{&tracepb.Status{}, "code", fStatusCode},
		{&tracepb.Span_Event{}, "time_unix_nano", fEventTime},
		{&tracepb.Span_Event{}, "name", fEventName},
		{&tracepb.Span_Event{}, "attributes", fEventAttributes},
		{&tracepb.Span_Link{}, "trace_id", fLinkTraceID},
		{&tracepb.Span_Link{}, "span_id", fLinkSpanID},
		{&tracepb.Span_Link{}, "trace_state", fLinkTraceState},
		{&tracepb.Span_Link{}, "attributes", fLinkAttributes},
		{&commonpb.KeyValue{}, "key", fKVKey},
		{&commonpb.KeyValue{}, "value", fKVValue},
		{&commonpb.AnyValue{}, "string_value", fAnyString},
		{&commonpb.AnyValue{}, "bool_value", fAnyBool},
		{&commonpb.AnyValue{}, "int_value", fAnyInt},
		{&commonpb.AnyValue{}, "double_value", fAnyDouble},
	}
	for _, tt := range tests {
		d := tt.msg.ProtoReflect().Descriptor()
		f := d.Fields().ByName(tt.field)
		if f == nil {
			t.Errorf("%s has no field %s", d.FullName(), tt.field)
			continue
		}
		if f.Number() != tt.num {
			t.Errorf("%s.%s is field %d, the encoder writes %d", d.FullName(), tt.field, f.Number(), tt.num)
		}
	}
	if tracepb.Status_STATUS_CODE_ERROR != statusCodeError {
		t.Errorf("STATUS_CODE_ERROR is %d, the encoder writes %d", tracepb.Status_STATUS_CODE_ERROR, statusCodeError)
	}
}

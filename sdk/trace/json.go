package trace

import (
	"encoding/hex"
	"runtime"
	"slices"
	"strconv"

	"github.com/gocensus/gocensus/internal/jsonenc"
)

// AppendJSON appends s as one JSON object, without a trailing newline, and
// returns the extended buffer. It is the single span schema shared by the
// print, file and log exporters; the encoding is hand-written (no
// reflection) so an exporter that reuses dst allocates nothing per span.
// A nil s appends null.
//
// Fields appear in this order; "optional" fields are omitted when zero or
// empty, all others are always present:
//
//	trace_id            string   32 lowercase hex characters
//	span_id             string   16 lowercase hex characters
//	parent_span_id      string   16 lowercase hex characters; optional (absent for roots)
//	remote_parent       bool     true when the parent came from another process; optional
//	name                string
//	kind                string   UNSPECIFIED, SERVER, CLIENT, PRODUCER, CONSUMER or INTERNAL
//	start_time          string   RFC 3339 in UTC with nine fractional digits
//	end_time            string   same format
//	duration_ns         number   end_time minus start_time in nanoseconds
//	sampled             bool     the sampled trace option
//	tracestate          string   W3C tracestate header value; optional
//	attributes          object   key to value, in recording order; {} when none
//	annotations         array    optional; each {"time", "message", "attributes"?}
//	message_events      array    optional; each {"time", "type", "id",
//	                             "uncompressed_size", "compressed_size"} with type
//	                             SENT, RECEIVED or UNSPECIFIED (compressed_size 0
//	                             means "same as uncompressed", as in SpanData)
//	links               array    optional; each {"trace_id", "span_id", "type",
//	                             "tracestate"?, "attributes"?} with type
//	                             CHILD_LINKED_SPAN, PARENT_LINKED_SPAN or UNSPECIFIED
//	status              object   {"code": number, "name": string, "message"?: string}
//	stack_trace         array    optional; each {"function", "file", "line"}
//	dropped_attributes_count, dropped_annotations_count,
//	dropped_message_events_count, dropped_links_count
//	                    number   optional
//	child_span_count    number   optional
//	resource            object   optional; {"type"?: string, "labels"?: object}
//	                             with labels sorted by key
//
// The status name is the canonical gRPC code name for codes 0 to 16 (OK,
// CANCELLED, UNKNOWN, INVALID_ARGUMENT, DEADLINE_EXCEEDED, NOT_FOUND,
// ALREADY_EXISTS, PERMISSION_DENIED, RESOURCE_EXHAUSTED, FAILED_PRECONDITION,
// ABORTED, OUT_OF_RANGE, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS,
// UNAUTHENTICATED) and "CODE_<n>" for any other code.
//
// Attribute values keep their type: strings and bools as such, int64 as a
// JSON integer (readers that parse numbers as float64 lose precision beyond
// 2^53), float64 in the shortest form that round-trips. JSON has no NaN or
// infinity, so those floats are written as the strings "NaN", "+Inf" and
// "-Inf"; a Value of invalid type is written as null.
//
// Strings are escaped as JSON requires; each byte of invalid UTF-8 becomes
// U+FFFD, and U+2028 and U+2029 are escaped so lines are safe to embed in
// JavaScript. The output is therefore always valid UTF-8 JSON.
func (s *SpanData) AppendJSON(dst []byte) []byte {
	if s == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, `{"trace_id":"`...)
	dst = hex.AppendEncode(dst, s.TraceID[:])
	dst = append(dst, `","span_id":"`...)
	dst = hex.AppendEncode(dst, s.SpanID[:])
	dst = append(dst, '"')
	if s.ParentSpanID.IsValid() {
		dst = append(dst, `,"parent_span_id":"`...)
		dst = hex.AppendEncode(dst, s.ParentSpanID[:])
		dst = append(dst, '"')
	}
	if s.HasRemoteParent {
		dst = append(dst, `,"remote_parent":true`...)
	}
	dst = append(dst, `,"name":`...)
	dst = jsonenc.AppendString(dst, s.Name)
	dst = append(dst, `,"kind":"`...)
	dst = append(dst, s.Kind.jsonName()...)
	dst = append(dst, `","start_time":`...)
	dst = jsonenc.AppendTime(dst, s.StartTime)
	dst = append(dst, `,"end_time":`...)
	dst = jsonenc.AppendTime(dst, s.EndTime)
	dst = append(dst, `,"duration_ns":`...)
	dst = strconv.AppendInt(dst, int64(s.EndTime.Sub(s.StartTime)), 10)
	dst = append(dst, `,"sampled":`...)
	dst = strconv.AppendBool(dst, s.IsSampled())
	if ts := s.Tracestate.String(); ts != "" {
		dst = append(dst, `,"tracestate":`...)
		dst = jsonenc.AppendString(dst, ts)
	}
	dst = append(dst, `,"attributes":`...)
	dst = appendJSONAttributes(dst, s.Attributes)

	if len(s.Annotations) > 0 {
		dst = append(dst, `,"annotations":[`...)
		for i := range s.Annotations {
			a := &s.Annotations[i]
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"time":`...)
			dst = jsonenc.AppendTime(dst, a.Time)
			dst = append(dst, `,"message":`...)
			dst = jsonenc.AppendString(dst, a.Message)
			if len(a.Attributes) > 0 {
				dst = append(dst, `,"attributes":`...)
				dst = appendJSONAttributes(dst, a.Attributes)
			}
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	if len(s.MessageEvents) > 0 {
		dst = append(dst, `,"message_events":[`...)
		for i := range s.MessageEvents {
			m := &s.MessageEvents[i]
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"time":`...)
			dst = jsonenc.AppendTime(dst, m.Time)
			dst = append(dst, `,"type":"`...)
			dst = append(dst, m.EventType.jsonName()...)
			dst = append(dst, `","id":`...)
			dst = strconv.AppendInt(dst, m.MessageID, 10)
			dst = append(dst, `,"uncompressed_size":`...)
			dst = strconv.AppendInt(dst, m.UncompressedSize, 10)
			dst = append(dst, `,"compressed_size":`...)
			dst = strconv.AppendInt(dst, m.CompressedSize, 10)
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	if len(s.Links) > 0 {
		dst = append(dst, `,"links":[`...)
		for i := range s.Links {
			l := &s.Links[i]
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"trace_id":"`...)
			dst = hex.AppendEncode(dst, l.TraceID[:])
			dst = append(dst, `","span_id":"`...)
			dst = hex.AppendEncode(dst, l.SpanID[:])
			dst = append(dst, `","type":"`...)
			dst = append(dst, l.Type.jsonName()...)
			dst = append(dst, '"')
			if ts := l.Tracestate.String(); ts != "" {
				dst = append(dst, `,"tracestate":`...)
				dst = jsonenc.AppendString(dst, ts)
			}
			if len(l.Attributes) > 0 {
				dst = append(dst, `,"attributes":`...)
				dst = appendJSONAttributes(dst, l.Attributes)
			}
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}

	dst = append(dst, `,"status":{"code":`...)
	dst = strconv.AppendInt(dst, int64(s.Status.Code), 10)
	dst = append(dst, `,"name":"`...)
	dst = appendJSONStatusName(dst, s.Status.Code)
	dst = append(dst, '"')
	if s.Status.Message != "" {
		dst = append(dst, `,"message":`...)
		dst = jsonenc.AppendString(dst, s.Status.Message)
	}
	dst = append(dst, '}')

	if len(s.StackTrace) > 0 {
		dst = appendJSONStack(dst, s.StackTrace)
	}
	dst = appendJSONCount(dst, `,"dropped_attributes_count":`, s.DroppedAttributeCount)
	dst = appendJSONCount(dst, `,"dropped_annotations_count":`, s.DroppedAnnotationCount)
	dst = appendJSONCount(dst, `,"dropped_message_events_count":`, s.DroppedMessageEventCount)
	dst = appendJSONCount(dst, `,"dropped_links_count":`, s.DroppedLinkCount)
	dst = appendJSONCount(dst, `,"child_span_count":`, s.ChildSpanCount)

	if r := s.Resource; r != nil {
		dst = append(dst, `,"resource":{`...)
		sep := false
		if r.Type != "" {
			dst = append(dst, `"type":`...)
			dst = jsonenc.AppendString(dst, r.Type)
			sep = true
		}
		if len(r.Labels) > 0 {
			if sep {
				dst = append(dst, ',')
			}
			dst = append(dst, `"labels":{`...)
			var stack [16]string
			keys := stack[:0]
			for k := range r.Labels {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for i, k := range keys {
				if i > 0 {
					dst = append(dst, ',')
				}
				dst = jsonenc.AppendString(dst, k)
				dst = append(dst, ':')
				dst = jsonenc.AppendString(dst, r.Labels[k])
			}
			dst = append(dst, '}')
		}
		dst = append(dst, '}')
	}
	return append(dst, '}')
}

// MarshalJSON implements json.Marshaler with the schema of AppendJSON.
func (s *SpanData) MarshalJSON() ([]byte, error) {
	return s.AppendJSON(make([]byte, 0, 512)), nil
}

func appendJSONCount(dst []byte, field string, n int32) []byte {
	if n == 0 {
		return dst
	}
	dst = append(dst, field...)
	return strconv.AppendInt(dst, int64(n), 10)
}

func appendJSONAttributes(dst []byte, attrs []Attribute) []byte {
	dst = append(dst, '{')
	for i := range attrs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = jsonenc.AppendString(dst, attrs[i].Key)
		dst = append(dst, ':')
		dst = appendJSONValue(dst, attrs[i].Value)
	}
	return append(dst, '}')
}

func appendJSONValue(dst []byte, v Value) []byte {
	switch v.Type() {
	case BoolValueType:
		return strconv.AppendBool(dst, v.AsBool())
	case Int64ValueType:
		return strconv.AppendInt(dst, v.AsInt64(), 10)
	case Float64ValueType:
		return jsonenc.AppendFloat(dst, v.AsFloat64())
	case StringValueType:
		return jsonenc.AppendString(dst, v.AsString())
	default:
		return append(dst, "null"...)
	}
}

func appendJSONStack(dst []byte, pcs []uintptr) []byte {
	dst = append(dst, `,"stack_trace":[`...)
	frames := runtime.CallersFrames(pcs)
	first := true
	for {
		f, more := frames.Next()
		if f.PC != 0 || f.Function != "" {
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = append(dst, `{"function":`...)
			dst = jsonenc.AppendString(dst, f.Function)
			dst = append(dst, `,"file":`...)
			dst = jsonenc.AppendString(dst, f.File)
			dst = append(dst, `,"line":`...)
			dst = strconv.AppendInt(dst, int64(f.Line), 10)
			dst = append(dst, '}')
		}
		if !more {
			break
		}
	}
	return append(dst, ']')
}

var jsonSpanKindNames = [...]string{
	SpanKindUnspecified: "UNSPECIFIED",
	SpanKindServer:      "SERVER",
	SpanKindClient:      "CLIENT",
	SpanKindProducer:    "PRODUCER",
	SpanKindConsumer:    "CONSUMER",
	SpanKindInternal:    "INTERNAL",
}

func (k SpanKind) jsonName() string {
	if int(k) < len(jsonSpanKindNames) {
		return jsonSpanKindNames[k]
	}
	return "UNSPECIFIED"
}

func (t MessageEventType) jsonName() string {
	switch t {
	case MessageEventTypeSent:
		return "SENT"
	case MessageEventTypeRecv:
		return "RECEIVED"
	default:
		return "UNSPECIFIED"
	}
}

func (t LinkType) jsonName() string {
	switch t {
	case LinkTypeChild:
		return "CHILD_LINKED_SPAN"
	case LinkTypeParent:
		return "PARENT_LINKED_SPAN"
	default:
		return "UNSPECIFIED"
	}
}

var jsonStatusCodeNames = [...]string{
	"OK",
	"CANCELLED",
	"UNKNOWN",
	"INVALID_ARGUMENT",
	"DEADLINE_EXCEEDED",
	"NOT_FOUND",
	"ALREADY_EXISTS",
	"PERMISSION_DENIED",
	"RESOURCE_EXHAUSTED",
	"FAILED_PRECONDITION",
	"ABORTED",
	"OUT_OF_RANGE",
	"UNIMPLEMENTED",
	"INTERNAL",
	"UNAVAILABLE",
	"DATA_LOSS",
	"UNAUTHENTICATED",
}

func appendJSONStatusName(dst []byte, code int32) []byte {
	if code >= 0 && int(code) < len(jsonStatusCodeNames) {
		return append(dst, jsonStatusCodeNames[code]...)
	}
	dst = append(dst, "CODE_"...)
	return strconv.AppendInt(dst, int64(code), 10)
}

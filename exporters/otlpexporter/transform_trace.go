package otlpexporter

import (
	"math"
	"strconv"
	"sync"
	"time"

	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/gocensus/gocensus/sdk/resource"
	"github.com/gocensus/gocensus/sdk/trace"
)

// Attribute keys and event names the mapping adds. They follow the
// OpenTelemetry RPC semantic conventions for message events and the
// OpenTelemetry Collector's OpenCensus translation for the rest, so that
// backends fed by an OpenCensus receiver and by this exporter see the same
// data.
const (
	// MessageEventName is the name of the event a MessageEvent becomes.
	MessageEventName = "message"
	// AttrMessageType is "SENT" or "RECEIVED" (absent when unspecified).
	AttrMessageType = "message.type"
	// AttrMessageID is the message event's sequence number.
	AttrMessageID = "message.id"
	// AttrMessageUncompressedSize is the message size before compression.
	AttrMessageUncompressedSize = "message.uncompressed_size"
	// AttrMessageCompressedSize is the size on the wire; present only when
	// the event recorded one (non-zero).
	AttrMessageCompressedSize = "message.compressed_size"
	// AttrLinkType is "CHILD_LINKED_SPAN" or "PARENT_LINKED_SPAN", the
	// OpenCensus link type; absent when unspecified.
	AttrLinkType = "opencensus.link.type"
	// AttrStatusCode is the canonical name of a non-OK OpenCensus status
	// code ("NOT_FOUND", ...), which OTLP's three-valued status loses.
	AttrStatusCode = "opencensus.status_code"
	// AttrResourceType carries the OpenCensus resource type, which has no
	// OTLP field.
	AttrResourceType = "opencensus.resourcetype"
	// AttrServiceName is the OpenTelemetry service name resource attribute.
	AttrServiceName = "service.name"
)

// canonicalCodes names the google.rpc / gRPC canonical status codes.
var canonicalCodes = [...]string{
	"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
	"NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
	"FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED",
	"INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
}

// codeName returns the canonical name of code, or "CODE_<n>" outside the
// table.
func codeName(code int32) string {
	if code >= 0 && int(code) < len(canonicalCodes) {
		return canonicalCodes[code]
	}
	return "CODE_" + strconv.Itoa(int(code))
}

// spanKinds maps every gocensus kind. Unspecified becomes INTERNAL: the
// OpenTelemetry API treats an unspecified kind as internal, and a span with
// no RPC role is one.
var spanKinds = [...]tracepb.Span_SpanKind{
	trace.SpanKindUnspecified: tracepb.Span_SPAN_KIND_INTERNAL,
	trace.SpanKindServer:      tracepb.Span_SPAN_KIND_SERVER,
	trace.SpanKindClient:      tracepb.Span_SPAN_KIND_CLIENT,
	trace.SpanKindProducer:    tracepb.Span_SPAN_KIND_PRODUCER,
	trace.SpanKindConsumer:    tracepb.Span_SPAN_KIND_CONSUMER,
	trace.SpanKindInternal:    tracepb.Span_SPAN_KIND_INTERNAL,
}

func spanKind(k trace.SpanKind) tracepb.Span_SpanKind {
	if int(k) < len(spanKinds) {
		return spanKinds[k]
	}
	return tracepb.Span_SPAN_KIND_UNSPECIFIED
}

// unixNano converts a time, keeping the zero time as 0 (OTLP's "unknown").
func unixNano(t time.Time) uint64 {
	if t.IsZero() {
		return 0
	}
	return uint64(t.UnixNano())
}

// clampCount sums dropped counts (OTLP merges annotations and message
// events) into the proto's uint32, ignoring negative ones.
func clampCount(counts ...int32) uint32 {
	var sum uint64
	for _, n := range counts {
		sum += uint64(max(n, 0))
	}
	return uint32(min(sum, math.MaxUint32))
}

// scopeInfo is the instrumentation scope every span and metric carries.
type scopeInfo struct {
	name, version string
}

// resourceMapper converts gocensus resources to OTLP ones and remembers
// each conversion, so a batch whose spans share a *Resource converts it
// once.
type resourceMapper struct {
	fallback    *resource.Resource
	serviceName string

	mu    sync.Mutex
	cache map[*resource.Resource][]byte // see encoded
}

// convert builds the OTLP resource for r (or the fallback when r is nil):
// labels become string attributes in key order, the OpenCensus type becomes
// AttrResourceType, and the exporter's service name, when set, overrides
// the service.name label.
func (m *resourceMapper) convert(r *resource.Resource, s *kvSlab) *resourcepb.Resource {
	if r == nil {
		r = m.fallback
	}
	var labels map[string]string
	var typ string
	if r != nil {
		labels, typ = r.Labels, r.Type
	}
	_, hasName := labels[AttrServiceName]
	extra := 0
	if typ != "" {
		extra++
	}
	addName := m.serviceName != "" && !hasName
	if addName {
		extra++
	}
	kvs := s.stringMap(labels, extra)
	i := len(labels)
	if m.serviceName != "" && hasName {
		for _, kv := range kvs[:i] {
			if kv.Key == AttrServiceName {
				kv.Value.Value = s.str(m.serviceName)
			}
		}
	}
	if addName {
		s.setString(kvs[i], AttrServiceName, m.serviceName)
		i++
	}
	if typ != "" {
		s.setString(kvs[i], AttrResourceType, typ)
	}
	return &resourcepb.Resource{Attributes: kvs}
}

var messageTypes = [...]string{
	trace.MessageEventTypeSent: "SENT",
	trace.MessageEventTypeRecv: "RECEIVED",
}

var linkTypes = [...]string{
	trace.LinkTypeChild:  "CHILD_LINKED_SPAN",
	trace.LinkTypeParent: "PARENT_LINKED_SPAN",
}

// Span flag bits (OTLP SpanFlags): the W3C trace flags in the low byte,
// then whether the parent's remoteness is known and whether it is remote.
const (
	flagHasIsRemote = uint32(tracepb.SpanFlags_SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK)
	flagIsRemote    = uint32(tracepb.SpanFlags_SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK)
)

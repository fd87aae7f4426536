package otlpexporter

import (
	"math"
	"strings"
	"sync"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/gocensus/gocensus/sdk/resource"
	"github.com/gocensus/gocensus/sdk/trace"
)

// Spans are encoded straight from SpanData to the OTLP wire format, with
// the field numbers of opentelemetry/proto/trace/v1/trace.proto and
// common/v1/common.proto. Building the generated messages first and
// marshalling them costs several microseconds and a dozen allocations per
// span; the direct encoder needs a fraction of that and no per-span
// allocation, which is what lets an exporting process keep up with a burst.
// The tests decode every request with the generated types and compare it
// field by field with the conversion through those types.
//
// Messages are length-prefixed, so each one's size is computed before it
// is written; the size functions below mirror the append functions one for
// one. Zero scalars are omitted as proto3 requires, while oneof members of
// AnyValue are always written, as the generated marshaller does.

// Field numbers.
const (
	fReqResourceSpans = 1 // ExportTraceServiceRequest

	fRSResource   = 1 // ResourceSpans
	fRSScopeSpans = 2

	fSSScope = 1 // ScopeSpans
	fSSSpans = 2

	fSpanTraceID       = 1 // Span
	fSpanSpanID        = 2
	fSpanTraceState    = 3
	fSpanParentSpanID  = 4
	fSpanName          = 5
	fSpanKind          = 6
	fSpanStart         = 7
	fSpanEnd           = 8
	fSpanAttributes    = 9
	fSpanDroppedAttrs  = 10
	fSpanEvents        = 11
	fSpanDroppedEvents = 12
	fSpanLinks         = 13
	fSpanDroppedLinks  = 14
	fSpanStatus        = 15
	fSpanFlags         = 16
	fStatusMessage     = 2 // Status
	fStatusCode        = 3
	fEventTime         = 1 // Span.Event
	fEventName         = 2
	fEventAttributes   = 3
	fLinkTraceID       = 1 // Span.Link
	fLinkSpanID        = 2
	fLinkTraceState    = 3
	fLinkAttributes    = 4
	fKVKey             = 1 // KeyValue
	fKVValue           = 2
	fAnyString         = 1 // AnyValue
	fAnyBool           = 2
	fAnyInt            = 3
	fAnyDouble         = 4
	statusCodeError    = 2 // Status.StatusCode STATUS_CODE_ERROR
	spanFlagsTagSize   = 2 // field 16 needs a two-byte tag
	fixed64FieldSize   = 1 + 8
	smallTagSize       = 1 // fields 1..15
	traceIDFieldSize   = 1 + 1 + 16
	spanIDFieldSize    = 1 + 1 + 8
	spanFlagsFieldSize = spanFlagsTagSize + 4
)

// validUTF8 returns s, or s with invalid sequences replaced by U+FFFD:
// proto3 strings must be UTF-8, and a collector rejects the whole request
// otherwise.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// lenField is the size of a length-delimited field with a one-byte tag and
// n payload bytes.
func lenField(n int) int { return smallTagSize + protowire.SizeVarint(uint64(n)) + n }

// strField is the size of a proto3 string field: nothing when empty.
func strField(s string) int {
	if s == "" {
		return 0
	}
	return lenField(len(s))
}

func varintField(v uint64) int {
	if v == 0 {
		return 0
	}
	return smallTagSize + protowire.SizeVarint(v)
}

func appendLenPrefix(b []byte, num protowire.Number, n int) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendVarint(b, uint64(n))
}

func appendStr(b []byte, num protowire.Number, s string) []byte {
	if s == "" {
		return b
	}
	b = appendLenPrefix(b, num, len(s))
	return append(b, s...)
}

func appendVarintField(b []byte, num protowire.Number, v uint64) []byte {
	if v == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

func appendFixed64Field(b []byte, num protowire.Number, v uint64) []byte {
	if v == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.Fixed64Type)
	return protowire.AppendFixed64(b, v)
}

// anyValueSize is the body size of the AnyValue for v, whose string (if
// any) is already valid UTF-8.
func anyValueSize(v trace.Value) int {
	switch v.Type() {
	case trace.StringValueType:
		return lenField(len(v.AsString()))
	case trace.Int64ValueType:
		return smallTagSize + protowire.SizeVarint(uint64(v.AsInt64()))
	case trace.Float64ValueType:
		return fixed64FieldSize
	case trace.BoolValueType:
		return smallTagSize + 1
	}
	return 0
}

func appendAnyValue(b []byte, v trace.Value) []byte {
	switch v.Type() {
	case trace.StringValueType:
		s := v.AsString()
		b = appendLenPrefix(b, fAnyString, len(s))
		return append(b, s...)
	case trace.Int64ValueType:
		b = protowire.AppendTag(b, fAnyInt, protowire.VarintType)
		return protowire.AppendVarint(b, uint64(v.AsInt64()))
	case trace.Float64ValueType:
		b = protowire.AppendTag(b, fAnyDouble, protowire.Fixed64Type)
		return protowire.AppendFixed64(b, math.Float64bits(v.AsFloat64()))
	case trace.BoolValueType:
		b = protowire.AppendTag(b, fAnyBool, protowire.VarintType)
		return protowire.AppendVarint(b, protowire.EncodeBool(v.AsBool()))
	}
	return b
}

// cleanKV returns key and v with their strings made valid UTF-8. The
// common case, already valid, costs a scan and no allocation.
func cleanKV(key string, v trace.Value) (string, trace.Value) {
	if v.Type() == trace.StringValueType {
		if s := v.AsString(); !utf8.ValidString(s) {
			v = trace.StringValue(strings.ToValidUTF8(s, "\uFFFD"))
		}
	}
	return validUTF8(key), v
}

// kvSize is the body size of a KeyValue whose strings are valid UTF-8.
func kvSize(key string, v trace.Value) int {
	return strField(key) + lenField(anyValueSize(v))
}

// kvFieldSize is the size of a user attribute as a field of its parent.
func kvFieldSize(key string, v trace.Value) int {
	return lenField(kvSize(cleanKV(key, v)))
}

// appendKV appends a user attribute, repairing invalid UTF-8.
func appendKV(b []byte, num protowire.Number, key string, v trace.Value) []byte {
	key, v = cleanKV(key, v)
	return appendCleanKV(b, num, key, v)
}

// appendCleanKV appends a KeyValue whose strings are valid UTF-8, such as
// the exporter's own attribute keys and values.
func appendCleanKV(b []byte, num protowire.Number, key string, v trace.Value) []byte {
	b = appendLenPrefix(b, num, kvSize(key, v))
	b = appendStr(b, fKVKey, key)
	b = appendLenPrefix(b, fKVValue, anyValueSize(v))
	return appendAnyValue(b, v)
}

func attrsSize(attrs []trace.Attribute) int {
	n := 0
	for i := range attrs {
		n += kvFieldSize(attrs[i].Key, attrs[i].Value)
	}
	return n
}

func appendAttrs(b []byte, num protowire.Number, attrs []trace.Attribute) []byte {
	for i := range attrs {
		b = appendKV(b, num, attrs[i].Key, attrs[i].Value)
	}
	return b
}

// messageTypeName returns the message.type value, "" when unspecified.
func messageTypeName(t trace.MessageEventType) string {
	if int(t) < len(messageTypes) {
		return messageTypes[t]
	}
	return ""
}

func messageEventBody(m *trace.MessageEvent) int {
	n := fixed64FieldSize*b2i(!m.Time.IsZero()) + strField(MessageEventName)
	if typ := messageTypeName(m.EventType); typ != "" {
		n += lenField(kvSize(AttrMessageType, trace.StringValue(typ)))
	}
	n += lenField(kvSize(AttrMessageID, trace.Int64Value(m.MessageID)))
	n += lenField(kvSize(AttrMessageUncompressedSize, trace.Int64Value(m.UncompressedSize)))
	if m.CompressedSize != 0 {
		n += lenField(kvSize(AttrMessageCompressedSize, trace.Int64Value(m.CompressedSize)))
	}
	return n
}

func appendMessageEvent(b []byte, m *trace.MessageEvent) []byte {
	b = appendLenPrefix(b, fSpanEvents, messageEventBody(m))
	b = appendFixed64Field(b, fEventTime, unixNano(m.Time))
	b = appendStr(b, fEventName, MessageEventName)
	if typ := messageTypeName(m.EventType); typ != "" {
		b = appendCleanKV(b, fEventAttributes, AttrMessageType, trace.StringValue(typ))
	}
	b = appendCleanKV(b, fEventAttributes, AttrMessageID, trace.Int64Value(m.MessageID))
	b = appendCleanKV(b, fEventAttributes, AttrMessageUncompressedSize, trace.Int64Value(m.UncompressedSize))
	if m.CompressedSize != 0 {
		b = appendCleanKV(b, fEventAttributes, AttrMessageCompressedSize, trace.Int64Value(m.CompressedSize))
	}
	return b
}

func annotationBody(a *trace.Annotation) int {
	return fixed64FieldSize*b2i(!a.Time.IsZero()) + strField(validUTF8(a.Message)) + attrsSize(a.Attributes)
}

func appendAnnotation(b []byte, a *trace.Annotation) []byte {
	b = appendLenPrefix(b, fSpanEvents, annotationBody(a))
	b = appendFixed64Field(b, fEventTime, unixNano(a.Time))
	b = appendStr(b, fEventName, validUTF8(a.Message))
	return appendAttrs(b, fEventAttributes, a.Attributes)
}

func linkTypeName(t trace.LinkType) string {
	if int(t) < len(linkTypes) {
		return linkTypes[t]
	}
	return ""
}

func linkBody(l *trace.Link) int {
	n := traceIDFieldSize + spanIDFieldSize + strField(l.Tracestate.String()) + attrsSize(l.Attributes)
	if typ := linkTypeName(l.Type); typ != "" {
		n += lenField(kvSize(AttrLinkType, trace.StringValue(typ)))
	}
	return n
}

func appendLink(b []byte, l *trace.Link) []byte {
	b = appendLenPrefix(b, fSpanLinks, linkBody(l))
	b = appendLenPrefix(b, fLinkTraceID, 16)
	b = append(b, l.TraceID[:]...)
	b = appendLenPrefix(b, fLinkSpanID, 8)
	b = append(b, l.SpanID[:]...)
	b = appendStr(b, fLinkTraceState, l.Tracestate.String())
	b = appendAttrs(b, fLinkAttributes, l.Attributes)
	if typ := linkTypeName(l.Type); typ != "" {
		b = appendCleanKV(b, fLinkAttributes, AttrLinkType, trace.StringValue(typ))
	}
	return b
}

func b2i(v bool) int {
	if v {
		return 1
	}
	return 0
}

func statusBody(st trace.Status) int {
	return strField(validUTF8(st.Message)) + varintField(statusCodeError)
}

// spanBody is the encoded size of sd as a Span message body.
func spanBody(sd *trace.SpanData) int {
	n := traceIDFieldSize + spanIDFieldSize + spanFlagsFieldSize
	if sd.ParentSpanID.IsValid() {
		n += spanIDFieldSize
	}
	n += strField(sd.Tracestate.String())
	n += strField(validUTF8(sd.Name))
	n += varintField(uint64(spanKind(sd.Kind)))
	n += fixed64FieldSize * (b2i(!sd.StartTime.IsZero()) + b2i(!sd.EndTime.IsZero()))
	n += attrsSize(sd.Attributes)
	if sd.Status.Code != 0 {
		n += lenField(kvSize(AttrStatusCode, trace.StringValue(codeName(sd.Status.Code))))
		n += lenField(statusBody(sd.Status))
	}
	n += varintField(uint64(clampCount(sd.DroppedAttributeCount)))
	for i := range sd.Annotations {
		n += lenField(annotationBody(&sd.Annotations[i]))
	}
	for i := range sd.MessageEvents {
		n += lenField(messageEventBody(&sd.MessageEvents[i]))
	}
	n += varintField(uint64(clampCount(sd.DroppedAnnotationCount, sd.DroppedMessageEventCount)))
	for i := range sd.Links {
		n += lenField(linkBody(&sd.Links[i]))
	}
	n += varintField(uint64(clampCount(sd.DroppedLinkCount)))
	return n
}

// appendSpan appends sd as a Span field of size body (from spanBody).
func appendSpan(b []byte, sd *trace.SpanData, body int) []byte {
	b = appendLenPrefix(b, fSSSpans, body)
	b = appendLenPrefix(b, fSpanTraceID, 16)
	b = append(b, sd.TraceID[:]...)
	b = appendLenPrefix(b, fSpanSpanID, 8)
	b = append(b, sd.SpanID[:]...)
	b = appendStr(b, fSpanTraceState, sd.Tracestate.String())
	if sd.ParentSpanID.IsValid() {
		b = appendLenPrefix(b, fSpanParentSpanID, 8)
		b = append(b, sd.ParentSpanID[:]...)
	}
	b = appendStr(b, fSpanName, validUTF8(sd.Name))
	b = appendVarintField(b, fSpanKind, uint64(spanKind(sd.Kind)))
	b = appendFixed64Field(b, fSpanStart, unixNano(sd.StartTime))
	b = appendFixed64Field(b, fSpanEnd, unixNano(sd.EndTime))
	b = appendAttrs(b, fSpanAttributes, sd.Attributes)
	if sd.Status.Code != 0 {
		b = appendCleanKV(b, fSpanAttributes, AttrStatusCode, trace.StringValue(codeName(sd.Status.Code)))
	}
	b = appendVarintField(b, fSpanDroppedAttrs, uint64(clampCount(sd.DroppedAttributeCount)))
	b = appendEvents(b, sd)
	b = appendVarintField(b, fSpanDroppedEvents, uint64(clampCount(sd.DroppedAnnotationCount, sd.DroppedMessageEventCount)))
	for i := range sd.Links {
		b = appendLink(b, &sd.Links[i])
	}
	b = appendVarintField(b, fSpanDroppedLinks, uint64(clampCount(sd.DroppedLinkCount)))
	if sd.Status.Code != 0 {
		b = appendLenPrefix(b, fSpanStatus, statusBody(sd.Status))
		b = appendStr(b, fStatusMessage, validUTF8(sd.Status.Message))
		b = appendVarintField(b, fStatusCode, statusCodeError)
	}
	b = protowire.AppendTag(b, fSpanFlags, protowire.Fixed32Type)
	flags := uint32(sd.TraceOptions) | flagHasIsRemote
	if sd.HasRemoteParent {
		flags |= flagIsRemote
	}
	return protowire.AppendFixed32(b, flags)
}

// appendEvents writes annotations and message events as one list in time
// order, annotations first at equal times. Each list is normally in time
// order already, so a merge does; otherwise a stable sort.
func appendEvents(b []byte, sd *trace.SpanData) []byte {
	as, ms := sd.Annotations, sd.MessageEvents
	if len(as) == 0 || len(ms) == 0 {
		for i := range as {
			b = appendAnnotation(b, &as[i])
		}
		for i := range ms {
			b = appendMessageEvent(b, &ms[i])
		}
		return b
	}
	if !eventsSorted(sd) {
		return appendEventsSorted(b, sd)
	}
	i, j := 0, 0
	for i < len(as) || j < len(ms) {
		if j == len(ms) || i < len(as) && unixNano(as[i].Time) <= unixNano(ms[j].Time) {
			b = appendAnnotation(b, &as[i])
			i++
		} else {
			b = appendMessageEvent(b, &ms[j])
			j++
		}
	}
	return b
}

// eventsSorted reports whether both event lists are in time order, so a
// merge gives the same result as a stable sort.
func eventsSorted(sd *trace.SpanData) bool {
	for i := 1; i < len(sd.Annotations); i++ {
		if unixNano(sd.Annotations[i].Time) < unixNano(sd.Annotations[i-1].Time) {
			return false
		}
	}
	for i := 1; i < len(sd.MessageEvents); i++ {
		if unixNano(sd.MessageEvents[i].Time) < unixNano(sd.MessageEvents[i-1].Time) {
			return false
		}
	}
	return true
}

// appendEventsSorted is the rare path for out-of-order events: a stable
// sort of the concatenated list by time.
func appendEventsSorted(b []byte, sd *trace.SpanData) []byte {
	type ev struct {
		t   uint64
		ann bool
		i   int
	}
	evs := make([]ev, 0, len(sd.Annotations)+len(sd.MessageEvents))
	for i := range sd.Annotations {
		evs = append(evs, ev{unixNano(sd.Annotations[i].Time), true, i})
	}
	for i := range sd.MessageEvents {
		evs = append(evs, ev{unixNano(sd.MessageEvents[i].Time), false, i})
	}
	for i := 1; i < len(evs); i++ {
		for j := i; j > 0 && evs[j].t < evs[j-1].t; j-- {
			evs[j], evs[j-1] = evs[j-1], evs[j]
		}
	}
	for _, e := range evs {
		if e.ann {
			b = appendAnnotation(b, &sd.Annotations[e.i])
		} else {
			b = appendMessageEvent(b, &sd.MessageEvents[e.i])
		}
	}
	return b
}

// spanEncoder turns batches of SpanData into encoded Export requests.
type spanEncoder struct {
	scope     []byte // encoded InstrumentationScope
	resources *resourceMapper
}

// encode returns requests of at most limit bytes (a single span larger
// than that travels alone) and maxSpans spans, grouped by resource in order
// of first appearance; one request holds several resources when they fit.
func (e *spanEncoder) encode(spans []*trace.SpanData, limit, maxSpans int) []encoded {
	sizes := make([]int, len(spans))
	order := make([]int, 0, len(spans)) // span indexes, grouped by resource
	var groups []*resource.Resource
	for i, sd := range spans {
		sizes[i] = spanBody(sd)
		if !containsRes(groups, sd.Resource) {
			groups = append(groups, sd.Resource)
		}
	}
	var (
		out      []encoded
		segs     []segment
		reqBytes int // upper bound of the request being built
		reqSpans int
	)
	flush := func() {
		if len(segs) > 0 {
			out = append(out, e.appendRequest(spans, sizes, segs, order))
			segs, reqBytes, reqSpans = segs[:0], 0, 0
		}
	}
	for _, r := range groups {
		res := e.resources.encoded(r)
		// Everything but the spans, with room for the largest length
		// prefixes a request under limit can need.
		fixed := lenField(len(e.scope)) + lenField(len(res)) + 2*(smallTagSize+protowire.SizeVarint(uint64(limit)))
		if len(segs) > 0 && reqBytes+fixed > limit {
			flush()
		}
		segs = append(segs, segment{res: res, start: len(order), end: len(order)})
		reqBytes += fixed
		for j, sd := range spans {
			if sd.Resource != r {
				continue
			}
			n := lenField(sizes[j])
			if len(order) > segs[0].start && (reqBytes+n > limit || reqSpans == maxSpans) {
				// The request holds spans and this one does not fit: send
				// it without the current segment if that is still empty.
				if last := segs[len(segs)-1]; last.end == last.start {
					segs = segs[:len(segs)-1]
				}
				flush()
				segs = append(segs, segment{res: res, start: len(order), end: len(order)})
				reqBytes = fixed
			}
			order = append(order, j)
			reqSpans++
			seg := &segs[len(segs)-1]
			seg.end++
			seg.spanBytes += n
			reqBytes += n
		}
	}
	flush()
	return out
}

// segment is one ResourceSpans of a request: spans order[start:end].
type segment struct {
	res            []byte
	start, end     int
	spanBytes      int
	ssBody, rsBody int // message sizes, set by appendRequest
}

func containsRes(list []*resource.Resource, r *resource.Resource) bool {
	for _, x := range list {
		if x == r {
			return true
		}
	}
	return false
}

// appendRequest encodes one request with a ResourceSpans, holding one
// ScopeSpans, per segment.
func (e *spanEncoder) appendRequest(spans []*trace.SpanData, sizes []int, segs []segment, order []int) encoded {
	total, items := 0, 0
	for i := range segs {
		sg := &segs[i]
		sg.ssBody = lenField(len(e.scope)) + sg.spanBytes
		sg.rsBody = lenField(len(sg.res)) + lenField(sg.ssBody)
		total += lenField(sg.rsBody)
		items += sg.end - sg.start
	}
	b := getBuffer(total)
	for _, sg := range segs {
		b = appendLenPrefix(b, fReqResourceSpans, sg.rsBody)
		b = appendLenPrefix(b, fRSResource, len(sg.res))
		b = append(b, sg.res...)
		b = appendLenPrefix(b, fRSScopeSpans, sg.ssBody)
		b = appendLenPrefix(b, fSSScope, len(e.scope))
		b = append(b, e.scope...)
		for _, j := range order[sg.start:sg.end] {
			b = appendSpan(b, spans[j], sizes[j])
		}
	}
	return encoded{b: b, items: items}
}

// maxCachedResources bounds the encoded-resource cache; programs use one
// resource or a handful.
const maxCachedResources = 64

// encoded returns r's encoded Resource message, converting it once. Resources
// are immutable by contract, so the pointer is a sound key.
func (m *resourceMapper) encoded(r *resource.Resource) []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	if b, ok := m.cache[r]; ok {
		return b
	}
	var s kvSlab
	b, err := proto.Marshal(m.convert(r, &s))
	if err != nil {
		// Only invalid UTF-8 in a label can fail; send the resource without
		// attributes rather than nothing.
		b = nil
	}
	if m.cache == nil || len(m.cache) >= maxCachedResources {
		m.cache = make(map[*resource.Resource][]byte)
	}
	m.cache[r] = b
	return b
}

// Request buffers are recycled once a request has been delivered: a
// steady stream of batches then reuses a few buffers instead of leaving
// each one to the garbage collector, which keeps the exporting process's
// peak memory down.
var bufferPool sync.Pool // of *[]byte

// maxPooledBuffer keeps unusually large buffers out of the pool.
const maxPooledBuffer = 1 << 20

func getBuffer(n int) []byte {
	if p, ok := bufferPool.Get().(*[]byte); ok {
		if cap(*p) >= n {
			return (*p)[:0]
		}
		bufferPool.Put(p)
	}
	return make([]byte, 0, n)
}

// putBuffer recycles b; the caller must not use it afterwards.
func putBuffer(b []byte) {
	if cap(b) == 0 || cap(b) > maxPooledBuffer {
		return
	}
	bufferPool.Put(&b)
}

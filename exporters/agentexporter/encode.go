package agentexporter

import (
	"math"
	"runtime"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/gocensus/gocensus/sdk/resource"
	"github.com/gocensus/gocensus/sdk/trace"
)

// The encoder writes trace.SpanData straight into the OpenCensus
// opencensus.proto.trace.v1.Span wire format (field numbers of spec §1.4),
// without building tracepb messages first: conversion then costs one append
// into a reused buffer instead of dozens of small allocations per span. Tests
// decode the output with the generated tracepb types and compare.

// Field numbers of opencensus.proto.trace.v1.Span and its parts.
const (
	spanTraceID        = 1
	spanSpanID         = 2
	spanParentSpanID   = 3
	spanName           = 4
	spanStartTime      = 5
	spanEndTime        = 6
	spanAttributes     = 7
	spanStackTrace     = 8
	spanTimeEvents     = 9
	spanLinks          = 10
	spanStatus         = 11
	spanSameProcess    = 12
	spanChildSpanCount = 13
	spanKind           = 14
	spanTracestate     = 15
	spanResource       = 16

	reqNode     = 1
	reqItems    = 2 // spans in a trace request, metrics in a metrics request
	reqResource = 3
)

// ocKind maps our span kinds onto the OpenCensus enum, which knows only
// SERVER and CLIENT: a producer sends (client), a consumer receives (server).
func ocKind(k trace.SpanKind) uint64 {
	switch k {
	case trace.SpanKindServer, trace.SpanKindConsumer:
		return 1
	case trace.SpanKindClient, trace.SpanKindProducer:
		return 2
	default:
		return 0
	}
}

// begin appends the tag of a length-delimited field and a one-byte length
// placeholder, returning the position of the placeholder for end.
func begin(b []byte, num protowire.Number) ([]byte, int) {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return append(b, 0), len(b)
}

// end writes the length of the message appended since begin, moving it right
// when the length needs more than one varint byte.
func end(b []byte, pos int) []byte {
	n := len(b) - pos - 1
	if n < 0x80 {
		b[pos] = byte(n)
		return b
	}
	extra := protowire.SizeVarint(uint64(n)) - 1
	for range extra {
		b = append(b, 0)
	}
	copy(b[pos+1+extra:], b[pos+1:pos+1+n])
	protowire.AppendVarint(b[:pos], uint64(n))
	return b
}

func appendBytesField(b []byte, num protowire.Number, v []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

func appendStringField(b []byte, num protowire.Number, v string) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, v)
}

func appendVarintField(b []byte, num protowire.Number, v uint64) []byte {
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

// appendTruncatable appends a TruncatableString. maxLen > 0 cuts the value
// at the last whole UTF-8 sequence within maxLen bytes and records the cut.
func appendTruncatable(b []byte, num protowire.Number, s string, maxLen int) []byte {
	b, pos := begin(b, num)
	cut := 0
	if maxLen > 0 && len(s) > maxLen {
		n := maxLen
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		cut = len(s) - n
		s = s[:n]
	}
	if s != "" {
		b = appendStringField(b, 1, s)
	}
	if cut > 0 {
		b = appendVarintField(b, 2, uint64(cut))
	}
	return end(b, pos)
}

func appendTimestamp(b []byte, num protowire.Number, t time.Time) []byte {
	if t.IsZero() {
		return b
	}
	b, pos := begin(b, num)
	if s := t.Unix(); s != 0 {
		b = appendVarintField(b, 1, uint64(s))
	}
	if n := t.Nanosecond(); n != 0 {
		b = appendVarintField(b, 2, uint64(n))
	}
	return end(b, pos)
}

// appendAttributes appends a Span.Attributes message (map entries plus the
// dropped count); empty input with no drops appends nothing.
func appendAttributes(b []byte, num protowire.Number, attrs []trace.Attribute, dropped int) []byte {
	if len(attrs) == 0 && dropped <= 0 {
		return b
	}
	b, pos := begin(b, num)
	for _, a := range attrs {
		if a.Value.Type() == trace.InvalidValueType {
			continue
		}
		var epos, vpos int
		b, epos = begin(b, 1) // attribute_map entry
		b = appendStringField(b, 1, a.Key)
		b, vpos = begin(b, 2) // AttributeValue
		switch a.Value.Type() {
		case trace.StringValueType:
			b = appendTruncatable(b, 1, a.Value.AsString(), 0)
		case trace.Int64ValueType:
			b = appendVarintField(b, 2, uint64(a.Value.AsInt64()))
		case trace.BoolValueType:
			v := uint64(0)
			if a.Value.AsBool() {
				v = 1
			}
			b = appendVarintField(b, 3, v)
		case trace.Float64ValueType:
			b = protowire.AppendTag(b, 4, protowire.Fixed64Type)
			b = protowire.AppendFixed64(b, math.Float64bits(a.Value.AsFloat64()))
		}
		b = end(b, vpos)
		b = end(b, epos)
	}
	if dropped > 0 {
		b = appendVarintField(b, 2, uint64(int32(min(dropped, math.MaxInt32))))
	}
	return end(b, pos)
}

func appendTracestate(b []byte, num protowire.Number, ts trace.Tracestate) []byte {
	if ts.Len() == 0 {
		return b
	}
	b, pos := begin(b, num)
	for _, e := range ts.Entries() {
		var epos int
		b, epos = begin(b, 1)
		b = appendStringField(b, 1, e.Key)
		b = appendStringField(b, 2, e.Value)
		b = end(b, epos)
	}
	return end(b, pos)
}

func appendResource(b []byte, num protowire.Number, r *resource.Resource) []byte {
	if r == nil {
		return b
	}
	b, pos := begin(b, num)
	if r.Type != "" {
		b = appendStringField(b, 1, r.Type)
	}
	for k, v := range r.Labels {
		var epos int
		b, epos = begin(b, 2)
		b = appendStringField(b, 1, k)
		b = appendStringField(b, 2, v)
		b = end(b, epos)
	}
	return end(b, pos)
}

func appendStackTrace(b []byte, pcs []uintptr) []byte {
	if len(pcs) == 0 {
		return b
	}
	b, pos := begin(b, spanStackTrace)
	var fpos int
	b, fpos = begin(b, 1) // stack_frames
	frames := runtime.CallersFrames(pcs)
	for {
		f, more := frames.Next()
		if f.Function != "" || f.File != "" {
			var p int
			b, p = begin(b, 1) // frame
			b = appendTruncatable(b, 1, f.Function, 0)
			b = appendTruncatable(b, 3, f.File, 0)
			if f.Line != 0 {
				b = appendVarintField(b, 4, uint64(f.Line))
			}
			b = end(b, p)
		}
		if !more {
			break
		}
	}
	b = end(b, fpos)
	return end(b, pos)
}

// spanShape is what appendSpan writes for one span; limits leave parts out
// when a span is too large for one message.
type spanShape struct {
	noDetails bool // drop attributes, time events, links and stack trace
	maxName   int  // > 0: truncate the name
}

// appendSpan appends sd as a Span message body (without its own tag).
// res is the exporter's resource: the span's own resource is written only
// when it differs.
func appendSpan(b []byte, sd *trace.SpanData, res *resource.Resource, shape spanShape) []byte {
	b = appendBytesField(b, spanTraceID, sd.TraceID[:])
	b = appendBytesField(b, spanSpanID, sd.SpanID[:])
	b = appendTracestate(b, spanTracestate, sd.Tracestate)
	if sd.ParentSpanID.IsValid() {
		b = appendBytesField(b, spanParentSpanID, sd.ParentSpanID[:])
	}
	b = appendTruncatable(b, spanName, sd.Name, shape.maxName)
	if k := ocKind(sd.Kind); k != 0 {
		b = appendVarintField(b, spanKind, k)
	}
	b = appendTimestamp(b, spanStartTime, sd.StartTime)
	b = appendTimestamp(b, spanEndTime, sd.EndTime)

	attrs, annotations, events, links := sd.Attributes, sd.Annotations, sd.MessageEvents, sd.Links
	dAttrs, dAnn, dEv, dLinks := int(sd.DroppedAttributeCount), int(sd.DroppedAnnotationCount), int(sd.DroppedMessageEventCount), int(sd.DroppedLinkCount)
	pcs := sd.StackTrace
	if shape.noDetails {
		dAttrs += len(attrs)
		dAnn += len(annotations)
		dEv += len(events)
		dLinks += len(links)
		attrs, annotations, events, links, pcs = nil, nil, nil, nil, nil
	}
	b = appendAttributes(b, spanAttributes, attrs, dAttrs)
	b = appendStackTrace(b, pcs)

	if len(annotations) > 0 || len(events) > 0 || dAnn > 0 || dEv > 0 {
		var pos int
		b, pos = begin(b, spanTimeEvents)
		for i := range annotations {
			a := &annotations[i]
			var tpos, apos int
			b, tpos = begin(b, 1)
			b = appendTimestamp(b, 1, a.Time)
			b, apos = begin(b, 2)
			b = appendTruncatable(b, 1, a.Message, 0)
			b = appendAttributes(b, 2, a.Attributes, 0)
			b = end(b, apos)
			b = end(b, tpos)
		}
		for i := range events {
			m := &events[i]
			var tpos, mpos int
			b, tpos = begin(b, 1)
			b = appendTimestamp(b, 1, m.Time)
			b, mpos = begin(b, 3)
			if m.EventType != 0 {
				b = appendVarintField(b, 1, uint64(m.EventType))
			}
			if m.MessageID != 0 {
				b = appendVarintField(b, 2, uint64(m.MessageID))
			}
			if m.UncompressedSize != 0 {
				b = appendVarintField(b, 3, uint64(m.UncompressedSize))
			}
			if m.CompressedSize != 0 {
				b = appendVarintField(b, 4, uint64(m.CompressedSize))
			}
			b = end(b, mpos)
			b = end(b, tpos)
		}
		if dAnn > 0 {
			b = appendVarintField(b, 2, uint64(int32(min(dAnn, math.MaxInt32))))
		}
		if dEv > 0 {
			b = appendVarintField(b, 3, uint64(int32(min(dEv, math.MaxInt32))))
		}
		b = end(b, pos)
	}

	if len(links) > 0 || dLinks > 0 {
		var pos int
		b, pos = begin(b, spanLinks)
		for i := range links {
			l := &links[i]
			var lpos int
			b, lpos = begin(b, 1)
			b = appendBytesField(b, 1, l.TraceID[:])
			b = appendBytesField(b, 2, l.SpanID[:])
			if l.Type != 0 {
				b = appendVarintField(b, 3, uint64(l.Type))
			}
			b = appendAttributes(b, 4, l.Attributes, 0)
			b = appendTracestate(b, 5, l.Tracestate)
			b = end(b, lpos)
		}
		if dLinks > 0 {
			b = appendVarintField(b, 2, uint64(int32(min(dLinks, math.MaxInt32))))
		}
		b = end(b, pos)
	}

	var pos int
	b, pos = begin(b, spanStatus)
	if sd.Status.Code != 0 {
		b = appendVarintField(b, 1, uint64(int64(sd.Status.Code)))
	}
	if sd.Status.Message != "" {
		b = appendStringField(b, 2, sd.Status.Message)
	}
	b = end(b, pos)

	if sd.Resource != nil && !sameResource(sd.Resource, res) {
		b = appendResource(b, spanResource, sd.Resource)
	}

	b, pos = begin(b, spanSameProcess)
	if !sd.HasRemoteParent {
		b = appendVarintField(b, 1, 1)
	}
	b = end(b, pos)

	b, pos = begin(b, spanChildSpanCount)
	if sd.ChildSpanCount > 0 {
		b = appendVarintField(b, 1, uint64(sd.ChildSpanCount))
	}
	return end(b, pos)
}

func sameResource(a, b *resource.Resource) bool {
	if a == b {
		return true
	}
	if a == nil || b == nil || a.Type != b.Type || len(a.Labels) != len(b.Labels) {
		return false
	}
	for k, v := range a.Labels {
		if w, ok := b.Labels[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// maxSpanNameBytes bounds the name of a span that was too large for one
// message even without its details.
const maxSpanNameBytes = 1024

// appendSpanEntry appends sd as one element of the repeated spans field,
// shrinking it when it alone would exceed limit: first its details go (counted
// as dropped in the span), then its name is cut. It reports whether the span
// was shrunk.
func appendSpanEntry(b []byte, sd *trace.SpanData, res *resource.Resource, limit int) ([]byte, bool) {
	start := len(b)
	var pos int
	b, pos = begin(b, reqItems)
	b = appendSpan(b, sd, res, spanShape{})
	b = end(b, pos)
	if len(b)-start <= limit {
		return b, false
	}
	for _, shape := range []spanShape{{noDetails: true}, {noDetails: true, maxName: maxSpanNameBytes}} {
		b = b[:start]
		b, pos = begin(b, reqItems)
		b = appendSpan(b, sd, res, shape)
		b = end(b, pos)
		if len(b)-start <= limit {
			break
		}
	}
	return b, true
}

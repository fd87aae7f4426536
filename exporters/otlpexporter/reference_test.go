package otlpexporter

import (
	"slices"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/gocensus/gocensus/sdk/resource"
	"github.com/gocensus/gocensus/sdk/trace"
)

// The reference conversion builds the generated OTLP messages from
// SpanData. The exporter encodes spans directly (wire.go); tests check that
// both produce the same messages.

// spanConverter turns batches of SpanData into export requests.
type spanConverter struct {
	scope     scopeInfo
	resources *resourceMapper
}

// request converts spans into one ExportTraceServiceRequest with one
// ResourceSpans per distinct *Resource, in order of first appearance.
func (c *spanConverter) request(spans []*trace.SpanData) *coltracepb.ExportTraceServiceRequest {
	var s kvSlab
	n := 0
	for _, sd := range spans {
		n += spanAttrCount(sd)
	}
	s.reserve(n)

	slab := make([]tracepb.Span, len(spans))
	ptrs := make([]*tracepb.Span, len(spans))
	var groups []*tracepb.ResourceSpans
	var keys []*resource.Resource
	for i, sd := range spans {
		if !slices.Contains(keys, sd.Resource) {
			keys = append(keys, sd.Resource)
		}
		convertSpan(&slab[i], sd, &s)
		ptrs[i] = &slab[i]
	}
	scope := &commonpb.InstrumentationScope{Name: c.scope.name, Version: c.scope.version}
	if len(keys) == 1 {
		groups = []*tracepb.ResourceSpans{{
			Resource:   c.resources.convert(keys[0], &s),
			ScopeSpans: []*tracepb.ScopeSpans{{Scope: scope, Spans: ptrs}},
		}}
		return &coltracepb.ExportTraceServiceRequest{ResourceSpans: groups}
	}
	// Several resources: gather each group's spans, keeping batch order.
	out := make([]*tracepb.Span, 0, len(spans))
	for _, k := range keys {
		start := len(out)
		for i, sd := range spans {
			if sd.Resource == k {
				out = append(out, ptrs[i])
			}
		}
		groups = append(groups, &tracepb.ResourceSpans{
			Resource:   c.resources.convert(k, &s),
			ScopeSpans: []*tracepb.ScopeSpans{{Scope: scope, Spans: out[start:len(out):len(out)]}},
		})
	}
	return &coltracepb.ExportTraceServiceRequest{ResourceSpans: groups}
}

// spanAttrCount is the number of key-values convertSpan uses for sd.
func spanAttrCount(sd *trace.SpanData) int {
	n := len(sd.Attributes) + 1 // status code
	for i := range sd.Annotations {
		n += len(sd.Annotations[i].Attributes)
	}
	n += 4 * len(sd.MessageEvents)
	for i := range sd.Links {
		n += len(sd.Links[i].Attributes) + 1
	}
	return n
}

// convertSpan fills dst from sd. Ids are copied (the proto must not alias
// SpanData, which the caller may reuse once export returns).
func convertSpan(dst *tracepb.Span, sd *trace.SpanData, s *kvSlab) {
	ids := make([]byte, 16+8+8)
	copy(ids, sd.TraceID[:])
	copy(ids[16:], sd.SpanID[:])
	dst.TraceId = ids[:16:16]
	dst.SpanId = ids[16:24:24]
	if sd.ParentSpanID.IsValid() {
		copy(ids[24:], sd.ParentSpanID[:])
		dst.ParentSpanId = ids[24:32:32]
	}
	dst.TraceState = sd.Tracestate.String()
	dst.Flags = uint32(sd.TraceOptions) | flagHasIsRemote
	if sd.HasRemoteParent {
		dst.Flags |= flagIsRemote
	}
	dst.Name = sd.Name
	dst.Kind = spanKind(sd.Kind)
	dst.StartTimeUnixNano = unixNano(sd.StartTime)
	dst.EndTimeUnixNano = unixNano(sd.EndTime)

	extra := 0
	if sd.Status.Code != 0 {
		extra = 1
	}
	dst.Attributes = s.attrs(sd.Attributes, extra)
	dst.DroppedAttributesCount = clampCount(sd.DroppedAttributeCount)
	if sd.Status.Code != 0 {
		s.setString(dst.Attributes[len(sd.Attributes)], AttrStatusCode, codeName(sd.Status.Code))
		dst.Status = &tracepb.Status{Code: tracepb.Status_STATUS_CODE_ERROR, Message: sd.Status.Message}
	}

	if ne := len(sd.Annotations) + len(sd.MessageEvents); ne > 0 {
		evs := make([]tracepb.Span_Event, ne)
		dst.Events = make([]*tracepb.Span_Event, ne)
		for i := range sd.Annotations {
			a := &sd.Annotations[i]
			ev := &evs[i]
			ev.TimeUnixNano = unixNano(a.Time)
			ev.Name = a.Message
			ev.Attributes = s.attrs(a.Attributes, 0)
			dst.Events[i] = ev
		}
		// Annotations and message events are each in time order; merge
		// them so the span's events are too.
		dst.Events = dst.Events[:len(sd.Annotations)]
		for i := range sd.MessageEvents {
			m := &sd.MessageEvents[i]
			ev := &evs[len(sd.Annotations)+i]
			ev.TimeUnixNano = unixNano(m.Time)
			ev.Name = MessageEventName
			ev.Attributes = messageAttrs(m, s)
			dst.Events = append(dst.Events, ev)
		}
		if len(sd.Annotations) > 0 && len(sd.MessageEvents) > 0 {
			sortEvents(dst.Events)
		}
	}
	dst.DroppedEventsCount = clampCount(sd.DroppedAnnotationCount, sd.DroppedMessageEventCount)

	if len(sd.Links) > 0 {
		links := make([]tracepb.Span_Link, len(sd.Links))
		lids := make([]byte, 24*len(sd.Links))
		dst.Links = make([]*tracepb.Span_Link, len(sd.Links))
		for i := range sd.Links {
			l := &sd.Links[i]
			dl := &links[i]
			b := lids[24*i : 24*i+24]
			copy(b, l.TraceID[:])
			copy(b[16:], l.SpanID[:])
			dl.TraceId = b[:16:16]
			dl.SpanId = b[16:24:24]
			dl.TraceState = l.Tracestate.String()
			extra := 0
			if int(l.Type) < len(linkTypes) && linkTypes[l.Type] != "" {
				extra = 1
			}
			dl.Attributes = s.attrs(l.Attributes, extra)
			if extra == 1 {
				s.setString(dl.Attributes[len(l.Attributes)], AttrLinkType, linkTypes[l.Type])
			}
			dst.Links[i] = dl
		}
	}
	dst.DroppedLinksCount = clampCount(sd.DroppedLinkCount)
}

// messageAttrs builds a message event's attributes in the RPC semantic
// conventions' order: type, id, uncompressed size, compressed size.
func messageAttrs(m *trace.MessageEvent, s *kvSlab) []*commonpb.KeyValue {
	n := 2
	typ := ""
	if int(m.EventType) < len(messageTypes) {
		typ = messageTypes[m.EventType]
	}
	if typ != "" {
		n++
	}
	if m.CompressedSize != 0 {
		n++
	}
	out := s.list(n)
	i := 0
	if typ != "" {
		s.setString(out[i], AttrMessageType, typ)
		i++
	}
	s.setInt(out[i], AttrMessageID, m.MessageID)
	s.setInt(out[i+1], AttrMessageUncompressedSize, m.UncompressedSize)
	if m.CompressedSize != 0 {
		s.setInt(out[i+2], AttrMessageCompressedSize, m.CompressedSize)
	}
	return out
}

// sortEvents orders events by time, stably, so equal times keep
// annotations before message events. Lists are short; insertion sort
// neither allocates nor reorders sorted input.
func sortEvents(evs []*tracepb.Span_Event) {
	for i := 1; i < len(evs); i++ {
		for j := i; j > 0 && evs[j].TimeUnixNano < evs[j-1].TimeUnixNano; j-- {
			evs[j], evs[j-1] = evs[j-1], evs[j]
		}
	}
}

func scopeProto(s scopeInfo) *commonpb.InstrumentationScope {
	return &commonpb.InstrumentationScope{Name: s.name, Version: s.version}
}

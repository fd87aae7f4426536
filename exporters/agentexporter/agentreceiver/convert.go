package agentreceiver

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	metricspb "github.com/gocensus/gocensus/proto/gocensus/metrics/v1"
	resourcepb "github.com/gocensus/gocensus/proto/gocensus/resource/v1"
	tracepb "github.com/gocensus/gocensus/proto/gocensus/trace/v1"
	"github.com/gocensus/gocensus/sdk/resource"
	"github.com/gocensus/gocensus/sdk/stats"
	"github.com/gocensus/gocensus/sdk/trace"
)

// SpanFromProto converts an OpenCensus span to trace.SpanData. res is the
// resource that applies when the span has none of its own (the request's or
// the stream's). Ids of the wrong length are an error; everything else is
// taken leniently: missing times stay zero, an unparsable tracestate is
// dropped. Stack traces cannot be turned back into program counters and are
// left out; the span is marked sampled (only sampled spans are exported).
func SpanFromProto(s *tracepb.Span, res *resource.Resource) (*trace.SpanData, error) {
	if s == nil {
		return nil, fmt.Errorf("nil span")
	}
	sd := &trace.SpanData{}
	if len(s.TraceId) != len(sd.TraceID) {
		return nil, fmt.Errorf("trace_id has %d bytes, want 16", len(s.TraceId))
	}
	if len(s.SpanId) != len(sd.SpanID) {
		return nil, fmt.Errorf("span_id has %d bytes, want 8", len(s.SpanId))
	}
	if n := len(s.ParentSpanId); n != 0 && n != len(sd.ParentSpanID) {
		return nil, fmt.Errorf("parent_span_id has %d bytes, want 0 or 8", n)
	}
	copy(sd.TraceID[:], s.TraceId)
	copy(sd.SpanID[:], s.SpanId)
	copy(sd.ParentSpanID[:], s.ParentSpanId)
	sd.TraceOptions = sd.TraceOptions.WithSampled(true)
	sd.Tracestate = tracestateFromProto(s.GetTracestate())
	sd.Name = s.GetName().GetValue()
	switch s.GetKind() {
	case tracepb.Span_SERVER:
		sd.Kind = trace.SpanKindServer
	case tracepb.Span_CLIENT:
		sd.Kind = trace.SpanKindClient
	}
	sd.StartTime = timeFromProto(s.GetStartTime())
	sd.EndTime = timeFromProto(s.GetEndTime())
	sd.Attributes, sd.DroppedAttributeCount = attributesFromProto(s.GetAttributes())
	for _, te := range s.GetTimeEvents().GetTimeEvent() {
		t := timeFromProto(te.GetTime())
		switch v := te.GetValue().(type) {
		case *tracepb.Span_TimeEvent_Annotation_:
			attrs, _ := attributesFromProto(v.Annotation.GetAttributes())
			sd.Annotations = append(sd.Annotations, trace.Annotation{
				Time: t, Message: v.Annotation.GetDescription().GetValue(), Attributes: attrs,
			})
		case *tracepb.Span_TimeEvent_MessageEvent_:
			m := v.MessageEvent
			typ := trace.MessageEventType(m.GetType())
			if typ > trace.MessageEventTypeRecv {
				typ = trace.MessageEventTypeUnspecified
			}
			sd.MessageEvents = append(sd.MessageEvents, trace.MessageEvent{
				Time: t, EventType: typ, MessageID: int64(m.GetId()),
				UncompressedSize: int64(m.GetUncompressedSize()), CompressedSize: int64(m.GetCompressedSize()),
			})
		}
	}
	sd.DroppedAnnotationCount = max(s.GetTimeEvents().GetDroppedAnnotationsCount(), 0)
	sd.DroppedMessageEventCount = max(s.GetTimeEvents().GetDroppedMessageEventsCount(), 0)
	for _, l := range s.GetLinks().GetLink() {
		var link trace.Link
		if len(l.TraceId) != len(link.TraceID) || len(l.SpanId) != len(link.SpanID) {
			return nil, fmt.Errorf("link ids have %d and %d bytes, want 16 and 8", len(l.TraceId), len(l.SpanId))
		}
		copy(link.TraceID[:], l.TraceId)
		copy(link.SpanID[:], l.SpanId)
		if t := l.GetType(); t <= tracepb.Span_Link_PARENT_LINKED_SPAN && t >= 0 {
			link.Type = trace.LinkType(t)
		}
		link.Attributes, _ = attributesFromProto(l.GetAttributes())
		link.Tracestate = tracestateFromProto(l.GetTracestate())
		sd.Links = append(sd.Links, link)
	}
	sd.DroppedLinkCount = max(s.GetLinks().GetDroppedLinksCount(), 0)
	sd.Status = trace.Status{Code: s.GetStatus().GetCode(), Message: s.GetStatus().GetMessage()}
	sd.HasRemoteParent = s.SameProcessAsParentSpan != nil && !s.SameProcessAsParentSpan.GetValue()
	sd.ChildSpanCount = int32(min(s.GetChildSpanCount().GetValue(), math.MaxInt32))
	sd.Resource = res
	if r := s.GetResource(); r != nil {
		sd.Resource = ResourceFromProto(r)
	}
	return sd, nil
}

// ResourceFromProto converts a wire resource; nil stays nil.
func ResourceFromProto(r *resourcepb.Resource) *resource.Resource {
	if r == nil {
		return nil
	}
	out := &resource.Resource{Type: r.GetType()}
	if len(r.GetLabels()) > 0 {
		out.Labels = make(map[string]string, len(r.GetLabels()))
		for k, v := range r.GetLabels() {
			out.Labels[k] = v
		}
	}
	return out
}

func timeFromProto(ts *timestamppb.Timestamp) time.Time {
	if ts == nil {
		return time.Time{}
	}
	return time.Unix(ts.GetSeconds(), int64(ts.GetNanos())).UTC()
}

// attributesFromProto returns the attributes sorted by key (the wire form is
// a map, so the order is otherwise random).
func attributesFromProto(a *tracepb.Span_Attributes) ([]trace.Attribute, int32) {
	m := a.GetAttributeMap()
	dropped := max(a.GetDroppedAttributesCount(), 0)
	if len(m) == 0 {
		return nil, dropped
	}
	out := make([]trace.Attribute, 0, len(m))
	for k, v := range m {
		switch v := v.GetValue().(type) {
		case *tracepb.AttributeValue_StringValue:
			out = append(out, trace.StringAttribute(k, v.StringValue.GetValue()))
		case *tracepb.AttributeValue_IntValue:
			out = append(out, trace.Int64Attribute(k, v.IntValue))
		case *tracepb.AttributeValue_BoolValue:
			out = append(out, trace.BoolAttribute(k, v.BoolValue))
		case *tracepb.AttributeValue_DoubleValue:
			out = append(out, trace.Float64Attribute(k, v.DoubleValue))
		default:
			dropped++
		}
	}
	slices.SortFunc(out, func(a, b trace.Attribute) int { return cmp.Compare(a.Key, b.Key) })
	return out, dropped
}

func tracestateFromProto(ts *tracepb.Span_Tracestate) trace.Tracestate {
	entries := ts.GetEntries()
	if len(entries) == 0 {
		return trace.Tracestate{}
	}
	var b strings.Builder
	for i, e := range entries {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(e.GetKey())
		b.WriteByte('=')
		b.WriteString(e.GetValue())
	}
	out, err := trace.ParseTracestate(b.String())
	if err != nil {
		return trace.Tracestate{}
	}
	return out
}

// MetricFromProto converts an OpenCensus metric to stats.Metric; res applies
// when the metric has no resource of its own. Summary points, which the stats
// model does not have, are skipped.
func MetricFromProto(m *metricspb.Metric, res *resource.Resource) (*stats.Metric, error) {
	d := m.GetMetricDescriptor()
	if d == nil {
		return nil, fmt.Errorf("metric without a descriptor")
	}
	typ := stats.MetricType(d.GetType())
	if typ < stats.TypeUnspecified || typ > stats.TypeSummary {
		return nil, fmt.Errorf("metric %q has unknown type %d", d.GetName(), d.GetType())
	}
	out := &stats.Metric{
		Descriptor: stats.Descriptor{Name: d.GetName(), Description: d.GetDescription(), Unit: d.GetUnit(), Type: typ},
		Resource:   res,
	}
	for _, k := range d.GetLabelKeys() {
		out.Descriptor.LabelKeys = append(out.Descriptor.LabelKeys, stats.LabelKey{Key: k.GetKey(), Description: k.GetDescription()})
	}
	for _, ts := range m.GetTimeseries() {
		if len(ts.GetLabelValues()) != len(out.Descriptor.LabelKeys) {
			return nil, fmt.Errorf("metric %q: time series has %d label values for %d keys",
				d.GetName(), len(ts.GetLabelValues()), len(out.Descriptor.LabelKeys))
		}
		series := &stats.TimeSeries{StartTime: timeFromProto(ts.GetStartTimestamp())}
		for _, lv := range ts.GetLabelValues() {
			series.LabelValues = append(series.LabelValues, stats.LabelValue{Value: lv.GetValue(), Present: lv.GetHasValue()})
		}
		for _, p := range ts.GetPoints() {
			pt := stats.Point{Time: timeFromProto(p.GetTimestamp())}
			switch v := p.GetValue().(type) {
			case *metricspb.Point_Int64Value:
				pt.Int64Value = v.Int64Value
			case *metricspb.Point_DoubleValue:
				pt.Float64Value = v.DoubleValue
			case *metricspb.Point_DistributionValue:
				dv := v.DistributionValue
				sdv := &stats.DistributionValue{
					Count: dv.GetCount(), Sum: dv.GetSum(), SumOfSquaredDeviation: dv.GetSumOfSquaredDeviation(),
					BucketBounds: slices.Clone(dv.GetBucketOptions().GetExplicit().GetBounds()),
				}
				for _, b := range dv.GetBuckets() {
					bk := stats.Bucket{Count: b.GetCount()}
					if ex := b.GetExemplar(); ex != nil {
						bk.Exemplar = &stats.Exemplar{Value: ex.GetValue(), Time: timeFromProto(ex.GetTimestamp()), Attachments: ex.GetAttachments()}
					}
					sdv.Buckets = append(sdv.Buckets, bk)
				}
				pt.Distribution = sdv
			default:
				continue
			}
			series.Points = append(series.Points, pt)
		}
		out.TimeSeries = append(out.TimeSeries, series)
	}
	if r := m.GetResource(); r != nil {
		out.Resource = ResourceFromProto(r)
	}
	return out, nil
}

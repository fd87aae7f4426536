package otlpexporter

import (
	"encoding/binary"
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/gocensus/gocensus/sdk/resource"
	"github.com/gocensus/gocensus/sdk/trace"
)

// spanGen builds SpanData from fuzz bytes, covering every field, value type
// and event ordering.
type spanGen struct{ b []byte }

func (g *spanGen) byte() byte {
	if len(g.b) == 0 {
		return 0
	}
	c := g.b[0]
	g.b = g.b[1:]
	return c
}

func (g *spanGen) u64() uint64 {
	var buf [8]byte
	for i := range buf {
		buf[i] = g.byte()
	}
	return binary.LittleEndian.Uint64(buf[:])
}

func (g *spanGen) str() string {
	n := int(g.byte() % 12)
	var sb strings.Builder
	for range n {
		sb.WriteByte(g.byte())
	}
	return sb.String()
}

func (g *spanGen) value() trace.Value {
	switch g.byte() % 5 {
	case 0:
		return trace.StringValue(g.str())
	case 1:
		return trace.Int64Value(int64(g.u64()))
	case 2:
		return trace.Float64Value(math.Float64frombits(g.u64() &^ (0x7ff << 52))) // finite
	case 3:
		return trace.BoolValue(g.byte()&1 == 1)
	}
	return trace.Value{}
}

func (g *spanGen) attrs() []trace.Attribute {
	out := make([]trace.Attribute, g.byte()%4)
	for i := range out {
		out[i] = trace.Attribute{Key: g.str(), Value: g.value()}
	}
	return out
}

func (g *spanGen) time() time.Time {
	switch g.byte() % 4 {
	case 0:
		return time.Time{}
	default:
		return t0Internal.Add(time.Duration(g.byte()) * time.Millisecond)
	}
}

var t0Internal = time.Date(2026, 5, 6, 7, 8, 9, 10, time.UTC)

func (g *spanGen) span(res []*resource.Resource) *trace.SpanData {
	sd := &trace.SpanData{
		Name:            g.str(),
		Kind:            trace.SpanKind(g.byte() % 7),
		StartTime:       g.time(),
		EndTime:         g.time(),
		Attributes:      g.attrs(),
		HasRemoteParent: g.byte()&1 == 1,
		Status:          trace.Status{Code: int32(g.byte() % 20), Message: g.str()},
		Resource:        res[int(g.byte())%len(res)],

		DroppedAttributeCount:    int32(g.byte()) - 100,
		DroppedAnnotationCount:   int32(g.byte()),
		DroppedMessageEventCount: int32(g.byte()),
		DroppedLinkCount:         int32(g.byte()),
	}
	binary.LittleEndian.PutUint64(sd.TraceID[:], g.u64())
	binary.LittleEndian.PutUint64(sd.SpanID[:], g.u64())
	if g.byte()&1 == 1 {
		binary.LittleEndian.PutUint64(sd.ParentSpanID[:], g.u64())
	}
	sd.TraceOptions = trace.TraceOptions(g.byte())
	if g.byte()&1 == 1 {
		sd.Tracestate = mustParse("a=1,b=2")
	}
	for range g.byte() % 4 {
		sd.Annotations = append(sd.Annotations, trace.Annotation{Time: g.time(), Message: g.str(), Attributes: g.attrs()})
	}
	for range g.byte() % 4 {
		sd.MessageEvents = append(sd.MessageEvents, trace.MessageEvent{
			Time: g.time(), EventType: trace.MessageEventType(g.byte() % 4), MessageID: int64(g.byte()),
			UncompressedSize: int64(g.u64() >> 40), CompressedSize: int64(g.byte() % 3),
		})
	}
	for range g.byte() % 3 {
		l := trace.Link{Type: trace.LinkType(g.byte() % 4), Attributes: g.attrs()}
		binary.LittleEndian.PutUint64(l.TraceID[:], g.u64())
		binary.LittleEndian.PutUint64(l.SpanID[:], g.u64())
		sd.Links = append(sd.Links, l)
	}
	return sd
}

func mustParse(s string) trace.Tracestate {
	ts, err := trace.ParseTracestate(s)
	if err != nil {
		panic(err)
	}
	return ts
}

// sanitize replaces invalid UTF-8 in every string of sd, as the encoder
// does, so that the reference conversion can be marshalled.
func sanitize(sd *trace.SpanData) {
	fix := func(attrs []trace.Attribute) {
		for i := range attrs {
			attrs[i].Key = validUTF8(attrs[i].Key)
			if attrs[i].Value.Type() == trace.StringValueType {
				attrs[i].Value = trace.StringValue(validUTF8(attrs[i].Value.AsString()))
			}
		}
	}
	sd.Name = validUTF8(sd.Name)
	sd.Status.Message = validUTF8(sd.Status.Message)
	fix(sd.Attributes)
	for i := range sd.Annotations {
		sd.Annotations[i].Message = validUTF8(sd.Annotations[i].Message)
		fix(sd.Annotations[i].Attributes)
	}
	for i := range sd.Links {
		fix(sd.Links[i].Attributes)
	}
}

// checkAgainstReference encodes spans directly and through the generated
// types and requires the decoded results to be equal.
func checkAgainstReference(t *testing.T, spans []*trace.SpanData, limit, maxSpans int) {
	t.Helper()
	res := &resourceMapper{serviceName: "svc"}
	scope := scopeInfo{name: ScopeName, version: "v1.2.3"}
	scopeBytes, err := proto.Marshal(scopeProto(scope))
	if err != nil {
		t.Fatal(err)
	}
	enc := spanEncoder{scope: scopeBytes, resources: res}
	reqs := enc.encode(spans, limit, maxSpans)

	got := &coltracepb.ExportTraceServiceRequest{}
	items := 0
	for _, r := range reqs {
		if len(reqs) > 1 && len(r.b) > limit && r.items > 1 {
			t.Errorf("request of %d bytes and %d spans exceeds the %d limit", len(r.b), r.items, limit)
		}
		var part coltracepb.ExportTraceServiceRequest
		if err := proto.Unmarshal(r.b, &part); err != nil {
			t.Fatalf("generated types cannot decode the request: %v", err)
		}
		if n := countRefSpans(&part); n != r.items || n > maxSpans {
			t.Errorf("request says %d items, holds %d spans, limit %d", r.items, n, maxSpans)
		}
		items += r.items
		// Merge runs of the same resource back together.
		for _, rs := range part.ResourceSpans {
			last := len(got.ResourceSpans) - 1
			if last >= 0 && proto.Equal(got.ResourceSpans[last].Resource, rs.Resource) {
				got.ResourceSpans[last].ScopeSpans[0].Spans = append(got.ResourceSpans[last].ScopeSpans[0].Spans, rs.ScopeSpans[0].Spans...)
				continue
			}
			got.ResourceSpans = append(got.ResourceSpans, rs)
		}
	}
	if items != len(spans) {
		t.Errorf("encoded %d spans, want %d", items, len(spans))
	}
	for _, sd := range spans {
		sanitize(sd)
	}
	ref := (&spanConverter{scope: scope, resources: res}).request(spans)
	if len(spans) == 0 {
		ref = &coltracepb.ExportTraceServiceRequest{}
	}
	if diff := cmp.Diff(ref, got, protocmp.Transform()); diff != "" {
		t.Fatalf("direct encoding differs from the generated types (-reference +direct):\n%s", diff)
	}
}

func countRefSpans(req *coltracepb.ExportTraceServiceRequest) int {
	n := 0
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			n += len(ss.Spans)
		}
	}
	return n
}

func spansFromBytes(data []byte) []*trace.SpanData {
	g := &spanGen{b: data}
	res := []*resource.Resource{
		nil,
		{Type: "host", Labels: map[string]string{"host.name": "h", "service.name": "x"}},
		{Labels: map[string]string{"k": "v"}},
	}
	var spans []*trace.SpanData
	for len(g.b) > 0 && len(spans) < 64 {
		spans = append(spans, g.span(res))
	}
	return spans
}

func FuzzSpanEncoding(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("a span with some bytes in it to fill several fields"))
	f.Add([]byte{0xff, 0xfe, 0x80, 0x01, 0x02, 0x03, 0xc3, 0x28, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9})
	seed := make([]byte, 4096)
	for i := range seed {
		seed[i] = byte(i*7 + i/13)
	}
	f.Add(seed)
	f.Fuzz(func(t *testing.T, data []byte) {
		checkAgainstReference(t, spansFromBytes(data), DefaultMaxRequestBytes, maxRequestItems)
		checkAgainstReference(t, spansFromBytes(data), 1024, 7)
	})
}

func TestEncodingMatchesReference(t *testing.T) {
	t.Parallel()
	for i := range 40 {
		data := make([]byte, 64+i*13)
		for j := range data {
			data[j] = byte((j*31 + i*17) ^ (j >> 3))
		}
		checkAgainstReference(t, spansFromBytes(data), 2048, 5+i%9)
	}
}

func TestInvalidUTF8IsReplaced(t *testing.T) {
	t.Parallel()
	sd := &trace.SpanData{
		SpanContext: trace.SpanContext{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{1}},
		Name:        "bad\xffname",
		Attributes:  []trace.Attribute{trace.StringAttribute("k\xc3", "v\x80")},
	}
	enc := spanEncoder{resources: &resourceMapper{}}
	reqs := enc.encode([]*trace.SpanData{sd}, DefaultMaxRequestBytes, 1)
	var req coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(reqs[0].b, &req); err != nil {
		t.Fatal(err)
	}
	sp := req.ResourceSpans[0].ScopeSpans[0].Spans[0]
	for _, s := range []string{sp.Name, sp.Attributes[0].Key, sp.Attributes[0].Value.GetStringValue()} {
		if !utf8.ValidString(s) || !strings.Contains(s, "\uFFFD") {
			t.Errorf("%q: want valid UTF-8 with a replacement character", s)
		}
	}
}

func TestEncodeSpanAllocations(t *testing.T) {
	spans := make([]*trace.SpanData, 64)
	res := &resource.Resource{Labels: map[string]string{"service.name": "s"}}
	for i := range spans {
		spans[i] = &trace.SpanData{
			SpanContext: trace.SpanContext{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{byte(i + 1)}},
			Name:        "op", StartTime: t0Internal, EndTime: t0Internal,
			Attributes:    []trace.Attribute{trace.StringAttribute("a", "b"), trace.Int64Attribute("n", 3)},
			Annotations:   []trace.Annotation{{Time: t0Internal, Message: "m"}},
			MessageEvents: []trace.MessageEvent{{Time: t0Internal, EventType: trace.MessageEventTypeSent, MessageID: 1}},
			Links:         []trace.Link{{TraceID: trace.TraceID{2}, SpanID: trace.SpanID{3}, Type: trace.LinkTypeChild}},
			Status:        trace.Status{Code: 2},
			Resource:      res,
		}
	}
	enc := spanEncoder{resources: &resourceMapper{}}
	enc.encode(spans, DefaultMaxRequestBytes, maxRequestItems) // warm the resource cache
	// The sizes and order slices, the groups, the segments, the request
	// buffer and the result: none per span.
	if n := testing.AllocsPerRun(20, func() { enc.encode(spans, DefaultMaxRequestBytes, maxRequestItems) }); n > 8 {
		t.Errorf("encoding 64 spans allocates %v times, want a constant few", n)
	}
}

package trace_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gocensus/gocensus/sdk/resource"
	"github.com/gocensus/gocensus/sdk/trace"
)

var (
	jsonTestTraceID = trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36}
	jsonTestSpanID  = trace.SpanID{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7}
	jsonTestParent  = trace.SpanID{0x53, 0x99, 0x5c, 0x3f, 0x42, 0xcd, 0x8a, 0xd8}
	jsonTestStart   = time.Date(2026, 3, 4, 5, 6, 7, 120000000, time.UTC)
)

// fullSpan exercises every field of the schema.
func fullSpan() *trace.SpanData {
	loc := time.FixedZone("CET", 3600)
	return &trace.SpanData{
		SpanContext: trace.SpanContext{
			TraceID:      jsonTestTraceID,
			SpanID:       jsonTestSpanID,
			TraceOptions: trace.FlagSampled,
		},
		ParentSpanID:    jsonTestParent,
		HasRemoteParent: true,
		Name:            "/helloworld.Greeter/SayHello",
		Kind:            trace.SpanKindServer,
		StartTime:       jsonTestStart.In(loc),
		EndTime:         jsonTestStart.Add(1500 * time.Microsecond),
		Attributes: []trace.Attribute{
			trace.StringAttribute("rpc.service", "helloworld.Greeter"),
			trace.Int64Attribute("retries", 3),
			trace.BoolAttribute("cache.hit", false),
			trace.Float64Attribute("ratio", 0.25),
		},
		Annotations: []trace.Annotation{
			{Time: jsonTestStart.Add(time.Millisecond), Message: "cache miss", Attributes: []trace.Attribute{trace.StringAttribute("key", "user:1")}},
			{Time: jsonTestStart.Add(time.Millisecond), Message: "no attributes"},
		},
		MessageEvents: []trace.MessageEvent{
			{Time: jsonTestStart, EventType: trace.MessageEventTypeRecv, MessageID: 1, UncompressedSize: 120, CompressedSize: 80},
			{Time: jsonTestStart.Add(time.Millisecond), EventType: trace.MessageEventTypeSent, MessageID: 1, UncompressedSize: 42},
		},
		Links: []trace.Link{
			{TraceID: jsonTestTraceID, SpanID: jsonTestParent, Type: trace.LinkTypeParent, Attributes: []trace.Attribute{trace.StringAttribute("reason", "retry")}},
		},
		DroppedAttributeCount:    1,
		DroppedAnnotationCount:   2,
		DroppedMessageEventCount: 3,
		DroppedLinkCount:         4,
		Status:                   trace.Status{Code: 5, Message: "user not found"},
		ChildSpanCount:           2,
		Resource: &resource.Resource{
			Type:   "host",
			Labels: map[string]string{"service.name": "greeter", "host.name": "box-1"},
		},
	}
}

func decodeJSON(t *testing.T, b []byte) map[string]any {
	t.Helper()
	if !json.Valid(b) {
		t.Fatalf("invalid JSON: %s", b)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return m
}

func TestAppendJSONSchema(t *testing.T) {
	t.Parallel()
	n := func(s string) json.Number { return json.Number(s) }
	tests := []struct {
		name string
		span *trace.SpanData
		want map[string]any
	}{
		{
			name: "minimal root span",
			span: &trace.SpanData{
				SpanContext: trace.SpanContext{TraceID: jsonTestTraceID, SpanID: jsonTestSpanID},
				Name:        "root",
				StartTime:   jsonTestStart,
				EndTime:     jsonTestStart.Add(2 * time.Second),
			},
			want: map[string]any{
				"trace_id":    "4bf92f3577b34da6a3ce929d0e0e4736",
				"span_id":     "00f067aa0ba902b7",
				"name":        "root",
				"kind":        "UNSPECIFIED",
				"start_time":  "2026-03-04T05:06:07.120000000Z",
				"end_time":    "2026-03-04T05:06:09.120000000Z",
				"duration_ns": n("2000000000"),
				"sampled":     false,
				"attributes":  map[string]any{},
				"status":      map[string]any{"code": n("0"), "name": "OK"},
			},
		},
		{
			name: "every field",
			span: fullSpan(),
			want: map[string]any{
				"trace_id":       "4bf92f3577b34da6a3ce929d0e0e4736",
				"span_id":        "00f067aa0ba902b7",
				"parent_span_id": "53995c3f42cd8ad8",
				"remote_parent":  true,
				"name":           "/helloworld.Greeter/SayHello",
				"kind":           "SERVER",
				"start_time":     "2026-03-04T05:06:07.120000000Z",
				"end_time":       "2026-03-04T05:06:07.121500000Z",
				"duration_ns":    n("1500000"),
				"sampled":        true,
				"attributes": map[string]any{
					"rpc.service": "helloworld.Greeter",
					"retries":     n("3"),
					"cache.hit":   false,
					"ratio":       n("0.25"),
				},
				"annotations": []any{
					map[string]any{"time": "2026-03-04T05:06:07.121000000Z", "message": "cache miss", "attributes": map[string]any{"key": "user:1"}},
					map[string]any{"time": "2026-03-04T05:06:07.121000000Z", "message": "no attributes"},
				},
				"message_events": []any{
					map[string]any{"time": "2026-03-04T05:06:07.120000000Z", "type": "RECEIVED", "id": n("1"), "uncompressed_size": n("120"), "compressed_size": n("80")},
					map[string]any{"time": "2026-03-04T05:06:07.121000000Z", "type": "SENT", "id": n("1"), "uncompressed_size": n("42"), "compressed_size": n("0")},
				},
				"links": []any{
					map[string]any{"trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "span_id": "53995c3f42cd8ad8", "type": "PARENT_LINKED_SPAN", "attributes": map[string]any{"reason": "retry"}},
				},
				"status":                       map[string]any{"code": n("5"), "name": "NOT_FOUND", "message": "user not found"},
				"dropped_attributes_count":     n("1"),
				"dropped_annotations_count":    n("2"),
				"dropped_message_events_count": n("3"),
				"dropped_links_count":          n("4"),
				"child_span_count":             n("2"),
				"resource": map[string]any{
					"type":   "host",
					"labels": map[string]any{"service.name": "greeter", "host.name": "box-1"},
				},
			},
		},
		{
			name: "kinds, unknown status, resource without type",
			span: &trace.SpanData{
				SpanContext: trace.SpanContext{TraceID: jsonTestTraceID, SpanID: jsonTestSpanID, TraceOptions: trace.FlagSampled | trace.FlagRandom},
				Name:        "c",
				Kind:        trace.SpanKindInternal,
				StartTime:   jsonTestStart,
				EndTime:     jsonTestStart,
				Status:      trace.Status{Code: 42},
				Resource:    &resource.Resource{Labels: map[string]string{"a": "b"}},
			},
			want: map[string]any{
				"trace_id":    "4bf92f3577b34da6a3ce929d0e0e4736",
				"span_id":     "00f067aa0ba902b7",
				"name":        "c",
				"kind":        "INTERNAL",
				"start_time":  "2026-03-04T05:06:07.120000000Z",
				"end_time":    "2026-03-04T05:06:07.120000000Z",
				"duration_ns": n("0"),
				"sampled":     true,
				"attributes":  map[string]any{},
				"status":      map[string]any{"code": n("42"), "name": "CODE_42"},
				"resource":    map[string]any{"labels": map[string]any{"a": "b"}},
			},
		},
		{
			name: "empty resource",
			span: &trace.SpanData{Kind: trace.SpanKind(200), Status: trace.Status{Code: -1}, Resource: &resource.Resource{}},
			want: map[string]any{
				"trace_id":    "00000000000000000000000000000000",
				"span_id":     "0000000000000000",
				"name":        "",
				"kind":        "UNSPECIFIED",
				"start_time":  "0001-01-01T00:00:00.000000000Z",
				"end_time":    "0001-01-01T00:00:00.000000000Z",
				"duration_ns": n("0"),
				"sampled":     false,
				"attributes":  map[string]any{},
				"status":      map[string]any{"code": n("-1"), "name": "CODE_-1"},
				"resource":    map[string]any{},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := decodeJSON(t, tt.span.AppendJSON(nil))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("AppendJSON mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAppendJSONFieldOrderAndFormat(t *testing.T) {
	t.Parallel()
	// The whole line is pinned so that any change of the documented schema
	// (order, spelling, number format) shows up in review.
	want := `{"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7",` +
		`"parent_span_id":"53995c3f42cd8ad8","remote_parent":true,"name":"/helloworld.Greeter/SayHello",` +
		`"kind":"SERVER","start_time":"2026-03-04T05:06:07.120000000Z","end_time":"2026-03-04T05:06:07.121500000Z",` +
		`"duration_ns":1500000,"sampled":true,` +
		`"attributes":{"rpc.service":"helloworld.Greeter","retries":3,"cache.hit":false,"ratio":0.25},` +
		`"annotations":[{"time":"2026-03-04T05:06:07.121000000Z","message":"cache miss","attributes":{"key":"user:1"}},` +
		`{"time":"2026-03-04T05:06:07.121000000Z","message":"no attributes"}],` +
		`"message_events":[{"time":"2026-03-04T05:06:07.120000000Z","type":"RECEIVED","id":1,"uncompressed_size":120,"compressed_size":80},` +
		`{"time":"2026-03-04T05:06:07.121000000Z","type":"SENT","id":1,"uncompressed_size":42,"compressed_size":0}],` +
		`"links":[{"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"53995c3f42cd8ad8","type":"PARENT_LINKED_SPAN","attributes":{"reason":"retry"}}],` +
		`"status":{"code":5,"name":"NOT_FOUND","message":"user not found"},` +
		`"dropped_attributes_count":1,"dropped_annotations_count":2,"dropped_message_events_count":3,"dropped_links_count":4,` +
		`"child_span_count":2,"resource":{"type":"host","labels":{"host.name":"box-1","service.name":"greeter"}}}`
	if got := string(fullSpan().AppendJSON(nil)); got != want {
		t.Errorf("AppendJSON:\n got %s\nwant %s", got, want)
	}
}

func TestAppendJSONAppends(t *testing.T) {
	t.Parallel()
	prefix := []byte("prefix ")
	got := fullSpan().AppendJSON(prefix)
	if !bytes.HasPrefix(got, prefix) {
		t.Fatalf("AppendJSON lost dst prefix: %q", got)
	}
	decodeJSON(t, got[len(prefix):])
}

func TestAppendJSONStatusNames(t *testing.T) {
	t.Parallel()
	names := []string{
		"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
		"ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
		"ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
		"UNAUTHENTICATED", "CODE_17",
	}
	for code, want := range names {
		sd := &trace.SpanData{Status: trace.Status{Code: int32(code)}}
		status := decodeJSON(t, sd.AppendJSON(nil))["status"].(map[string]any)
		if got := status["name"]; got != want {
			t.Errorf("code %d: name %v, want %s", code, got, want)
		}
	}
}

func TestAppendJSONKindAndEventNames(t *testing.T) {
	t.Parallel()
	kinds := map[trace.SpanKind]string{
		trace.SpanKindUnspecified: "UNSPECIFIED",
		trace.SpanKindServer:      "SERVER",
		trace.SpanKindClient:      "CLIENT",
		trace.SpanKindProducer:    "PRODUCER",
		trace.SpanKindConsumer:    "CONSUMER",
		trace.SpanKindInternal:    "INTERNAL",
	}
	for k, want := range kinds {
		sd := &trace.SpanData{Kind: k}
		if got := decodeJSON(t, sd.AppendJSON(nil))["kind"]; got != want {
			t.Errorf("kind %d: got %v, want %s", k, got, want)
		}
	}
	sd := &trace.SpanData{
		MessageEvents: []trace.MessageEvent{{EventType: trace.MessageEventTypeUnspecified}},
		Links:         []trace.Link{{Type: trace.LinkTypeChild}, {Type: trace.LinkTypeUnspecified, Tracestate: trace.Tracestate{}}},
	}
	m := decodeJSON(t, sd.AppendJSON(nil))
	if got := m["message_events"].([]any)[0].(map[string]any)["type"]; got != "UNSPECIFIED" {
		t.Errorf("message event type %v, want UNSPECIFIED", got)
	}
	links := m["links"].([]any)
	if got := links[0].(map[string]any)["type"]; got != "CHILD_LINKED_SPAN" {
		t.Errorf("link type %v, want CHILD_LINKED_SPAN", got)
	}
	if _, ok := links[1].(map[string]any)["tracestate"]; ok {
		t.Error("empty link tracestate should be omitted")
	}
}

func TestAppendJSONValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		v    trace.Value
		want string // exact encoding
	}{
		{"true", trace.BoolValue(true), `true`},
		{"false", trace.BoolValue(false), `false`},
		{"int", trace.Int64Value(-42), `-42`},
		{"max int", trace.Int64Value(math.MaxInt64), `9223372036854775807`},
		{"min int", trace.Int64Value(math.MinInt64), `-9223372036854775808`},
		{"float", trace.Float64Value(1.5), `1.5`},
		{"float zero", trace.Float64Value(0), `0`},
		{"negative zero", trace.Float64Value(math.Copysign(0, -1)), `-0`},
		{"large float", trace.Float64Value(1e300), `1e+300`},
		{"tiny float", trace.Float64Value(5e-324), `5e-324`},
		{"NaN", trace.Float64Value(math.NaN()), `"NaN"`},
		{"+Inf", trace.Float64Value(math.Inf(1)), `"+Inf"`},
		{"-Inf", trace.Float64Value(math.Inf(-1)), `"-Inf"`},
		{"string", trace.StringValue("x"), `"x"`},
		{"invalid", trace.Value{}, `null`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sd := &trace.SpanData{Attributes: []trace.Attribute{{Key: "k", Value: tt.v}}}
			out := sd.AppendJSON(nil)
			want := `"attributes":{"k":` + tt.want + `}`
			if !bytes.Contains(out, []byte(want)) {
				t.Errorf("output %s does not contain %s", out, want)
			}
			decodeJSON(t, out)
		})
	}
}

func TestAppendJSONStringEscaping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		encoded string // exact encoding, quotes included
		decoded string // what a JSON reader gets back
	}{
		{"plain", "hello", `"hello"`, "hello"},
		{"empty", "", `""`, ""},
		{"quote and backslash", `a"b\c`, `"a\"b\\c"`, `a"b\c`},
		{"newline tab cr", "a\nb\tc\rd", `"a\nb\tc\rd"`, "a\nb\tc\rd"},
		{"other controls", "\x00\x01\x1f", `"\u0000\u0001\u001f"`, "\x00\x01\x1f"},
		{"DEL is literal", "\x7f", "\"\x7f\"", "\x7f"},
		{"html is literal", "<a>&", `"<a>&"`, "<a>&"},
		{"multi-byte", "héllo, 世界 🌍", `"héllo, 世界 🌍"`, "héllo, 世界 🌍"},
		{"invalid byte", "a\xffb", `"a\ufffdb"`, "a\uFFFDb"},
		{"each invalid byte replaced", "\xc3\x28\xe2\x82", `"\ufffd(\ufffd\ufffd"`, "\uFFFD(\uFFFD\uFFFD"},
		{"literal replacement char", "\uFFFD", "\"\uFFFD\"", "\uFFFD"},
		{"line separators", "a\u2028b\u2029c", `"a\u2028b\u2029c"`, "a\u2028b\u2029c"},
		{"surrogate half", "\xed\xa0\x80", `"\ufffd\ufffd\ufffd"`, "\uFFFD\uFFFD\uFFFD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sd := &trace.SpanData{Name: tt.in}
			out := sd.AppendJSON(nil)
			if !bytes.Contains(out, []byte(`"name":`+tt.encoded+`,`)) {
				t.Errorf("output %s does not contain name %s", out, tt.encoded)
			}
			if got := decodeJSON(t, out)["name"]; got != tt.decoded {
				t.Errorf("decoded name %q, want %q", got, tt.decoded)
			}
		})
	}
}

func TestAppendJSONNil(t *testing.T) {
	t.Parallel()
	var sd *trace.SpanData
	if got := string(sd.AppendJSON([]byte("x"))); got != "xnull" {
		t.Errorf("nil AppendJSON = %q, want xnull", got)
	}
	b, err := json.Marshal(struct{ S *trace.SpanData }{})
	if err != nil || string(b) != `{"S":null}` {
		t.Errorf("json.Marshal nil span = %s, %v", b, err)
	}
}

func TestMarshalJSONMatchesAppendJSON(t *testing.T) {
	t.Parallel()
	sd := fullSpan()
	b, err := json.Marshal(sd)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	if want := sd.AppendJSON(nil); !bytes.Equal(b, want) {
		t.Errorf("json.Marshal = %s\nAppendJSON = %s", b, want)
	}
	// Inside a slice the span is addressed through its pointer too.
	b, err = json.Marshal([]*trace.SpanData{sd, nil})
	if err != nil {
		t.Fatalf("json.Marshal slice: %v", err)
	}
	var back []json.RawMessage
	if err := json.Unmarshal(b, &back); err != nil || len(back) != 2 {
		t.Fatalf("json.Unmarshal slice: %v (%d elements)", err, len(back))
	}
}

func TestAppendJSONStackTrace(t *testing.T) {
	t.Parallel()
	pcs := make([]uintptr, 8)
	pcs = pcs[:runtime.Callers(1, pcs)]
	sd := &trace.SpanData{StackTrace: pcs}
	m := decodeJSON(t, sd.AppendJSON(nil))
	frames, ok := m["stack_trace"].([]any)
	if !ok || len(frames) == 0 {
		t.Fatalf("stack_trace missing: %v", m["stack_trace"])
	}
	top := frames[0].(map[string]any)
	if fn, _ := top["function"].(string); !strings.HasSuffix(fn, "TestAppendJSONStackTrace") {
		t.Errorf("top frame function %q", fn)
	}
	if file, _ := top["file"].(string); !strings.HasSuffix(file, "json_test.go") {
		t.Errorf("top frame file %q", file)
	}

	// Program counters that point nowhere must not break the encoder.
	sd.StackTrace = []uintptr{1, 2, 0xdeadbeef}
	decodeJSON(t, sd.AppendJSON(nil))
}

func TestAppendJSONTimeZones(t *testing.T) {
	t.Parallel()
	east := time.FixedZone("X", 5*3600+30*60)
	sd := &trace.SpanData{
		StartTime: time.Date(2026, 1, 1, 5, 30, 0, 1, east),
		EndTime:   time.Date(2026, 1, 1, 0, 0, 1, 0, time.UTC),
	}
	m := decodeJSON(t, sd.AppendJSON(nil))
	if got := m["start_time"]; got != "2026-01-01T00:00:00.000000001Z" {
		t.Errorf("start_time %v", got)
	}
	if got := m["duration_ns"]; got != json.Number("999999999") {
		t.Errorf("duration_ns %v", got)
	}
	for _, f := range []string{"start_time", "end_time"} {
		if _, err := time.Parse(time.RFC3339Nano, m[f].(string)); err != nil {
			t.Errorf("%s not RFC 3339: %v", f, err)
		}
	}
}

func TestAppendJSONTimeFormat(t *testing.T) {
	t.Parallel()
	const layout = "2006-01-02T15:04:05.000000000Z07:00"
	times := []time.Time{
		{},
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2024, 2, 29, 23, 59, 59, 999999999, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 6, 15, 1, 2, 3, 4, time.UTC),
		time.Unix(1<<40, 123).In(time.FixedZone("W", -7*3600)),
		time.Now(),
	}
	for _, tm := range times {
		sd := &trace.SpanData{StartTime: tm}
		got := decodeJSON(t, sd.AppendJSON(nil))["start_time"]
		if want := tm.UTC().Format(layout); got != want {
			t.Errorf("start_time for %v = %v, want %s", tm, got, want)
		}
	}
}

func TestAppendJSONAllocs(t *testing.T) {
	sd := fullSpan()
	buf := make([]byte, 0, 4096)
	allocs := testing.AllocsPerRun(100, func() {
		buf = sd.AppendJSON(buf[:0])
	})
	if allocs != 0 {
		t.Errorf("AppendJSON into a reused buffer allocated %v times per span, want 0", allocs)
	}
}

func FuzzAppendJSON(f *testing.F) {
	f.Add("name", "key", "value", "message", "k=v", "host", 1.5, int64(7), int32(0))
	f.Add("a\xffb", "\x00", "\u2028", `"\`, "", "", math.NaN(), int64(math.MinInt64), int32(-3))
	f.Add("\xed\xa0\x80", "é", "\xc3", "\t\n", "a=b,c=d", "k8s.io/container", math.Inf(-1), int64(1<<53+1), int32(16))
	f.Fuzz(func(t *testing.T, name, key, val, msg, ts, rtype string, fv float64, iv int64, code int32) {
		sd := &trace.SpanData{
			SpanContext: trace.SpanContext{TraceID: jsonTestTraceID, SpanID: jsonTestSpanID},
			Name:        name,
			StartTime:   time.Unix(0, iv),
			EndTime:     time.Unix(0, iv).Add(time.Duration(code)),
			Attributes: []trace.Attribute{
				trace.StringAttribute(key, val),
				trace.Float64Attribute("f", fv),
				trace.Int64Attribute("i", iv),
			},
			Annotations:   []trace.Annotation{{Message: msg, Attributes: []trace.Attribute{trace.StringAttribute(val, key)}}},
			MessageEvents: []trace.MessageEvent{{MessageID: iv, UncompressedSize: iv}},
			Links:         []trace.Link{{Attributes: []trace.Attribute{trace.StringAttribute(key, msg)}}},
			Status:        trace.Status{Code: code, Message: msg},
			Resource:      &resource.Resource{Type: rtype, Labels: map[string]string{key: val, ts: name}},
		}
		out := sd.AppendJSON(nil)
		if !json.Valid(out) {
			t.Fatalf("invalid JSON for %+v:\n%s", sd, out)
		}
		var got struct {
			Name   string         `json:"name"`
			Attrs  map[string]any `json:"attributes"`
			Status struct{ Message string }
			Res    struct{ Type string } `json:"resource"`
		}
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("unmarshal: %v\n%s", err, out)
		}
		// Each invalid byte becomes one U+FFFD, exactly as a range over the
		// string decodes it.
		valid := func(s string) string { return string([]rune(s)) }
		if got.Name != valid(name) {
			t.Errorf("name %q, want %q", got.Name, valid(name))
		}
		if got.Status.Message != valid(msg) {
			t.Errorf("status message %q, want %q", got.Status.Message, valid(msg))
		}
		if got.Res.Type != valid(rtype) {
			t.Errorf("resource type %q, want %q", got.Res.Type, valid(rtype))
		}
		if k := valid(key); k != "f" && k != "i" && got.Attrs[k] != valid(val) {
			t.Errorf("attribute %q = %v, want %q", k, got.Attrs[k], valid(val))
		}
	})
}

func BenchmarkAppendJSON(b *testing.B) {
	sd := fullSpan()
	sd.Resource = nil
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		buf = sd.AppendJSON(buf[:0])
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkMarshalJSON(b *testing.B) {
	sd := fullSpan()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(sd); err != nil {
			b.Fatal(err)
		}
	}
}

func ExampleSpanData_AppendJSON() {
	sd := &trace.SpanData{
		SpanContext: trace.SpanContext{TraceID: jsonTestTraceID, SpanID: jsonTestSpanID, TraceOptions: trace.FlagSampled},
		Name:        "checkout",
		Kind:        trace.SpanKindClient,
		StartTime:   jsonTestStart,
		EndTime:     jsonTestStart.Add(25 * time.Millisecond),
		Attributes:  []trace.Attribute{trace.StringAttribute("cart.id", "c-17"), trace.Int64Attribute("items", 3)},
		Status:      trace.Status{Code: 14, Message: "payment backend down"},
	}
	line := sd.AppendJSON(nil)
	os.Stdout.Write(append(line, '\n'))
	fmt.Println(json.Valid(line))
	// Output:
	// {"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7","name":"checkout","kind":"CLIENT","start_time":"2026-03-04T05:06:07.120000000Z","end_time":"2026-03-04T05:06:07.145000000Z","duration_ns":25000000,"sampled":true,"attributes":{"cart.id":"c-17","items":3},"status":{"code":14,"name":"UNAVAILABLE","message":"payment backend down"}}
	// true
}

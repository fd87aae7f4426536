package propagation_test

import (
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/gocensus/gocensus/propagation"
	"github.com/gocensus/gocensus/sdk/trace"
)

func TestParseTraceparent(t *testing.T) {
	t.Parallel()
	const tid, sid = specTraceID, specSpanID
	ok := func(opts trace.TraceOptions) trace.SpanContext { return remote(t, tid, sid, opts) }
	tests := []struct {
		name    string
		in      string
		want    trace.SpanContext
		wantErr error
	}{
		{name: "spec example", in: specParent, want: ok(trace.FlagSampled)},
		{name: "not sampled", in: "00-" + tid + "-" + sid + "-00", want: ok(0)},
		{name: "random flag passes through", in: "00-" + tid + "-" + sid + "-02", want: ok(trace.FlagRandom)},
		{name: "sampled and random", in: "00-" + tid + "-" + sid + "-03", want: ok(trace.FlagSampled | trace.FlagRandom)},
		{name: "reserved flags cleared", in: "00-" + tid + "-" + sid + "-ff", want: ok(trace.FlagSampled | trace.FlagRandom)},
		{name: "leading and trailing OWS", in: " \t" + specParent + "\t ", want: ok(trace.FlagSampled)},
		{name: "future version", in: "cc-" + tid + "-" + sid + "-01", want: ok(trace.FlagSampled)},
		{name: "future version with more fields", in: "cc-" + tid + "-" + sid + "-01-what-the-future-will-be-like", want: ok(trace.FlagSampled)},
		{name: "future version bad separator", in: "cc-" + tid + "-" + sid + "-01.what-the-future-will-be-like", wantErr: propagation.ErrTraceparentFormat},
		{name: "version ff", in: "ff-" + tid + "-" + sid + "-01", wantErr: propagation.ErrTraceparentVersion},
		{name: "version 00 trailing dash data", in: specParent + "-what-the-future-will-be-like", wantErr: propagation.ErrTraceparentFormat},
		{name: "version 00 trailing dot", in: specParent + ".", wantErr: propagation.ErrTraceparentFormat},
		{name: "upper case version", in: "0A-" + tid + "-" + sid + "-01", wantErr: propagation.ErrTraceparentVersion},
		{name: "one char version", in: "0-" + tid + "-" + sid + "-01", wantErr: propagation.ErrTraceparentFormat},
		{name: "illegal version char", in: ".0-" + tid + "-" + sid + "-01", wantErr: propagation.ErrTraceparentVersion},
		{name: "upper case trace id", in: "00-" + strings.ToUpper(tid) + "-" + sid + "-01", wantErr: propagation.ErrTraceparentFormat},
		{name: "upper case span id hex", in: "00-" + tid + "-00F067AA0BA902B7-01", wantErr: propagation.ErrTraceparentFormat},
		{name: "upper case flags", in: "00-" + tid + "-" + sid + "-0A", wantErr: propagation.ErrTraceparentFormat},
		{name: "short trace id", in: "00-" + tid[1:] + "-" + sid + "-01", wantErr: propagation.ErrTraceparentFormat},
		{name: "long trace id", in: "00-0" + tid + "-" + sid + "-01", wantErr: propagation.ErrTraceparentFormat},
		{name: "illegal trace id char", in: "00-" + tid[:31] + ".-" + sid + "-01", wantErr: propagation.ErrTraceparentFormat},
		{name: "short span id", in: "00-" + tid + "-" + sid[1:] + "-01", wantErr: propagation.ErrTraceparentFormat},
		{name: "long span id", in: "00-" + tid + "-0" + sid + "-01", wantErr: propagation.ErrTraceparentFormat},
		{name: "illegal span id char", in: "00-" + tid + "-" + sid[:15] + "g-01", wantErr: propagation.ErrTraceparentFormat},
		{name: "one char flags", in: "00-" + tid + "-" + sid + "-1", wantErr: propagation.ErrTraceparentFormat},
		{name: "three char flags", in: "00-" + tid + "-" + sid + "-001", wantErr: propagation.ErrTraceparentFormat},
		{name: "illegal flags char", in: "00-" + tid + "-" + sid + "-.0", wantErr: propagation.ErrTraceparentFormat},
		{name: "zero trace id", in: "00-" + strings.Repeat("0", 32) + "-" + sid + "-01", wantErr: propagation.ErrTraceparentTraceID},
		{name: "zero span id", in: "00-" + tid + "-" + strings.Repeat("0", 16) + "-01", wantErr: propagation.ErrTraceparentSpanID},
		{name: "wrong separators", in: "00_" + tid + "_" + sid + "_01", wantErr: propagation.ErrTraceparentFormat},
		{name: "empty", in: "", wantErr: propagation.ErrTraceparentFormat},
		{name: "inner space", in: "00 -" + tid + "-" + sid + "-01", wantErr: propagation.ErrTraceparentFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := propagation.ParseTraceparent(tt.in)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ParseTraceparent(%q) error = %v, want %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Fatalf("ParseTraceparent(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestTraceContextExtract(t *testing.T) {
	t.Parallel()
	base := remote(t, specTraceID, specSpanID, trace.FlagSampled)
	withTS := func(s string) trace.SpanContext {
		ts, err := trace.ParseTracestate(s)
		if err != nil {
			t.Fatal(err)
		}
		sc := base
		sc.Tracestate = ts
		return sc
	}
	tests := []struct {
		name    string
		header  http.Header
		want    trace.SpanContext
		wantErr error
	}{
		{name: "no headers", header: http.Header{}},
		{name: "traceparent only", header: http.Header{"Traceparent": {specParent}}, want: base},
		{name: "canonicalised from lower case", header: hdr("traceparent", specParent), want: base},
		{name: "upper case name", header: hdr("TRACEPARENT", specParent), want: base},
		{name: "wrong name", header: hdr("trace-parent", specParent)},
		{name: "duplicate traceparent", header: http.Header{"Traceparent": {specParent, specParent}}, wantErr: propagation.ErrTraceparentDuplicate},
		{name: "invalid traceparent", header: http.Header{"Traceparent": {"00-x"}}, wantErr: propagation.ErrTraceparentFormat},
		{name: "tracestate kept", header: http.Header{"Traceparent": {specParent}, "Tracestate": {"foo=1,bar=2"}}, want: withTS("foo=1,bar=2")},
		{name: "tracestate headers joined in order", header: http.Header{"Traceparent": {specParent}, "Tracestate": {"foo=1", "bar=2"}}, want: withTS("foo=1,bar=2")},
		{name: "tracestate OWS", header: http.Header{"Traceparent": {specParent}, "Tracestate": {"foo=1 \t , \t bar=2"}}, want: withTS("foo=1,bar=2")},
		{name: "empty tracestate", header: http.Header{"Traceparent": {specParent}, "Tracestate": {""}}, want: base},
		{name: "invalid tracestate dropped whole", header: http.Header{"Traceparent": {specParent}, "Tracestate": {"foo=1,FOO=2"}}, want: base},
		{name: "wrong tracestate name", header: http.Header{"Traceparent": {specParent}, "Trace-State": {"foo=1"}}, want: base},
		{name: "tracestate without traceparent", header: http.Header{"Tracestate": {"foo=1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := propagation.TraceContext{}.Extract(propagation.HeaderCarrier(tt.header))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Extract error = %v, want %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Fatalf("Extract = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// hdr builds a header the way net/http does for an incoming request.
func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

func TestTraceContextInject(t *testing.T) {
	t.Parallel()
	sc := remote(t, specTraceID, specSpanID, trace.FlagSampled)
	h := http.Header{}
	propagation.TraceContext{}.Inject(sc, propagation.HeaderCarrier(h))
	if got := h.Get("traceparent"); got != specParent {
		t.Fatalf("traceparent = %q, want %q", got, specParent)
	}
	if _, ok := h["Tracestate"]; ok {
		t.Fatal("empty tracestate injected")
	}

	// Reserved bits never leave; sampled and random do.
	sc.TraceOptions = 0xff
	sc.Tracestate, _ = trace.ParseTracestate("congo=t61rcWkgMzE")
	md := propagation.MetadataCarrier{}
	propagation.TraceContext{}.Inject(sc, md)
	if got := md.Get("traceparent"); got != "00-"+specTraceID+"-"+specSpanID+"-03" {
		t.Fatalf("traceparent = %q", got)
	}
	if got := md.Get("tracestate"); got != "congo=t61rcWkgMzE" {
		t.Fatalf("tracestate = %q", got)
	}

	empty := http.Header{}
	propagation.TraceContext{}.Inject(trace.SpanContext{}, propagation.HeaderCarrier(empty))
	if len(empty) != 0 {
		t.Fatalf("invalid context injected %v", empty)
	}
	if got := propagation.AppendTraceparent([]byte("x:"), remote(t, specTraceID, specSpanID, 1)); string(got) != "x:"+specParent {
		t.Fatalf("AppendTraceparent = %q", got)
	}
}

func TestTraceContextRoundTrip(t *testing.T) {
	t.Parallel()
	sc := remote(t, specTraceID, specSpanID, trace.FlagSampled|trace.FlagRandom)
	sc.Tracestate, _ = trace.ParseTracestate("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE")
	for _, c := range []propagation.TextMapCarrier{
		propagation.HeaderCarrier{}, propagation.MetadataCarrier{}, propagation.MapCarrier{},
	} {
		propagation.TraceContext{}.Inject(sc, c)
		got, err := propagation.TraceContext{}.Extract(c)
		if err != nil || got != sc {
			t.Fatalf("%T round trip = %+v, %v; want %+v", c, got, err, sc)
		}
	}
}

// TestTraceparentHexAllBytes checks the id formatting for every byte value
// in every position against encoding/hex.
func TestTraceparentHexAllBytes(t *testing.T) {
	t.Parallel()
	for v := 0; v < 256; v++ {
		var sc trace.SpanContext
		for i := range sc.TraceID {
			sc.TraceID[i] = byte(v + i*17)
		}
		for i := range sc.SpanID {
			sc.SpanID[i] = byte(v + i*31 + 1)
		}
		if !sc.IsValid() {
			continue
		}
		want := "00-" + hex.EncodeToString(sc.TraceID[:]) + "-" + hex.EncodeToString(sc.SpanID[:]) + "-00"
		if got := string(propagation.AppendTraceparent(nil, sc)); got != want {
			t.Fatalf("AppendTraceparent = %q, want %q", got, want)
		}
	}
}

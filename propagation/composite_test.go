package propagation_test

import (
	"errors"
	"net/http"
	"net/textproto"
	"slices"
	"testing"

	"github.com/gocensus/gocensus/propagation"
	"github.com/gocensus/gocensus/sdk/trace"
)

func TestComposite(t *testing.T) {
	t.Parallel()
	p := propagation.Composite{propagation.Binary{}, propagation.TraceContext{}, propagation.B3{}}
	bin := remote(t, specTraceID, ocSpanID, trace.FlagSampled)
	w3c := remote(t, specTraceID, specSpanID, 0)
	binary := string(propagation.AppendBinary(nil, bin))
	tests := []struct {
		name    string
		md      propagation.MetadataCarrier
		want    trace.SpanContext
		wantErr []error
	}{
		{name: "nothing", md: propagation.MetadataCarrier{}},
		{name: "first format wins", md: propagation.MetadataCarrier{"grpc-trace-bin": {binary}, "traceparent": {"00-" + specTraceID + "-" + specSpanID + "-00"}}, want: bin},
		{name: "falls through absent", md: propagation.MetadataCarrier{"traceparent": {"00-" + specTraceID + "-" + specSpanID + "-00"}}, want: w3c},
		{name: "falls through malformed", md: propagation.MetadataCarrier{"grpc-trace-bin": {"\x01"}, "traceparent": {"00-" + specTraceID + "-" + specSpanID + "-00"}}, want: w3c},
		{name: "all malformed joins errors", md: propagation.MetadataCarrier{"grpc-trace-bin": {"\x01"}, "traceparent": {"junk"}},
			wantErr: []error{propagation.ErrBinaryVersion, propagation.ErrTraceparentFormat}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := p.Extract(tt.md)
			if got != tt.want {
				t.Fatalf("Extract = %+v, want %+v", got, tt.want)
			}
			if (err != nil) != (len(tt.wantErr) > 0) {
				t.Fatalf("Extract error = %v, want %v", err, tt.wantErr)
			}
			for _, want := range tt.wantErr {
				if !errors.Is(err, want) {
					t.Fatalf("Extract error = %v, does not wrap %v", err, want)
				}
			}
		})
	}

	md := propagation.MetadataCarrier{}
	p.Inject(bin, md)
	for _, k := range p.Fields() {
		if k == "tracestate" {
			continue // bin has no tracestate
		}
		if md.Get(k) == "" {
			t.Errorf("Inject did not write %q", k)
		}
	}
	if got, want := p.Fields(), []string{"grpc-trace-bin", "traceparent", "tracestate", "x-b3-traceid", "x-b3-spanid", "x-b3-sampled"}; !slices.Equal(got, want) {
		t.Errorf("Fields = %q, want %q", got, want)
	}
	dup := propagation.Composite{propagation.TraceContext{}, propagation.TraceContext{}}
	if got := dup.Fields(); len(got) != 2 {
		t.Errorf("Fields of duplicates = %q", got)
	}
	var empty propagation.Composite
	empty.Inject(bin, md)
	if sc, err := empty.Extract(md); err != nil || sc.IsValid() {
		t.Errorf("empty Composite extracted %+v, %v", sc, err)
	}
}

// TestHeaderCarrierCanonicalKeys checks that every key the propagators write
// lands under the spelling net/http uses, so r.Header.Get finds it.
func TestHeaderCarrierCanonicalKeys(t *testing.T) {
	t.Parallel()
	var keys []string
	for _, p := range []propagation.TextMapPropagator{
		propagation.Binary{}, propagation.TraceContext{}, propagation.B3{}, propagation.B3{SingleHeader: true},
		propagation.CloudTrace{}, propagation.OCText{},
	} {
		keys = append(keys, p.Fields()...)
	}
	keys = append(keys, "x-b3-parentspanid", "x-b3-flags", "some-other-key")
	for _, k := range keys {
		h := http.Header{}
		c := propagation.HeaderCarrier(h)
		c.Set(k, "v")
		want := textproto.CanonicalMIMEHeaderKey(k)
		if _, ok := h[want]; !ok || len(h) != 1 {
			t.Errorf("Set(%q) stored %v, want key %q", k, h, want)
		}
		if c.Get(k) != "v" || len(c.Values(k)) != 1 || h.Get(k) != "v" {
			t.Errorf("Get/Values(%q) do not find the value", k)
		}
		if got := c.Keys(); len(got) != 1 || got[0] != want {
			t.Errorf("Keys = %q", got)
		}
	}
}

func TestCarriers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		c    propagation.TextMapCarrier
	}{
		{"header", propagation.HeaderCarrier{}},
		{"metadata", propagation.MetadataCarrier{}},
		{"map", propagation.MapCarrier{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.c.Get("k") != "" || tt.c.Values("k") != nil {
				t.Fatal("empty carrier has a value")
			}
			tt.c.Set("k", "1")
			tt.c.Set("k", "2")
			if tt.c.Get("k") != "2" || !slices.Equal(tt.c.Values("k"), []string{"2"}) {
				t.Fatalf("Set does not replace: %q", tt.c.Values("k"))
			}
			if !slices.Equal(tt.c.Keys(), []string{tt.c.Keys()[0]}) || len(tt.c.Keys()) != 1 {
				t.Fatalf("Keys = %q", tt.c.Keys())
			}
		})
	}
	// gRPC metadata keys are lowercase whatever the caller passes.
	md := propagation.MetadataCarrier{}
	md.Set("TraceParent", "x")
	if _, ok := md["traceparent"]; !ok || md.Get("TRACEPARENT") != "x" {
		t.Fatalf("MetadataCarrier did not lowercase: %v", md)
	}
}

// TestInjectedValuesAreIndependent guards the packed single-allocation
// values: each injection owns its bytes.
func TestInjectedValuesAreIndependent(t *testing.T) {
	t.Parallel()
	a, b := http.Header{}, http.Header{}
	scA := remote(t, specTraceID, specSpanID, 1)
	scB := remote(t, "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", 0)
	propagation.TraceContext{}.Inject(scA, propagation.HeaderCarrier(a))
	propagation.TraceContext{}.Inject(scB, propagation.HeaderCarrier(b))
	a.Add("Traceparent", "second")
	if got := a.Values("Traceparent"); got[0] != specParent || got[1] != "second" {
		t.Fatalf("a = %q", got)
	}
	if got := b.Get("Traceparent"); got != "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00" {
		t.Fatalf("b = %q", got)
	}
}

// TestTraceContextEveryCarrier injects and extracts through each carrier:
// Inject formats traceparent in place for the two map carriers and through
// Set for any other.
func TestTraceContextEveryCarrier(t *testing.T) {
	t.Parallel()
	sc := remote(t, specTraceID, specSpanID, trace.FlagSampled)
	for name, c := range map[string]propagation.TextMapCarrier{
		"header":   propagation.HeaderCarrier{},
		"metadata": propagation.MetadataCarrier{},
		"map":      propagation.MapCarrier{},
	} {
		propagation.TraceContext{}.Inject(sc, c)
		if got := c.Get("traceparent"); got != specParent {
			t.Errorf("%s: traceparent %q, want %q", name, got, specParent)
		}
		if got, err := (propagation.TraceContext{}).Extract(c); err != nil || got != sc {
			t.Errorf("%s: Extract = %+v, %v; want %+v", name, got, err, sc)
		}
	}
	h := http.Header{}
	propagation.TraceContext{}.Inject(sc, propagation.HeaderCarrier(h))
	if h.Get("Traceparent") != specParent || len(h) != 1 {
		t.Errorf("http.Header after Inject: %v", h)
	}
}

// TestCompositeExtractDeferred takes the deferral from the member that found
// the context, and reports none for members that cannot defer.
func TestCompositeExtractDeferred(t *testing.T) {
	t.Parallel()
	h := http.Header{}
	h.Set("X-B3-TraceId", "463ac35c9f6413ad48485a3953bb6124")
	h.Set("X-B3-SpanId", "a2fb4a1d1a96d312")
	h.Set("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00")
	c := propagation.HeaderCarrier(h)
	for _, tt := range []struct {
		name     string
		p        propagation.Composite
		traceID  string
		deferred bool
	}{
		{"traceparent first", propagation.Composite{propagation.TraceContext{}, propagation.B3{}}, "0af7651916cd43dd8448eb211c80319c", false},
		{"b3 first", propagation.Composite{propagation.B3{}, propagation.TraceContext{}}, "463ac35c9f6413ad48485a3953bb6124", true},
	} {
		sc, deferred, err := tt.p.ExtractDeferred(c)
		if err != nil || sc.TraceID.String() != tt.traceID || deferred != tt.deferred {
			t.Errorf("%s: ExtractDeferred = %v, %v, %v; want trace %s, deferred %v", tt.name, sc.TraceID, deferred, err, tt.traceID, tt.deferred)
		}
		plain, err := tt.p.Extract(c)
		if err != nil || plain != sc {
			t.Errorf("%s: Extract = %v, %v; want what ExtractDeferred found", tt.name, plain, err)
		}
	}
}

package propagation_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/gocensus/gocensus/propagation"
	"github.com/gocensus/gocensus/sdk/trace"
)

const (
	b3Trace128 = "80f198ee56343ba864fe8b2a57d3eff7"
	b3Trace64  = "a3ce929d0e0e4736"
	b3Span     = "e457b5a2e4d86bd1"
	b3Parent   = "05e3ac9a4f6e3b90"
)

func TestParseB3Single(t *testing.T) {
	t.Parallel()
	parent := mustSpanID(t, b3Parent)
	tests := []struct {
		name    string
		in      string
		want    propagation.B3Context
		wantErr error
	}{
		{name: "ids only defer", in: b3Trace128 + "-" + b3Span,
			want: propagation.B3Context{SpanContext: remote(t, b3Trace128, b3Span, 0)}},
		{name: "accept", in: b3Trace128 + "-" + b3Span + "-1",
			want: propagation.B3Context{SpanContext: remote(t, b3Trace128, b3Span, trace.FlagSampled), Sampling: propagation.B3Accept}},
		{name: "deny", in: b3Trace128 + "-" + b3Span + "-0",
			want: propagation.B3Context{SpanContext: remote(t, b3Trace128, b3Span, 0), Sampling: propagation.B3Deny}},
		{name: "debug", in: b3Trace128 + "-" + b3Span + "-d",
			want: propagation.B3Context{SpanContext: remote(t, b3Trace128, b3Span, trace.FlagSampled), Sampling: propagation.B3Debug}},
		{name: "with parent", in: b3Trace128 + "-" + b3Span + "-1-" + b3Parent,
			want: propagation.B3Context{SpanContext: remote(t, b3Trace128, b3Span, trace.FlagSampled), Sampling: propagation.B3Accept, ParentSpanID: parent}},
		{name: "64-bit trace id padded", in: b3Trace64 + "-" + b3Span + "-1",
			want: propagation.B3Context{SpanContext: remote(t, "0000000000000000"+b3Trace64, b3Span, trace.FlagSampled), Sampling: propagation.B3Accept}},
		{name: "upper case hex accepted", in: "80F198EE56343BA864FE8B2A57D3EFF7-" + b3Span,
			want: propagation.B3Context{SpanContext: remote(t, b3Trace128, b3Span, 0)}},
		{name: "sampling only accept", in: "1", want: propagation.B3Context{Sampling: propagation.B3Accept}},
		{name: "sampling only deny", in: "0", want: propagation.B3Context{Sampling: propagation.B3Deny}},
		{name: "sampling only debug", in: "d", want: propagation.B3Context{Sampling: propagation.B3Debug}},
		{name: "bad lone state", in: "x", wantErr: propagation.ErrB3Sampled},
		{name: "bad state", in: b3Trace128 + "-" + b3Span + "-x", wantErr: propagation.ErrB3Sampled},
		{name: "true is not a single state", in: b3Trace128 + "-" + b3Span + "-true", wantErr: propagation.ErrB3Sampled},
		{name: "no dash", in: b3Trace128, wantErr: propagation.ErrB3Format},
		{name: "trace id 20 chars", in: "80f198ee56343ba864fe-" + b3Span, wantErr: propagation.ErrB3TraceID},
		{name: "zero trace id", in: "0000000000000000-" + b3Span, wantErr: propagation.ErrB3TraceID},
		{name: "short span id", in: b3Trace128 + "-e457b5a2", wantErr: propagation.ErrB3SpanID},
		{name: "zero span id", in: b3Trace128 + "-0000000000000000", wantErr: propagation.ErrB3SpanID},
		{name: "span id junk", in: b3Trace128 + "-e457b5a2e4d86bdz", wantErr: propagation.ErrB3SpanID},
		{name: "span id then junk", in: b3Trace128 + "-" + b3Span + "x", wantErr: propagation.ErrB3Format},
		{name: "dangling dash", in: b3Trace128 + "-" + b3Span + "-", wantErr: propagation.ErrB3Format},
		{name: "short parent", in: b3Trace128 + "-" + b3Span + "-1-05e3", wantErr: propagation.ErrB3ParentSpanID},
		{name: "five fields", in: b3Trace128 + "-" + b3Span + "-1-" + b3Parent + "-1", wantErr: propagation.ErrB3ParentSpanID},
		{name: "empty", in: "", wantErr: propagation.ErrB3Format},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := propagation.ParseB3Single(tt.in)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ParseB3Single(%q) error = %v, want %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Fatalf("ParseB3Single(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestB3ExtractMulti(t *testing.T) {
	t.Parallel()
	ids := func(kv ...string) http.Header {
		return hdr(append([]string{"X-B3-TraceId", b3Trace128, "X-B3-SpanId", b3Span}, kv...)...)
	}
	tests := []struct {
		name    string
		header  http.Header
		want    propagation.B3Context
		wantErr error
	}{
		{name: "nothing", header: http.Header{}},
		{name: "defer", header: ids(), want: propagation.B3Context{SpanContext: remote(t, b3Trace128, b3Span, 0)}},
		{name: "sampled 1", header: ids("X-B3-Sampled", "1"),
			want: propagation.B3Context{SpanContext: remote(t, b3Trace128, b3Span, 1), Sampling: propagation.B3Accept}},
		{name: "sampled true", header: ids("X-B3-Sampled", "true"),
			want: propagation.B3Context{SpanContext: remote(t, b3Trace128, b3Span, 1), Sampling: propagation.B3Accept}},
		{name: "sampled 0", header: ids("X-B3-Sampled", "0"),
			want: propagation.B3Context{SpanContext: remote(t, b3Trace128, b3Span, 0), Sampling: propagation.B3Deny}},
		{name: "sampled false", header: ids("X-B3-Sampled", "false"),
			want: propagation.B3Context{SpanContext: remote(t, b3Trace128, b3Span, 0), Sampling: propagation.B3Deny}},
		{name: "debug flag", header: ids("X-B3-Flags", "1"),
			want: propagation.B3Context{SpanContext: remote(t, b3Trace128, b3Span, 1), Sampling: propagation.B3Debug}},
		{name: "debug wins over deny", header: ids("X-B3-Flags", "1", "X-B3-Sampled", "0"),
			want: propagation.B3Context{SpanContext: remote(t, b3Trace128, b3Span, 1), Sampling: propagation.B3Debug}},
		{name: "other flags ignored", header: ids("X-B3-Flags", "2"), want: propagation.B3Context{SpanContext: remote(t, b3Trace128, b3Span, 0)}},
		{name: "parent", header: ids("X-B3-ParentSpanId", b3Parent),
			want: propagation.B3Context{SpanContext: remote(t, b3Trace128, b3Span, 0), ParentSpanID: mustSpanID(t, b3Parent)}},
		{name: "64-bit trace id", header: hdr("X-B3-TraceId", b3Trace64, "X-B3-SpanId", b3Span),
			want: propagation.B3Context{SpanContext: remote(t, "0000000000000000"+b3Trace64, b3Span, 0)}},
		{name: "first of repeated values wins", header: http.Header{"X-B3-Traceid": {b3Trace128, "junk"}, "X-B3-Spanid": {b3Span}},
			want: propagation.B3Context{SpanContext: remote(t, b3Trace128, b3Span, 0)}},
		{name: "sampling only", header: hdr("X-B3-Sampled", "0"), want: propagation.B3Context{Sampling: propagation.B3Deny}},
		{name: "missing span id", header: hdr("X-B3-TraceId", b3Trace128), wantErr: propagation.ErrB3SpanID},
		{name: "missing trace id", header: hdr("X-B3-SpanId", b3Span), wantErr: propagation.ErrB3TraceID},
		{name: "bad sampled", header: ids("X-B3-Sampled", "yes"), wantErr: propagation.ErrB3Sampled},
		{name: "bad parent", header: ids("X-B3-ParentSpanId", "-"), wantErr: propagation.ErrB3ParentSpanID},
		{name: "bad lone sampled", header: hdr("X-B3-Sampled", "-"), wantErr: propagation.ErrB3Sampled},
		// The single header wins when it holds ids.
		{name: "single wins", header: ids("b3", "0000000000000001-0000000000000002-1"),
			want: propagation.B3Context{SpanContext: remote(t, "00000000000000000000000000000001", "0000000000000002", 1), Sampling: propagation.B3Accept}},
		{name: "bad single falls back to multi", header: ids("b3", "junk-junk"),
			want: propagation.B3Context{SpanContext: remote(t, b3Trace128, b3Span, 0)}},
		{name: "bad single alone", header: hdr("b3", "junk-junk"), wantErr: propagation.ErrB3TraceID},
		{name: "single sampling only", header: hdr("b3", "d"), want: propagation.B3Context{Sampling: propagation.B3Debug}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := propagation.HeaderCarrier(tt.header)
			got, err := propagation.B3{}.ExtractB3(c)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ExtractB3 error = %v, want %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Fatalf("ExtractB3 = %+v, want %+v", got, tt.want)
			}
			sc, err := propagation.B3{}.Extract(c)
			if !errors.Is(err, tt.wantErr) || sc != tt.want.SpanContext {
				t.Fatalf("Extract = %+v, %v", sc, err)
			}
		})
	}
}

func TestB3Inject(t *testing.T) {
	t.Parallel()
	sc := remote(t, b3Trace128, b3Span, trace.FlagSampled)
	tests := []struct {
		name string
		p    propagation.B3
		sc   trace.SpanContext
		want http.Header
	}{
		{name: "multi sampled", sc: sc, want: http.Header{
			"X-B3-Traceid": {b3Trace128}, "X-B3-Spanid": {b3Span}, "X-B3-Sampled": {"1"}}},
		{name: "multi not sampled", sc: remote(t, b3Trace128, b3Span, 0), want: http.Header{
			"X-B3-Traceid": {b3Trace128}, "X-B3-Spanid": {b3Span}, "X-B3-Sampled": {"0"}}},
		{name: "single", p: propagation.B3{SingleHeader: true}, sc: sc, want: http.Header{
			"B3": {b3Trace128 + "-" + b3Span + "-1"}}},
		{name: "invalid context", sc: trace.SpanContext{}, want: http.Header{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			tt.p.Inject(tt.sc, propagation.HeaderCarrier(h))
			if len(h) != len(tt.want) {
				t.Fatalf("Inject wrote %v, want %v", h, tt.want)
			}
			for k, v := range tt.want {
				if got := h[k]; len(got) != 1 || got[0] != v[0] {
					t.Fatalf("%s = %q, want %q", k, got, v)
				}
			}
			if !tt.sc.IsValid() {
				return
			}
			back, err := tt.p.Extract(propagation.HeaderCarrier(h))
			if err != nil || back != tt.sc {
				t.Fatalf("round trip = %+v, %v; want %+v", back, err, tt.sc)
			}
		})
	}
}

func TestB3ExtractDecision(t *testing.T) {
	t.Parallel()
	ids := specTraceID + "-" + specSpanID
	tests := []struct {
		name        string
		headers     map[string]string
		sampled, ok bool
	}{
		{"lone deny", map[string]string{"b3": "0"}, false, true},
		{"lone accept", map[string]string{"b3": "1"}, true, true},
		{"lone debug", map[string]string{"b3": "d"}, true, true},
		{"multi-header deny", map[string]string{"X-B3-Sampled": "0"}, false, true},
		{"multi-header debug", map[string]string{"X-B3-Flags": "1"}, true, true},
		{"nothing", map[string]string{}, false, false},
		{"ids carry the decision instead", map[string]string{"b3": ids + "-0"}, false, false},
		{"malformed", map[string]string{"b3": "x"}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := headerCarrier(tt.headers)
			for name, d := range map[string]propagation.DecisionExtractor{
				"B3":        propagation.B3{},
				"Composite": propagation.Composite{propagation.TraceContext{}, propagation.B3{}},
			} {
				if sampled, ok := d.ExtractDecision(c); sampled != tt.sampled || ok != tt.ok {
					t.Errorf("%s: ExtractDecision = %v, %v; want %v, %v", name, sampled, ok, tt.sampled, tt.ok)
				}
			}
		})
	}
}

// TestB3ExtractDeferred tells ids without a sampling state (deferred) from
// ids with a "do not sample", which Extract alone cannot: both leave the
// sampled bit clear.
func TestB3ExtractDeferred(t *testing.T) {
	t.Parallel()
	ids := specTraceID + "-" + specSpanID
	tests := []struct {
		name     string
		headers  map[string]string
		valid    bool
		deferred bool
	}{
		{"single without sampling", map[string]string{"b3": ids}, true, true},
		{"single accept with parent", map[string]string{"b3": ids + "-1-" + specSpanID}, true, false},
		{"single deny", map[string]string{"b3": ids + "-0"}, true, false},
		{"single accept", map[string]string{"b3": ids + "-1"}, true, false},
		{"multi without sampling", map[string]string{"X-B3-TraceId": specTraceID, "X-B3-SpanId": specSpanID}, true, true},
		{"multi deny", map[string]string{"X-B3-TraceId": specTraceID, "X-B3-SpanId": specSpanID, "X-B3-Sampled": "0"}, true, false},
		{"multi debug", map[string]string{"X-B3-TraceId": specTraceID, "X-B3-SpanId": specSpanID, "X-B3-Flags": "1"}, true, false},
		{"decision only", map[string]string{"b3": "0"}, false, false},
		{"nothing", map[string]string{}, false, false},
		{"malformed", map[string]string{"b3": "x-y"}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := headerCarrier(tt.headers)
			for name, d := range map[string]propagation.DeferralExtractor{
				"B3":        propagation.B3{},
				"Composite": propagation.Composite{propagation.TraceContext{}, propagation.B3{}},
			} {
				sc, deferred, _ := d.ExtractDeferred(c)
				if sc.IsValid() != tt.valid || deferred != tt.deferred {
					t.Errorf("%s: ExtractDeferred = valid %v, deferred %v; want %v, %v", name, sc.IsValid(), deferred, tt.valid, tt.deferred)
				}
				if sc.IsValid() && deferred && sc.IsSampled() {
					t.Errorf("%s: deferred context has the sampled bit set", name)
				}
			}
		})
	}
}

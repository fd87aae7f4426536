package propagation_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/gocensus/gocensus/propagation"
	"github.com/gocensus/gocensus/sdk/trace"
)

func TestParseCloudTrace(t *testing.T) {
	t.Parallel()
	const tid = "105445aa7843bc8bf206b12000100000"
	// 0x00f067aa0ba902b7 in decimal.
	const dec, sid = "67667974448284343", specSpanID
	tests := []struct {
		name    string
		in      string
		want    trace.SpanContext
		wantErr error
	}{
		{name: "sampled", in: tid + "/" + dec + ";o=1", want: remote(t, tid, sid, trace.FlagSampled)},
		{name: "not sampled", in: tid + "/" + dec + ";o=0", want: remote(t, tid, sid, 0)},
		{name: "missing options not sampled", in: tid + "/" + dec, want: remote(t, tid, sid, 0)},
		{name: "empty options not sampled", in: tid + "/" + dec + ";o=", want: remote(t, tid, sid, 0)},
		{name: "options bit 0 only", in: tid + "/" + dec + ";o=3", want: remote(t, tid, sid, trace.FlagSampled)},
		{name: "upper case trace id", in: strings.ToUpper(tid) + "/" + dec + ";o=1", want: remote(t, tid, sid, trace.FlagSampled)},
		{name: "max span id", in: tid + "/18446744073709551615", want: remote(t, tid, "ffffffffffffffff", 0)},
		{name: "span id overflow", in: tid + "/18446744073709551616", wantErr: propagation.ErrCloudTraceSpanID},
		{name: "zero span id", in: tid + "/0;o=1", wantErr: propagation.ErrCloudTraceSpanID},
		{name: "empty span id", in: tid + "/;o=1", wantErr: propagation.ErrCloudTraceSpanID},
		{name: "no span", in: tid, wantErr: propagation.ErrCloudTraceSpanID},
		{name: "no span with options", in: tid + ";o=1", wantErr: propagation.ErrCloudTraceSpanID},
		{name: "hex span id", in: tid + "/12ab", wantErr: propagation.ErrCloudTraceFormat},
		{name: "negative span id", in: tid + "/-1", wantErr: propagation.ErrCloudTraceSpanID},
		{name: "bad options", in: tid + "/" + dec + ";o=x", wantErr: propagation.ErrCloudTraceFormat},
		{name: "unknown suffix", in: tid + "/" + dec + ";x=1", wantErr: propagation.ErrCloudTraceFormat},
		{name: "short trace id", in: tid[:31] + "/" + dec, wantErr: propagation.ErrCloudTraceTraceID},
		{name: "long trace id", in: tid + "0/" + dec, wantErr: propagation.ErrCloudTraceTraceID},
		{name: "zero trace id", in: strings.Repeat("0", 32) + "/" + dec, wantErr: propagation.ErrCloudTraceTraceID},
		{name: "too long", in: tid + "/" + dec + ";o=" + strings.Repeat("1", 200), wantErr: propagation.ErrCloudTraceFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := propagation.ParseCloudTrace(tt.in)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ParseCloudTrace(%q) error = %v, want %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Fatalf("ParseCloudTrace(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestCloudTracePropagator(t *testing.T) {
	t.Parallel()
	for _, opts := range []trace.TraceOptions{0, trace.FlagSampled} {
		sc := remote(t, "105445aa7843bc8bf206b12000100000", specSpanID, opts)
		h := http.Header{}
		propagation.CloudTrace{}.Inject(sc, propagation.HeaderCarrier(h))
		want := "105445aa7843bc8bf206b12000100000/67667974448284343;o=" + string('0'+byte(opts))
		if got := h.Get("X-Cloud-Trace-Context"); got != want {
			t.Fatalf("injected %q, want %q", got, want)
		}
		back, err := propagation.CloudTrace{}.Extract(propagation.HeaderCarrier(h))
		if err != nil || back != sc {
			t.Fatalf("round trip = %+v, %v", back, err)
		}
	}
	if sc, err := (propagation.CloudTrace{}).Extract(propagation.HeaderCarrier{}); err != nil || sc.IsValid() {
		t.Fatalf("Extract from nothing = %+v, %v", sc, err)
	}
}

package propagation_test

import (
	"errors"
	"testing"

	"github.com/gocensus/gocensus/propagation"
	"github.com/gocensus/gocensus/sdk/trace"
)

func TestOCTextExtract(t *testing.T) {
	t.Parallel()
	ids := func(kv ...string) propagation.MetadataCarrier {
		md := propagation.MetadataCarrier{
			"opencensus-trace-traceid": {specTraceID},
			"opencensus-trace-spanid":  {specSpanID},
		}
		for i := 0; i < len(kv); i += 2 {
			md[kv[i]] = []string{kv[i+1]}
		}
		return md
	}
	const opt = "opencensus-trace-traceoptions"
	tests := []struct {
		name    string
		md      propagation.MetadataCarrier
		want    trace.SpanContext
		wantErr error
	}{
		{name: "nothing", md: propagation.MetadataCarrier{}},
		{name: "options 1", md: ids(opt, "1"), want: remote(t, specTraceID, specSpanID, 1)},
		{name: "options 0 is not sampled", md: ids(opt, "0"), want: remote(t, specTraceID, specSpanID, 0)},
		{name: "missing options default sampled", md: ids(), want: remote(t, specTraceID, specSpanID, 1)},
		{name: "python True", md: ids(opt, "True"), want: remote(t, specTraceID, specSpanID, 1)},
		{name: "python False", md: ids(opt, "False"), want: remote(t, specTraceID, specSpanID, 0)},
		{name: "options byte kept", md: ids(opt, "3"), want: remote(t, specTraceID, specSpanID, 3)},
		{name: "options too big", md: ids(opt, "256"), wantErr: propagation.ErrOCTextOptions},
		{name: "options junk", md: ids(opt, "yes"), wantErr: propagation.ErrOCTextOptions},
		{name: "bad trace id", md: ids("opencensus-trace-traceid", "xyz"), wantErr: propagation.ErrOCTextTraceID},
		{name: "missing span id", md: propagation.MetadataCarrier{"opencensus-trace-traceid": {specTraceID}}, wantErr: propagation.ErrOCTextSpanID},
		{name: "zero span id", md: ids("opencensus-trace-spanid", "0000000000000000"), wantErr: propagation.ErrOCTextSpanID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := propagation.OCText{}.Extract(tt.md)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Extract error = %v, want %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Fatalf("Extract = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestOCTextInject(t *testing.T) {
	t.Parallel()
	for _, opts := range []trace.TraceOptions{0, 1} {
		sc := remote(t, specTraceID, specSpanID, opts)
		md := propagation.MetadataCarrier{}
		propagation.OCText{}.Inject(sc, md)
		want := map[string]string{
			"opencensus-trace-traceid":      specTraceID,
			"opencensus-trace-spanid":       specSpanID,
			"opencensus-trace-traceoptions": string('0' + byte(opts)),
		}
		for k, v := range want {
			if got := md.Get(k); got != v {
				t.Fatalf("%s = %q, want %q", k, got, v)
			}
		}
		back, err := propagation.OCText{}.Extract(md)
		if err != nil || back != sc {
			t.Fatalf("round trip = %+v, %v", back, err)
		}
	}
}

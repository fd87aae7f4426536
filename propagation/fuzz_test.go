package propagation_test

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/gocensus/gocensus/propagation"
	"github.com/gocensus/gocensus/sdk/trace"
)

// checkExtracted holds for every context a decoder returns without error.
func checkExtracted(t *testing.T, sc trace.SpanContext) {
	t.Helper()
	if !sc.IsValid() || !sc.Remote {
		t.Fatalf("decoder returned an invalid or local context without error: %+v", sc)
	}
}

func FuzzBinary(f *testing.F) {
	spec := []byte{0, 0, 0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x00, 0x0e, 0x47, 0x36,
		1, 0x34, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7, 2, 1}
	f.Add(spec)
	f.Add(spec[:27])                                  // no options
	f.Add(spec[:18])                                  // no span id
	f.Add(spec[:10])                                  // truncated trace id
	f.Add(append(bytes.Clone(spec[:27]), 9, 9, 9))    // unknown field
	f.Add(append(bytes.Clone(spec), 2, 0))            // repeated options
	f.Add(append([]byte{1}, spec[1:]...))             // version 1
	f.Add(append([]byte{0, 2, 1, 1}, spec[19:27]...)) // out of order, no trace id
	f.Add([]byte{})
	f.Add([]byte{0})
	f.Add(make([]byte, 29))
	f.Fuzz(func(t *testing.T, b []byte) {
		sc, err := propagation.FromBinary(b)
		if err != nil {
			if sc != (trace.SpanContext{}) {
				t.Fatalf("error %v with a context %+v", err, sc)
			}
			return
		}
		checkExtracted(t, sc)
		enc := propagation.AppendBinary(nil, sc)
		if len(enc) != propagation.BinaryLen {
			t.Fatalf("encoded %d bytes", len(enc))
		}
		back, err := propagation.FromBinary(enc)
		if err != nil || back != sc {
			t.Fatalf("round trip = %+v, %v; want %+v", back, err, sc)
		}
		if len(b) >= propagation.BinaryLen && bytes.Equal(b[:3], enc[:3]) && b[18] == 1 && b[27] == 2 && !bytes.Equal(b[:propagation.BinaryLen], enc) {
			t.Fatalf("canonical input %x re-encoded as %x", b[:propagation.BinaryLen], enc)
		}
	})
}

// referenceTraceparent is a byte-by-byte reading of the W3C Level 1 rules
// (with the Level 2 random flag kept), to check ParseTraceparent's
// word-at-a-time decoding against.
func referenceTraceparent(s string) (trace.SpanContext, bool) {
	s = strings.Trim(s, " \t")
	lowerHex := func(s string) ([]byte, bool) {
		if strings.ToLower(s) != s {
			return nil, false
		}
		b, err := hex.DecodeString(s)
		return b, err == nil
	}
	if len(s) < 55 || s[2] != '-' || s[35] != '-' || s[52] != '-' {
		return trace.SpanContext{}, false
	}
	version, ok := lowerHex(s[:2])
	if !ok || version[0] == 0xff || len(s) > 55 && (version[0] == 0 || s[55] != '-') {
		return trace.SpanContext{}, false
	}
	tid, ok1 := lowerHex(s[3:35])
	sid, ok2 := lowerHex(s[36:52])
	flags, ok3 := lowerHex(s[53:55])
	if !ok1 || !ok2 || !ok3 {
		return trace.SpanContext{}, false
	}
	sc := trace.SpanContext{TraceID: trace.TraceID(tid), SpanID: trace.SpanID(sid), Remote: true,
		TraceOptions: trace.TraceOptions(flags[0]) & (trace.FlagSampled | trace.FlagRandom)}
	return sc, sc.TraceID.IsValid() && sc.SpanID.IsValid()
}

func FuzzTraceparent(f *testing.F) {
	for _, s := range []string{
		specParent,
		"00-" + specTraceID + "-" + specSpanID + "-00",
		"00-" + specTraceID + "-" + specSpanID + "-02",
		"00-" + specTraceID + "-" + specSpanID + "-ff",
		" \t" + specParent + " ",
		"cc-" + specTraceID + "-" + specSpanID + "-01",
		"cc-" + specTraceID + "-" + specSpanID + "-01-what-the-future-will-be-like",
		"cc-" + specTraceID + "-" + specSpanID + "-01.what-the-future-will-be-like",
		"ff-" + specTraceID + "-" + specSpanID + "-01",
		specParent + "-",
		specParent + ".",
		"00-" + strings.ToUpper(specTraceID) + "-" + specSpanID + "-01",
		"00-00000000000000000000000000000000-" + specSpanID + "-01",
		"00-" + specTraceID + "-0000000000000000-01",
		"00-" + specTraceID + "-" + specSpanID,
		"",
	} {
		f.Add(s, "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE")
	}
	f.Add(specParent, "foo=1 \t , \t bar=2,,")
	f.Add(specParent, "foo=bar=baz")
	f.Fuzz(func(t *testing.T, tp, ts string) {
		sc, err := propagation.ParseTraceparent(tp)
		if want, ok := referenceTraceparent(tp); ok != (err == nil) || (ok && sc != want) {
			t.Fatalf("ParseTraceparent(%q) = %+v, %v; the byte-wise reference says %+v, %v", tp, sc, err, want, ok)
		}
		if err != nil {
			if sc != (trace.SpanContext{}) {
				t.Fatalf("error %v with a context %+v", err, sc)
			}
		} else {
			checkExtracted(t, sc)
			enc := string(propagation.AppendTraceparent(nil, sc))
			back, err := propagation.ParseTraceparent(enc)
			if err != nil || back != sc {
				t.Fatalf("round trip of %q = %+v, %v", enc, back, err)
			}
			if in := strings.Trim(tp, " \t"); strings.HasPrefix(in, "00-") && in[53] == '0' && in[54] <= '3' && enc != in {
				t.Fatalf("version 00 input %q re-encoded as %q", in, enc)
			}
		}
		// Through the propagator, with a tracestate.
		h := propagation.HeaderCarrier{"Traceparent": {tp}, "Tracestate": {ts}}
		got, err := propagation.TraceContext{}.Extract(h)
		if err != nil || !got.IsValid() {
			return
		}
		checkExtracted(t, got)
		out := propagation.MetadataCarrier{}
		propagation.TraceContext{}.Inject(got, out)
		back, err := propagation.TraceContext{}.Extract(out)
		if err != nil || back != got {
			t.Fatalf("propagator round trip = %+v, %v; want %+v", back, err, got)
		}
	})
}

func FuzzB3Single(f *testing.F) {
	for _, s := range []string{
		b3Trace128 + "-" + b3Span,
		b3Trace128 + "-" + b3Span + "-1",
		b3Trace128 + "-" + b3Span + "-0",
		b3Trace128 + "-" + b3Span + "-d",
		b3Trace128 + "-" + b3Span + "-1-" + b3Parent,
		b3Trace64 + "-" + b3Span + "-1",
		"1", "0", "d", "x", "", "-", "--", b3Trace128 + "-" + b3Span + "-",
		b3Trace128 + "-" + b3Span + "-1-" + b3Parent + "-1",
		"0000000000000000-" + b3Span,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		bc, err := propagation.ParseB3Single(s)
		if err != nil {
			if bc != (propagation.B3Context{}) {
				t.Fatalf("error %v with a context %+v", err, bc)
			}
			return
		}
		if !bc.SpanContext.IsValid() {
			if bc.SpanContext != (trace.SpanContext{}) {
				t.Fatalf("partial context %+v", bc.SpanContext)
			}
			return
		}
		checkExtracted(t, bc.SpanContext)
		if bc.SpanContext.IsSampled() != (bc.Sampling == propagation.B3Accept || bc.Sampling == propagation.B3Debug) {
			t.Fatalf("sampled bit %v disagrees with state %v", bc.SpanContext.IsSampled(), bc.Sampling)
		}
		c := propagation.MapCarrier{}
		propagation.B3{SingleHeader: true}.Inject(bc.SpanContext, c)
		back, err := propagation.ParseB3Single(c["b3"])
		if err != nil || back.SpanContext != bc.SpanContext {
			t.Fatalf("round trip of %q = %+v, %v", c["b3"], back, err)
		}
	})
}

func FuzzB3Multi(f *testing.F) {
	f.Add(b3Trace128, b3Span, "", "1", "")
	f.Add(b3Trace64, b3Span, b3Parent, "0", "")
	f.Add(b3Trace128, b3Span, "", "true", "1")
	f.Add(b3Trace128, b3Span, "", "false", "2")
	f.Add(b3Trace128, "", "", "", "")
	f.Add("", b3Span, "", "", "")
	f.Add("", "", "", "0", "")
	f.Add(b3Trace128, b3Span, "-", "yes", "")
	f.Add("0000000000000000", b3Span, "", "1", "")
	f.Fuzz(func(t *testing.T, tid, sid, parent, sampled, flags string) {
		h := propagation.HeaderCarrier{}
		for k, v := range map[string]string{"X-B3-Traceid": tid, "X-B3-Spanid": sid, "X-B3-Parentspanid": parent, "X-B3-Sampled": sampled, "X-B3-Flags": flags} {
			if v != "" {
				h[k] = []string{v}
			}
		}
		bc, err := propagation.B3{}.ExtractB3(h)
		if err != nil || !bc.SpanContext.IsValid() {
			if bc.SpanContext != (trace.SpanContext{}) {
				t.Fatalf("error %v with a context %+v", err, bc)
			}
			return
		}
		checkExtracted(t, bc.SpanContext)
		out := propagation.MetadataCarrier{}
		propagation.B3{}.Inject(bc.SpanContext, out)
		back, err := propagation.B3{}.Extract(out)
		if err != nil || back != bc.SpanContext {
			t.Fatalf("round trip = %+v, %v; want %+v", back, err, bc.SpanContext)
		}
	})
}

func FuzzCloudTrace(f *testing.F) {
	const tid = "105445aa7843bc8bf206b12000100000"
	for _, s := range []string{
		tid + "/1;o=1", tid + "/67667974448284343;o=0", tid + "/1", tid + "/1;o=", tid + "/;o=1", tid + "/", tid + ";o=1", tid,
		tid + "/18446744073709551615;o=1", tid + "/18446744073709551616", tid + "/0", tid + "/-1", tid + "/1;o=x", "", "/",
		strings.Repeat("0", 32) + "/1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sc, err := propagation.ParseCloudTrace(s)
		if err != nil {
			if sc != (trace.SpanContext{}) {
				t.Fatalf("error %v with a context %+v", err, sc)
			}
			return
		}
		checkExtracted(t, sc)
		c := propagation.MapCarrier{}
		propagation.CloudTrace{}.Inject(sc, c)
		back, err := propagation.ParseCloudTrace(c[propagation.CloudTraceKey])
		if err != nil || back != sc {
			t.Fatalf("round trip of %q = %+v, %v; want %+v", c[propagation.CloudTraceKey], back, err, sc)
		}
	})
}

func FuzzOCText(f *testing.F) {
	f.Add(specTraceID, specSpanID, "1")
	f.Add(specTraceID, specSpanID, "0")
	f.Add(specTraceID, specSpanID, "")
	f.Add(specTraceID, specSpanID, "True")
	f.Add(specTraceID, specSpanID, "256")
	f.Add(specTraceID, "", "1")
	f.Add("xyz", specSpanID, "1")
	f.Add(strings.ToUpper(specTraceID), specSpanID, " 3 ")
	f.Fuzz(func(t *testing.T, tid, sid, opts string) {
		md := propagation.MetadataCarrier{}
		for k, v := range map[string]string{"opencensus-trace-traceid": tid, "opencensus-trace-spanid": sid, "opencensus-trace-traceoptions": opts} {
			if v != "" {
				md[k] = []string{v}
			}
		}
		sc, err := propagation.OCText{}.Extract(md)
		if err != nil || !sc.IsValid() {
			if sc != (trace.SpanContext{}) {
				t.Fatalf("error %v with a context %+v", err, sc)
			}
			return
		}
		checkExtracted(t, sc)
		out := propagation.HeaderCarrier{}
		propagation.OCText{}.Inject(sc, out)
		back, err := propagation.OCText{}.Extract(out)
		if err != nil || back.TraceID != sc.TraceID || back.SpanID != sc.SpanID || back.IsSampled() != sc.IsSampled() {
			t.Fatalf("round trip = %+v, %v; want %+v", back, err, sc)
		}
	})
}

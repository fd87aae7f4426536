package propagation_test

import (
	"net/http"
	"testing"

	"github.com/gocensus/gocensus/propagation"
	"github.com/gocensus/gocensus/sdk/trace"
)

func benchContext(b *testing.B) trace.SpanContext {
	return remote(b, specTraceID, specSpanID, trace.FlagSampled)
}

func BenchmarkBinaryEncode(b *testing.B) {
	sc := benchContext(b)
	var buf [propagation.BinaryLen]byte
	b.ReportAllocs()
	for b.Loop() {
		propagation.PutBinary(&buf, sc)
	}
}

func BenchmarkBinaryAppend(b *testing.B) {
	sc := benchContext(b)
	dst := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		dst = propagation.AppendBinary(dst[:0], sc)
	}
}

func BenchmarkBinaryDecode(b *testing.B) {
	enc := propagation.AppendBinary(nil, benchContext(b))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := propagation.FromBinary(enc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTraceparentInject(b *testing.B) {
	sc := benchContext(b)
	h := http.Header{}
	c := propagation.HeaderCarrier(h)
	b.ReportAllocs()
	for b.Loop() {
		propagation.TraceContext{}.Inject(sc, c)
	}
}

func BenchmarkTraceparentExtract(b *testing.B) {
	h := http.Header{}
	h.Set("traceparent", specParent)
	c := propagation.HeaderCarrier(h)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := (propagation.TraceContext{}).Extract(c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTraceparentExtractTracestate(b *testing.B) {
	h := http.Header{}
	h.Set("traceparent", specParent)
	h.Set("tracestate", "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE")
	c := propagation.HeaderCarrier(h)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := (propagation.TraceContext{}).Extract(c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExtract(b *testing.B) {
	sc := benchContext(b)
	for _, bc := range []struct {
		name string
		p    propagation.TextMapPropagator
	}{
		{"binary", propagation.Binary{}},
		{"tracecontext", propagation.TraceContext{}},
		{"b3", propagation.B3{}},
		{"b3single", propagation.B3{SingleHeader: true}},
		{"cloudtrace", propagation.CloudTrace{}},
		{"octext", propagation.OCText{}},
		{"composite", propagation.Composite{propagation.Binary{}, propagation.TraceContext{}}},
	} {
		md := propagation.MetadataCarrier{}
		bc.p.Inject(sc, md)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bc.p.Extract(md); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkInject(b *testing.B) {
	sc := benchContext(b)
	for _, bc := range []struct {
		name string
		p    propagation.TextMapPropagator
	}{
		{"binary", propagation.Binary{}},
		{"tracecontext", propagation.TraceContext{}},
		{"b3", propagation.B3{}},
		{"b3single", propagation.B3{SingleHeader: true}},
		{"cloudtrace", propagation.CloudTrace{}},
		{"octext", propagation.OCText{}},
	} {
		md := propagation.MetadataCarrier{}
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				bc.p.Inject(sc, md)
			}
		})
	}
}

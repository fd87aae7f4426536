package benchmarks_test

import (
	"context"
	"net/http"
	"testing"
	"unsafe"

	ocprop "go.opencensus.io/plugin/ochttp/propagation/tracecontext"
	octrace "go.opencensus.io/trace"
	ocbinary "go.opencensus.io/trace/propagation"
	otelprop "go.opentelemetry.io/otel/propagation"
	oteltrace "go.opentelemetry.io/otel/trace"

	"github.com/gocensus/gocensus/propagation"
	"github.com/gocensus/gocensus/sdk/trace"
)

// The W3C specification example context, the same in every library.
var (
	propTraceID = [16]byte{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x00, 0x0e, 0x47, 0x36}
	propSpanID  = [8]byte{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7}
)

// propBinarySink keeps opencensus-go's encoding alive past the call.
var propBinarySink []byte

const propTraceparent = "00-4bf92f3577b34da6a3ce929d000e4736-00f067aa0ba902b7-01"

func gcContext() trace.SpanContext {
	return trace.SpanContext{TraceID: propTraceID, SpanID: propSpanID, TraceOptions: trace.FlagSampled}
}

func ocContext() octrace.SpanContext {
	return octrace.SpanContext{TraceID: propTraceID, SpanID: propSpanID, TraceOptions: 1}
}

func otelContext() context.Context {
	sc := oteltrace.NewSpanContext(oteltrace.SpanContextConfig{
		TraceID: propTraceID, SpanID: propSpanID, TraceFlags: oteltrace.FlagsSampled, Remote: true,
	})
	return oteltrace.ContextWithRemoteSpanContext(context.Background(), sc)
}

// BenchmarkBinaryEncode encodes grpc-trace-bin. gocensus writes into a
// caller's buffer; opencensus-go returns a new slice. OpenTelemetry-Go has
// no binary format in core.
func BenchmarkBinaryEncode(b *testing.B) {
	b.Run("lib=gocensus", func(b *testing.B) {
		sc := gcContext()
		var buf [propagation.BinaryLen]byte
		b.ReportAllocs()
		for b.Loop() {
			propagation.PutBinary(&buf, sc)
		}
	})
	b.Run("lib=opencensus", func(b *testing.B) {
		sc := ocContext()
		b.ReportAllocs()
		for b.Loop() {
			// Kept, as a caller putting it into metadata would, so the
			// slice cannot live on the stack.
			propBinarySink = ocbinary.Binary(sc)
		}
	})
}

func BenchmarkBinaryDecode(b *testing.B) {
	enc := propagation.AppendBinary(nil, gcContext())
	b.Run("lib=gocensus", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := propagation.FromBinary(enc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("lib=opencensus", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := ocbinary.FromBinary(enc); !ok {
				b.Fatal("decode failed")
			}
		}
	})
}

// BenchmarkTraceparentInject writes traceparent into an http.Header that
// already has one (a reused request), without tracestate.
func BenchmarkTraceparentInject(b *testing.B) {
	b.Run("lib=gocensus", func(b *testing.B) {
		sc := gcContext()
		c := propagation.HeaderCarrier(http.Header{})
		b.ReportAllocs()
		for b.Loop() {
			propagation.TraceContext{}.Inject(sc, c)
		}
	})
	b.Run("lib=opencensus", func(b *testing.B) {
		sc := ocContext()
		req := &http.Request{Header: http.Header{}}
		f := &ocprop.HTTPFormat{}
		b.ReportAllocs()
		for b.Loop() {
			f.SpanContextToRequest(sc, req)
		}
	})
	b.Run("lib=otel", func(b *testing.B) {
		ctx := otelContext()
		c := otelprop.HeaderCarrier(http.Header{})
		b.ReportAllocs()
		for b.Loop() {
			otelprop.TraceContext{}.Inject(ctx, c)
		}
	})
	// Not a library: the least any injection into an http.Header costs,
	// one allocation holding the one-element []string and its 55 bytes
	// plus the map store, with nothing formatted or checked.
	b.Run("lib=bound", func(b *testing.B) {
		h := http.Header{}
		b.ReportAllocs()
		for b.Loop() {
			p := new(struct {
				v   [1]string
				buf [55]byte
			})
			p.v[0] = unsafe.String(&p.buf[0], len(p.buf))
			h["Traceparent"] = p.v[:]
		}
	})
}

// BenchmarkTraceparentExtract reads traceparent (no tracestate) from an
// incoming http.Header.
func BenchmarkTraceparentExtract(b *testing.B) {
	h := http.Header{}
	h.Set("traceparent", propTraceparent)
	b.Run("lib=gocensus", func(b *testing.B) {
		c := propagation.HeaderCarrier(h)
		b.ReportAllocs()
		for b.Loop() {
			if sc, _ := (propagation.TraceContext{}).Extract(c); !sc.IsValid() {
				b.Fatal("extract failed")
			}
		}
	})
	b.Run("lib=opencensus", func(b *testing.B) {
		req := &http.Request{Header: h}
		f := &ocprop.HTTPFormat{}
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := f.SpanContextFromRequest(req); !ok {
				b.Fatal("extract failed")
			}
		}
	})
	b.Run("lib=otel", func(b *testing.B) {
		c := otelprop.HeaderCarrier(h)
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if !oteltrace.SpanContextFromContext(otelprop.TraceContext{}.Extract(ctx, c)).IsValid() {
				b.Fatal("extract failed")
			}
		}
	})
}

// BenchmarkTraceparentExtractMap reads traceparent from a map with one value
// per key, where OpenTelemetry-Go's extract costs its two allocations for
// the context and no header-name canonicalisation.
func BenchmarkTraceparentExtractMap(b *testing.B) {
	m := map[string]string{"traceparent": propTraceparent}
	b.Run("lib=gocensus", func(b *testing.B) {
		c := propagation.MapCarrier(m)
		b.ReportAllocs()
		for b.Loop() {
			if sc, _ := (propagation.TraceContext{}).Extract(c); !sc.IsValid() {
				b.Fatal("extract failed")
			}
		}
	})
	b.Run("lib=otel", func(b *testing.B) {
		c := otelprop.MapCarrier(m)
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if !oteltrace.SpanContextFromContext(otelprop.TraceContext{}.Extract(ctx, c)).IsValid() {
				b.Fatal("extract failed")
			}
		}
	})
}

package interop_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	ocb3 "go.opencensus.io/plugin/ochttp/propagation/b3"
	octc "go.opencensus.io/plugin/ochttp/propagation/tracecontext"
	octrace "go.opencensus.io/trace"
	ocbinary "go.opencensus.io/trace/propagation"
	octracestate "go.opencensus.io/trace/tracestate"
	otelprop "go.opentelemetry.io/otel/propagation"
	oteltrace "go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/metadata"

	"github.com/gocensus/gocensus/propagation"
	"github.com/gocensus/gocensus/sdk/trace"
)

// propCase is one span context, expressed in every library.
type propCase struct {
	name    string
	traceID [16]byte
	spanID  [8]byte
	options byte
}

var propCases = []propCase{
	{"spec example sampled", [16]byte{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x00, 0x0e, 0x47, 0x36},
		[8]byte{0x34, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7}, 1},
	{"not sampled", [16]byte{0x0a, 0xf7, 0x65, 0x19, 0x16, 0xcd, 0x43, 0xdd, 0x84, 0x48, 0xeb, 0x21, 0x1c, 0x80, 0x31, 0x9c},
		[8]byte{0xb7, 0xad, 0x6b, 0x71, 0x69, 0x20, 0x33, 0x31}, 0},
	{"64-bit trace id", [16]byte{8: 0xa3, 9: 0xce, 10: 0x92, 11: 0x9d, 12: 0x0e, 13: 0x0e, 14: 0x47, 15: 0x36},
		[8]byte{0xe4, 0x57, 0xb5, 0xa2, 0xe4, 0xd8, 0x6b, 0xd1}, 1},
	{"high bits", [16]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe},
		[8]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 1},
}

func (c propCase) gocensus() trace.SpanContext {
	return trace.SpanContext{TraceID: c.traceID, SpanID: c.spanID, TraceOptions: trace.TraceOptions(c.options)}
}

func (c propCase) opencensus() octrace.SpanContext {
	return octrace.SpanContext{TraceID: c.traceID, SpanID: c.spanID, TraceOptions: octrace.TraceOptions(c.options)}
}

func (c propCase) otel() context.Context {
	sc := oteltrace.NewSpanContext(oteltrace.SpanContextConfig{
		TraceID: c.traceID, SpanID: c.spanID, TraceFlags: oteltrace.TraceFlags(c.options),
	})
	return oteltrace.ContextWithSpanContext(context.Background(), sc)
}

// sameIDs compares what every format carries: ids and the sampled bit.
func sameIDs(t *testing.T, got trace.SpanContext, want propCase) {
	t.Helper()
	if !got.IsValid() || !got.Remote || got.TraceID != want.traceID || got.SpanID != want.spanID || got.IsSampled() != (want.options&1 == 1) {
		t.Fatalf("extracted %+v, want ids %x/%x options %d", got, want.traceID, want.spanID, want.options)
	}
}

func TestBinaryMatchesOpenCensus(t *testing.T) {
	t.Parallel()
	for _, c := range propCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ours := propagation.AppendBinary(nil, c.gocensus())
			theirs := ocbinary.Binary(c.opencensus())
			if !bytes.Equal(ours, theirs) {
				t.Fatalf("gocensus %x\nopencensus %x", ours, theirs)
			}
			// opencensus-go decodes ours ...
			oc, ok := ocbinary.FromBinary(ours)
			if !ok || oc != c.opencensus() {
				t.Fatalf("opencensus FromBinary = %+v, %v", oc, ok)
			}
			// ... and we decode theirs, also through gRPC metadata.
			md := metadata.Pairs(propagation.BinaryKey, string(theirs))
			sc, err := propagation.Binary{}.Extract(propagation.MetadataCarrier(md))
			if err != nil {
				t.Fatal(err)
			}
			sameIDs(t, sc, c)
		})
	}
	// The lenient forms opencensus-go accepts: no options field.
	short := ocbinary.Binary(propCases[0].opencensus())[:27]
	sc, err := propagation.FromBinary(short)
	if err != nil || sc.IsSampled() || sc.TraceID != propCases[0].traceID {
		t.Fatalf("FromBinary(no options) = %+v, %v", sc, err)
	}
}

func TestTraceContextWithOpenCensus(t *testing.T) {
	t.Parallel()
	f := &octc.HTTPFormat{}
	for _, c := range propCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ocSC := c.opencensus()
			ts, err := octracestate.New(nil, octracestate.Entry{Key: "congo", Value: "t61rcWkgMzE"}, octracestate.Entry{Key: "rojo", Value: "00f067aa0ba902b7"})
			if err != nil {
				t.Fatal(err)
			}
			ocSC.Tracestate = ts

			// opencensus-go writes, gocensus reads.
			req, _ := http.NewRequest(http.MethodGet, "http://example.com", nil)
			f.SpanContextToRequest(ocSC, req)
			sc, err := propagation.TraceContext{}.Extract(propagation.HeaderCarrier(req.Header))
			if err != nil {
				t.Fatal(err)
			}
			sameIDs(t, sc, c)
			if got := sc.Tracestate.String(); got != "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7" {
				t.Fatalf("tracestate = %q", got)
			}

			// gocensus writes, opencensus-go reads.
			req, _ = http.NewRequest(http.MethodGet, "http://example.com", nil)
			propagation.TraceContext{}.Inject(sc, propagation.HeaderCarrier(req.Header))
			back, ok := f.SpanContextFromRequest(req)
			if !ok || back.TraceID != c.traceID || back.SpanID != c.spanID || back.TraceOptions != octrace.TraceOptions(c.options) {
				t.Fatalf("opencensus read %+v, %v", back, ok)
			}
			if got := back.Tracestate.Entries(); len(got) != 2 || got[0].Key != "congo" || got[1].Value != "00f067aa0ba902b7" {
				t.Fatalf("opencensus tracestate = %+v", got)
			}
		})
	}
}

func TestTraceContextWithOTel(t *testing.T) {
	t.Parallel()
	otelTC := otelprop.TraceContext{}
	for _, c := range propCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			// OpenTelemetry-Go writes, gocensus reads.
			h := http.Header{}
			otelTC.Inject(c.otel(), otelprop.HeaderCarrier(h))
			sc, err := propagation.TraceContext{}.Extract(propagation.HeaderCarrier(h))
			if err != nil {
				t.Fatal(err)
			}
			sameIDs(t, sc, c)

			// gocensus writes, OpenTelemetry-Go reads: the header bytes are
			// identical too.
			ours := http.Header{}
			propagation.TraceContext{}.Inject(sc, propagation.HeaderCarrier(ours))
			if ours.Get("traceparent") != h.Get("traceparent") {
				t.Fatalf("gocensus %q, otel %q", ours.Get("traceparent"), h.Get("traceparent"))
			}
			got := oteltrace.SpanContextFromContext(otelTC.Extract(context.Background(), otelprop.HeaderCarrier(ours)))
			if !got.IsValid() || got.TraceID() != c.traceID || got.SpanID() != c.spanID || got.IsSampled() != (c.options == 1) {
				t.Fatalf("otel read %+v", got)
			}
		})
	}
}

func TestTraceContextRandomFlagAndTracestateWithOTel(t *testing.T) {
	t.Parallel()
	ts, err := oteltrace.ParseTraceState("tenant@system=1,rojo=00f067aa0ba902b7")
	if err != nil {
		t.Fatal(err)
	}
	otelSC := oteltrace.NewSpanContext(oteltrace.SpanContextConfig{
		TraceID:    propCases[0].traceID,
		SpanID:     propCases[0].spanID,
		TraceFlags: oteltrace.FlagsSampled | oteltrace.FlagsRandom,
		TraceState: ts,
	})
	h := http.Header{}
	otelprop.TraceContext{}.Inject(oteltrace.ContextWithSpanContext(context.Background(), otelSC), otelprop.HeaderCarrier(h))
	sc, err := propagation.TraceContext{}.Extract(propagation.HeaderCarrier(h))
	if err != nil {
		t.Fatal(err)
	}
	if sc.TraceOptions != trace.FlagSampled|trace.FlagRandom || sc.Tracestate.String() != "tenant@system=1,rojo=00f067aa0ba902b7" {
		t.Fatalf("extracted %+v", sc)
	}
	sc.Tracestate, _ = sc.Tracestate.Insert("congo", "t61rcWkgMzE")
	out := http.Header{}
	propagation.TraceContext{}.Inject(sc, propagation.HeaderCarrier(out))
	got := oteltrace.SpanContextFromContext(otelprop.TraceContext{}.Extract(context.Background(), otelprop.HeaderCarrier(out)))
	if !got.TraceFlags().IsRandom() || !got.IsSampled() || got.TraceState().String() != "congo=t61rcWkgMzE,tenant@system=1,rojo=00f067aa0ba902b7" {
		t.Fatalf("otel read flags %v tracestate %q", got.TraceFlags(), got.TraceState().String())
	}
}

func TestB3WithOpenCensus(t *testing.T) {
	t.Parallel()
	f := &ocb3.HTTPFormat{}
	for _, c := range propCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest(http.MethodGet, "http://example.com", nil)
			f.SpanContextToRequest(c.opencensus(), req)
			sc, err := propagation.B3{}.Extract(propagation.HeaderCarrier(req.Header))
			if err != nil {
				t.Fatal(err)
			}
			sameIDs(t, sc, c)

			req, _ = http.NewRequest(http.MethodGet, "http://example.com", nil)
			propagation.B3{}.Inject(sc, propagation.HeaderCarrier(req.Header))
			back, ok := f.SpanContextFromRequest(req)
			if !ok || back != c.opencensus() {
				t.Fatalf("opencensus read %+v, %v; want %+v", back, ok, c.opencensus())
			}
		})
	}
	// opencensus-go accepts 64-bit trace ids the way we do.
	req, _ := http.NewRequest(http.MethodGet, "http://example.com", nil)
	req.Header.Set("X-B3-TraceId", "a3ce929d0e0e4736")
	req.Header.Set("X-B3-SpanId", "e457b5a2e4d86bd1")
	req.Header.Set("X-B3-Sampled", "1")
	oc, ok := f.SpanContextFromRequest(req)
	sc, err := propagation.B3{}.Extract(propagation.HeaderCarrier(req.Header))
	if !ok || err != nil || sc.TraceID != trace.TraceID(oc.TraceID) || sc.SpanID != trace.SpanID(oc.SpanID) {
		t.Fatalf("64-bit: gocensus %+v (%v), opencensus %+v (%v)", sc, err, oc, ok)
	}
}

// TestMetadataCarrierIsGRPCMetadata checks the carrier over the real gRPC
// type, including a context round trip through outgoing metadata.
func TestMetadataCarrierIsGRPCMetadata(t *testing.T) {
	t.Parallel()
	sc := propCases[0].gocensus()
	md := metadata.MD{}
	propagation.Composite{propagation.Binary{}, propagation.TraceContext{}}.Inject(sc, propagation.MetadataCarrier(md))
	ctx := metadata.NewOutgoingContext(context.Background(), md)
	out, _ := metadata.FromOutgoingContext(ctx)
	if got := out.Get(propagation.BinaryKey); len(got) != 1 || len(got[0]) != propagation.BinaryLen {
		t.Fatalf("grpc-trace-bin = %q", got)
	}
	got, err := propagation.TraceContext{}.Extract(propagation.MetadataCarrier(out))
	if err != nil {
		t.Fatal(err)
	}
	sameIDs(t, got, propCases[0])
}

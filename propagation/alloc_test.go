package propagation_test

import (
	"net/http"
	"testing"

	"github.com/gocensus/gocensus/propagation"
	"github.com/gocensus/gocensus/sdk/trace"
)

// TestAllocations pins the allocation budget of the hot paths.
func TestAllocations(t *testing.T) {
	sc := remote(t, specTraceID, specSpanID, trace.FlagSampled)
	enc := propagation.AppendBinary(nil, sc)
	var buf [propagation.BinaryLen]byte
	dst := make([]byte, 0, 64)

	inHeader := http.Header{}
	propagation.TraceContext{}.Inject(sc, propagation.HeaderCarrier(inHeader))
	withState := http.Header{"Traceparent": {specParent}, "Tracestate": {"rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"}}
	inMD := propagation.MetadataCarrier{"traceparent": {specParent}}
	inMap := propagation.MapCarrier{"traceparent": specParent}
	md := propagation.MetadataCarrier{}
	propagation.Composite{propagation.Binary{}, propagation.B3{}, propagation.CloudTrace{}, propagation.OCText{}}.Inject(sc, md)
	// The budgets below only mean something if extraction succeeds.
	for _, c := range []struct {
		p propagation.TextMapPropagator
		c propagation.TextMapCarrier
	}{
		{propagation.TraceContext{}, propagation.HeaderCarrier(inHeader)},
		{propagation.TraceContext{}, propagation.HeaderCarrier(withState)},
		{propagation.TraceContext{}, inMD}, {propagation.TraceContext{}, inMap},
		{propagation.Binary{}, md}, {propagation.B3{}, md}, {propagation.CloudTrace{}, md}, {propagation.OCText{}, md},
	} {
		if got, err := c.p.Extract(c.c); err != nil || !got.IsValid() {
			t.Fatalf("%T.Extract = %+v, %v", c.p, got, err)
		}
	}
	outHeader := propagation.HeaderCarrier{}
	outMD := propagation.MetadataCarrier{}

	tests := []struct {
		name string
		max  float64
		fn   func()
	}{
		{"PutBinary", 0, func() { propagation.PutBinary(&buf, sc) }},
		{"AppendBinary", 0, func() { dst = propagation.AppendBinary(dst[:0], sc) }},
		{"FromBinary", 0, func() { _, _ = propagation.FromBinary(enc) }},
		{"AppendTraceparent", 0, func() { dst = propagation.AppendTraceparent(dst[:0], sc) }},
		{"ParseTraceparent", 0, func() { _, _ = propagation.ParseTraceparent(specParent) }},
		{"TraceContext.Extract header", 0, func() { _, _ = propagation.TraceContext{}.Extract(propagation.HeaderCarrier(inHeader)) }},
		{"TraceContext.Extract canonical tracestate", 0, func() { _, _ = propagation.TraceContext{}.Extract(propagation.HeaderCarrier(withState)) }},
		{"TraceContext.Extract metadata", 0, func() { _, _ = propagation.TraceContext{}.Extract(inMD) }},
		{"TraceContext.Extract map", 0, func() { _, _ = propagation.TraceContext{}.Extract(inMap) }},
		{"Binary.Extract metadata", 0, func() { _, _ = propagation.Binary{}.Extract(md) }},
		{"B3.Extract metadata", 0, func() { _, _ = propagation.B3{}.Extract(md) }},
		{"CloudTrace.Extract metadata", 0, func() { _, _ = propagation.CloudTrace{}.Extract(md) }},
		{"OCText.Extract metadata", 0, func() { _, _ = propagation.OCText{}.Extract(md) }},
		{"TraceContext.Inject header", 1, func() { propagation.TraceContext{}.Inject(sc, outHeader) }},
		{"TraceContext.Inject metadata", 1, func() { propagation.TraceContext{}.Inject(sc, outMD) }},
		{"Binary.Inject metadata", 1, func() { propagation.Binary{}.Inject(sc, outMD) }},
		{"B3 single Inject", 1, func() { propagation.B3{SingleHeader: true}.Inject(sc, outHeader) }},
		{"CloudTrace.Inject", 1, func() { propagation.CloudTrace{}.Inject(sc, outHeader) }},
	}
	for _, tt := range tests {
		if got := testing.AllocsPerRun(100, tt.fn); got > tt.max {
			t.Errorf("%s: %v allocations, budget %v", tt.name, got, tt.max)
		}
	}
}

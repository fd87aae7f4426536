package propagation_test

import (
	"fmt"
	"net/http"

	"github.com/gocensus/gocensus/propagation"
	"github.com/gocensus/gocensus/sdk/trace"
)

func exampleContext() trace.SpanContext {
	tid, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d000e4736")
	sid, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	return trace.SpanContext{TraceID: tid, SpanID: sid, TraceOptions: trace.FlagSampled}
}

func ExampleTraceContext() {
	// Client side: write the context into the outgoing request.
	req, _ := http.NewRequest(http.MethodGet, "http://example.com/", nil)
	propagation.TraceContext{}.Inject(exampleContext(), propagation.HeaderCarrier(req.Header))
	fmt.Println(req.Header.Get("traceparent"))

	// Server side: read it back.
	sc, err := propagation.TraceContext{}.Extract(propagation.HeaderCarrier(req.Header))
	fmt.Println(sc.TraceID, sc.SpanID, sc.IsSampled(), sc.Remote, err)
	// Output:
	// 00-4bf92f3577b34da6a3ce929d000e4736-00f067aa0ba902b7-01
	// 4bf92f3577b34da6a3ce929d000e4736 00f067aa0ba902b7 true true <nil>
}

func ExamplePutBinary() {
	var buf [propagation.BinaryLen]byte
	propagation.PutBinary(&buf, exampleContext())
	fmt.Printf("% x\n", buf[:])

	sc, err := propagation.FromBinary(buf[:])
	fmt.Println(sc.TraceID, sc.SpanID, sc.IsSampled(), err)
	// Output:
	// 00 00 4b f9 2f 35 77 b3 4d a6 a3 ce 92 9d 00 0e 47 36 01 00 f0 67 aa 0b a9 02 b7 02 01
	// 4bf92f3577b34da6a3ce929d000e4736 00f067aa0ba902b7 true <nil>
}

func ExampleComposite() {
	// A gRPC server that accepts OpenCensus clients (grpc-trace-bin) and
	// OpenTelemetry clients (traceparent), preferring the former.
	p := propagation.Composite{propagation.Binary{}, propagation.TraceContext{}}

	// metadata.MD from an OpenTelemetry client; convert with
	// propagation.MetadataCarrier(md).
	md := propagation.MetadataCarrier{
		"traceparent": {"00-4bf92f3577b34da6a3ce929d000e4736-00f067aa0ba902b7-01"},
	}
	sc, err := p.Extract(md)
	fmt.Println(sc.TraceID, err)
	fmt.Println(p.Fields())
	// Output:
	// 4bf92f3577b34da6a3ce929d000e4736 <nil>
	// [grpc-trace-bin traceparent tracestate]
}

func ExampleB3_ExtractB3() {
	h := http.Header{}
	h.Set("b3", "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1")
	bc, err := propagation.B3{}.ExtractB3(propagation.HeaderCarrier(h))
	// No sampling state was sent: the caller defers the decision to us.
	fmt.Println(bc.SpanContext.SpanID, bc.Sampling == propagation.B3Defer, err)
	// Output:
	// e457b5a2e4d86bd1 true <nil>
}

func ExampleCloudTrace() {
	h := http.Header{}
	propagation.CloudTrace{}.Inject(exampleContext(), propagation.HeaderCarrier(h))
	fmt.Println(h.Get("X-Cloud-Trace-Context"))
	// Output:
	// 4bf92f3577b34da6a3ce929d000e4736/67667974448284343;o=1
}

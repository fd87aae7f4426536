package agentreceiver_test

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/gocensus/gocensus/exporters/agentexporter"
	"github.com/gocensus/gocensus/exporters/agentexporter/agentreceiver"
	commonpb "github.com/gocensus/gocensus/proto/gocensus/agent/common/v1"
	tracepb "github.com/gocensus/gocensus/proto/gocensus/trace/v1"
	"github.com/gocensus/gocensus/sdk/trace"
	"github.com/gocensus/gocensus/sdk/trace/tracetest"
)

// A receiver relaying spans to an exporter (here an in-memory one), and
// pushing a sampling change to the connected application.
func Example() {
	spans := tracetest.NewInMemoryExporter()
	applied := make(chan *tracepb.TraceConfig, 4)
	recv, err := agentreceiver.New(
		agentreceiver.WithSpanExporter(spans),
		agentreceiver.WithConfigHandler(func(_ *commonpb.Node, cfg *tracepb.TraceConfig) { applied <- cfg }),
	)
	if err != nil {
		panic(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go recv.Serve(lis)

	// The application side.
	tracer := trace.NewTracer(trace.WithSampler(trace.AlwaysSample()))
	exp, err := agentexporter.New(agentexporter.WithAddress(lis.Addr().String()), agentexporter.WithInsecure(),
		agentexporter.WithTracer(tracer))
	if err != nil {
		panic(err)
	}
	<-applied // the application reported its configuration
	recv.PushConfig(&tracepb.TraceConfig{Sampler: &tracepb.TraceConfig_ProbabilitySampler{
		ProbabilitySampler: &tracepb.ProbabilitySampler{SamplingProbability: 0.01}}})
	<-applied // and echoed the one it applied
	fmt.Println("sampler:", tracer.Sampler().Description())

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	sd := &trace.SpanData{Name: "GET /cart", SpanContext: trace.SpanContext{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}}}
	if err := exp.ExportSpans(ctx, []*trace.SpanData{sd}); err != nil {
		panic(err)
	}
	if err := exp.Shutdown(ctx); err != nil {
		panic(err)
	}
	_ = recv.Shutdown(ctx)
	for _, s := range spans.GetSpans() {
		fmt.Println("received:", s.Name)
	}
	// Output:
	// sampler: ProbabilitySampler{0.01}
	// received: GET /cart
}

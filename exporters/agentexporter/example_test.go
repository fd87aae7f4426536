package agentexporter_test

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/gocensus/gocensus/exporters/agentexporter"
	"github.com/gocensus/gocensus/exporters/agentexporter/agentreceiver"
	commonpb "github.com/gocensus/gocensus/proto/gocensus/agent/common/v1"
	resourcepb "github.com/gocensus/gocensus/proto/gocensus/resource/v1"
	tracepb "github.com/gocensus/gocensus/proto/gocensus/trace/v1"
	"github.com/gocensus/gocensus/sdk/trace"
)

// A tracer streaming its spans to an agent; here the agent is an
// agentreceiver in the same process.
func Example() {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	recv, err := agentreceiver.New(agentreceiver.WithSpanHandler(
		func(_ context.Context, node *commonpb.Node, _ *resourcepb.Resource, spans []*tracepb.Span) error {
			for _, s := range spans {
				fmt.Printf("%s: %s\n", node.GetServiceInfo().GetName(), s.GetName().GetValue())
			}
			return nil
		}))
	if err != nil {
		panic(err)
	}
	go recv.Serve(lis)

	exp, err := agentexporter.New(
		agentexporter.WithAddress(lis.Addr().String()),
		agentexporter.WithInsecure(),
		agentexporter.WithServiceName("checkout"),
	)
	if err != nil {
		panic(err)
	}
	tracer := trace.NewTracer(trace.WithSampler(trace.AlwaysSample()), trace.WithBatcher(exp))
	_, span := tracer.Start(context.Background(), "charge card")
	span.End()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// Shutting the tracer down flushes the batcher and shuts the exporter
	// down, which waits until the agent has read everything.
	if err := tracer.Shutdown(ctx); err != nil {
		panic(err)
	}
	_ = recv.Shutdown(ctx)
	// Output:
	// checkout: charge card
}

package agenttracepb_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"

	agenttracepb "github.com/gocensus/gocensus/proto/gocensus/agent/trace/v1"
	tracepb "github.com/gocensus/gocensus/proto/gocensus/trace/v1"
)

// printingAgent is a minimal OpenCensus-style agent that prints span names.
type printingAgent struct {
	agenttracepb.UnimplementedTraceServiceServer
}

func (printingAgent) Export(stream grpc.BidiStreamingServer[agenttracepb.ExportTraceServiceRequest, agenttracepb.ExportTraceServiceResponse]) error {
	for {
		req, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		for _, s := range req.GetSpans() {
			fmt.Println("agent received span:", s.GetName().GetValue())
		}
	}
}

// An agent registered with RegisterOpenCensusTraceServiceServer answers
// OpenCensus clients, and NewOpenCensusTraceServiceClient reaches OpenCensus
// agents and collectors.
func Example() {
	lis := bufconn.Listen(1 << 20)
	srv := grpc.NewServer()
	agenttracepb.RegisterOpenCensusTraceServiceServer(srv, printingAgent{})
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop()

	cc, err := grpc.NewClient("passthrough:///agent",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer cc.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	stream, err := agenttracepb.NewOpenCensusTraceServiceClient(cc).Export(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = stream.Send(&agenttracepb.ExportTraceServiceRequest{
		Spans: []*tracepb.Span{{Name: &tracepb.TruncatableString{Value: "/shop.Cart/Checkout"}}},
	})
	_ = stream.CloseSend()
	_, err = stream.Recv() // io.EOF once the agent has read everything
	fmt.Println("stream closed:", errors.Is(err, io.EOF))
	// Output:
	// agent received span: /shop.Cart/Checkout
	// stream closed: true
}

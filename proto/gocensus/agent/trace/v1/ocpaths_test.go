package agenttracepb_test

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/proto"

	commonpb "github.com/gocensus/gocensus/proto/gocensus/agent/common/v1"
	agenttracepb "github.com/gocensus/gocensus/proto/gocensus/agent/trace/v1"
	tracepb "github.com/gocensus/gocensus/proto/gocensus/trace/v1"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// recordingServer answers Export by recording every request and Config by
// echoing each CurrentLibraryConfig back as an UpdatedLibraryConfig.
type recordingServer struct {
	agenttracepb.UnimplementedTraceServiceServer
	got chan *agenttracepb.ExportTraceServiceRequest
}

func (s *recordingServer) Export(stream grpc.BidiStreamingServer[agenttracepb.ExportTraceServiceRequest, agenttracepb.ExportTraceServiceResponse]) error {
	for {
		req, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		s.got <- req
	}
}

func (s *recordingServer) Config(stream grpc.BidiStreamingServer[agenttracepb.CurrentLibraryConfig, agenttracepb.UpdatedLibraryConfig]) error {
	for {
		cur, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := stream.Send(&agenttracepb.UpdatedLibraryConfig{Node: cur.GetNode(), Config: cur.GetConfig()}); err != nil {
			return err
		}
	}
}

// startServer serves register's services over an in-memory listener and
// returns a connection to it; both are closed when the test ends.
func startServer(t *testing.T, register func(*grpc.Server)) *grpc.ClientConn {
	t.Helper()
	lis := bufconn.Listen(1 << 20)
	srv := grpc.NewServer()
	register(srv)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(lis)
	}()
	cc, err := grpc.NewClient("passthrough:///bufnet",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatalf("grpc.NewClient: %v", err)
	}
	t.Cleanup(func() {
		_ = cc.Close()
		srv.Stop()
		<-done
	})
	return cc
}

func testRequest() *agenttracepb.ExportTraceServiceRequest {
	return &agenttracepb.ExportTraceServiceRequest{
		Node: &commonpb.Node{ServiceInfo: &commonpb.ServiceInfo{Name: "checkout"}},
		Spans: []*tracepb.Span{{
			TraceId: []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
			SpanId:  []byte{1, 2, 3, 4, 5, 6, 7, 8},
			Name:    &tracepb.TruncatableString{Value: "/shop.Cart/Checkout"},
			Kind:    tracepb.Span_SERVER,
		}},
	}
}

func TestPathConstants(t *testing.T) {
	t.Parallel()
	tests := []struct {
		got, want string
	}{
		{agenttracepb.OpenCensusTraceExportMethod, "/opencensus.proto.agent.trace.v1.TraceService/Export"},
		{agenttracepb.OpenCensusTraceConfigMethod, "/opencensus.proto.agent.trace.v1.TraceService/Config"},
		{agenttracepb.OpenCensusTraceServiceDesc().ServiceName, "opencensus.proto.agent.trace.v1.TraceService"},
		// The copy must leave the generated descriptor alone.
		{agenttracepb.TraceService_ServiceDesc.ServiceName, "gocensus.agent.trace.v1.TraceService"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

// TestExportOnOpenCensusPath sends over the raw OpenCensus path, as an
// OpenCensus client would, and through NewOpenCensusTraceServiceClient, to a
// server registered with the OpenCensus descriptor.
func TestExportOnOpenCensusPath(t *testing.T) {
	t.Parallel()
	impl := &recordingServer{got: make(chan *agenttracepb.ExportTraceServiceRequest, 4)}
	cc := startServer(t, func(s *grpc.Server) { agenttracepb.RegisterOpenCensusTraceServiceServer(s, impl) })

	tests := []struct {
		name string
		open func(ctx context.Context) (grpc.ClientStream, error)
	}{
		{"raw stream on the OpenCensus path", func(ctx context.Context) (grpc.ClientStream, error) {
			return cc.NewStream(ctx, &grpc.StreamDesc{ClientStreams: true, ServerStreams: true}, "/opencensus.proto.agent.trace.v1.TraceService/Export")
		}},
		{"OpenCensus client", func(ctx context.Context) (grpc.ClientStream, error) {
			return agenttracepb.NewOpenCensusTraceServiceClient(cc).Export(ctx)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			stream, err := tt.open(ctx)
			if err != nil {
				t.Fatalf("open stream: %v", err)
			}
			want := testRequest()
			if err := stream.SendMsg(want); err != nil {
				t.Fatalf("SendMsg: %v", err)
			}
			if err := stream.CloseSend(); err != nil {
				t.Fatalf("CloseSend: %v", err)
			}
			// The server returns OK once it has read the half-close.
			if err := stream.RecvMsg(new(agenttracepb.ExportTraceServiceResponse)); !errors.Is(err, io.EOF) {
				t.Fatalf("RecvMsg = %v, want io.EOF", err)
			}
			select {
			case got := <-impl.got:
				if !proto.Equal(got, want) {
					t.Errorf("server got %v, want %v", got, want)
				}
			case <-ctx.Done():
				t.Fatal("server received nothing")
			}
		})
	}
}

func TestConfigOnOpenCensusPath(t *testing.T) {
	t.Parallel()
	impl := &recordingServer{got: make(chan *agenttracepb.ExportTraceServiceRequest, 1)}
	cc := startServer(t, func(s *grpc.Server) { s.RegisterService(agenttracepb.OpenCensusTraceServiceDesc(), impl) })

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stream, err := agenttracepb.NewOpenCensusTraceServiceClient(cc).Config(ctx)
	if err != nil {
		t.Fatalf("Config: %v", err)
	}
	cfg := &tracepb.TraceConfig{
		Sampler:               &tracepb.TraceConfig_ProbabilitySampler{ProbabilitySampler: &tracepb.ProbabilitySampler{SamplingProbability: 0.25}},
		MaxNumberOfAttributes: 32,
	}
	if err := stream.Send(&agenttracepb.CurrentLibraryConfig{Config: cfg}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	upd, err := stream.Recv()
	if err != nil {
		t.Fatalf("Recv: %v", err)
	}
	if !proto.Equal(upd.GetConfig(), cfg) {
		t.Errorf("updated config %v, want %v", upd.GetConfig(), cfg)
	}
	if err := stream.CloseSend(); err != nil {
		t.Fatalf("CloseSend: %v", err)
	}
	if _, err := stream.Recv(); !errors.Is(err, io.EOF) {
		t.Errorf("Recv after CloseSend = %v, want io.EOF", err)
	}
}

// TestPathsAreDistinct proves the two descriptors really serve different
// paths: each client reaches only the server that registered its name.
func TestPathsAreDistinct(t *testing.T) {
	t.Parallel()
	impl := &recordingServer{got: make(chan *agenttracepb.ExportTraceServiceRequest, 1)}
	ocOnly := startServer(t, func(s *grpc.Server) { agenttracepb.RegisterOpenCensusTraceServiceServer(s, impl) })
	ownOnly := startServer(t, func(s *grpc.Server) { agenttracepb.RegisterTraceServiceServer(s, impl) })

	tests := []struct {
		name   string
		client agenttracepb.TraceServiceClient
	}{
		{"gocensus client to OpenCensus-only server", agenttracepb.NewTraceServiceClient(ocOnly)},
		{"OpenCensus client to gocensus-only server", agenttracepb.NewOpenCensusTraceServiceClient(ownOnly)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			stream, err := tt.client.Export(ctx)
			if err != nil {
				t.Fatalf("Export: %v", err)
			}
			_, err = stream.Recv()
			if got := status.Code(err); got != codes.Unimplemented {
				t.Errorf("Recv error code = %v (%v), want Unimplemented", got, err)
			}
		})
	}
}

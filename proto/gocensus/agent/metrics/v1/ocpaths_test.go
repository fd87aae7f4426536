package agentmetricspb_test

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

	agentmetricspb "github.com/gocensus/gocensus/proto/gocensus/agent/metrics/v1"
	metricspb "github.com/gocensus/gocensus/proto/gocensus/metrics/v1"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

type recordingServer struct {
	agentmetricspb.UnimplementedMetricsServiceServer
	got chan *agentmetricspb.ExportMetricsServiceRequest
}

func (s *recordingServer) Export(stream grpc.BidiStreamingServer[agentmetricspb.ExportMetricsServiceRequest, agentmetricspb.ExportMetricsServiceResponse]) error {
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

func TestPathConstants(t *testing.T) {
	t.Parallel()
	tests := []struct {
		got, want string
	}{
		{agentmetricspb.OpenCensusMetricsExportMethod, "/opencensus.proto.agent.metrics.v1.MetricsService/Export"},
		{agentmetricspb.OpenCensusMetricsServiceDesc().ServiceName, "opencensus.proto.agent.metrics.v1.MetricsService"},
		{agentmetricspb.MetricsService_ServiceDesc.ServiceName, "gocensus.agent.metrics.v1.MetricsService"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestExportOnOpenCensusPath(t *testing.T) {
	t.Parallel()
	impl := &recordingServer{got: make(chan *agentmetricspb.ExportMetricsServiceRequest, 4)}
	cc := startServer(t, func(s *grpc.Server) { agentmetricspb.RegisterOpenCensusMetricsServiceServer(s, impl) })

	tests := []struct {
		name string
		open func(ctx context.Context) (grpc.ClientStream, error)
	}{
		{"raw stream on the OpenCensus path", func(ctx context.Context) (grpc.ClientStream, error) {
			return cc.NewStream(ctx, &grpc.StreamDesc{ClientStreams: true, ServerStreams: true}, "/opencensus.proto.agent.metrics.v1.MetricsService/Export")
		}},
		{"OpenCensus client", func(ctx context.Context) (grpc.ClientStream, error) {
			return agentmetricspb.NewOpenCensusMetricsServiceClient(cc).Export(ctx)
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
			want := &agentmetricspb.ExportMetricsServiceRequest{Metrics: []*metricspb.Metric{{
				MetricDescriptor: &metricspb.MetricDescriptor{Name: "grpc.io/server/completed_rpcs", Type: metricspb.MetricDescriptor_CUMULATIVE_INT64},
				Timeseries:       []*metricspb.TimeSeries{{Points: []*metricspb.Point{{Value: &metricspb.Point_Int64Value{Int64Value: 7}}}}},
			}}}
			if err := stream.SendMsg(want); err != nil {
				t.Fatalf("SendMsg: %v", err)
			}
			if err := stream.CloseSend(); err != nil {
				t.Fatalf("CloseSend: %v", err)
			}
			if err := stream.RecvMsg(new(agentmetricspb.ExportMetricsServiceResponse)); !errors.Is(err, io.EOF) {
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

func TestPathsAreDistinct(t *testing.T) {
	t.Parallel()
	impl := &recordingServer{got: make(chan *agentmetricspb.ExportMetricsServiceRequest, 1)}
	ocOnly := startServer(t, func(s *grpc.Server) { s.RegisterService(agentmetricspb.OpenCensusMetricsServiceDesc(), impl) })
	ownOnly := startServer(t, func(s *grpc.Server) { agentmetricspb.RegisterMetricsServiceServer(s, impl) })

	tests := []struct {
		name   string
		client agentmetricspb.MetricsServiceClient
	}{
		{"gocensus client to OpenCensus-only server", agentmetricspb.NewMetricsServiceClient(ocOnly)},
		{"OpenCensus client to gocensus-only server", agentmetricspb.NewOpenCensusMetricsServiceClient(ownOnly)},
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

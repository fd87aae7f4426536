package wirecompat_test

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	ocagentmetrics "github.com/census-instrumentation/opencensus-proto/gen-go/agent/metrics/v1"
	ocagenttrace "github.com/census-instrumentation/opencensus-proto/gen-go/agent/trace/v1"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	agentmetricspb "github.com/gocensus/gocensus/proto/gocensus/agent/metrics/v1"
	agenttracepb "github.com/gocensus/gocensus/proto/gocensus/agent/trace/v1"
)

// These tests put the upstream generated client and server on the other end
// of a real gRPC connection: the OpenCensus method paths and the message
// encodings must both agree for a request to arrive intact.

func dial(t *testing.T, register func(*grpc.Server)) *grpc.ClientConn {
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

func fixtureNamed(t *testing.T, list []fixture, name string) proto.Message {
	t.Helper()
	for _, f := range list {
		if f.name == name {
			return f.msg
		}
	}
	t.Fatalf("no fixture %q", name)
	return nil
}

func wantEqual(t *testing.T, want, got proto.Message) {
	t.Helper()
	if diff := cmp.Diff(want, got, protocmp.Transform()); diff != "" {
		t.Errorf("received message differs (-want +got):\n%s", diff)
	}
}

// ourTraceAgent records exports and answers each config with a fixed update.
type ourTraceAgent struct {
	agenttracepb.UnimplementedTraceServiceServer
	exports chan *agenttracepb.ExportTraceServiceRequest
	configs chan *agenttracepb.CurrentLibraryConfig
	update  *agenttracepb.UpdatedLibraryConfig
}

func (a *ourTraceAgent) Export(stream grpc.BidiStreamingServer[agenttracepb.ExportTraceServiceRequest, agenttracepb.ExportTraceServiceResponse]) error {
	for {
		req, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		a.exports <- req
	}
}

func (a *ourTraceAgent) Config(stream grpc.BidiStreamingServer[agenttracepb.CurrentLibraryConfig, agenttracepb.UpdatedLibraryConfig]) error {
	for {
		cur, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		a.configs <- cur
		if err := stream.Send(a.update); err != nil {
			return err
		}
	}
}

// TestOpenCensusClientToOurTraceServer: the upstream generated client, as
// the OpenCensus agent exporter uses it, talks to our server.
func TestOpenCensusClientToOurTraceServer(t *testing.T) {
	t.Parallel()
	ours, theirs := oursFixtures(), theirsFixtures()
	agent := &ourTraceAgent{
		exports: make(chan *agenttracepb.ExportTraceServiceRequest, 1),
		configs: make(chan *agenttracepb.CurrentLibraryConfig, 1),
		update:  fixtureNamed(t, ours, "UpdatedLibraryConfig/rate_limiting").(*agenttracepb.UpdatedLibraryConfig),
	}
	cc := dial(t, func(s *grpc.Server) { agenttracepb.RegisterOpenCensusTraceServiceServer(s, agent) })
	client := ocagenttrace.NewTraceServiceClient(cc)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	export, err := client.Export(ctx)
	if err != nil {
		t.Fatalf("Export: %v", err)
	}
	if err := export.Send(fixtureNamed(t, theirs, "ExportTraceServiceRequest").(*ocagenttrace.ExportTraceServiceRequest)); err != nil {
		t.Fatalf("Export.Send: %v", err)
	}
	if err := export.CloseSend(); err != nil {
		t.Fatalf("Export.CloseSend: %v", err)
	}
	if _, err := export.Recv(); !errors.Is(err, io.EOF) {
		t.Fatalf("Export.Recv = %v, want io.EOF", err)
	}
	wantEqual(t, fixtureNamed(t, ours, "ExportTraceServiceRequest"), <-agent.exports)

	config, err := client.Config(ctx)
	if err != nil {
		t.Fatalf("Config: %v", err)
	}
	if err := config.Send(fixtureNamed(t, theirs, "CurrentLibraryConfig/probability").(*ocagenttrace.CurrentLibraryConfig)); err != nil {
		t.Fatalf("Config.Send: %v", err)
	}
	update, err := config.Recv()
	if err != nil {
		t.Fatalf("Config.Recv: %v", err)
	}
	wantEqual(t, fixtureNamed(t, ours, "CurrentLibraryConfig/probability"), <-agent.configs)
	wantEqual(t, fixtureNamed(t, theirs, "UpdatedLibraryConfig/rate_limiting"), update)
	if err := config.CloseSend(); err != nil {
		t.Fatalf("Config.CloseSend: %v", err)
	}
	if _, err := config.Recv(); !errors.Is(err, io.EOF) {
		t.Fatalf("Config.Recv after CloseSend = %v, want io.EOF", err)
	}
}

// theirTraceAgent is an OpenCensus agent built from the upstream code.
type theirTraceAgent struct {
	ocagenttrace.UnimplementedTraceServiceServer
	exports chan *ocagenttrace.ExportTraceServiceRequest
	configs chan *ocagenttrace.CurrentLibraryConfig
	update  *ocagenttrace.UpdatedLibraryConfig
}

func (a *theirTraceAgent) Export(stream ocagenttrace.TraceService_ExportServer) error {
	for {
		req, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		a.exports <- req
	}
}

func (a *theirTraceAgent) Config(stream ocagenttrace.TraceService_ConfigServer) error {
	for {
		cur, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		a.configs <- cur
		if err := stream.Send(a.update); err != nil {
			return err
		}
	}
}

// TestOurClientToOpenCensusTraceServer: our OpenCensus-path client talks to
// a server built from the upstream code.
func TestOurClientToOpenCensusTraceServer(t *testing.T) {
	t.Parallel()
	ours, theirs := oursFixtures(), theirsFixtures()
	agent := &theirTraceAgent{
		exports: make(chan *ocagenttrace.ExportTraceServiceRequest, 1),
		configs: make(chan *ocagenttrace.CurrentLibraryConfig, 1),
		update:  fixtureNamed(t, theirs, "UpdatedLibraryConfig/constant").(*ocagenttrace.UpdatedLibraryConfig),
	}
	cc := dial(t, func(s *grpc.Server) { ocagenttrace.RegisterTraceServiceServer(s, agent) })
	client := agenttracepb.NewOpenCensusTraceServiceClient(cc)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	export, err := client.Export(ctx)
	if err != nil {
		t.Fatalf("Export: %v", err)
	}
	if err := export.Send(fixtureNamed(t, ours, "ExportTraceServiceRequest").(*agenttracepb.ExportTraceServiceRequest)); err != nil {
		t.Fatalf("Export.Send: %v", err)
	}
	if err := export.CloseSend(); err != nil {
		t.Fatalf("Export.CloseSend: %v", err)
	}
	if _, err := export.Recv(); !errors.Is(err, io.EOF) {
		t.Fatalf("Export.Recv = %v, want io.EOF", err)
	}
	wantEqual(t, fixtureNamed(t, theirs, "ExportTraceServiceRequest"), <-agent.exports)

	config, err := client.Config(ctx)
	if err != nil {
		t.Fatalf("Config: %v", err)
	}
	if err := config.Send(fixtureNamed(t, ours, "CurrentLibraryConfig/constant").(*agenttracepb.CurrentLibraryConfig)); err != nil {
		t.Fatalf("Config.Send: %v", err)
	}
	update, err := config.Recv()
	if err != nil {
		t.Fatalf("Config.Recv: %v", err)
	}
	wantEqual(t, fixtureNamed(t, theirs, "CurrentLibraryConfig/constant"), <-agent.configs)
	wantEqual(t, fixtureNamed(t, ours, "UpdatedLibraryConfig/constant"), update)
	if err := config.CloseSend(); err != nil {
		t.Fatalf("Config.CloseSend: %v", err)
	}
	if _, err := config.Recv(); !errors.Is(err, io.EOF) {
		t.Fatalf("Config.Recv after CloseSend = %v, want io.EOF", err)
	}
}

type ourMetricsAgent struct {
	agentmetricspb.UnimplementedMetricsServiceServer
	exports chan *agentmetricspb.ExportMetricsServiceRequest
}

func (a *ourMetricsAgent) Export(stream grpc.BidiStreamingServer[agentmetricspb.ExportMetricsServiceRequest, agentmetricspb.ExportMetricsServiceResponse]) error {
	for {
		req, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		a.exports <- req
	}
}

type theirMetricsAgent struct {
	ocagentmetrics.UnimplementedMetricsServiceServer
	exports chan *ocagentmetrics.ExportMetricsServiceRequest
}

func (a *theirMetricsAgent) Export(stream ocagentmetrics.MetricsService_ExportServer) error {
	for {
		req, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		a.exports <- req
	}
}

// TestMetricsExportBothWays runs the metrics Export stream from each side's
// client to the other side's server.
func TestMetricsExportBothWays(t *testing.T) {
	t.Parallel()
	ours, theirs := oursFixtures(), theirsFixtures()

	t.Run("OpenCensus client to our server", func(t *testing.T) {
		t.Parallel()
		agent := &ourMetricsAgent{exports: make(chan *agentmetricspb.ExportMetricsServiceRequest, 1)}
		cc := dial(t, func(s *grpc.Server) { agentmetricspb.RegisterOpenCensusMetricsServiceServer(s, agent) })
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		stream, err := ocagentmetrics.NewMetricsServiceClient(cc).Export(ctx)
		if err != nil {
			t.Fatalf("Export: %v", err)
		}
		sendAndClose(t, stream, fixtureNamed(t, theirs, "ExportMetricsServiceRequest"))
		wantEqual(t, fixtureNamed(t, ours, "ExportMetricsServiceRequest"), <-agent.exports)
	})

	t.Run("our client to OpenCensus server", func(t *testing.T) {
		t.Parallel()
		agent := &theirMetricsAgent{exports: make(chan *ocagentmetrics.ExportMetricsServiceRequest, 1)}
		cc := dial(t, func(s *grpc.Server) { ocagentmetrics.RegisterMetricsServiceServer(s, agent) })
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		stream, err := agentmetricspb.NewOpenCensusMetricsServiceClient(cc).Export(ctx)
		if err != nil {
			t.Fatalf("Export: %v", err)
		}
		sendAndClose(t, stream, fixtureNamed(t, ours, "ExportMetricsServiceRequest"))
		wantEqual(t, fixtureNamed(t, theirs, "ExportMetricsServiceRequest"), <-agent.exports)
	})
}

// sendAndClose sends one message, half-closes and waits for the server's OK.
func sendAndClose(t *testing.T, stream grpc.ClientStream, msg proto.Message) {
	t.Helper()
	if err := stream.SendMsg(msg); err != nil {
		t.Fatalf("SendMsg: %v", err)
	}
	if err := stream.CloseSend(); err != nil {
		t.Fatalf("CloseSend: %v", err)
	}
	// Any response type will do: the server sends none before its status.
	if err := stream.RecvMsg(new(agentmetricspb.ExportMetricsServiceResponse)); !errors.Is(err, io.EOF) {
		t.Fatalf("RecvMsg = %v, want io.EOF", err)
	}
}

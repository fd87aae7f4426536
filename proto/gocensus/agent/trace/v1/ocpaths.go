package agenttracepb

import (
	"context"
	"slices"

	"google.golang.org/grpc"
)

// The OpenCensus names of the trace agent service. Our proto package is
// gocensus.agent.trace.v1, so the generated code serves and calls
// /gocensus.agent.trace.v1.TraceService/...; stock OpenCensus agents and the
// OpenTelemetry Collector's opencensus receiver only know these paths.
const (
	// OpenCensusTraceServiceName is the OpenCensus full name of TraceService.
	OpenCensusTraceServiceName = "opencensus.proto.agent.trace.v1.TraceService"
	// OpenCensusTraceConfigMethod is the OpenCensus path of TraceService.Config.
	OpenCensusTraceConfigMethod = "/" + OpenCensusTraceServiceName + "/Config"
	// OpenCensusTraceExportMethod is the OpenCensus path of TraceService.Export.
	OpenCensusTraceExportMethod = "/" + OpenCensusTraceServiceName + "/Export"
)

// OpenCensusTraceServiceDesc returns a copy of TraceService_ServiceDesc
// registered under the OpenCensus service name, so a server answers
// OpenCensus clients with the generated handlers:
//
//	srv.RegisterService(agenttracepb.OpenCensusTraceServiceDesc(), impl)
//
// Each call returns a fresh copy; the same server may also register
// TraceService_ServiceDesc to answer on the gocensus paths.
func OpenCensusTraceServiceDesc() *grpc.ServiceDesc {
	desc := TraceService_ServiceDesc
	desc.ServiceName = OpenCensusTraceServiceName
	desc.Methods = slices.Clone(desc.Methods)
	desc.Streams = slices.Clone(desc.Streams)
	return &desc
}

// RegisterOpenCensusTraceServiceServer registers srv on s under the
// OpenCensus method paths. It is RegisterTraceServiceServer for OpenCensus
// peers, with the same check that UnimplementedTraceServiceServer is embedded
// by value.
func RegisterOpenCensusTraceServiceServer(s grpc.ServiceRegistrar, srv TraceServiceServer) {
	if t, ok := srv.(interface{ testEmbeddedByValue() }); ok {
		t.testEmbeddedByValue()
	}
	s.RegisterService(OpenCensusTraceServiceDesc(), srv)
}

// NewOpenCensusTraceServiceClient returns a TraceServiceClient that calls the
// OpenCensus method paths, for talking to OpenCensus agents and collectors.
// Streams behave as those of NewTraceServiceClient; the client is safe for
// concurrent use.
func NewOpenCensusTraceServiceClient(cc grpc.ClientConnInterface) TraceServiceClient {
	return openCensusTraceClient{cc: cc}
}

type openCensusTraceClient struct {
	cc grpc.ClientConnInterface
}

func (c openCensusTraceClient) Config(ctx context.Context, opts ...grpc.CallOption) (grpc.BidiStreamingClient[CurrentLibraryConfig, UpdatedLibraryConfig], error) {
	stream, err := c.cc.NewStream(ctx, &TraceService_ServiceDesc.Streams[0], OpenCensusTraceConfigMethod, append([]grpc.CallOption{grpc.StaticMethod()}, opts...)...)
	if err != nil {
		return nil, err
	}
	return &grpc.GenericClientStream[CurrentLibraryConfig, UpdatedLibraryConfig]{ClientStream: stream}, nil
}

func (c openCensusTraceClient) Export(ctx context.Context, opts ...grpc.CallOption) (grpc.BidiStreamingClient[ExportTraceServiceRequest, ExportTraceServiceResponse], error) {
	stream, err := c.cc.NewStream(ctx, &TraceService_ServiceDesc.Streams[1], OpenCensusTraceExportMethod, append([]grpc.CallOption{grpc.StaticMethod()}, opts...)...)
	if err != nil {
		return nil, err
	}
	return &grpc.GenericClientStream[ExportTraceServiceRequest, ExportTraceServiceResponse]{ClientStream: stream}, nil
}

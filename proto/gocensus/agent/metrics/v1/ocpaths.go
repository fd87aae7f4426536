package agentmetricspb

import (
	"context"
	"slices"

	"google.golang.org/grpc"
)

// The OpenCensus names of the metrics agent service. Our proto package is
// gocensus.agent.metrics.v1, so the generated code serves and calls
// /gocensus.agent.metrics.v1.MetricsService/Export; stock OpenCensus agents
// and the OpenTelemetry Collector's opencensus receiver only know these.
const (
	// OpenCensusMetricsServiceName is the OpenCensus full name of MetricsService.
	OpenCensusMetricsServiceName = "opencensus.proto.agent.metrics.v1.MetricsService"
	// OpenCensusMetricsExportMethod is the OpenCensus path of MetricsService.Export.
	OpenCensusMetricsExportMethod = "/" + OpenCensusMetricsServiceName + "/Export"
)

// OpenCensusMetricsServiceDesc returns a copy of MetricsService_ServiceDesc
// registered under the OpenCensus service name, so a server answers
// OpenCensus clients with the generated handlers:
//
//	srv.RegisterService(agentmetricspb.OpenCensusMetricsServiceDesc(), impl)
//
// Each call returns a fresh copy; the same server may also register
// MetricsService_ServiceDesc to answer on the gocensus path.
func OpenCensusMetricsServiceDesc() *grpc.ServiceDesc {
	desc := MetricsService_ServiceDesc
	desc.ServiceName = OpenCensusMetricsServiceName
	desc.Methods = slices.Clone(desc.Methods)
	desc.Streams = slices.Clone(desc.Streams)
	return &desc
}

// RegisterOpenCensusMetricsServiceServer registers srv on s under the
// OpenCensus method path. It is RegisterMetricsServiceServer for OpenCensus
// peers, with the same check that UnimplementedMetricsServiceServer is
// embedded by value.
func RegisterOpenCensusMetricsServiceServer(s grpc.ServiceRegistrar, srv MetricsServiceServer) {
	if t, ok := srv.(interface{ testEmbeddedByValue() }); ok {
		t.testEmbeddedByValue()
	}
	s.RegisterService(OpenCensusMetricsServiceDesc(), srv)
}

// NewOpenCensusMetricsServiceClient returns a MetricsServiceClient that calls
// the OpenCensus method path, for talking to OpenCensus agents and
// collectors. Streams behave as those of NewMetricsServiceClient; the client
// is safe for concurrent use.
func NewOpenCensusMetricsServiceClient(cc grpc.ClientConnInterface) MetricsServiceClient {
	return openCensusMetricsClient{cc: cc}
}

type openCensusMetricsClient struct {
	cc grpc.ClientConnInterface
}

func (c openCensusMetricsClient) Export(ctx context.Context, opts ...grpc.CallOption) (grpc.BidiStreamingClient[ExportMetricsServiceRequest, ExportMetricsServiceResponse], error) {
	stream, err := c.cc.NewStream(ctx, &MetricsService_ServiceDesc.Streams[0], OpenCensusMetricsExportMethod, append([]grpc.CallOption{grpc.StaticMethod()}, opts...)...)
	if err != nil {
		return nil, err
	}
	return &grpc.GenericClientStream[ExportMetricsServiceRequest, ExportMetricsServiceResponse]{ClientStream: stream}, nil
}

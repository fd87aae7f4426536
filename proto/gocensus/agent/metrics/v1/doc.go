// Package agentmetricspb is the generated Go code for
// gocensus.agent.metrics.v1: the MetricsService agent protocol, an Export
// stream of metric batches.
//
// The messages match OpenCensus' opencensus.proto.agent.metrics.v1 field for
// field. The method path does not: generated code uses
// /gocensus.agent.metrics.v1.MetricsService/Export, while OpenCensus agents
// and the OpenTelemetry Collector answer only on
// /opencensus.proto.agent.metrics.v1.MetricsService/Export. Use
// NewOpenCensusMetricsServiceClient and RegisterOpenCensusMetricsServiceServer
// (or OpenCensusMetricsServiceDesc) for OpenCensus peers; the generated
// NewMetricsServiceClient and RegisterMetricsServiceServer work between
// gocensus processes. A server may register both with one implementation.
//
// # Stability
//
// Beta: the API may still change in a minor release before gocensus 1.0;
// the README explains the versioning promise.
package agentmetricspb

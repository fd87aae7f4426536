// Package agenttracepb is the generated Go code for gocensus.agent.trace.v1:
// the TraceService agent protocol, with the Export stream for spans and the
// Config stream for sampler and limit updates.
//
// The messages match OpenCensus' opencensus.proto.agent.trace.v1 field for
// field. The method paths do not: generated code uses
// /gocensus.agent.trace.v1.TraceService/..., while OpenCensus agents and the
// OpenTelemetry Collector answer only on
// /opencensus.proto.agent.trace.v1.TraceService/.... Pick the API by peer:
//
//   - talking to an OpenCensus agent or collector:
//     NewOpenCensusTraceServiceClient, or serving them:
//     RegisterOpenCensusTraceServiceServer (or OpenCensusTraceServiceDesc);
//   - talking between gocensus processes only: the generated
//     NewTraceServiceClient and RegisterTraceServiceServer also work.
//
// A server may register both descriptors with one implementation.
//
// # Stability
//
// Beta: the API may still change in a minor release before gocensus 1.0;
// the README explains the versioning promise.
package agenttracepb

// Package commonpb is the generated Go code for gocensus.agent.common.v1:
// Node, which identifies the process (host, pid, library, service) on an
// agent stream.
//
// The messages match OpenCensus' opencensus.proto.agent.common.v1 field for
// field, so the encoding is the OpenCensus one.
//
// # Stability
//
// Beta: the API may still change in a minor release before gocensus 1.0;
// the README explains the versioning promise.
package commonpb

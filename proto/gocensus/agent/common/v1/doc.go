// Package commonpb is the generated Go code for gocensus.agent.common.v1:
// Node, which identifies the process (host, pid, library, service) on an
// agent stream.
//
// The messages match OpenCensus' opencensus.proto.agent.common.v1 field for
// field, so the encoding is the OpenCensus one.
package commonpb

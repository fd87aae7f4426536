// Package resourcepb is the generated Go code for gocensus.resource.v1: the
// Resource message that says which entity (container, host, process) emitted
// a batch of spans or metrics.
//
// The message has the field numbers and types of OpenCensus'
// opencensus.proto.resource.v1.Resource, so its encoding is the OpenCensus
// encoding. Application code rarely builds it directly: sdk/resource is the
// API; exporters convert to this type.
//
// # Stability
//
// Beta: the API may still change in a minor release before gocensus 1.0;
// the README explains the versioning promise.
package resourcepb

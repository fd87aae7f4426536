// Package wirecompat proves that the gocensus wire model is the OpenCensus
// proto v1 wire model: the same bytes, the same JSON, the same descriptors,
// and the same gRPC agent paths, checked against the upstream
// github.com/census-instrumentation/opencensus-proto generated types.
//
// The package has no API; its tests are the point. A failure here means a
// .proto file under proto/gocensus drifted from OpenCensus.
package wirecompat

// Package interop holds tests that run gocensus against real peers: the
// upstream OpenCensus proto types, and later opencensus-go and
// OpenTelemetry-Go over loopback.
//
// It is a separate module so the peers' dependencies never reach the go.mod
// of gocensus users. Run it with `go test ./...` inside this directory; the
// repository's scripts/test.sh does so.
package interop

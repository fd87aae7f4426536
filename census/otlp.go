package census

import (
	"fmt"
	"strings"

	"github.com/gocensus/gocensus/exporters/otlpexporter"
	"github.com/gocensus/gocensus/sdk/resource"
)

// buildOTLP builds the OTLP/gRPC exporter. "otlp:HOST:PORT" is plaintext,
// as agents and collectors on localhost or in a sidecar expect, the same
// rule as agent; "otlp:https://HOST:PORT" uses TLS and "otlp:http://..."
// plaintext; a bare "otlp" leaves endpoint and TLS to the
// OTEL_EXPORTER_OTLP_* variables and otlpexporter's defaults. The exporter
// connects in the background, so New does not wait for the collector.
func buildOTLP(spec, arg string, res *resource.Resource, o *options) (Exporter, error) {
	opts := []otlpexporter.Option{otlpexporter.WithLogger(o.logger)}
	switch {
	case arg == "":
	case strings.HasPrefix(arg, "https://"), strings.HasPrefix(arg, "http://"):
		opts = append(opts, otlpexporter.WithEndpoint(arg))
	default:
		opts = append(opts, otlpexporter.WithEndpoint(arg), otlpexporter.WithInsecure())
	}
	if res != nil {
		opts = append(opts, otlpexporter.WithResource(res))
		if name := res.Labels[resource.ServiceNameKey]; name != "" {
			opts = append(opts, otlpexporter.WithServiceName(name))
		}
	}
	e, err := otlpexporter.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("census: exporter %q: %w", spec, err)
	}
	return e, nil
}

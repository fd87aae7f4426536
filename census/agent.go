package census

import (
	"context"
	"errors"
)

// agentHint is the error for agent without a factory.
const agentHint = `no agent exporter is linked into this build: pass census.WithExporterFactory("agent", f), ` +
	`where f returns an OpenCensus agent exporter for the address`

func buildAgent(_ context.Context, spec, _ string) (Exporter, error) {
	return nil, &KeyError{Key: "exporters", Value: spec, Allowed: allowedExporter, Err: errors.New(agentHint)}
}

package census

import (
	"fmt"
	"strings"

	"github.com/gocensus/gocensus/exporters/agentexporter"
	"github.com/gocensus/gocensus/sdk/resource"
)

// splitAgentAddr splits an agent argument into the address and whether to
// use TLS: "https://HOST:PORT" uses TLS with the system roots; "HOST:PORT"
// and "http://HOST:PORT" use plaintext, as agents on localhost or in a
// sidecar expect; "" is agentexporter.DefaultAddress in plaintext.
func splitAgentAddr(arg string) (addr string, tls bool) {
	if a, ok := strings.CutPrefix(arg, "https://"); ok {
		return a, true
	}
	if a, ok := strings.CutPrefix(arg, "http://"); ok {
		return a, false
	}
	return arg, false
}

// buildAgent builds the OpenCensus agent exporter, which connects in the
// background, so New does not wait for the agent.
func buildAgent(spec, arg string, res *resource.Resource, o *options) (Exporter, error) {
	addr, tls := splitAgentAddr(arg)
	opts := []agentexporter.Option{agentexporter.WithLogger(o.logger)}
	if addr != "" {
		opts = append(opts, agentexporter.WithAddress(addr))
	}
	if !tls {
		opts = append(opts, agentexporter.WithInsecure())
	}
	if res != nil {
		opts = append(opts, agentexporter.WithResource(res))
		if name := res.Labels[resource.ServiceNameKey]; name != "" {
			opts = append(opts, agentexporter.WithServiceName(name))
		}
	}
	e, err := agentexporter.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("census: exporter %q: %w", spec, err)
	}
	return e, nil
}

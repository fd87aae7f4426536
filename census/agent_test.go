package census_test

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gocensus/gocensus/census"
	"github.com/gocensus/gocensus/exporters/agentexporter/agentreceiver"
	"github.com/gocensus/gocensus/sdk/resource"
	"github.com/gocensus/gocensus/sdk/trace/tracetest"
)

// TestAgentExporter sends a span to the in-process OpenCensus agent
// receiver through an "agent:ADDR" entry.
func TestAgentExporter(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	got := tracetest.NewInMemoryExporter()
	recv, err := agentreceiver.New(agentreceiver.WithSpanExporter(got))
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- recv.Serve(lis) }()
	defer func() {
		if err := recv.Shutdown(ctx); err != nil {
			t.Error(err)
		}
		<-served
	}()

	cfg := census.Config{Sampler: "always", Exporters: []string{"agent:" + lis.Addr().String()}, ServiceName: "agent-test"}
	c, err := census.New(ctx, cfg, census.WithResource(&resource.Resource{}), census.WithLogger(slogTo(testWriter{t})))
	if err != nil {
		t.Fatal(err)
	}
	_, span := c.Tracer().Start(ctx, "to the agent")
	span.End()
	if err := c.Tracer().ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	for len(got.GetSpans()) == 0 && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	if err := c.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	spans := got.GetSpans()
	if len(spans) != 1 || spans[0].Name != "to the agent" {
		t.Fatalf("the agent received %d spans, want the one sent", len(spans))
	}
	if name := spans[0].Resource.Labels[resource.ServiceNameKey]; name != "agent-test" {
		t.Errorf("service.name at the agent = %q, want agent-test", name)
	}
}

func TestAgentAddressForms(t *testing.T) {
	t.Parallel()
	for _, spec := range []string{"agent", "agent:localhost:55678", "agent:http://localhost:55678", "agent:https://agent.example:443"} {
		if err := (&census.Config{Exporters: []string{spec}}).Validate(); err != nil {
			t.Errorf("%s: %v", spec, err)
		}
	}
	for _, spec := range []string{"agent:https://", "agent:ftp://x:1", "agent:localhost"} {
		err := (&census.Config{Exporters: []string{spec}}).Validate()
		if err == nil || !strings.Contains(err.Error(), "agent[:[https://]HOST:PORT]") {
			t.Errorf("%s: %v, want an error listing the agent forms", spec, err)
		}
	}
}

// testWriter sends log output to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

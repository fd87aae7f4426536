package census_test

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	collectortracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"

	"github.com/gocensus/gocensus/census"
	"github.com/gocensus/gocensus/sdk/resource"
)

// otlpCollector is a loopback OTLP trace service recording span names and
// the service.name of their resource.
type otlpCollector struct {
	collectortracepb.UnimplementedTraceServiceServer
	mu       sync.Mutex
	names    []string
	services []string
}

func (c *otlpCollector) Export(_ context.Context, req *collectortracepb.ExportTraceServiceRequest) (*collectortracepb.ExportTraceServiceResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rs := range req.GetResourceSpans() {
		for _, kv := range rs.GetResource().GetAttributes() {
			if kv.GetKey() == "service.name" {
				c.services = append(c.services, kv.GetValue().GetStringValue())
			}
		}
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				c.names = append(c.names, s.GetName())
			}
		}
	}
	return &collectortracepb.ExportTraceServiceResponse{}, nil
}

func (c *otlpCollector) got() ([]string, []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.names...), append([]string(nil), c.services...)
}

// TestOTLPExporter sends a span to a loopback OTLP collector through an
// "otlp:HOST:PORT" entry, which is plaintext like "agent:HOST:PORT".
func TestOTLPExporter(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	col := &otlpCollector{}
	srv := grpc.NewServer()
	collectortracepb.RegisterTraceServiceServer(srv, col)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	defer func() {
		srv.Stop()
		<-served
	}()

	cfg := census.Config{Sampler: "always", Exporters: []string{"otlp:" + lis.Addr().String()}, ServiceName: "otlp-test"}
	c, err := census.New(ctx, cfg, census.WithResource(&resource.Resource{}), census.WithLogger(slogTo(testWriter{t})))
	if err != nil {
		t.Fatal(err)
	}
	_, span := c.Tracer().Start(ctx, "to the collector")
	span.End()
	if err := c.Tracer().ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	for ctx.Err() == nil {
		if names, _ := col.got(); len(names) > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := c.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	names, services := col.got()
	if len(names) != 1 || names[0] != "to the collector" {
		t.Fatalf("the collector received %q, want the one span sent", names)
	}
	if len(services) != 1 || services[0] != "otlp-test" {
		t.Errorf("service.name at the collector = %q, want otlp-test", services)
	}
}

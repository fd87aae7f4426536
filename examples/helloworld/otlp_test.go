package main

import (
	"bytes"
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	collectortracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"
)

// otlpCollector counts span names and remembers the service.name of the
// spans it receives.
type otlpCollector struct {
	collectortracepb.UnimplementedTraceServiceServer
	mu      sync.Mutex
	names   map[string]int
	service string
}

func (c *otlpCollector) Export(_ context.Context, req *collectortracepb.ExportTraceServiceRequest) (*collectortracepb.ExportTraceServiceResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rs := range req.GetResourceSpans() {
		for _, kv := range rs.GetResource().GetAttributes() {
			if kv.GetKey() == "service.name" {
				c.service = kv.GetValue().GetStringValue()
			}
		}
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				c.names[s.GetName()]++
			}
		}
	}
	return &collectortracepb.ExportTraceServiceResponse{}, nil
}

func TestOTLPFlag(t *testing.T) {
	col := &otlpCollector{names: map[string]int{}}
	srv := grpc.NewServer()
	collectortracepb.RegisterTraceServiceServer(srv, col)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	err = run(ctx, []string{"-otlp", lis.Addr().String(), "-n", "2"}, &stdout, &stderr)
	srv.Stop()
	<-served
	if err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	col.mu.Lock()
	defer col.mu.Unlock()
	// Two unary calls and one stream, each with a client and a server span;
	// the tracer's Shutdown delivered them before run returned.
	if col.service != "helloworld" || col.names[strings.TrimPrefix(methodSayHello, "/")] != 4 ||
		col.names[strings.TrimPrefix(methodSayHelloStream, "/")] != 2 {
		t.Fatalf("collector received %v from %q", col.names, col.service)
	}
	if stdout.Len() == 0 {
		t.Fatal("the print exporter stopped printing when OTLP was added")
	}
}

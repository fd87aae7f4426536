package main

import (
	"bytes"
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gocensus/gocensus/exporters/agentexporter/agentreceiver"
	commonpb "github.com/gocensus/gocensus/proto/gocensus/agent/common/v1"
	resourcepb "github.com/gocensus/gocensus/proto/gocensus/resource/v1"
	tracepb "github.com/gocensus/gocensus/proto/gocensus/trace/v1"
)

func TestAgentFlag(t *testing.T) {
	var mu sync.Mutex
	names := map[string]int{}
	service := ""
	r, err := agentreceiver.New(agentreceiver.WithLogger(nil), agentreceiver.WithSpanHandler(
		func(_ context.Context, node *commonpb.Node, _ *resourcepb.Resource, spans []*tracepb.Span) error {
			mu.Lock()
			defer mu.Unlock()
			service = node.GetServiceInfo().GetName()
			for _, s := range spans {
				names[s.GetName().GetValue()]++
			}
			return nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- r.Serve(lis) }()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	if err := run(ctx, []string{"-agent", lis.Addr().String(), "-n", "2"}, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	if err := r.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	// Two unary calls and one stream, each with a client and a server span.
	if service != "helloworld" || names[strings.TrimPrefix(methodSayHello, "/")] != 4 || names[strings.TrimPrefix(methodSayHelloStream, "/")] != 2 {
		t.Fatalf("agent received %v from %q", names, service)
	}
	if stdout.Len() == 0 {
		t.Fatal("the print exporter stopped printing when the agent was added")
	}
}

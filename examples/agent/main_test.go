package main

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gocensus/gocensus/exporters/agentexporter"
	"github.com/gocensus/gocensus/internal/testkit"
	"github.com/gocensus/gocensus/sdk/stats"
	"github.com/gocensus/gocensus/sdk/trace"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestAgentPrintsWhatArrives(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	runCtx, stop := context.WithCancel(ctx)
	var out testkit.SyncBuffer
	addrs := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- run(runCtx, "127.0.0.1:0", &out, func(a net.Addr) { addrs <- a }) }()
	addr := (<-addrs).String()

	exp, err := agentexporter.New(agentexporter.WithAddress(addr), agentexporter.WithInsecure(),
		agentexporter.WithServiceName("example"))
	if err != nil {
		t.Fatal(err)
	}
	tracer := trace.NewTracer(trace.WithSampler(trace.AlwaysSample()), trace.WithSyncer(exp))
	_, span := tracer.Start(ctx, "say hello")
	span.End()
	if err := exp.ExportMetrics(ctx, []*stats.Metric{{Descriptor: stats.Descriptor{Name: "example/requests", Type: stats.TypeCumulativeInt64},
		TimeSeries: []*stats.TimeSeries{{StartTime: time.Now(), Points: []stats.Point{{Time: time.Now(), Int64Value: 3}}}}}}); err != nil {
		t.Fatal(err)
	}
	if err := tracer.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if !strings.Contains(got, `"say hello"`) || !strings.Contains(got, `"example/requests"`) {
		t.Fatalf("output lacks the span or the metric:\n%s", got)
	}
}

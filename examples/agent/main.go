// Command agent runs an OpenCensus-protocol agent in one process: it accepts
// the trace Export and Config streams and the metrics Export stream that
// OpenCensus exporters (gocensus's agentexporter, opencensus-go's ocagent and
// the other languages' agent exporters) open, and prints every span and
// metric it receives as a JSON line.
//
//	go run ./examples/agent -addr localhost:55678 | jq .
//
// Then point an application at it, for example with
//
//	exp, err := agentexporter.New(agentexporter.WithInsecure())
//
// (localhost:55678 is the default address of both sides).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gocensus/gocensus/exporters/agentexporter/agentreceiver"
	"github.com/gocensus/gocensus/exporters/printexporter"
)

func main() {
	addr := flag.String("addr", "localhost:55678", "address to listen on")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, *addr, os.Stdout, func(a net.Addr) {
		fmt.Fprintf(os.Stderr, "agent: listening on %s\n", a)
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "agent:", err)
		os.Exit(1)
	}
}

// run serves the agent protocol on addr until ctx ends, writing what arrives
// to w; ready is called with the listening address.
func run(ctx context.Context, addr string, w io.Writer, ready func(net.Addr)) error {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	out := printexporter.New(printexporter.WithWriter(w))
	r, err := agentreceiver.New(agentreceiver.WithSpanExporter(out), agentreceiver.WithMetricExporter(out))
	if err != nil {
		_ = lis.Close()
		return err
	}
	served := make(chan error, 1)
	go func() { served <- r.Serve(lis) }()
	ready(lis.Addr())

	select {
	case <-ctx.Done():
	case err := <-served:
		return err
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return errors.Join(r.Shutdown(sctx), <-served, out.Shutdown(sctx))
}

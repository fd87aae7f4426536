// Command helloworld is a greeter gRPC server and client traced with
// censusgrpc. By default it runs both in one process: it starts a server on
// 127.0.0.1 (a free port), makes a few unary calls and one bidirectional
// stream, prints every span as a JSON line on stdout, then the default gRPC
// client and server views (latency, bytes, completed RPCs by method and
// status) as one JSON line per metric, and exits 0. The
// client and server spans of each call share a trace id, and each server
// span's parent is its client span.
//
//	go run ./examples/helloworld | jq .
//
// The two halves also run as separate processes:
//
//	go run ./examples/helloworld server -addr :50051
//	go run ./examples/helloworld client -addr localhost:50051 -n 5
//
// Flags (every mode):
//
//	-addr ADDR          server: address to listen on (default :50051);
//	                    client: server to call (default localhost:50051);
//	                    ignored in one-process mode, which picks a free port
//	-exporter print|file:PATH
//	                    where spans go: JSON lines on stdout (print, the
//	                    default) or appended to the file PATH
//	-propagation LIST   comma-separated trace context formats, binary
//	                    (grpc-trace-bin, the default) and/or tracecontext
//	                    (W3C traceparent); the client sends every one, the
//	                    server accepts them in the order given
//	-n N                client: number of unary calls (default 3)
//	-agent ADDR         also stream every span to an OpenCensus agent at
//	                    ADDR without TLS (try go run ./examples/agent)
//	-otlp ADDR          also send every span to an OTLP/gRPC collector at
//	                    ADDR without TLS (OpenTelemetry Collector, Jaeger,
//	                    Tempo; port 4317 by convention)
//	-zpages ADDR        server: serve the debug pages on ADDR, at
//	                    http://ADDR/debug/tracez and /debug/rpcz (default off)
//	-config FILE        take sampler, exporters, propagators and the method
//	                    excludelist from a census config file (.json, .yaml)
//	                    and the GOCENSUS_ and OTEL_ variables, instead of
//	                    -exporter, -propagation, -agent and -otlp (see
//	                    package census)
//
// The greeter service is registered by hand with a grpc.ServiceDesc over
// wrapperspb.StringValue messages, so the example needs no generated code.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/gocensus/gocensus/census"
	"github.com/gocensus/gocensus/exporters/agentexporter"
	"github.com/gocensus/gocensus/exporters/fileexporter"
	"github.com/gocensus/gocensus/exporters/otlpexporter"
	"github.com/gocensus/gocensus/exporters/printexporter"
	"github.com/gocensus/gocensus/exporters/zpages"
	"github.com/gocensus/gocensus/interceptors/censusgrpc"
	"github.com/gocensus/gocensus/sdk/stats"
	"github.com/gocensus/gocensus/sdk/trace"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "helloworld:", err)
		os.Exit(1)
	}
}

// options are the parsed command line.
type options struct {
	mode     string // "", "server" or "client"
	addr     string
	exporter string
	formats  []censusgrpc.Format
	n        int
	agent    string // OpenCensus agent address, "" for none
	otlp     string // OTLP collector address, "" for none
	zpages   string // server: zpages HTTP address, "" for none
	config   string // census config file, "" for the flags above
}

const usage = `usage:
  helloworld [flags]          server and client in one process
  helloworld server [flags]   serve until interrupted
  helloworld client [flags]   call a running server

flags:
`

func parseArgs(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	if len(args) > 0 && (args[0] == "server" || args[0] == "client") {
		o.mode, args = args[0], args[1:]
	}
	defaultAddr := ":50051"
	if o.mode == "client" {
		defaultAddr = "localhost:50051"
	}
	fs := flag.NewFlagSet("helloworld", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	fs.StringVar(&o.addr, "addr", defaultAddr, "server: listen address; client: server address (one-process mode picks a free port)")
	fs.StringVar(&o.exporter, "exporter", "print", "span exporter: print (JSON lines on stdout) or file:PATH")
	prop := fs.String("propagation", "binary", "comma-separated trace context formats: binary, tracecontext")
	fs.IntVar(&o.n, "n", 3, "client: number of unary calls")
	fs.StringVar(&o.agent, "agent", "", "also stream spans to the OpenCensus agent at this address (no TLS)")
	fs.StringVar(&o.otlp, "otlp", "", "also send spans to the OTLP/gRPC collector at this address (no TLS)")
	fs.StringVar(&o.zpages, "zpages", "", "server: serve /debug/tracez and /debug/rpcz on this HTTP address")
	fs.StringVar(&o.config, "config", "", "census config file (.json, .yaml), read with the environment; replaces -exporter, -propagation, -agent and -otlp")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if o.config != "" {
		var clash []string
		fs.Visit(func(f *flag.Flag) {
			if f.Name == "exporter" || f.Name == "propagation" || f.Name == "agent" || f.Name == "otlp" {
				clash = append(clash, "-"+f.Name)
			}
		})
		if len(clash) > 0 {
			return nil, fmt.Errorf("-config replaces %s; give one or the other", strings.Join(clash, ", "))
		}
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	for _, name := range strings.Split(*prop, ",") {
		f, err := censusgrpc.ParseFormat(name)
		if err != nil {
			return nil, err
		}
		o.formats = append(o.formats, f)
	}
	if o.n < 0 {
		return nil, fmt.Errorf("-n must not be negative, got %d", o.n)
	}
	return o, nil
}

// newTracer samples every span and exports to the chosen exporter, and to
// an OpenCensus agent and an OTLP collector when their addresses are given.
func newTracer(o *options, stdout io.Writer, extra ...trace.TracerOption) (*trace.Tracer, error) {
	var exps []trace.SpanExporter
	fail := func(err error) (*trace.Tracer, error) {
		for _, e := range exps {
			_ = e.Shutdown(context.Background())
		}
		return nil, err
	}
	switch spec := o.exporter; {
	case spec == "print":
		exps = append(exps, printexporter.New(printexporter.WithWriter(stdout)))
	case strings.HasPrefix(spec, "file:") && len(spec) > len("file:"):
		fe, err := fileexporter.New(strings.TrimPrefix(spec, "file:"))
		if err != nil {
			return fail(fmt.Errorf("opening span file: %w", err))
		}
		exps = append(exps, fe)
	default:
		return fail(fmt.Errorf("unknown -exporter %q (want print or file:PATH)", spec))
	}
	if o.agent != "" {
		ae, err := agentexporter.New(agentexporter.WithAddress(o.agent), agentexporter.WithInsecure(),
			agentexporter.WithServiceName("helloworld"))
		if err != nil {
			return fail(fmt.Errorf("agent exporter: %w", err))
		}
		exps = append(exps, ae)
	}
	if o.otlp != "" {
		oe, err := otlpexporter.New(otlpexporter.WithEndpoint(o.otlp), otlpexporter.WithInsecure(),
			otlpexporter.WithServiceName("helloworld"))
		if err != nil {
			return fail(fmt.Errorf("otlp exporter: %w", err))
		}
		exps = append(exps, oe)
	}
	opts := []trace.TracerOption{trace.WithSampler(trace.AlwaysSample())}
	for _, e := range exps {
		opts = append(opts, trace.WithBatcher(e))
	}
	return trace.NewTracer(append(opts, extra...)...), nil
}

// newStats returns a manager holding the default gRPC client and server
// views, which exports them through the chosen exporter every reporting
// period and once more when it shuts down. It gets its own exporter: an
// exporter shut down by the tracer cannot serve the manager too.
func newStats(spec string, stdout io.Writer) (*stats.Manager, error) {
	var exp stats.MetricExporter
	if spec == "print" {
		exp = printexporter.New(printexporter.WithWriter(stdout))
	} else {
		fe, err := fileexporter.New(strings.TrimPrefix(spec, "file:"))
		if err != nil {
			return nil, fmt.Errorf("opening metrics file: %w", err)
		}
		exp = fe
	}
	m := stats.NewManager(stats.WithExporter(exp))
	views := append(append([]*stats.View(nil), censusgrpc.DefaultClientViews...), censusgrpc.DefaultServerViews...)
	if err := m.Register(views...); err != nil {
		return nil, errors.Join(fmt.Errorf("registering the gRPC views: %w", err), m.Shutdown(context.Background()))
	}
	return m, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	o, err := parseArgs(args, stderr)
	if err != nil {
		return err
	}
	var z *zpages.Handler
	var extra []trace.TracerOption
	if o.zpages != "" && o.mode == "server" {
		// The pages read the views of stats.Default(), where censusgrpc
		// records; the tracer's Shutdown shuts z down.
		if z, err = zpages.New(); err != nil {
			return err
		}
		extra = append(extra, trace.WithSpanProcessor(z))
	}
	var shutdown func(context.Context) error
	var opts []censusgrpc.Option
	if o.config != "" {
		shutdown, opts, err = fromConfig(ctx, o.config, stdout, extra...)
		if err == nil && z != nil {
			// Keep rpcz reading what censusgrpc records, as without -config.
			opts = append(opts, censusgrpc.WithStatsManager(stats.Default()))
		}
	} else {
		var tracer *trace.Tracer
		if tracer, err = newTracer(o, stdout, extra...); err == nil {
			shutdown = tracer.Shutdown
			opts = []censusgrpc.Option{censusgrpc.WithTracer(tracer), censusgrpc.WithPropagation(o.formats...)}
		}
		if err == nil && z == nil {
			// The RPC views go out after the spans: the manager's
			// Shutdown exports them one last time.
			var m *stats.Manager
			if m, err = newStats(o.exporter, stdout); err == nil {
				opts = append(opts, censusgrpc.WithStatsManager(m))
				shutdownTracer := shutdown
				shutdown = func(ctx context.Context) error {
					return errors.Join(shutdownTracer(ctx), m.Shutdown(ctx))
				}
			} else {
				err = errors.Join(err, shutdown(context.Background()))
			}
		}
	}
	if err != nil {
		if z != nil {
			_ = z.Shutdown(context.Background())
		}
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = errors.Join(err, shutdown(sctx))
	}()

	switch o.mode {
	case "server":
		lis, err := net.Listen("tcp", o.addr)
		if err != nil {
			return fmt.Errorf("listening: %w", err)
		}
		fmt.Fprintln(stderr, "listening on", lis.Addr())
		if z != nil {
			stopPages, err := serveZpages(o.zpages, z, stderr)
			if err != nil {
				lis.Close()
				return err
			}
			defer stopPages()
		}
		return serve(ctx, lis, opts)
	case "client":
		return callGreeter(ctx, o.addr, o.n, opts, stderr)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listening: %w", err)
	}
	sctx, stopServer := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- serve(sctx, lis, opts) }()
	err = callGreeter(ctx, lis.Addr().String(), o.n, opts, stderr)
	stopServer()
	return errors.Join(err, <-served)
}

// fromConfig builds the telemetry a census config file and the environment
// describe, with print writing to stdout, and returns the censusgrpc
// options that use it.
func fromConfig(ctx context.Context, path string, stdout io.Writer, extra ...trace.TracerOption) (func(context.Context) error, []censusgrpc.Option, error) {
	cfg, err := census.Load(path)
	if err != nil {
		return nil, nil, err
	}
	c, err := census.New(ctx, cfg, census.WithWriter(stdout), census.WithTracerOptions(extra...))
	if err != nil {
		return nil, nil, err
	}
	return c.Shutdown, c.GRPCOptions(), nil
}

// serve runs the greeter until ctx is done, then stops gracefully.
func serve(ctx context.Context, lis net.Listener, opts []censusgrpc.Option) error {
	srv := grpc.NewServer(censusgrpc.ServerOptions(opts...)...)
	srv.RegisterService(&greeterDesc, greeter{})
	done := make(chan error, 1)
	go func() { done <- srv.Serve(lis) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		srv.GracefulStop()
		<-done
		return nil
	}
}

// callGreeter makes n unary calls and one stream of three names.
func callGreeter(ctx context.Context, addr string, n int, opts []censusgrpc.Option, stderr io.Writer) error {
	conn, err := grpc.NewClient(addr, append(censusgrpc.ClientOptions(opts...),
		grpc.WithTransportCredentials(insecure.NewCredentials()))...)
	if err != nil {
		return fmt.Errorf("dialing %s: %w", addr, err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for i := range n {
		reply, err := sayHello(ctx, conn, fmt.Sprintf("world %d", i+1))
		if err != nil {
			return fmt.Errorf("SayHello: %w", err)
		}
		fmt.Fprintln(stderr, reply)
	}
	cs, err := conn.NewStream(ctx, &greeterDesc.Streams[0], methodSayHelloStream)
	if err != nil {
		return fmt.Errorf("SayHelloStream: %w", err)
	}
	for _, name := range []string{"alice", "bob", "carol"} {
		if err := cs.SendMsg(wrapperspb.String(name)); err != nil {
			return fmt.Errorf("SayHelloStream send: %w", err)
		}
	}
	if err := cs.CloseSend(); err != nil {
		return fmt.Errorf("SayHelloStream close: %w", err)
	}
	for {
		reply := new(wrapperspb.StringValue)
		if err := cs.RecvMsg(reply); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return fmt.Errorf("SayHelloStream receive: %w", err)
		}
		fmt.Fprintln(stderr, reply.GetValue())
	}
}

func sayHello(ctx context.Context, conn *grpc.ClientConn, name string) (string, error) {
	reply := new(wrapperspb.StringValue)
	err := conn.Invoke(ctx, methodSayHello, wrapperspb.String(name), reply)
	return reply.GetValue(), err
}

// serveZpages serves z under /debug/ on addr until the returned function is
// called.
func serveZpages(addr string, z *zpages.Handler, stderr io.Writer) (stop func(), err error) {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening for zpages: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/debug/", z)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = hs.Serve(lis) // returns http.ErrServerClosed on Close
	}()
	fmt.Fprintf(stderr, "zpages on http://%s/debug/tracez\n", lis.Addr())
	return func() {
		_ = hs.Close()
		<-done
	}, nil
}

// Command otlpload measures OTLP/gRPC span export end to end: it creates a
// burst of spans through a tracer and its batching processor, exports them
// to a loopback OTLP receiver running in another process, and reports the
// spans the receiver counted per second of wall time and the exporting
// process's peak RSS (VmHWM).
//
// It runs gocensus's otlpexporter and OpenTelemetry-Go's otlptracegrpc
// (with the OpenTelemetry SDK's batch span processor) one after the other,
// each in a fresh process against a fresh receiver:
//
//	go run ./cmd/otlpload -spans 200000
//
// With -blocking (the default) both pipelines apply backpressure instead of
// dropping, so every span should arrive; -blocking=false shows the default
// drop-on-overflow behaviour under a burst.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	oteltrace "go.opentelemetry.io/otel/trace"

	"github.com/gocensus/gocensus/exporters/otlpexporter"
	gcresource "github.com/gocensus/gocensus/sdk/resource"
	"github.com/gocensus/gocensus/sdk/trace"
)

func main() {
	var (
		role     = flag.String("role", "", "internal: receiver, gocensus or otel (empty runs both exporters)")
		addr     = flag.String("addr", "", "internal: receiver address for an exporter role")
		spans    = flag.Int("spans", 200000, "spans to create in one burst")
		blocking = flag.Bool("blocking", true, "apply backpressure instead of dropping")
		which    = flag.String("exporters", "otel,gocensus", "exporters to run, in order")
		qSpans   = flag.Int("queue-spans", 0, "gocensus exporter queue budget in spans (0: default)")
		qBytes   = flag.Int("queue-bytes", 0, "gocensus exporter queue budget in bytes (0: default)")
	)
	flag.Parse()
	var err error
	switch *role {
	case "receiver":
		err = runReceiver()
	case "gocensus", "otel":
		err = runExporter(*role, *addr, *spans, *blocking, *qSpans, *qBytes)
	case "":
		err = orchestrate(strings.Split(*which, ","), *spans, *blocking, *qSpans, *qBytes)
	default:
		err = fmt.Errorf("unknown role %q", *role)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "otlpload:", err)
		os.Exit(1)
	}
}

// result is what an exporter process reports.
type result struct {
	Exporter string  `json:"exporter"`
	Spans    int     `json:"spans"`
	Seconds  float64 `json:"seconds"`
	PeakRSS  int64   `json:"peak_rss_kib"`
	Received int64   `json:"received"`
}

func orchestrate(exporters []string, spans int, blocking bool, qSpans, qBytes int) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	fmt.Printf("%d spans, blocking=%v, GOMAXPROCS=%d\n", spans, blocking, runtime.GOMAXPROCS(0))
	fmt.Printf("%-10s %10s %10s %12s %10s %8s\n", "exporter", "received", "seconds", "spans/s", "peak RSS", "lost")
	for _, name := range exporters {
		r, err := runOne(self, strings.TrimSpace(name), spans, blocking, qSpans, qBytes)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		lost := float64(r.Spans-int(r.Received)) / float64(r.Spans) * 100
		fmt.Printf("%-10s %10d %10.3f %12.0f %7.1f MiB %7.1f%%\n",
			r.Exporter, r.Received, r.Seconds, float64(r.Received)/r.Seconds, float64(r.PeakRSS)/1024, lost)
	}
	return nil
}

// runOne starts a receiver process, then an exporter process against it.
func runOne(self, name string, spans int, blocking bool, qSpans, qBytes int) (result, error) {
	var r result
	recv := exec.Command(self, "-role", "receiver")
	recv.Stderr = os.Stderr
	stdin, err := recv.StdinPipe()
	if err != nil {
		return r, err
	}
	stdout, err := recv.StdoutPipe()
	if err != nil {
		return r, err
	}
	if err := recv.Start(); err != nil {
		return r, err
	}
	defer func() { _ = recv.Process.Kill(); _ = recv.Wait() }()
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() {
		return r, errors.New("receiver did not start")
	}
	addr, ok := strings.CutPrefix(lines.Text(), "ADDR ")
	if !ok {
		return r, fmt.Errorf("receiver said %q", lines.Text())
	}

	var out bytes.Buffer
	exp := exec.Command(self, "-role", name, "-addr", addr, "-spans", strconv.Itoa(spans), "-blocking="+strconv.FormatBool(blocking),
		"-queue-spans", strconv.Itoa(qSpans), "-queue-bytes", strconv.Itoa(qBytes))
	exp.Stdout, exp.Stderr = &out, os.Stderr
	if err := exp.Run(); err != nil {
		return r, err
	}
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		return r, fmt.Errorf("exporter output %q: %w", out.String(), err)
	}
	// Closing stdin asks the receiver for its final count.
	_ = stdin.Close()
	if !lines.Scan() {
		return r, errors.New("receiver gave no count")
	}
	n, ok := strings.CutPrefix(lines.Text(), "COUNT ")
	if !ok {
		return r, fmt.Errorf("receiver said %q", lines.Text())
	}
	r.Received, err = strconv.ParseInt(n, 10, 64)
	return r, err
}

// rawCodec hands the receiver's handler the request bytes undecoded.
type rawCodec struct{}

func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	return mem.BufferSlice{mem.SliceBuffer(*(v.(*[]byte)))}, nil
}

func (rawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	*(v.(*[]byte)) = data.Materialize()
	return nil
}

func (rawCodec) Name() string { return "proto" }

var _ encoding.CodecV2 = rawCodec{}

// countSpans walks an ExportTraceServiceRequest on the wire and counts its
// spans (field 1 resource_spans → 2 scope_spans → 2 spans) without decoding
// them, so the receiver's cost does not mask the exporters'.
func countSpans(b []byte, depth int) (int, error) {
	n := 0
	for len(b) > 0 {
		num, typ, l := protowire.ConsumeTag(b)
		if l < 0 {
			return 0, protowire.ParseError(l)
		}
		b = b[l:]
		if typ != protowire.BytesType {
			l = protowire.ConsumeFieldValue(num, typ, b)
			if l < 0 {
				return 0, protowire.ParseError(l)
			}
			b = b[l:]
			continue
		}
		v, l := protowire.ConsumeBytes(b)
		if l < 0 {
			return 0, protowire.ParseError(l)
		}
		b = b[l:]
		switch {
		case depth == 0 && num == 1, depth == 1 && num == 2:
			c, err := countSpans(v, depth+1)
			if err != nil {
				return 0, err
			}
			n += c
		case depth == 2 && num == 2:
			n++
		}
	}
	return n, nil
}

func runReceiver() error {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	var count atomic.Int64
	srv := grpc.NewServer(grpc.ForceServerCodecV2(rawCodec{}), grpc.MaxRecvMsgSize(64<<20))
	srv.RegisterService(&grpc.ServiceDesc{
		ServiceName: "opentelemetry.proto.collector.trace.v1.TraceService",
		HandlerType: (*any)(nil),
		Methods: []grpc.MethodDesc{{
			MethodName: "Export",
			Handler: func(_ any, _ context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
				var req []byte
				if err := dec(&req); err != nil {
					return nil, err
				}
				n, err := countSpans(req, 0)
				if err != nil {
					return nil, err
				}
				count.Add(int64(n))
				resp := []byte{} // an empty ExportTraceServiceResponse
				return &resp, nil
			},
		}},
	}, struct{}{})
	go func() { _ = srv.Serve(lis) }()
	fmt.Printf("ADDR %s\n", lis.Addr())
	_, _ = io.Copy(io.Discard, os.Stdin)
	srv.Stop()
	fmt.Printf("COUNT %d\n", count.Load())
	return nil
}

// peakRSS reads VmHWM from /proc/self/status, in KiB.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return -1
}

// The burst: server spans with the attributes an RPC span carries.
const spanName = "/helloworld.Greeter/SayHello"

func runExporter(name, addr string, spans int, blocking bool, qSpans, qBytes int) error {
	ctx := context.Background()
	var start time.Time
	var elapsed time.Duration
	switch name {
	case "gocensus":
		exp, err := otlpexporter.New(
			otlpexporter.WithEndpoint(addr), otlpexporter.WithInsecure(),
			otlpexporter.WithLogger(slog.New(slog.DiscardHandler)),
			blockingOpt(blocking),
			budgetOpt(qSpans, qBytes),
		)
		if err != nil {
			return err
		}
		var bopts []trace.BatchOption
		if blocking {
			bopts = append(bopts, trace.WithBlocking(time.Minute))
		}
		bopts = append(bopts, trace.WithLogger(slog.New(slog.DiscardHandler)))
		tracer := trace.NewTracer(
			trace.WithSampler(trace.AlwaysSample()),
			trace.WithResource(&gcresource.Resource{Labels: map[string]string{"service.name": "otlpload"}}),
			trace.WithBatcher(exp, bopts...),
		)
		start = time.Now()
		for i := range spans {
			_, s := tracer.Start(ctx, spanName, trace.WithSpanKind(trace.SpanKindServer))
			s.SetAttributes(
				trace.StringAttribute("rpc.system", "grpc"),
				trace.StringAttribute("rpc.service", "helloworld.Greeter"),
				trace.StringAttribute("rpc.method", "SayHello"),
				trace.Int64Attribute("seq", int64(i)),
			)
			s.End()
		}
		if err := tracer.Shutdown(ctx); err != nil {
			return err
		}
		elapsed = time.Since(start)
	case "otel":
		exp, err := otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(addr), otlptracegrpc.WithInsecure())
		if err != nil {
			return err
		}
		var bopts []sdktrace.BatchSpanProcessorOption
		if blocking {
			bopts = append(bopts, sdktrace.WithBlocking())
		}
		tp := sdktrace.NewTracerProvider(
			sdktrace.WithSampler(sdktrace.AlwaysSample()),
			sdktrace.WithResource(resource.NewSchemaless(semconv.ServiceName("otlpload"))),
			sdktrace.WithBatcher(exp, bopts...),
		)
		tracer := tp.Tracer("otlpload")
		start = time.Now()
		for i := range spans {
			_, s := tracer.Start(ctx, spanName, oteltrace.WithSpanKind(oteltrace.SpanKindServer))
			s.SetAttributes(
				attribute.String("rpc.system", "grpc"),
				attribute.String("rpc.service", "helloworld.Greeter"),
				attribute.String("rpc.method", "SayHello"),
				attribute.Int64("seq", int64(i)),
			)
			s.End()
		}
		if err := tp.Shutdown(ctx); err != nil {
			return err
		}
		elapsed = time.Since(start)
	}
	return json.NewEncoder(os.Stdout).Encode(result{Exporter: name, Spans: spans, Seconds: elapsed.Seconds(), PeakRSS: peakRSS()})
}

func blockingOpt(blocking bool) otlpexporter.Option {
	if blocking {
		return otlpexporter.WithBlocking(0)
	}
	return nil
}

func budgetOpt(spans, bytes int) otlpexporter.Option {
	if spans <= 0 && bytes <= 0 {
		return nil
	}
	if spans <= 0 {
		spans = otlpexporter.DefaultMaxQueueSpans
	}
	if bytes <= 0 {
		bytes = otlpexporter.DefaultMaxQueueBytes
	}
	return otlpexporter.WithQueueBudget(spans, bytes)
}

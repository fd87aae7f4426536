// Command agentload measures span export over the OpenCensus agent protocol
// end to end: spans are created through a tracer and its batching processor,
// streamed to an agent receiver running in another process on loopback, and
// counted there. It reports delivered spans per second of wall time (from
// the first span to the end of shutdown, which for gocensus includes the
// agent's confirmation that the stream was fully read), the sending process's
// peak RSS (VmHWM) and its CPU time (getrusage).
//
// It runs gocensus's agentexporter and opencensus-go with the ocagent
// exporter (contrib.go.opencensus.io/exporter/ocagent v0.5.0) one after the
// other, each in a fresh process against a fresh receiver:
//
//	go run ./cmd/agentload -spans 200000
//
// -rate and -duration switch to a steady load instead of a burst; listing
// "baseline" (the same tracer and batcher exporting nowhere) first isolates
// the exporter's own CPU:
//
//	go run ./cmd/agentload -exporters baseline,gocensus -rate 10000 -duration 10s
//
// The receiver counts spans by walking the wire format without decoding
// them, so the numbers reflect the senders (on a shared two-core machine a
// decoding receiver would be the bottleneck); -decode runs agentreceiver
// instead, which decodes every span.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"contrib.go.opencensus.io/exporter/ocagent"
	octrace "go.opencensus.io/trace"

	"google.golang.org/grpc"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/gocensus/gocensus/exporters/agentexporter"
	"github.com/gocensus/gocensus/exporters/agentexporter/agentreceiver"
	commonpb "github.com/gocensus/gocensus/proto/gocensus/agent/common/v1"
	resourcepb "github.com/gocensus/gocensus/proto/gocensus/resource/v1"
	tracepb "github.com/gocensus/gocensus/proto/gocensus/trace/v1"
	"github.com/gocensus/gocensus/sdk/trace"
)

type params struct {
	spans    int
	rate     int
	duration time.Duration
	blocking bool
	qSpans   int
	qBytes   int
	workers  int
	decode   bool
	batchTO  time.Duration
}

func main() {
	var p params
	role := flag.String("role", "", "internal: receiver, gocensus or ocagent (empty runs the exporters listed)")
	addr := flag.String("addr", "", "internal: receiver address for an exporter role")
	decode := flag.Bool("decode", false, "receiver: decode every span with agentreceiver instead of counting on the wire")
	which := flag.String("exporters", "ocagent,gocensus", "exporters to run, in order")
	flag.IntVar(&p.spans, "spans", 200000, "spans to create in one burst")
	flag.IntVar(&p.rate, "rate", 0, "spans per second for a steady load (0: one burst of -spans)")
	flag.DurationVar(&p.duration, "duration", 10*time.Second, "length of the steady load")
	flag.BoolVar(&p.blocking, "blocking", true, "gocensus: apply backpressure instead of dropping")
	flag.IntVar(&p.qSpans, "queue-spans", 16384, "gocensus exporter queue budget in spans")
	flag.IntVar(&p.qBytes, "queue-bytes", 4<<20, "gocensus exporter queue budget in bytes")
	flag.IntVar(&p.workers, "workers", runtime.GOMAXPROCS(0), "goroutines creating spans in a burst")
	flag.DurationVar(&p.batchTO, "batch-timeout", 0, "gocensus: the batcher's batch timeout (0: the SDK default)")
	flag.Parse()
	p.decode = *decode
	var err error
	switch *role {
	case "receiver":
		err = runReceiver(*decode)
	case "gocensus", "ocagent", "baseline":
		err = runExporter(*role, *addr, p)
	case "":
		err = orchestrate(strings.Split(*which, ","), p)
	default:
		err = fmt.Errorf("unknown role %q", *role)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "agentload:", err)
		os.Exit(1)
	}
}

// result is what an exporter process prints as one JSON line.
type result struct {
	Exporter string        `json:"exporter"`
	Created  int           `json:"created"`
	Wall     time.Duration `json:"wall_ns"`
	CPU      time.Duration `json:"cpu_ns"`
	PeakRSS  int64         `json:"peak_rss_kib"`
	Dropped  uint64        `json:"dropped"`
	Detail   string        `json:"detail,omitempty"`
}

func orchestrate(exporters []string, p params) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	fmt.Printf("%-9s %9s %9s %12s %9s %11s %8s %9s\n", "exporter", "created", "received", "spans/s", "wall", "peak RSS", "CPU", "CPU/core")
	var rates []float64
	cpuShare := map[string]float64{}
	for _, name := range exporters {
		res, received, err := runOne(self, name, p)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		rate := float64(received) / res.Wall.Seconds()
		rates = append(rates, rate)
		cpuShare[name] = res.CPU.Seconds() / res.Wall.Seconds()
		fmt.Printf("%-9s %9d %9d %12.0f %9s %7.1f MiB %8s %8.1f%%\n", name, res.Created, received, rate,
			res.Wall.Round(time.Millisecond), float64(res.PeakRSS)/1024, res.CPU.Round(time.Millisecond),
			100*res.CPU.Seconds()/res.Wall.Seconds())
		if res.Detail != "" {
			fmt.Printf("          %s\n", res.Detail)
		}
	}
	if base, ok := cpuShare["baseline"]; ok {
		if gc, ok := cpuShare["gocensus"]; ok {
			fmt.Printf("agentexporter's own CPU (gocensus - baseline): %.1f%% of one core\n", 100*(gc-base))
		}
	}
	if len(rates) == 2 && rates[0] > 0 && exporters[0] != "baseline" {
		fmt.Printf("%s / %s delivered spans/s: %.2fx\n", exporters[1], exporters[0], rates[1]/rates[0])
	}
	return nil
}

func runOne(self, name string, p params) (result, int64, error) {
	var res result
	recv := exec.Command(self, "-role", "receiver", "-decode="+strconv.FormatBool(p.decode))
	recv.Stderr = os.Stderr
	stdin, err := recv.StdinPipe()
	if err != nil {
		return res, 0, err
	}
	stdout, err := recv.StdoutPipe()
	if err != nil {
		return res, 0, err
	}
	if err := recv.Start(); err != nil {
		return res, 0, err
	}
	defer recv.Wait()
	defer stdin.Close()
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() {
		return res, 0, errors.New("receiver printed no address")
	}
	addr := lines.Text()

	args := []string{"-role", name, "-addr", addr,
		"-spans", strconv.Itoa(p.spans), "-rate", strconv.Itoa(p.rate), "-duration", p.duration.String(),
		"-blocking=" + strconv.FormatBool(p.blocking), "-queue-spans", strconv.Itoa(p.qSpans),
		"-queue-bytes", strconv.Itoa(p.qBytes), "-workers", strconv.Itoa(p.workers),
		"-batch-timeout", p.batchTO.String()}
	cmd := exec.Command(self, args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return res, 0, err
	}
	if err := json.Unmarshal(out, &res); err != nil {
		return res, 0, fmt.Errorf("decode result %q: %w", out, err)
	}
	if _, err := io.WriteString(stdin, "count\n"); err != nil {
		return res, 0, err
	}
	if !lines.Scan() {
		return res, 0, errors.New("receiver printed no count")
	}
	n, err := strconv.ParseInt(lines.Text(), 10, 64)
	return res, n, err
}

// runReceiver serves the agent protocol on a loopback port and counts
// spans. By default it counts the spans field of each export request by
// walking the wire format, so the receiving process costs little and the
// numbers reflect the senders; with decode it runs agentreceiver, which
// decodes every span. It prints its address, then the count each time a line
// arrives on stdin, and exits at EOF.
func runReceiver(decode bool) error {
	var count atomic.Int64
	var srv *grpc.Server
	if decode {
		r, err := agentreceiver.New(agentreceiver.WithSpanHandler(
			func(_ context.Context, _ *commonpb.Node, _ *resourcepb.Resource, spans []*tracepb.Span) error {
				count.Add(int64(len(spans)))
				return nil
			}))
		if err != nil {
			return err
		}
		srv = grpc.NewServer(grpc.MaxRecvMsgSize(16 << 20))
		r.Register(srv)
	} else {
		srv = grpc.NewServer(grpc.ForceServerCodecV2(frameCodec{}), grpc.MaxRecvMsgSize(16<<20))
		drain := func(counted bool) grpc.StreamHandler {
			return func(_ any, stream grpc.ServerStream) error {
				for {
					var f frame
					if err := stream.RecvMsg(&f); err != nil {
						if errors.Is(err, io.EOF) {
							return nil
						}
						return err
					}
					if counted {
						count.Add(countItems(f))
					}
				}
			}
		}
		srv.RegisterService(&grpc.ServiceDesc{
			ServiceName: "opencensus.proto.agent.trace.v1.TraceService", HandlerType: (*any)(nil),
			Streams: []grpc.StreamDesc{
				{StreamName: "Export", Handler: drain(true), ServerStreams: true, ClientStreams: true},
				{StreamName: "Config", Handler: drain(false), ServerStreams: true, ClientStreams: true},
			},
		}, nil)
		srv.RegisterService(&grpc.ServiceDesc{
			ServiceName: "opencensus.proto.agent.metrics.v1.MetricsService", HandlerType: (*any)(nil),
			Streams: []grpc.StreamDesc{{StreamName: "Export", Handler: drain(false), ServerStreams: true, ClientStreams: true}},
		}, nil)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go srv.Serve(lis)
	fmt.Println(lis.Addr().String())
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		fmt.Println(count.Load())
	}
	srv.Stop()
	return nil
}

// frame is one received message, undecoded.
type frame []byte

// frameCodec hands received messages over as bytes; it only ever sends
// empty responses.
type frameCodec struct{}

func (frameCodec) Marshal(any) (mem.BufferSlice, error) { return nil, nil }

func (frameCodec) Unmarshal(data mem.BufferSlice, v any) error {
	f, ok := v.(*frame)
	if !ok {
		return fmt.Errorf("frameCodec: cannot decode into %T", v)
	}
	*f = data.Materialize()
	return nil
}

func (frameCodec) Name() string { return "proto" }

// countItems counts field 2 (spans) of an ExportTraceServiceRequest.
func countItems(b []byte) int64 {
	var n int64
	for len(b) > 0 {
		num, typ, l := protowire.ConsumeTag(b)
		if l < 0 {
			return n
		}
		b = b[l:]
		l = protowire.ConsumeFieldValue(num, typ, b)
		if l < 0 {
			return n
		}
		if num == 2 && typ == protowire.BytesType {
			n++
		}
		b = b[l:]
	}
	return n
}

var attrs = []struct {
	key string
	val any
}{
	{"rpc.system", "grpc"}, {"rpc.service", "helloworld.Greeter"}, {"net.peer.name", "10.0.12.7"},
	{"rpc.grpc.status_code", int64(0)}, {"message.size", int64(1024)}, {"retry", false},
}

func runExporter(name, addr string, p params) error {
	var create func(i int)
	var shutdown func(context.Context) (uint64, string, error)
	switch name {
	case "baseline":
		// The gocensus tracer and batcher exporting to nothing: subtracting
		// its CPU from gocensus's isolates the exporter's share.
		var bopts []trace.BatchOption
		if p.blocking {
			bopts = append(bopts, trace.WithBlocking(time.Minute))
		}
		tracer := trace.NewTracer(trace.WithSampler(trace.AlwaysSample()), trace.WithBatcher(discard{}, bopts...))
		ctx := context.Background()
		gcAttrs := gocensusAttrs()
		create = func(int) {
			_, s := tracer.Start(ctx, "/helloworld.Greeter/SayHello",
				trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(gcAttrs...))
			s.End()
		}
		shutdown = func(ctx context.Context) (uint64, string, error) { return 0, "", tracer.Shutdown(ctx) }
	case "gocensus":
		opts := []agentexporter.Option{agentexporter.WithAddress(addr), agentexporter.WithInsecure(),
			agentexporter.WithServiceName("agentload"), agentexporter.WithQueueBudget(p.qSpans, p.qBytes)}
		var bopts []trace.BatchOption
		if p.blocking {
			opts = append(opts, agentexporter.WithBlocking(), agentexporter.WithExportTimeout(time.Minute))
			bopts = append(bopts, trace.WithBlocking(time.Minute))
		}
		if p.batchTO > 0 {
			bopts = append(bopts, trace.WithBatchTimeout(p.batchTO))
		}
		exp, err := agentexporter.New(opts...)
		if err != nil {
			return err
		}
		tracer := trace.NewTracer(trace.WithSampler(trace.AlwaysSample()), trace.WithBatcher(exp, bopts...))
		gcAttrs := gocensusAttrs()
		ctx := context.Background()
		create = func(int) {
			_, s := tracer.Start(ctx, "/helloworld.Greeter/SayHello",
				trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(gcAttrs...))
			s.End()
		}
		shutdown = func(ctx context.Context) (uint64, string, error) {
			err := tracer.Shutdown(ctx)
			st := exp.Stats().Spans
			return st.DroppedTotal(), fmt.Sprintf("exporter: sent %d dropped %d retries %d reconnects %d", st.Sent, st.DroppedTotal(), st.Retries, st.Reconnects), err
		}
	case "ocagent":
		exp, err := ocagent.NewExporter(ocagent.WithInsecure(), ocagent.WithAddress(addr), ocagent.WithServiceName("agentload"))
		if err != nil {
			return err
		}
		octrace.RegisterExporter(exp)
		octrace.ApplyConfig(octrace.Config{DefaultSampler: octrace.AlwaysSample()})
		ocAttrs := make([]octrace.Attribute, len(attrs))
		for i, a := range attrs {
			switch v := a.val.(type) {
			case string:
				ocAttrs[i] = octrace.StringAttribute(a.key, v)
			case int64:
				ocAttrs[i] = octrace.Int64Attribute(a.key, v)
			case bool:
				ocAttrs[i] = octrace.BoolAttribute(a.key, v)
			}
		}
		ctx := context.Background()
		create = func(int) {
			_, s := octrace.StartSpan(ctx, "/helloworld.Greeter/SayHello", octrace.WithSpanKind(octrace.SpanKindServer))
			s.AddAttributes(ocAttrs...)
			s.End()
		}
		shutdown = func(context.Context) (uint64, string, error) {
			exp.Flush()
			return 0, "", exp.Stop()
		}
	}
	// Both exporters connect in the background; give them the same head
	// start so neither drops spans for want of a connection.
	time.Sleep(300 * time.Millisecond)

	start := time.Now()
	created := 0
	if p.rate > 0 {
		created = steady(create, p.rate, p.duration)
	} else {
		created = burst(create, p.spans, p.workers)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dropped, detail, err := shutdown(ctx)
	if err != nil {
		return err
	}
	wall := time.Since(start)
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return err
	}
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return json.NewEncoder(os.Stdout).Encode(result{
		Exporter: name, Created: created, Wall: wall, CPU: cpu,
		PeakRSS: peakRSS(), Dropped: dropped, Detail: detail,
	})
}

func gocensusAttrs() []trace.Attribute {
	out := make([]trace.Attribute, len(attrs))
	for i, a := range attrs {
		switch v := a.val.(type) {
		case string:
			out[i] = trace.StringAttribute(a.key, v)
		case int64:
			out[i] = trace.Int64Attribute(a.key, v)
		case bool:
			out[i] = trace.BoolAttribute(a.key, v)
		}
	}
	return out
}

// discard is a SpanExporter that drops everything.
type discard struct{}

func (discard) ExportSpans(context.Context, []*trace.SpanData) error { return nil }
func (discard) Shutdown(context.Context) error                       { return nil }

func burst(create func(int), n, workers int) int {
	var wg sync.WaitGroup
	per := n / workers
	for w := range workers {
		wg.Go(func() {
			for i := range per {
				create(w*per + i)
			}
		})
	}
	wg.Wait()
	return per * workers
}

// steady creates rate spans per second for d, catching up after a late
// tick so the total is rate·d even on a busy machine.
func steady(create func(int), rate int, d time.Duration) int {
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	start := time.Now()
	total := int(int64(rate) * int64(d) / int64(time.Second))
	n := 0
	for n < total {
		<-t.C
		due := min(int(float64(rate)*time.Since(start).Seconds()), total)
		for ; n < due; n++ {
			create(n)
		}
	}
	return n
}

// peakRSS reads VmHWM from /proc/self/status, in KiB (0 where unavailable).
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			v, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return v
		}
	}
	return 0
}

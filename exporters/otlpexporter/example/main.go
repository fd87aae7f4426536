// Command example sends gocensus spans and stats views to an OTLP/gRPC
// collector. It simulates a server handling requests every 100 ms: a SERVER
// span per request with a CLIENT child for a database call, and latency and
// request-count views.
//
//	go run ./example -otlp localhost:4317    # to a local collector, until interrupted
//	go run ./example -once                   # to an in-process receiver; print what it got
//
// The OTEL_EXPORTER_OTLP_* environment variables apply too; -otlp and
// -insecure override them.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/signal"
	"slices"
	"sync"
	"time"

	colmetricspb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"

	"github.com/gocensus/gocensus/exporters/otlpexporter"
	"github.com/gocensus/gocensus/sdk/stats"
	"github.com/gocensus/gocensus/sdk/tag"
	"github.com/gocensus/gocensus/sdk/trace"
)

var (
	routeKey = tag.MustNewKey("route")
	latency  = stats.Float64("example.com/server/latency", "Time to serve a request", "ms")
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("example", flag.ContinueOnError)
	endpoint := fs.String("otlp", "", "collector host:port (default: environment, else localhost:4317)")
	insecure := fs.Bool("insecure", true, "send without TLS")
	once := fs.Bool("once", false, "send a fixed workload to an in-process receiver, print what it received and exit")
	if err := fs.Parse(args); err != nil {
		return err
	}

	var opts []otlpexporter.Option
	var recv *receiver
	if *once {
		var err error
		if recv, err = startReceiver(); err != nil {
			return err
		}
		defer recv.stop()
		*endpoint = recv.addr
	}
	if *endpoint != "" {
		opts = append(opts, otlpexporter.WithEndpoint(*endpoint))
	}
	if *insecure {
		opts = append(opts, otlpexporter.WithInsecure())
	}
	opts = append(opts, otlpexporter.WithServiceName("otlp-example"))

	spanExp, err := otlpexporter.New(opts...)
	if err != nil {
		return err
	}
	metricExp, err := otlpexporter.New(opts...)
	if err != nil {
		return err
	}
	tracer := trace.NewTracer(trace.WithSampler(trace.AlwaysSample()), trace.WithBatcher(spanExp))
	views := stats.NewManager(stats.WithExporter(metricExp), stats.WithReportingPeriod(time.Second))
	if err := views.Register(
		&stats.View{Measure: latency, TagKeys: []tag.Key{routeKey}, Aggregation: stats.Distribution(5, 10, 50, 100)},
		&stats.View{Name: "example.com/server/requests", Measure: latency, TagKeys: []tag.Key{routeKey}, Aggregation: stats.Count()},
	); err != nil {
		return err
	}

	handle := func(route string, ms float64) {
		rctx, span := tracer.Start(ctx, "GET "+route, trace.WithSpanKind(trace.SpanKindServer))
		span.SetAttributes(trace.StringAttribute("http.route", route))
		_, db := tracer.Start(rctx, "db.query", trace.WithSpanKind(trace.SpanKindClient))
		db.End()
		span.End()
		tctx, err := tag.New(rctx, tag.Insert(routeKey, route))
		if err == nil {
			views.Record(tctx, latency.M(ms))
		}
	}

	if *once {
		handle("/users", 4)
		handle("/orders", 60)
	} else {
		fmt.Fprintf(out, "exporting to %s; interrupt to stop\n", *endpoint)
		tick := time.NewTicker(100 * time.Millisecond)
	loop:
		for {
			select {
			case <-ctx.Done():
				break loop
			case <-tick.C:
				handle([]string{"/users", "/orders"}[rand.IntN(2)], rand.ExpFloat64()*20)
			}
		}
		tick.Stop()
	}

	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	terr, verr := tracer.Shutdown(sctx), views.Shutdown(sctx)
	st := spanExp.Stats().Traces
	fmt.Fprintf(out, "spans: %d sent, %d dropped\n", st.Sent, st.Dropped())
	if recv != nil {
		recv.print(out)
	}
	if terr != nil {
		return terr
	}
	return verr
}

// receiver is a minimal OTLP collector for -once.
type receiver struct {
	coltracepb.UnimplementedTraceServiceServer
	addr    string
	srv     *grpc.Server
	mu      sync.Mutex
	spans   []string
	metrics []string
}

type metricsReceiver struct {
	colmetricspb.UnimplementedMetricsServiceServer
	r *receiver
}

func startReceiver() (*receiver, error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &receiver{addr: lis.Addr().String(), srv: grpc.NewServer()}
	coltracepb.RegisterTraceServiceServer(r.srv, r)
	colmetricspb.RegisterMetricsServiceServer(r.srv, metricsReceiver{r: r})
	go func() { _ = r.srv.Serve(lis) }()
	return r, nil
}

func (r *receiver) stop() { r.srv.Stop() }

func (r *receiver) Export(_ context.Context, req *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				r.spans = append(r.spans, fmt.Sprintf("%s %s", s.Kind, s.Name))
			}
		}
	}
	return &coltracepb.ExportTraceServiceResponse{}, nil
}

func (m metricsReceiver) Export(_ context.Context, req *colmetricspb.ExportMetricsServiceRequest) (*colmetricspb.ExportMetricsServiceResponse, error) {
	m.r.mu.Lock()
	defer m.r.mu.Unlock()
	for _, rm := range req.ResourceMetrics {
		for _, sm := range rm.ScopeMetrics {
			for _, x := range sm.Metrics {
				var points int
				switch {
				case x.GetSum() != nil:
					points = len(x.GetSum().DataPoints)
				case x.GetHistogram() != nil:
					points = len(x.GetHistogram().DataPoints)
				}
				name := fmt.Sprintf("%s (%d series)", x.Name, points)
				if !slices.Contains(m.r.metrics, name) {
					m.r.metrics = append(m.r.metrics, name)
				}
			}
		}
	}
	return &colmetricspb.ExportMetricsServiceResponse{}, nil
}

func (r *receiver) print(out io.Writer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	slices.Sort(r.spans)
	slices.Sort(r.metrics)
	for _, s := range r.spans {
		fmt.Fprintln(out, "span", s)
	}
	for _, m := range r.metrics {
		fmt.Fprintln(out, "metric", m)
	}
}

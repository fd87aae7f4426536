package otlpexporter_test

import (
	"context"
	"fmt"
	"time"

	"github.com/gocensus/gocensus/exporters/otlpexporter"
	"github.com/gocensus/gocensus/sdk/stats"
	"github.com/gocensus/gocensus/sdk/trace"
)

// Spans go to the tracer's batcher; metrics to a stats manager. Each owner
// gets its own exporter because each shuts its exporter down. New does not
// connect, so nothing here touches the network.
func Example() {
	opts := []otlpexporter.Option{
		otlpexporter.WithEndpoint("collector.observability:4317"),
		otlpexporter.WithInsecure(),
		otlpexporter.WithServiceName("checkout"),
		otlpexporter.WithCompression("gzip"),
		otlpexporter.WithHeaders(map[string]string{"tenant": "shop"}),
	}
	spanExp, err := otlpexporter.New(opts...)
	if err != nil {
		fmt.Println(err)
		return
	}
	metricExp, err := otlpexporter.New(opts...)
	if err != nil {
		fmt.Println(err)
		return
	}
	tracer := trace.NewTracer(trace.WithBatcher(spanExp))
	views := stats.NewManager(stats.WithExporter(metricExp))

	// ... the program runs, starting spans and recording measurements ...

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := tracer.Shutdown(ctx); err != nil {
		fmt.Println(err)
	}
	if err := views.Shutdown(ctx); err != nil {
		fmt.Println(err)
	}
	st := spanExp.Stats().Traces
	fmt.Printf("spans sent %d, dropped %d, pending %d\n", st.Sent, st.Dropped(), st.Pending)
	// Output: spans sent 0, dropped 0, pending 0
}

// Options are checked when the exporter is built; they override the
// OTEL_EXPORTER_OTLP_* environment.
func ExampleNew_invalid() {
	_, err := otlpexporter.New(otlpexporter.WithCompression("zstd"))
	fmt.Println(err)
	// Output: otlpexporter: unsupported compression "zstd" (want gzip or none)
}

// Command stats shows gocensus stats end to end: measures, views over tag
// keys, recording under tags from the context, and a manager that pushes
// the aggregated metrics to the print exporter as JSON lines.
//
//	go run ./examples/stats | jq .
//
// For a Prometheus /metrics endpoint, see the example program of
// exporters/promexporter (a separate module, so this one stays free of
// client_golang).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/gocensus/gocensus/exporters/printexporter"
	"github.com/gocensus/gocensus/sdk/stats"
	"github.com/gocensus/gocensus/sdk/tag"
)

// Measures and tag keys are package-level: they describe what the code
// records, whichever views a deployment chooses.
var (
	latency  = stats.Float64("example.com/checkout/latency", "Time to complete a checkout", "ms")
	items    = stats.Int64("example.com/checkout/items", "Items in a checkout", "1")
	queueLen = stats.Int64("example.com/checkout/queue_length", "Checkouts waiting", "1")

	regionKey = tag.MustNewKey("region")
	resultKey = tag.MustNewKey("result")
)

// views are what this program keeps and exports.
var views = []*stats.View{
	{Name: "example.com/checkout/latency_by_region", Measure: latency, TagKeys: []tag.Key{regionKey}, Aggregation: stats.Distribution(0, 10, 50, 100, 500)},
	{Name: "example.com/checkout/count", Measure: latency, TagKeys: []tag.Key{regionKey, resultKey}, Aggregation: stats.Count()},
	{Name: "example.com/checkout/items_total", Measure: items, Aggregation: stats.Sum()},
	{Measure: queueLen, Aggregation: stats.LastValue()},
}

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "stats:", err)
		os.Exit(1)
	}
}

// run records a fixed checkout workload and writes the metrics to w.
func run(ctx context.Context, w io.Writer) error {
	m := stats.NewManager(
		stats.WithExporter(printexporter.New(printexporter.WithWriter(w))),
		stats.WithReportingPeriod(10*time.Second),
	)
	if err := m.Register(views...); err != nil {
		return fmt.Errorf("registering views: %w", err)
	}

	for _, c := range []struct {
		region, result string
		ms             float64
		items          int64
	}{
		{"eu", "ok", 42, 3},
		{"eu", "ok", 8, 1},
		{"us", "ok", 120, 7},
		{"us", "declined", 35, 2},
	} {
		cctx, err := tag.New(ctx, tag.Upsert(regionKey, c.region), tag.Upsert(resultKey, c.result))
		if err != nil {
			return fmt.Errorf("tagging checkout: %w", err)
		}
		m.Record(cctx, latency.M(c.ms), items.M(c.items))
	}
	m.Record(ctx, queueLen.M(5))

	// Shutdown exports the final state once more and stops the reporter;
	// give it a deadline so a stuck writer cannot hang the program.
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := m.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutting down the stats manager: %w", err)
	}
	return nil
}

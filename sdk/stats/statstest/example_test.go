package statstest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/gocensus/gocensus/sdk/stats"
	"github.com/gocensus/gocensus/sdk/stats/statstest"
	"github.com/gocensus/gocensus/sdk/tag"
)

func Example() {
	exp := statstest.NewExporter()
	m := stats.NewManager(stats.WithExporter(exp), stats.WithReportingPeriod(time.Hour))
	method := tag.MustNewKey("method")
	calls := stats.Int64("example.com/calls", "Calls made", "1")
	_ = m.Register(&stats.View{Measure: calls, TagKeys: []tag.Key{method}, Aggregation: stats.Count()})

	ctx, _ := tag.New(context.Background(), tag.Insert(method, "Get"))
	m.Record(ctx, calls.M(1))
	m.Record(context.Background(), calls.M(1))
	_ = m.Shutdown(context.Background()) // pushes the final batch

	md := statstest.Find(exp.Last(), "example.com/calls")
	for _, ts := range md.TimeSeries {
		fmt.Println(statstest.Labels(ts), ts.Points[0].Int64Value)
	}
	fmt.Println("shutdown calls:", exp.ShutdownCalls())
	// Output:
	// [<absent>] 1
	// [Get] 1
	// shutdown calls: 1
}

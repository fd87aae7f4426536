package stats_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/gocensus/gocensus/sdk/stats"
	"github.com/gocensus/gocensus/sdk/tag"
)

// Measures are package-level variables of the code that records them.
var (
	requestLatency = stats.Float64("example.com/request_latency", "Time to serve a request", "ms")
	methodKey      = tag.MustNewKey("method")
)

func Example() {
	m := stats.NewManager()
	defer m.Shutdown(context.Background())

	// Views decide what is kept: here a latency histogram per method.
	if err := m.Register(&stats.View{
		Name:        "example.com/request_latency_by_method",
		Measure:     requestLatency,
		TagKeys:     []tag.Key{methodKey},
		Aggregation: stats.Distribution(0, 10, 100),
	}); err != nil {
		fmt.Println(err)
		return
	}

	// Code that serves requests records values under the context's tags.
	ctx, _ := tag.New(context.Background(), tag.Insert(methodKey, "GET"))
	for _, ms := range []float64{4, 25, 30} {
		m.Record(ctx, requestLatency.M(ms))
	}

	for _, md := range m.Read() {
		ts := md.TimeSeries[0]
		d := ts.Points[0].Distribution
		fmt.Println(md.Descriptor.Name, md.Descriptor.Type, ts.LabelValues[0].Value)
		fmt.Println("count", d.Count, "sum", d.Sum, "bounds", d.BucketBounds)
		for i, b := range d.Buckets {
			fmt.Printf("bucket %d: %d\n", i, b.Count)
		}
	}
	// Output:
	// example.com/request_latency_by_method CUMULATIVE_DISTRIBUTION GET
	// count 3 sum 59 bounds [10 100]
	// bucket 0: 1
	// bucket 1: 2
	// bucket 2: 0
}

func ExampleMetric_AppendJSON() {
	clock := func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
	m := stats.NewManager(stats.WithClock(clock))
	defer m.Shutdown(context.Background())
	requests := stats.Int64("example.com/requests", "Requests served", "1")
	_ = m.Register(&stats.View{Measure: requests, TagKeys: []tag.Key{methodKey}, Aggregation: stats.Count()})

	ctx, _ := tag.New(context.Background(), tag.Insert(methodKey, "GET"))
	m.Record(ctx, requests.M(1))
	m.Record(context.Background(), requests.M(1)) // no method tag

	for _, md := range m.Read() {
		os.Stdout.Write(md.AppendJSON(nil))
		fmt.Println()
	}
	// Output:
	// {"name":"example.com/requests","description":"Requests served","unit":"1","type":"CUMULATIVE_INT64","label_keys":["method"],"timeseries":[{"labels":{"method":null},"start_time":"2026-01-01T00:00:00.000000000Z","points":[{"time":"2026-01-01T00:00:00.000000000Z","int64":1}]},{"labels":{"method":"GET"},"start_time":"2026-01-01T00:00:00.000000000Z","points":[{"time":"2026-01-01T00:00:00.000000000Z","int64":1}]}]}
}

func ExampleManager_Register_overflow() {
	m := stats.NewManager(stats.WithMaxTimeSeries(2))
	defer m.Shutdown(context.Background())
	userKey := tag.MustNewKey("user")
	logins := stats.Int64("example.com/logins", "Logins", "1")
	_ = m.Register(&stats.View{Measure: logins, TagKeys: []tag.Key{userKey}, Aggregation: stats.Count()})

	for _, user := range []string{"ann", "bob", "cid", "dee", "ann"} {
		ctx, _ := tag.New(context.Background(), tag.Insert(userKey, user))
		m.Record(ctx, logins.M(1))
	}
	for _, md := range m.Read() {
		for _, ts := range md.TimeSeries {
			fmt.Println(md.Descriptor.Name, ts.LabelValues[0].Value, ts.Points[0].Int64Value)
		}
	}
	// Output:
	// example.com/logins ann 2
	// example.com/logins bob 1
	// example.com/logins _overflow_ 2
	// gocensus.io/stats/overflow_count example.com/logins 2
}

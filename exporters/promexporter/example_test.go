package promexporter_test

import (
	"context"
	"fmt"
	"os"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/gocensus/gocensus/exporters/promexporter"
	"github.com/gocensus/gocensus/sdk/stats"
	"github.com/gocensus/gocensus/sdk/tag"
)

func Example() {
	m := stats.NewManager()
	defer m.Shutdown(context.Background())
	route := tag.MustNewKey("route")
	latency := stats.Float64("http/server/latency", "Time to serve a request", "ms")
	if err := m.Register(&stats.View{Measure: latency, TagKeys: []tag.Key{route}, Aggregation: stats.Distribution(0, 10, 100)}); err != nil {
		fmt.Println(err)
		return
	}
	ctx, _ := tag.New(context.Background(), tag.Insert(route, "/users"))
	m.Record(ctx, latency.M(7), latency.M(42))

	exp, err := promexporter.New(m, promexporter.WithNamespace("shop"))
	if err != nil {
		fmt.Println(err)
		return
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(exp)
	// A program would serve reg with promhttp.HandlerFor; print one scrape.
	mfs, _ := reg.Gather()
	enc := expfmt.NewEncoder(os.Stdout, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		_ = enc.Encode(mf)
	}
	// Output:
	// # HELP shop_http_server_latency Time to serve a request
	// # TYPE shop_http_server_latency histogram
	// shop_http_server_latency_bucket{route="/users",le="10"} 1
	// shop_http_server_latency_bucket{route="/users",le="100"} 2
	// shop_http_server_latency_bucket{route="/users",le="+Inf"} 2
	// shop_http_server_latency_sum{route="/users"} 49
	// shop_http_server_latency_count{route="/users"} 2
}

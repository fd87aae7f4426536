package censushttp

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/gocensus/gocensus/sdk/stats"
	"github.com/gocensus/gocensus/sdk/tag"
)

// The OpenCensus HTTP measures (stats/HTTP.md), recorded once per request
// when it completes.
var (
	ClientSentBytes        = stats.Int64("opencensus.io/http/client/sent_bytes", "Total bytes sent in request body (not including headers)", "By")
	ClientReceivedBytes    = stats.Int64("opencensus.io/http/client/received_bytes", "Total bytes received in response bodies (not including headers)", "By")
	ClientRoundtripLatency = stats.Float64("opencensus.io/http/client/roundtrip_latency", "Time between first byte of request headers sent to last byte of response received, or terminal error", "ms")

	ServerReceivedBytes = stats.Int64("opencensus.io/http/server/received_bytes", "Total bytes received in request body (not including headers)", "By")
	ServerSentBytes     = stats.Int64("opencensus.io/http/server/sent_bytes", "Total bytes sent in response bodies (not including headers)", "By")
	ServerLatency       = stats.Float64("opencensus.io/http/server/server_latency", "Time from first byte of request headers received to last byte of response sent, or terminal error", "ms")
)

// Tag keys of the HTTP views. The client status is the numeric code, or
// "error" when no response came; the server route is the route template
// (empty when unknown), never the raw path, so views stay low in
// cardinality.
var (
	KeyClientMethod = tag.MustNewKey("http_client_method")
	KeyClientStatus = tag.MustNewKey("http_client_status")
	KeyServerMethod = tag.MustNewKey("http_server_method")
	KeyServerRoute  = tag.MustNewKey("http_server_route")
	KeyServerStatus = tag.MustNewKey("http_server_status")
)

// Bucket bounds of the specification, without its leading 0.
var (
	DefaultSizeDistribution    = stats.Distribution(1024, 2048, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864, 268435456, 1073741824, 4294967296)
	DefaultLatencyDistribution = stats.Distribution(1, 2, 3, 4, 5, 6, 8, 10, 13, 16, 20, 25, 30, 40, 50, 65, 80, 100, 130, 160, 200, 250, 300, 400, 500, 650, 800, 1000, 2000, 5000, 10000, 20000, 50000, 100000)
)

// The default HTTP views of the specification.
var (
	ClientSentBytesView = &stats.View{
		Name: "opencensus.io/http/client/sent_bytes", Measure: ClientSentBytes,
		TagKeys: []tag.Key{KeyClientMethod}, Aggregation: DefaultSizeDistribution,
	}
	ClientReceivedBytesView = &stats.View{
		Name: "opencensus.io/http/client/received_bytes", Measure: ClientReceivedBytes,
		TagKeys: []tag.Key{KeyClientMethod, KeyClientStatus}, Aggregation: DefaultSizeDistribution,
	}
	ClientRoundtripLatencyView = &stats.View{
		Name: "opencensus.io/http/client/roundtrip_latency", Measure: ClientRoundtripLatency,
		TagKeys: []tag.Key{KeyClientMethod, KeyClientStatus}, Aggregation: DefaultLatencyDistribution,
	}
	ClientCompletedCountView = &stats.View{
		Name: "opencensus.io/http/client/completed_count", Description: "Count of completed requests",
		Measure: ClientRoundtripLatency, TagKeys: []tag.Key{KeyClientMethod, KeyClientStatus},
		Aggregation: stats.Count(),
	}
	ServerReceivedBytesView = &stats.View{
		Name: "opencensus.io/http/server/received_bytes", Measure: ServerReceivedBytes,
		TagKeys: []tag.Key{KeyServerMethod, KeyServerRoute}, Aggregation: DefaultSizeDistribution,
	}
	ServerSentBytesView = &stats.View{
		Name: "opencensus.io/http/server/sent_bytes", Measure: ServerSentBytes,
		TagKeys: []tag.Key{KeyServerMethod, KeyServerRoute, KeyServerStatus}, Aggregation: DefaultSizeDistribution,
	}
	ServerLatencyView = &stats.View{
		Name: "opencensus.io/http/server/server_latency", Measure: ServerLatency,
		TagKeys: []tag.Key{KeyServerMethod, KeyServerRoute, KeyServerStatus}, Aggregation: DefaultLatencyDistribution,
	}
	ServerCompletedCountView = &stats.View{
		Name: "opencensus.io/http/server/completed_count", Description: "Count of HTTP requests processed",
		Measure: ServerLatency, TagKeys: []tag.Key{KeyServerMethod, KeyServerRoute, KeyServerStatus},
		Aggregation: stats.Count(),
	}

	DefaultClientViews = []*stats.View{ClientSentBytesView, ClientReceivedBytesView, ClientRoundtripLatencyView, ClientCompletedCountView}
	DefaultServerViews = []*stats.View{ServerReceivedBytesView, ServerSentBytesView, ServerLatencyView, ServerCompletedCountView}
)

var noProp = tag.WithTTL(tag.TTLNoPropagation)

func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func recordServer(cfg *config, r *http.Request, route string, code int, in, out int64, latency time.Duration) {
	_ = cfg.manager().RecordWithOptions(r.Context(),
		stats.WithTags(
			tag.Upsert(KeyServerMethod, r.Method, noProp),
			tag.Upsert(KeyServerRoute, route, noProp),
			tag.Upsert(KeyServerStatus, strconv.Itoa(code), noProp)),
		stats.WithMeasurements(ServerReceivedBytes.M(in), ServerSentBytes.M(out), ServerLatency.M(millis(latency))))
}

func recordClient(cfg *config, req *http.Request, code int, sent, received int64, latency time.Duration) {
	status := "error"
	if code != 0 {
		status = strconv.Itoa(code)
	}
	ctx := req.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	_ = cfg.manager().RecordWithOptions(ctx,
		stats.WithTags(
			tag.Upsert(KeyClientMethod, req.Method, noProp),
			tag.Upsert(KeyClientStatus, status, noProp)),
		stats.WithMeasurements(ClientSentBytes.M(sent), ClientReceivedBytes.M(received), ClientRoundtripLatency.M(millis(latency))))
}

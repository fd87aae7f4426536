package censusgrpc

import (
	"strconv"

	"github.com/gocensus/gocensus/sdk/stats"
	"github.com/gocensus/gocensus/sdk/tag"
)

// The OpenCensus gRPC measures (stats/gRPC.md). Every RPC records them once,
// when it ends, except started_rpcs, recorded when it begins. Register the
// views below (or your own over these measures) to aggregate them.
var (
	ClientSentBytesPerRPC        = stats.Int64("grpc.io/client/sent_bytes_per_rpc", "Total bytes sent across all request messages per RPC", "By")
	ClientReceivedBytesPerRPC    = stats.Int64("grpc.io/client/received_bytes_per_rpc", "Total bytes received across all response messages per RPC", "By")
	ClientSentMessagesPerRPC     = stats.Int64("grpc.io/client/sent_messages_per_rpc", "Number of messages sent in the RPC", "1")
	ClientReceivedMessagesPerRPC = stats.Int64("grpc.io/client/received_messages_per_rpc", "Number of response messages received per RPC", "1")
	ClientRoundtripLatency       = stats.Float64("grpc.io/client/roundtrip_latency", "Time between first byte of request sent to last byte of response received, or terminal error", "ms")
	ClientStartedRPCs            = stats.Int64("grpc.io/client/started_rpcs", "Number of started client RPCs", "1")

	ServerReceivedBytesPerRPC    = stats.Int64("grpc.io/server/received_bytes_per_rpc", "Total bytes received across all messages per RPC", "By")
	ServerSentBytesPerRPC        = stats.Int64("grpc.io/server/sent_bytes_per_rpc", "Total bytes sent across all response messages per RPC", "By")
	ServerReceivedMessagesPerRPC = stats.Int64("grpc.io/server/received_messages_per_rpc", "Number of messages received in each RPC", "1")
	ServerSentMessagesPerRPC     = stats.Int64("grpc.io/server/sent_messages_per_rpc", "Number of messages sent in each RPC", "1")
	ServerLatency                = stats.Float64("grpc.io/server/server_latency", "Time between first byte of request received to last byte of response sent, or terminal error", "ms")
	ServerStartedRPCs            = stats.Int64("grpc.io/server/started_rpcs", "Number of started server RPCs", "1")
)

// The tag keys of the gRPC views. Method values are the full method without
// the leading slash; status values are upper-case canonical code names (OK,
// NOT_FOUND, ...). The instrumentation adds them to the contexts it hands
// on, with TTL 0 so they never travel in grpc-tags-bin; the peer address and
// user agent are never tags, so views stay low in cardinality.
var (
	KeyClientMethod = tag.MustNewKey("grpc_client_method")
	KeyClientStatus = tag.MustNewKey("grpc_client_status")
	KeyServerMethod = tag.MustNewKey("grpc_server_method")
	KeyServerStatus = tag.MustNewKey("grpc_server_status")
)

// Default bucket bounds of the OpenCensus specification (stats/gRPC.md),
// without its leading 0, which only names the lower edge.
var (
	DefaultBytesDistribution        = stats.Distribution(1024, 2048, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864, 268435456, 1073741824, 4294967296)
	DefaultMillisDistribution       = stats.Distribution(0.01, 0.05, 0.1, 0.3, 0.6, 0.8, 1, 2, 3, 4, 5, 6, 8, 10, 13, 16, 20, 25, 30, 40, 50, 65, 80, 100, 130, 160, 200, 250, 300, 400, 500, 650, 800, 1000, 2000, 5000, 10000, 20000, 50000, 100000)
	DefaultMessageCountDistribution = stats.Distribution(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536)
)

// Client views with the OpenCensus names.
var (
	ClientSentBytesPerRPCView = &stats.View{
		Name: "grpc.io/client/sent_bytes_per_rpc", Measure: ClientSentBytesPerRPC,
		TagKeys: []tag.Key{KeyClientMethod}, Aggregation: DefaultBytesDistribution,
	}
	ClientReceivedBytesPerRPCView = &stats.View{
		Name: "grpc.io/client/received_bytes_per_rpc", Measure: ClientReceivedBytesPerRPC,
		TagKeys: []tag.Key{KeyClientMethod}, Aggregation: DefaultBytesDistribution,
	}
	ClientRoundtripLatencyView = &stats.View{
		Name: "grpc.io/client/roundtrip_latency", Measure: ClientRoundtripLatency,
		TagKeys: []tag.Key{KeyClientMethod}, Aggregation: DefaultMillisDistribution,
	}
	ClientCompletedRPCsView = &stats.View{
		Name: "grpc.io/client/completed_rpcs", Description: "Count of RPCs by method and status",
		Measure: ClientRoundtripLatency, TagKeys: []tag.Key{KeyClientMethod, KeyClientStatus},
		Aggregation: stats.Count(),
	}
	ClientStartedRPCsView = &stats.View{
		Name: "grpc.io/client/started_rpcs", Measure: ClientStartedRPCs,
		TagKeys: []tag.Key{KeyClientMethod}, Aggregation: stats.Count(),
	}
	ClientSentMessagesPerRPCView = &stats.View{
		Name: "grpc.io/client/sent_messages_per_rpc", Measure: ClientSentMessagesPerRPC,
		TagKeys: []tag.Key{KeyClientMethod}, Aggregation: DefaultMessageCountDistribution,
	}
	ClientReceivedMessagesPerRPCView = &stats.View{
		Name: "grpc.io/client/received_messages_per_rpc", Measure: ClientReceivedMessagesPerRPC,
		TagKeys: []tag.Key{KeyClientMethod}, Aggregation: DefaultMessageCountDistribution,
	}
)

// Server views with the OpenCensus names.
var (
	ServerReceivedBytesPerRPCView = &stats.View{
		Name: "grpc.io/server/received_bytes_per_rpc", Measure: ServerReceivedBytesPerRPC,
		TagKeys: []tag.Key{KeyServerMethod}, Aggregation: DefaultBytesDistribution,
	}
	ServerSentBytesPerRPCView = &stats.View{
		Name: "grpc.io/server/sent_bytes_per_rpc", Measure: ServerSentBytesPerRPC,
		TagKeys: []tag.Key{KeyServerMethod}, Aggregation: DefaultBytesDistribution,
	}
	ServerLatencyView = &stats.View{
		Name: "grpc.io/server/server_latency", Measure: ServerLatency,
		TagKeys: []tag.Key{KeyServerMethod}, Aggregation: DefaultMillisDistribution,
	}
	ServerCompletedRPCsView = &stats.View{
		Name: "grpc.io/server/completed_rpcs", Description: "Count of RPCs by method and status",
		Measure: ServerLatency, TagKeys: []tag.Key{KeyServerMethod, KeyServerStatus},
		Aggregation: stats.Count(),
	}
	ServerStartedRPCsView = &stats.View{
		Name: "grpc.io/server/started_rpcs", Measure: ServerStartedRPCs,
		TagKeys: []tag.Key{KeyServerMethod}, Aggregation: stats.Count(),
	}
	ServerReceivedMessagesPerRPCView = &stats.View{
		Name: "grpc.io/server/received_messages_per_rpc", Measure: ServerReceivedMessagesPerRPC,
		TagKeys: []tag.Key{KeyServerMethod}, Aggregation: DefaultMessageCountDistribution,
	}
	ServerSentMessagesPerRPCView = &stats.View{
		Name: "grpc.io/server/sent_messages_per_rpc", Measure: ServerSentMessagesPerRPC,
		TagKeys: []tag.Key{KeyServerMethod}, Aggregation: DefaultMessageCountDistribution,
	}
)

// DefaultClientViews and DefaultServerViews are the views the OpenCensus
// specification marks as default, started_rpcs included (opencensus-go leaves
// it out). Register them with a stats.Manager:
//
//	err := mgr.Register(censusgrpc.DefaultServerViews...)
var (
	DefaultClientViews = []*stats.View{
		ClientSentBytesPerRPCView, ClientReceivedBytesPerRPCView, ClientRoundtripLatencyView,
		ClientCompletedRPCsView, ClientStartedRPCsView,
	}
	DefaultServerViews = []*stats.View{
		ServerReceivedBytesPerRPCView, ServerSentBytesPerRPCView, ServerLatencyView,
		ServerCompletedRPCsView, ServerStartedRPCsView,
	}
)

// codeNames are the canonical upper-case status names, indexed by code.
var codeNames = [...]string{
	"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
	"ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
	"ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
	"UNAUTHENTICATED",
}

// statusName returns the status tag value for code: its canonical name, or
// "CODE_<n>" for codes outside the canonical set.
func statusName(code uint32) string {
	if int(code) < len(codeNames) {
		return codeNames[code]
	}
	return "CODE_" + strconv.FormatUint(uint64(code), 10)
}

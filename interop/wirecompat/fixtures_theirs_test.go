package wirecompat_test

// This file and fixtures_ours_test.go build the same messages, one with the
// gocensus types and one with the upstream OpenCensus types. They are kept
// textually parallel on purpose (import names are per file), so a reviewer
// can diff them; the tests compare what they produce.

import (
	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	commonpb "github.com/census-instrumentation/opencensus-proto/gen-go/agent/common/v1"
	agentmetricspb "github.com/census-instrumentation/opencensus-proto/gen-go/agent/metrics/v1"
	agenttracepb "github.com/census-instrumentation/opencensus-proto/gen-go/agent/trace/v1"
	metricspb "github.com/census-instrumentation/opencensus-proto/gen-go/metrics/v1"
	resourcepb "github.com/census-instrumentation/opencensus-proto/gen-go/resource/v1"
	tracepb "github.com/census-instrumentation/opencensus-proto/gen-go/trace/v1"
)

func theirsFixtures() []fixture {
	return []fixture{
		{"Span", theirsSpan()},
		{"Metric/gauge_int64", theirsMetrics()[0]},
		{"Metric/gauge_double", theirsMetrics()[1]},
		{"Metric/cumulative_distribution", theirsMetrics()[2]},
		{"Metric/summary", theirsMetrics()[3]},
		{"ExportTraceServiceRequest", &agenttracepb.ExportTraceServiceRequest{
			Node:     theirsNode(),
			Spans:    []*tracepb.Span{theirsSpan(), {TraceId: traceID, SpanId: spanID, Name: &tracepb.TruncatableString{Value: "minimal"}}},
			Resource: theirsResource(),
		}},
		{"ExportTraceServiceResponse", &agenttracepb.ExportTraceServiceResponse{}},
		{"ExportMetricsServiceRequest", &agentmetricspb.ExportMetricsServiceRequest{
			Node:     theirsNode(),
			Metrics:  theirsMetrics(),
			Resource: theirsResource(),
		}},
		{"ExportMetricsServiceResponse", &agentmetricspb.ExportMetricsServiceResponse{}},
		{"CurrentLibraryConfig/probability", &agenttracepb.CurrentLibraryConfig{
			Node: theirsNode(),
			Config: &tracepb.TraceConfig{
				Sampler:                  &tracepb.TraceConfig_ProbabilitySampler{ProbabilitySampler: &tracepb.ProbabilitySampler{SamplingProbability: 0.0001}},
				MaxNumberOfAttributes:    32,
				MaxNumberOfAnnotations:   33,
				MaxNumberOfMessageEvents: 128,
				MaxNumberOfLinks:         34,
			},
		}},
		{"CurrentLibraryConfig/constant", &agenttracepb.CurrentLibraryConfig{
			Config: &tracepb.TraceConfig{Sampler: &tracepb.TraceConfig_ConstantSampler{ConstantSampler: &tracepb.ConstantSampler{Decision: tracepb.ConstantSampler_ALWAYS_ON}}},
		}},
		{"UpdatedLibraryConfig/constant", &agenttracepb.UpdatedLibraryConfig{
			Node:   theirsNode(),
			Config: &tracepb.TraceConfig{Sampler: &tracepb.TraceConfig_ConstantSampler{ConstantSampler: &tracepb.ConstantSampler{Decision: tracepb.ConstantSampler_ALWAYS_PARENT}}},
		}},
		{"UpdatedLibraryConfig/rate_limiting", &agenttracepb.UpdatedLibraryConfig{
			Node: theirsNode(),
			Config: &tracepb.TraceConfig{
				Sampler:                  &tracepb.TraceConfig_RateLimitingSampler{RateLimitingSampler: &tracepb.RateLimitingSampler{Qps: 250}},
				MaxNumberOfAttributes:    8,
				MaxNumberOfAnnotations:   9,
				MaxNumberOfMessageEvents: 10,
				MaxNumberOfLinks:         11,
			},
		}},
		{"UpdatedLibraryConfig/probability", &agenttracepb.UpdatedLibraryConfig{
			Config: &tracepb.TraceConfig{Sampler: &tracepb.TraceConfig_ProbabilitySampler{ProbabilitySampler: &tracepb.ProbabilitySampler{SamplingProbability: 1}}},
		}},
	}
}

func theirsResource() *resourcepb.Resource {
	return &resourcepb.Resource{
		Type:   "k8s.io/container",
		Labels: map[string]string{"k8s.pod.name": "checkout-7d9f", "container.name": "app", "cloud.zone": "europe-west1-b"},
	}
}

func theirsNode() *commonpb.Node {
	return &commonpb.Node{
		Identifier: &commonpb.ProcessIdentifier{
			HostName:       "checkout-7d9f",
			Pid:            4242,
			StartTimestamp: &timestamppb.Timestamp{Seconds: 1_699_999_000, Nanos: 123_456_789},
		},
		LibraryInfo: &commonpb.LibraryInfo{
			Language:           commonpb.LibraryInfo_GO_LANG,
			ExporterVersion:    "0.1.0",
			CoreLibraryVersion: "0.1.0",
		},
		ServiceInfo: &commonpb.ServiceInfo{Name: "checkout"},
		Attributes:  map[string]string{"region": "eu", "team": "payments"},
	}
}

func theirsString(s string, truncated int32) *tracepb.TruncatableString {
	return &tracepb.TruncatableString{Value: s, TruncatedByteCount: truncated}
}

func theirsAttributes(dropped int32) *tracepb.Span_Attributes {
	return &tracepb.Span_Attributes{
		AttributeMap: map[string]*tracepb.AttributeValue{
			"http.url":    {Value: &tracepb.AttributeValue_StringValue{StringValue: theirsString("https://shop.example/cart?id=Ω", 12)}},
			"http.status": {Value: &tracepb.AttributeValue_IntValue{IntValue: -503}},
			"cache.hit":   {Value: &tracepb.AttributeValue_BoolValue{BoolValue: true}},
			"load":        {Value: &tracepb.AttributeValue_DoubleValue{DoubleValue: 0.875}},
		},
		DroppedAttributesCount: dropped,
	}
}

func theirsTracestate() *tracepb.Span_Tracestate {
	return &tracepb.Span_Tracestate{Entries: []*tracepb.Span_Tracestate_Entry{
		{Key: "congo", Value: "t61rcWkgMzE"},
		{Key: "tenant@vendor", Value: "opaque-value"},
	}}
}

func theirsSpan() *tracepb.Span {
	return &tracepb.Span{
		TraceId:      traceID,
		SpanId:       spanID,
		Tracestate:   theirsTracestate(),
		ParentSpanId: parentSpanID,
		Name:         theirsString("/shop.Cart/Checkout", 3),
		Kind:         tracepb.Span_CLIENT,
		StartTime:    &timestamppb.Timestamp{Seconds: 1_700_000_000, Nanos: 1},
		EndTime:      &timestamppb.Timestamp{Seconds: 1_700_000_001, Nanos: 999_999_999},
		Attributes:   theirsAttributes(5),
		StackTrace: &tracepb.StackTrace{
			StackFrames: &tracepb.StackTrace_StackFrames{
				Frame: []*tracepb.StackTrace_StackFrame{{
					FunctionName:         theirsString("main.(*cart).checkout", 0),
					OriginalFunctionName: theirsString("cart::checkout", 1),
					FileName:             theirsString("cart.go", 2),
					LineNumber:           128,
					ColumnNumber:         17,
					LoadModule: &tracepb.Module{
						Module:  theirsString("/usr/local/bin/checkout", 0),
						BuildId: theirsString("8f2d9c1e", 0),
					},
					SourceVersion: theirsString("v1.4.2-3-gabcdef0", 0),
				}},
				DroppedFramesCount: 7,
			},
			StackTraceHashId: 0xfeedfacecafebeef,
		},
		TimeEvents: &tracepb.Span_TimeEvents{
			TimeEvent: []*tracepb.Span_TimeEvent{
				{
					Time: &timestamppb.Timestamp{Seconds: 1_700_000_000, Nanos: 500},
					Value: &tracepb.Span_TimeEvent_Annotation_{Annotation: &tracepb.Span_TimeEvent_Annotation{
						Description: theirsString("cache miss", 0),
						Attributes:  theirsAttributes(1),
					}},
				},
				{
					Time: &timestamppb.Timestamp{Seconds: 1_700_000_000, Nanos: 700},
					Value: &tracepb.Span_TimeEvent_MessageEvent_{MessageEvent: &tracepb.Span_TimeEvent_MessageEvent{
						Type:             tracepb.Span_TimeEvent_MessageEvent_SENT,
						Id:               1,
						UncompressedSize: 2048,
						CompressedSize:   512,
					}},
				},
				{
					Time: &timestamppb.Timestamp{Seconds: 1_700_000_001},
					Value: &tracepb.Span_TimeEvent_MessageEvent_{MessageEvent: &tracepb.Span_TimeEvent_MessageEvent{
						Type:             tracepb.Span_TimeEvent_MessageEvent_RECEIVED,
						Id:               1,
						UncompressedSize: 64,
					}},
				},
			},
			DroppedAnnotationsCount:   2,
			DroppedMessageEventsCount: 3,
		},
		Links: &tracepb.Span_Links{
			Link: []*tracepb.Span_Link{
				{
					TraceId:    otherTraceID,
					SpanId:     otherSpanID,
					Type:       tracepb.Span_Link_PARENT_LINKED_SPAN,
					Attributes: theirsAttributes(0),
					Tracestate: theirsTracestate(),
				},
				{TraceId: traceID, SpanId: otherSpanID, Type: tracepb.Span_Link_CHILD_LINKED_SPAN},
			},
			DroppedLinksCount: 4,
		},
		Status:                  &tracepb.Status{Code: 14, Message: "upstream unavailable"},
		Resource:                theirsResource(),
		SameProcessAsParentSpan: wrapperspb.Bool(false),
		ChildSpanCount:          wrapperspb.UInt32(3),
	}
}

func theirsMetrics() []*metricspb.Metric {
	keys := []*metricspb.LabelKey{{Key: "method", Description: "RPC method"}, {Key: "status", Description: "RPC status"}}
	values := []*metricspb.LabelValue{{Value: "Checkout", HasValue: true}, {Value: "", HasValue: false}}
	start := &timestamppb.Timestamp{Seconds: 1_700_000_000}
	at := &timestamppb.Timestamp{Seconds: 1_700_000_060, Nanos: 42}
	return []*metricspb.Metric{
		{
			MetricDescriptor: &metricspb.MetricDescriptor{Name: "example.com/queue/length", Description: "Items waiting", Unit: "1", Type: metricspb.MetricDescriptor_GAUGE_INT64, LabelKeys: keys},
			Timeseries: []*metricspb.TimeSeries{{
				LabelValues: values,
				Points: []*metricspb.Point{
					{Timestamp: at, Value: &metricspb.Point_Int64Value{Int64Value: -17}},
					{Timestamp: at, Value: &metricspb.Point_Int64Value{Int64Value: 1 << 40}},
				},
			}},
			Resource: theirsResource(),
		},
		{
			MetricDescriptor: &metricspb.MetricDescriptor{Name: "example.com/cpu/load", Unit: "1", Type: metricspb.MetricDescriptor_GAUGE_DOUBLE},
			Timeseries:       []*metricspb.TimeSeries{{Points: []*metricspb.Point{{Timestamp: at, Value: &metricspb.Point_DoubleValue{DoubleValue: 0.61}}}}},
		},
		{
			MetricDescriptor: &metricspb.MetricDescriptor{Name: "grpc.io/client/roundtrip_latency", Description: "Latency", Unit: "ms", Type: metricspb.MetricDescriptor_CUMULATIVE_DISTRIBUTION, LabelKeys: keys},
			Timeseries: []*metricspb.TimeSeries{{
				StartTimestamp: start,
				LabelValues:    values,
				Points: []*metricspb.Point{{Timestamp: at, Value: &metricspb.Point_DistributionValue{DistributionValue: &metricspb.DistributionValue{
					Count:                 6,
					Sum:                   123.5,
					SumOfSquaredDeviation: 55.25,
					BucketOptions: &metricspb.DistributionValue_BucketOptions{Type: &metricspb.DistributionValue_BucketOptions_Explicit_{
						Explicit: &metricspb.DistributionValue_BucketOptions_Explicit{Bounds: []float64{1, 5, 25}},
					}},
					Buckets: []*metricspb.DistributionValue_Bucket{
						{Count: 1, Exemplar: &metricspb.DistributionValue_Exemplar{
							Value:       0.5,
							Timestamp:   at,
							Attachments: map[string]string{"SpanContext": "0102030405060708090a0b0c0d0e0f10-0102030405060708-01", "user": "42"},
						}},
						{Count: 2},
						{Count: 3, Exemplar: &metricspb.DistributionValue_Exemplar{Value: 20, Timestamp: at}},
						{Count: 0},
					},
				}}}},
			}},
		},
		{
			MetricDescriptor: &metricspb.MetricDescriptor{Name: "example.com/request/size", Unit: "By", Type: metricspb.MetricDescriptor_SUMMARY},
			Timeseries: []*metricspb.TimeSeries{{
				StartTimestamp: start,
				Points: []*metricspb.Point{{Timestamp: at, Value: &metricspb.Point_SummaryValue{SummaryValue: &metricspb.SummaryValue{
					Count: wrapperspb.Int64(1000),
					Sum:   wrapperspb.Double(51200.5),
					Snapshot: &metricspb.SummaryValue_Snapshot{
						Count: wrapperspb.Int64(10),
						Sum:   wrapperspb.Double(512.25),
						PercentileValues: []*metricspb.SummaryValue_Snapshot_ValueAtPercentile{
							{Percentile: 50, Value: 48},
							{Percentile: 99.9, Value: 200.5},
						},
					},
				}}}},
			}},
		},
	}
}

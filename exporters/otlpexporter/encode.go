package otlpexporter

import (
	"fmt"

	colmetricspb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	metricspb "go.opentelemetry.io/proto/otlp/metrics/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/gocensus/gocensus/exporters/internal/delivery"
)

// encoded is one marshalled Export request and the items it carries.
type encoded struct {
	b     []byte
	items int
}

// envelope is the room kept for a request's resource and scope wrappers
// beyond their own measured size.
const envelope = 64

// encodeTraces marshals req, split into requests of at most limit bytes
// when it is larger. Splitting happens within each ResourceSpans, by each
// span's encoded size, so every request is self-contained. A single span
// larger than limit travels alone; a default collector refuses it and it is
// counted as a permanent drop.
func encodeTraces(req *coltracepb.ExportTraceServiceRequest, limit int) ([]encoded, error) {
	if n := proto.Size(req); n <= limit {
		b, err := proto.Marshal(req)
		if err != nil {
			return nil, fmt.Errorf("otlpexporter: encode spans: %w", err)
		}
		return []encoded{{b: b, items: countSpans(req)}}, nil
	}
	var out []encoded
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			overhead := proto.Size(rs.Resource) + proto.Size(ss.Scope) + envelope
			runs := delivery.Split(ss.Spans, limit-overhead, func(sp *tracepb.Span) int {
				return delivery.FieldSize(proto.Size(sp))
			})
			for _, run := range runs {
				part := &coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{
					Resource:   rs.Resource,
					SchemaUrl:  rs.SchemaUrl,
					ScopeSpans: []*tracepb.ScopeSpans{{Scope: ss.Scope, Spans: run, SchemaUrl: ss.SchemaUrl}},
				}}}
				b, err := proto.Marshal(part)
				if err != nil {
					return nil, fmt.Errorf("otlpexporter: encode spans: %w", err)
				}
				out = append(out, encoded{b: b, items: len(run)})
			}
		}
	}
	return out, nil
}

func countSpans(req *coltracepb.ExportTraceServiceRequest) int {
	n := 0
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			n += len(ss.Spans)
		}
	}
	return n
}

// encodeMetrics is encodeTraces for metrics, split by metric; items are
// data points.
func encodeMetrics(req *colmetricspb.ExportMetricsServiceRequest, limit int) ([]encoded, error) {
	if n := proto.Size(req); n <= limit {
		b, err := proto.Marshal(req)
		if err != nil {
			return nil, fmt.Errorf("otlpexporter: encode metrics: %w", err)
		}
		return []encoded{{b: b, items: countPoints(req.ResourceMetrics)}}, nil
	}
	var out []encoded
	for _, rm := range req.ResourceMetrics {
		for _, sm := range rm.ScopeMetrics {
			overhead := proto.Size(rm.Resource) + proto.Size(sm.Scope) + envelope
			runs := delivery.Split(sm.Metrics, limit-overhead, func(m *metricspb.Metric) int {
				return delivery.FieldSize(proto.Size(m))
			})
			for _, run := range runs {
				part := []*metricspb.ResourceMetrics{{
					Resource:     rm.Resource,
					SchemaUrl:    rm.SchemaUrl,
					ScopeMetrics: []*metricspb.ScopeMetrics{{Scope: sm.Scope, Metrics: run, SchemaUrl: sm.SchemaUrl}},
				}}
				b, err := proto.Marshal(&colmetricspb.ExportMetricsServiceRequest{ResourceMetrics: part})
				if err != nil {
					return nil, fmt.Errorf("otlpexporter: encode metrics: %w", err)
				}
				out = append(out, encoded{b: b, items: countPoints(part)})
			}
		}
	}
	return out, nil
}

// countPoints counts the data points of every metric.
func countPoints(rms []*metricspb.ResourceMetrics) int {
	n := 0
	for _, rm := range rms {
		for _, sm := range rm.ScopeMetrics {
			for _, m := range sm.Metrics {
				switch d := m.Data.(type) {
				case *metricspb.Metric_Sum:
					n += len(d.Sum.DataPoints)
				case *metricspb.Metric_Gauge:
					n += len(d.Gauge.DataPoints)
				case *metricspb.Metric_Histogram:
					n += len(d.Histogram.DataPoints)
				}
			}
		}
	}
	return n
}

package otlpexporter

import (
	"fmt"

	colmetricspb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	metricspb "go.opentelemetry.io/proto/otlp/metrics/v1"
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

// encodeMetrics marshals req, split into requests of at most limit bytes
// when it is larger. Splitting happens within each ResourceMetrics, by each
// metric's encoded size, so every request is self-contained; items are data
// points. A single metric larger than limit travels alone.
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

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

// maxRequestItems caps the spans or data points in one request, so that
// a large export is spread over several RPCs and always fits the queue.
const maxRequestItems = 4096

// encodeMetrics marshals req, split into requests of at most limit bytes
// and maxPoints data points when it is larger. Splitting happens between
// metrics, within each ResourceMetrics, so every request is
// self-contained; a single metric larger than the limits travels alone.
func encodeMetrics(req *colmetricspb.ExportMetricsServiceRequest, limit, maxPoints int) ([]encoded, error) {
	var out []encoded
	emit := func(rms []*metricspb.ResourceMetrics) error {
		b, err := proto.Marshal(&colmetricspb.ExportMetricsServiceRequest{ResourceMetrics: rms})
		if err != nil {
			return fmt.Errorf("otlpexporter: encode metrics: %w", err)
		}
		out = append(out, encoded{b: b, items: countPoints(rms)})
		return nil
	}
	if proto.Size(req) <= limit && countPoints(req.ResourceMetrics) <= maxPoints {
		if err := emit(req.ResourceMetrics); err != nil {
			return nil, err
		}
		return out, nil
	}
	for _, rm := range req.ResourceMetrics {
		for _, sm := range rm.ScopeMetrics {
			overhead := proto.Size(rm.Resource) + proto.Size(sm.Scope) + envelope
			var run []*metricspb.Metric
			size, points := overhead, 0
			flush := func() error {
				if len(run) == 0 {
					return nil
				}
				err := emit([]*metricspb.ResourceMetrics{{
					Resource:     rm.Resource,
					SchemaUrl:    rm.SchemaUrl,
					ScopeMetrics: []*metricspb.ScopeMetrics{{Scope: sm.Scope, Metrics: run, SchemaUrl: sm.SchemaUrl}},
				}})
				run, size, points = nil, overhead, 0
				return err
			}
			for _, m := range sm.Metrics {
				n, p := delivery.FieldSize(proto.Size(m)), metricPointCount(m)
				if len(run) > 0 && (size+n > limit || points+p > maxPoints) {
					if err := flush(); err != nil {
						return nil, err
					}
				}
				run = append(run, m)
				size += n
				points += p
			}
			if err := flush(); err != nil {
				return nil, err
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
				n += metricPointCount(m)
			}
		}
	}
	return n
}

func metricPointCount(m *metricspb.Metric) int {
	switch d := m.Data.(type) {
	case *metricspb.Metric_Sum:
		return len(d.Sum.DataPoints)
	case *metricspb.Metric_Gauge:
		return len(d.Gauge.DataPoints)
	case *metricspb.Metric_Histogram:
		return len(d.Histogram.DataPoints)
	}
	return 0
}

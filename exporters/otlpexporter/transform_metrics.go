package otlpexporter

import (
	"encoding/hex"
	"maps"
	"slices"

	colmetricspb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	metricspb "go.opentelemetry.io/proto/otlp/metrics/v1"

	"github.com/gocensus/gocensus/sdk/resource"
	"github.com/gocensus/gocensus/sdk/stats"
)

// metricConverter turns stats metrics into export requests.
type metricConverter struct {
	scope     scopeInfo
	resources *resourceMapper
}

// metricsRequest converts metrics into one request with one ResourceMetrics
// per distinct *Resource. It returns how many points it could not map
// (types OTLP has no equivalent for: summaries and gauge distributions).
func (c *metricConverter) request(metrics []*stats.Metric) (req *colmetricspb.ExportMetricsServiceRequest, unsupported int) {
	var s kvSlab
	var keys []*resource.Resource
	byRes := map[*resource.Resource][]*metricspb.Metric{}
	for _, m := range metrics {
		om := convertMetric(m, &s)
		if om == nil {
			unsupported += metricPoints(m)
			continue
		}
		if _, ok := byRes[m.Resource]; !ok {
			keys = append(keys, m.Resource)
		}
		byRes[m.Resource] = append(byRes[m.Resource], om)
	}
	req = &colmetricspb.ExportMetricsServiceRequest{}
	for _, k := range keys {
		req.ResourceMetrics = append(req.ResourceMetrics, &metricspb.ResourceMetrics{
			Resource: c.resources.convert(k, &s),
			ScopeMetrics: []*metricspb.ScopeMetrics{{
				Scope:   &commonpb.InstrumentationScope{Name: c.scope.name, Version: c.scope.version},
				Metrics: byRes[k],
			}},
		})
	}
	return req, unsupported
}

// metricPoints counts m's points.
func metricPoints(m *stats.Metric) int {
	n := 0
	for _, ts := range m.TimeSeries {
		if ts != nil {
			n += len(ts.Points)
		}
	}
	return n
}

// convertMetric maps one metric: cumulative int64/double to a monotonic
// cumulative Sum, gauges to a Gauge, cumulative distributions to an
// explicit-bucket cumulative Histogram. It returns nil for types OTLP
// cannot carry faithfully.
func convertMetric(m *stats.Metric, s *kvSlab) *metricspb.Metric {
	d := &m.Descriptor
	out := &metricspb.Metric{Name: d.Name, Description: d.Description, Unit: d.Unit}
	switch d.Type {
	case stats.TypeCumulativeInt64, stats.TypeCumulativeFloat64:
		out.Data = &metricspb.Metric_Sum{Sum: &metricspb.Sum{
			AggregationTemporality: metricspb.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE,
			IsMonotonic:            true,
			DataPoints:             numberPoints(m, s, d.Type == stats.TypeCumulativeInt64, true),
		}}
	case stats.TypeGaugeInt64, stats.TypeGaugeFloat64:
		out.Data = &metricspb.Metric_Gauge{Gauge: &metricspb.Gauge{
			DataPoints: numberPoints(m, s, d.Type == stats.TypeGaugeInt64, false),
		}}
	case stats.TypeCumulativeDistribution:
		out.Data = &metricspb.Metric_Histogram{Histogram: &metricspb.Histogram{
			AggregationTemporality: metricspb.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE,
			DataPoints:             histogramPoints(m, s),
		}}
	default:
		return nil
	}
	return out
}

// labelAttrs converts a series' label values to attributes named by the
// descriptor's keys; absent values are omitted, present empty ones kept.
func labelAttrs(keys []stats.LabelKey, vals []stats.LabelValue, s *kvSlab) []*commonpb.KeyValue {
	n := 0
	for i, v := range vals {
		if v.Present && i < len(keys) {
			n++
		}
	}
	out := s.list(n)
	j := 0
	for i, v := range vals {
		if v.Present && i < len(keys) {
			s.setString(out[j], keys[i].Key, v.Value)
			j++
		}
	}
	return out
}

func numberPoints(m *stats.Metric, s *kvSlab, isInt, cumulative bool) []*metricspb.NumberDataPoint {
	n := metricPoints(m)
	pts := make([]metricspb.NumberDataPoint, 0, n)
	out := make([]*metricspb.NumberDataPoint, 0, n)
	for _, ts := range m.TimeSeries {
		if ts == nil {
			continue
		}
		attrs := labelAttrs(m.Descriptor.LabelKeys, ts.LabelValues, s)
		for _, p := range ts.Points {
			pts = append(pts, metricspb.NumberDataPoint{Attributes: attrs, TimeUnixNano: unixNano(p.Time)})
			dp := &pts[len(pts)-1]
			if cumulative {
				dp.StartTimeUnixNano = unixNano(ts.StartTime)
			}
			if isInt {
				dp.Value = &metricspb.NumberDataPoint_AsInt{AsInt: p.Int64Value}
			} else {
				dp.Value = &metricspb.NumberDataPoint_AsDouble{AsDouble: p.Float64Value}
			}
			out = append(out, dp)
		}
	}
	return out
}

func histogramPoints(m *stats.Metric, s *kvSlab) []*metricspb.HistogramDataPoint {
	var out []*metricspb.HistogramDataPoint
	for _, ts := range m.TimeSeries {
		if ts == nil {
			continue
		}
		attrs := labelAttrs(m.Descriptor.LabelKeys, ts.LabelValues, s)
		for _, p := range ts.Points {
			dp := &metricspb.HistogramDataPoint{
				Attributes:        attrs,
				StartTimeUnixNano: unixNano(ts.StartTime),
				TimeUnixNano:      unixNano(p.Time),
			}
			if dv := p.Distribution; dv != nil {
				sum := dv.Sum
				dp.Count = uint64(max(dv.Count, 0))
				dp.Sum = &sum
				dp.ExplicitBounds = slices.Clone(dv.BucketBounds)
				dp.BucketCounts = make([]uint64, len(dv.Buckets))
				for i, b := range dv.Buckets {
					dp.BucketCounts[i] = uint64(max(b.Count, 0))
					if b.Exemplar != nil {
						dp.Exemplars = append(dp.Exemplars, convertExemplar(b.Exemplar, s))
					}
				}
			}
			out = append(out, dp)
		}
	}
	return out
}

// convertExemplar maps an exemplar: the trace_id and span_id attachments
// (lowercase hex, as the stats package writes them) become the exemplar's
// ids when they decode to the right length; every other attachment becomes
// a filtered attribute.
func convertExemplar(e *stats.Exemplar, s *kvSlab) *metricspb.Exemplar {
	out := &metricspb.Exemplar{
		TimeUnixNano: unixNano(e.Time),
		Value:        &metricspb.Exemplar_AsDouble{AsDouble: e.Value},
	}
	rest := 0
	for k, v := range e.Attachments {
		switch {
		case k == stats.AttachmentKeyTraceID && len(v) == 32:
			if b, err := hex.DecodeString(v); err == nil {
				out.TraceId = b
				continue
			}
		case k == stats.AttachmentKeySpanID && len(v) == 16:
			if b, err := hex.DecodeString(v); err == nil {
				out.SpanId = b
				continue
			}
		}
		rest++
	}
	if rest > 0 {
		attrs := s.list(rest)
		i := 0
		for _, k := range slices.Sorted(maps.Keys(e.Attachments)) {
			switch k {
			case stats.AttachmentKeyTraceID:
				if out.TraceId != nil {
					continue
				}
			case stats.AttachmentKeySpanID:
				if out.SpanId != nil {
					continue
				}
			}
			s.setString(attrs[i], k, e.Attachments[k])
			i++
		}
		out.FilteredAttributes = attrs
	}
	return out
}

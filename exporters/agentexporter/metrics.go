package agentexporter

import (
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	metricspb "github.com/gocensus/gocensus/proto/gocensus/metrics/v1"
	resourcepb "github.com/gocensus/gocensus/proto/gocensus/resource/v1"
	"github.com/gocensus/gocensus/sdk/resource"
	"github.com/gocensus/gocensus/sdk/stats"
)

// metricToProto converts m to the OpenCensus metric proto. The metric's own
// resource is kept only when it differs from the stream resource.
func metricToProto(m *stats.Metric, streamRes *resource.Resource) *metricspb.Metric {
	d := &m.Descriptor
	pb := &metricspb.Metric{
		MetricDescriptor: &metricspb.MetricDescriptor{
			Name:        d.Name,
			Description: d.Description,
			Unit:        d.Unit,
			Type:        metricspb.MetricDescriptor_Type(d.Type),
		},
		Timeseries: make([]*metricspb.TimeSeries, 0, len(m.TimeSeries)),
	}
	for _, k := range d.LabelKeys {
		pb.MetricDescriptor.LabelKeys = append(pb.MetricDescriptor.LabelKeys,
			&metricspb.LabelKey{Key: k.Key, Description: k.Description})
	}
	for _, ts := range m.TimeSeries {
		if ts == nil {
			continue
		}
		tpb := &metricspb.TimeSeries{
			StartTimestamp: timestampOrNil(ts.StartTime),
			LabelValues:    make([]*metricspb.LabelValue, len(ts.LabelValues)),
			Points:         make([]*metricspb.Point, 0, len(ts.Points)),
		}
		for i, lv := range ts.LabelValues {
			tpb.LabelValues[i] = &metricspb.LabelValue{Value: lv.Value, HasValue: lv.Present}
		}
		for i := range ts.Points {
			tpb.Points = append(tpb.Points, pointToProto(&ts.Points[i], d.Type))
		}
		pb.Timeseries = append(pb.Timeseries, tpb)
	}
	if m.Resource != nil && !sameResource(m.Resource, streamRes) {
		pb.Resource = &resourcepb.Resource{Type: m.Resource.Type, Labels: m.Resource.Labels}
	}
	return pb
}

func pointToProto(p *stats.Point, t stats.MetricType) *metricspb.Point {
	pp := &metricspb.Point{Timestamp: timestampOrNil(p.Time)}
	switch t {
	case stats.TypeGaugeInt64, stats.TypeCumulativeInt64:
		pp.Value = &metricspb.Point_Int64Value{Int64Value: p.Int64Value}
	case stats.TypeGaugeFloat64, stats.TypeCumulativeFloat64:
		pp.Value = &metricspb.Point_DoubleValue{DoubleValue: p.Float64Value}
	case stats.TypeGaugeDistribution, stats.TypeCumulativeDistribution:
		dv := p.Distribution
		if dv == nil {
			dv = &stats.DistributionValue{}
		}
		dpb := &metricspb.DistributionValue{
			Count:                 dv.Count,
			Sum:                   dv.Sum,
			SumOfSquaredDeviation: dv.SumOfSquaredDeviation,
			Buckets:               make([]*metricspb.DistributionValue_Bucket, len(dv.Buckets)),
		}
		if len(dv.BucketBounds) > 0 {
			dpb.BucketOptions = &metricspb.DistributionValue_BucketOptions{
				Type: &metricspb.DistributionValue_BucketOptions_Explicit_{
					Explicit: &metricspb.DistributionValue_BucketOptions_Explicit{Bounds: dv.BucketBounds},
				},
			}
		}
		for i, b := range dv.Buckets {
			bpb := &metricspb.DistributionValue_Bucket{Count: b.Count}
			if ex := b.Exemplar; ex != nil {
				bpb.Exemplar = &metricspb.DistributionValue_Exemplar{
					Value:       ex.Value,
					Timestamp:   timestampOrNil(ex.Time),
					Attachments: ex.Attachments,
				}
			}
			dpb.Buckets[i] = bpb
		}
		pp.Value = &metricspb.Point_DistributionValue{DistributionValue: dpb}
	}
	return pp
}

func timestampOrNil(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

package stats

import (
	"context"
	"strconv"
	"time"

	"github.com/gocensus/gocensus/sdk/resource"
)

// MetricType is a metric's kind, numbered as MetricDescriptor.Type in the
// OpenCensus metrics proto so that conversion is a cast.
type MetricType int32

// Metric types. Count, Sum and Distribution views are cumulative: every
// point covers (StartTime, Time]. LastValue views are gauges: a point is a
// reading at Time and has no start.
const (
	TypeUnspecified            MetricType = 0
	TypeGaugeInt64             MetricType = 1
	TypeGaugeFloat64           MetricType = 2
	TypeGaugeDistribution      MetricType = 3
	TypeCumulativeInt64        MetricType = 4
	TypeCumulativeFloat64      MetricType = 5
	TypeCumulativeDistribution MetricType = 6
	TypeSummary                MetricType = 7
)

var metricTypeNames = [...]string{
	"UNSPECIFIED", "GAUGE_INT64", "GAUGE_DOUBLE", "GAUGE_DISTRIBUTION",
	"CUMULATIVE_INT64", "CUMULATIVE_DOUBLE", "CUMULATIVE_DISTRIBUTION", "SUMMARY",
}

// String returns the proto enum name, such as "CUMULATIVE_DISTRIBUTION".
func (t MetricType) String() string {
	if t >= 0 && int(t) < len(metricTypeNames) {
		return metricTypeNames[t]
	}
	return "TYPE_" + strconv.Itoa(int(t))
}

// IsCumulative reports whether points of this type accumulate from a start
// time.
func (t MetricType) IsCumulative() bool {
	return t >= TypeCumulativeInt64 && t <= TypeCumulativeDistribution
}

// Metric is the exported state of one view (or one internal metric), in the
// shape of the OpenCensus metrics proto. Metrics handed to exporters are
// fresh copies that nothing else references; exporters may keep them.
type Metric struct {
	Descriptor Descriptor
	TimeSeries []*TimeSeries
	// Resource is the manager's resource (WithResource), or nil.
	Resource *resource.Resource
}

// Descriptor describes a metric.
type Descriptor struct {
	Name        string
	Description string
	Unit        string
	Type        MetricType
	LabelKeys   []LabelKey
}

// LabelKey is one label dimension; views use their tag key names.
type LabelKey struct {
	Key         string
	Description string
}

// LabelValue is a label's value in one time series. Present is false when
// the recording context had no tag for the key, which the wire format
// distinguishes from an empty value.
type LabelValue struct {
	Value   string
	Present bool
}

// TimeSeries is one tag tuple's points. LabelValues are in the order of the
// descriptor's LabelKeys.
type TimeSeries struct {
	LabelValues []LabelValue
	// StartTime is when accumulation began (the view's registration) for
	// cumulative metrics; zero for gauges.
	StartTime time.Time
	Points    []Point
}

// Point is one value at one time. Which value field is meaningful follows
// the descriptor's Type: Int64Value for *_INT64, Float64Value for *_DOUBLE,
// Distribution for *_DISTRIBUTION.
type Point struct {
	Time         time.Time
	Int64Value   int64
	Float64Value float64
	Distribution *DistributionValue
}

// DistributionValue is a histogram point. Count always equals the sum of the
// bucket counts. There is one more bucket than bounds: [0, BucketBounds[0]),
// ..., [BucketBounds[n-1], +Inf); values below zero are in the first.
type DistributionValue struct {
	Count                 int64
	Sum                   float64
	SumOfSquaredDeviation float64
	BucketBounds          []float64
	Buckets               []Bucket
}

// Bucket is one histogram bucket with its latest exemplar, if any.
type Bucket struct {
	Count    int64
	Exemplar *Exemplar
}

// Exemplar is a recorded value kept as an example of its bucket, with what
// was known about the recording: the sampled span (AttachmentKeyTraceID and
// AttachmentKeySpanID) and any attachments given with WithAttachments.
type Exemplar struct {
	Value       float64
	Time        time.Time
	Attachments map[string]string
}

// Attachment keys set on exemplars recorded inside a sampled span; the
// values are lowercase hex.
const (
	AttachmentKeyTraceID = "trace_id"
	AttachmentKeySpanID  = "span_id"
)

// MetricExporter receives every registered view's metrics each reporting
// period (push export). A Manager calls ExportMetrics from one goroutine at
// a time, never concurrently for the same exporter; ctx carries a deadline
// of one reporting period, which the exporter should honour, returning
// ctx's error if it expires. ExportMetrics may block for that long; a
// returned error is handed to the manager's error handler and the next
// period exports the cumulative state again, so nothing is lost by one
// failure. The exporter must not modify the metrics but may retain them.
//
// Shutdown is called once, by Manager.Shutdown, after the final export;
// it should flush and release resources within ctx's deadline. After it, the
// manager makes no further calls.
type MetricExporter interface {
	ExportMetrics(ctx context.Context, metrics []*Metric) error
	Shutdown(ctx context.Context) error
}

package promexporter

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gocensus/gocensus/sdk/stats"
)

// Option configures an Exporter.
type Option func(*config)

type config struct {
	namespace   string
	constLabels prometheus.Labels
	exemplars   bool
}

// WithNamespace prefixes every metric name with namespace and "_", for
// example "myapp". It is sanitised like metric names.
func WithNamespace(namespace string) Option {
	return func(c *config) { c.namespace = namespace }
}

// WithConstLabels adds labels with fixed values to every metric, for
// example the service name. Their names must be valid Prometheus label
// names and must not collide with view tag keys.
func WithConstLabels(labels prometheus.Labels) Option {
	return func(c *config) {
		c.constLabels = make(prometheus.Labels, len(labels))
		for k, v := range labels {
			c.constLabels[k] = v
		}
	}
}

// WithExemplars turns on exemplars (default off): histogram buckets whose
// exemplar was recorded in a sampled span carry it with trace_id and
// span_id labels. Prometheus only reads exemplars in the OpenMetrics
// format (promhttp.HandlerOpts.EnableOpenMetrics).
func WithExemplars(on bool) Option {
	return func(c *config) { c.exemplars = on }
}

// Exporter is a prometheus.Collector serving a stats.Manager's views. It
// is safe for concurrent use; each Collect reads the manager afresh.
type Exporter struct {
	m   *stats.Manager
	cfg config
}

var _ prometheus.Collector = (*Exporter)(nil)

// New returns an Exporter for manager. Register it with a
// prometheus.Registerer and serve the registry with promhttp. It fails if
// manager is nil or a constant label name is invalid.
func New(manager *stats.Manager, opts ...Option) (*Exporter, error) {
	if manager == nil {
		return nil, errors.New("promexporter: nil manager")
	}
	var cfg config
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	for name := range cfg.constLabels {
		if !validLabelName(name) {
			return nil, fmt.Errorf("promexporter: invalid constant label name %q", name)
		}
	}
	return &Exporter{m: manager, cfg: cfg}, nil
}

// Describe sends nothing: views come and go at run time, so the Exporter
// is an unchecked collector and the registry checks consistency at each
// scrape instead.
func (e *Exporter) Describe(chan<- *prometheus.Desc) {}

// Collect converts every metric of the manager's Read. A metric that cannot
// be converted (two views sanitised to the same name, a tag key colliding
// with a constant label) is sent as an invalid metric, which makes the
// scrape report the error instead of silently dropping data.
func (e *Exporter) Collect(ch chan<- prometheus.Metric) {
	seen := make(map[string]bool)
	for _, md := range e.m.Read() {
		name := sanitize(md.Descriptor.Name)
		if e.cfg.namespace != "" {
			name = sanitize(e.cfg.namespace) + "_" + name
		}
		help := md.Descriptor.Description
		if help == "" {
			help = md.Descriptor.Name
		}
		labels := make([]string, len(md.Descriptor.LabelKeys))
		for i, k := range md.Descriptor.LabelKeys {
			labels[i] = sanitizeLabel(k.Key)
		}
		desc := prometheus.NewDesc(name, help, labels, e.cfg.constLabels)
		if seen[name] {
			ch <- prometheus.NewInvalidMetric(desc, fmt.Errorf("promexporter: view %q maps to metric name %q, already used by another view", md.Descriptor.Name, name))
			continue
		}
		seen[name] = true
		e.collectMetric(ch, desc, md)
	}
}

func (e *Exporter) collectMetric(ch chan<- prometheus.Metric, desc *prometheus.Desc, md *stats.Metric) {
	valueType := prometheus.GaugeValue
	if md.Descriptor.Type.IsCumulative() {
		valueType = prometheus.CounterValue
		// A counter must never decrease; a Sum view fed negative values
		// can, so it is served untyped once it holds any negative total.
		for _, ts := range md.TimeSeries {
			for _, p := range ts.Points {
				if p.Int64Value < 0 || p.Float64Value < 0 {
					valueType = prometheus.UntypedValue
				}
			}
		}
	}
	for _, ts := range md.TimeSeries {
		if len(ts.Points) == 0 {
			continue
		}
		p := ts.Points[len(ts.Points)-1]
		values := make([]string, len(ts.LabelValues))
		for i, lv := range ts.LabelValues {
			values[i] = lv.Value // absent labels are empty, as Prometheus treats them
		}
		var (
			m   prometheus.Metric
			err error
		)
		switch md.Descriptor.Type {
		case stats.TypeCumulativeInt64, stats.TypeGaugeInt64:
			m, err = e.scalar(desc, valueType, float64(p.Int64Value), ts, values)
		case stats.TypeCumulativeFloat64, stats.TypeGaugeFloat64:
			m, err = e.scalar(desc, valueType, p.Float64Value, ts, values)
		case stats.TypeCumulativeDistribution, stats.TypeGaugeDistribution:
			m, err = e.histogram(desc, p.Distribution, ts, values)
		default:
			err = fmt.Errorf("promexporter: metric %q has unsupported type %v", md.Descriptor.Name, md.Descriptor.Type)
		}
		if err != nil {
			m = prometheus.NewInvalidMetric(desc, err)
		}
		ch <- m
	}
}

func (e *Exporter) scalar(desc *prometheus.Desc, vt prometheus.ValueType, v float64, ts *stats.TimeSeries, values []string) (prometheus.Metric, error) {
	if vt == prometheus.CounterValue && !ts.StartTime.IsZero() {
		return prometheus.NewConstMetricWithCreatedTimestamp(desc, vt, v, ts.StartTime, values...)
	}
	return prometheus.NewConstMetric(desc, vt, v, values...)
}

func (e *Exporter) histogram(desc *prometheus.Desc, d *stats.DistributionValue, ts *stats.TimeSeries, values []string) (prometheus.Metric, error) {
	if d == nil {
		return nil, errors.New("promexporter: distribution point without a value")
	}
	buckets := make(map[float64]uint64, len(d.BucketBounds))
	var cum uint64
	for i, b := range d.BucketBounds {
		if i < len(d.Buckets) {
			cum += uint64(max(d.Buckets[i].Count, 0))
		}
		buckets[b] = cum
	}
	count := uint64(max(d.Count, 0))
	var (
		m   prometheus.Metric
		err error
	)
	if ts.StartTime.IsZero() {
		m, err = prometheus.NewConstHistogram(desc, count, d.Sum, buckets, values...)
	} else {
		m, err = prometheus.NewConstHistogramWithCreatedTimestamp(desc, count, d.Sum, buckets, ts.StartTime, values...)
	}
	if err != nil || !e.cfg.exemplars {
		return m, err
	}
	var exemplars []prometheus.Exemplar
	for _, b := range d.Buckets {
		x := b.Exemplar
		if x == nil || math.IsNaN(x.Value) {
			continue
		}
		tid, sid := x.Attachments[stats.AttachmentKeyTraceID], x.Attachments[stats.AttachmentKeySpanID]
		if tid == "" || sid == "" {
			continue
		}
		exemplars = append(exemplars, prometheus.Exemplar{
			Value:     x.Value,
			Timestamp: x.Time,
			Labels:    prometheus.Labels{"trace_id": tid, "span_id": sid},
		})
	}
	if len(exemplars) == 0 {
		return m, nil
	}
	return prometheus.NewMetricWithExemplars(m, exemplars...)
}

// sanitize maps name to a valid Prometheus metric or label name: every
// byte other than an ASCII letter, digit or underscore becomes "_", and a
// name starting with a digit gets the prefix "key_" (as the OpenCensus
// Prometheus exporter does). An empty name becomes "key".
func sanitize(name string) string {
	if name == "" {
		return "key"
	}
	var b strings.Builder
	b.Grow(len(name) + 4)
	if name[0] >= '0' && name[0] <= '9' {
		b.WriteString("key_")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			b.WriteByte(c)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// sanitizeLabel is sanitize plus the label rule that names starting with
// "__" are reserved for Prometheus: they get the prefix "key".
func sanitizeLabel(name string) string {
	s := sanitize(name)
	if strings.HasPrefix(s, "__") {
		s = "key" + s
	}
	return s
}

func validLabelName(name string) bool {
	return name != "" && sanitize(name) == name && !strings.HasPrefix(name, "__")
}

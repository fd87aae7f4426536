package stats

import (
	"slices"
	"strconv"

	"github.com/gocensus/gocensus/internal/jsonenc"
)

// AppendJSON appends md as one JSON object, without a trailing newline, and
// returns the extended buffer. It is the single metric schema of the print,
// file and log exporters: one line per metric, holding all its time series.
// The encoding is hand-written, so an exporter reusing dst allocates
// nothing but the sorting of resource labels. A nil md appends null.
//
// Fields, in this order; "optional" ones are omitted when empty:
//
//	name           string
//	description    string   optional
//	unit           string   optional
//	type           string   GAUGE_INT64, GAUGE_DOUBLE, CUMULATIVE_INT64,
//	                        CUMULATIVE_DOUBLE, CUMULATIVE_DISTRIBUTION, ...
//	label_keys     array    of strings; [] when none
//	timeseries     array    each:
//	  labels       object   label key to value, in label_keys order; null
//	                        for a label absent from the recording context
//	  start_time   string   optional (cumulative only); RFC 3339 in UTC,
//	                        nine fractional digits
//	  points       array    each {"time", and by type one of:
//	                          "int64": number,
//	                          "double": number,
//	                          "distribution": {"count", "sum",
//	                            "sum_of_squared_deviation", "bucket_bounds",
//	                            "buckets": [{"count", "exemplar"?:
//	                              {"value", "time", "attachments"?}}]}}
//	resource       object   optional; {"type"?: string, "labels"?: object}
//	                        with labels sorted by key
//
// int64 values are JSON integers. Floats use the shortest form that
// round-trips; NaN and infinities, which JSON lacks, are the strings "NaN",
// "+Inf" and "-Inf". Exemplar attachments are sorted by key. Strings are
// escaped as JSON requires, invalid UTF-8 bytes become U+FFFD and U+2028
// and U+2029 are escaped, so every line is valid UTF-8 JSON.
func (md *Metric) AppendJSON(dst []byte) []byte {
	if md == nil {
		return append(dst, "null"...)
	}
	d := &md.Descriptor
	dst = append(dst, `{"name":`...)
	dst = jsonenc.AppendString(dst, d.Name)
	if d.Description != "" {
		dst = append(dst, `,"description":`...)
		dst = jsonenc.AppendString(dst, d.Description)
	}
	if d.Unit != "" {
		dst = append(dst, `,"unit":`...)
		dst = jsonenc.AppendString(dst, d.Unit)
	}
	dst = append(dst, `,"type":"`...)
	dst = append(dst, d.Type.String()...)
	dst = append(dst, `","label_keys":[`...)
	for i, k := range d.LabelKeys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = jsonenc.AppendString(dst, k.Key)
	}
	dst = append(dst, `],"timeseries":[`...)
	for i, ts := range md.TimeSeries {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendTimeSeries(dst, d, ts)
	}
	dst = append(dst, ']')
	if r := md.Resource; r != nil && (r.Type != "" || len(r.Labels) > 0) {
		dst = append(dst, `,"resource":{`...)
		sep := false
		if r.Type != "" {
			dst = append(dst, `"type":`...)
			dst = jsonenc.AppendString(dst, r.Type)
			sep = true
		}
		if len(r.Labels) > 0 {
			if sep {
				dst = append(dst, ',')
			}
			dst = append(dst, `"labels":`...)
			dst = appendStringMap(dst, r.Labels)
		}
		dst = append(dst, '}')
	}
	return append(dst, '}')
}

func appendTimeSeries(dst []byte, d *Descriptor, ts *TimeSeries) []byte {
	if ts == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, `{"labels":{`...)
	for i, lv := range ts.LabelValues {
		if i > 0 {
			dst = append(dst, ',')
		}
		key := ""
		if i < len(d.LabelKeys) {
			key = d.LabelKeys[i].Key
		}
		dst = jsonenc.AppendString(dst, key)
		dst = append(dst, ':')
		if lv.Present {
			dst = jsonenc.AppendString(dst, lv.Value)
		} else {
			dst = append(dst, "null"...)
		}
	}
	dst = append(dst, '}')
	if !ts.StartTime.IsZero() {
		dst = append(dst, `,"start_time":`...)
		dst = jsonenc.AppendTime(dst, ts.StartTime)
	}
	dst = append(dst, `,"points":[`...)
	for i := range ts.Points {
		if i > 0 {
			dst = append(dst, ',')
		}
		p := &ts.Points[i]
		dst = append(dst, `{"time":`...)
		dst = jsonenc.AppendTime(dst, p.Time)
		switch d.Type {
		case TypeGaugeInt64, TypeCumulativeInt64:
			dst = append(dst, `,"int64":`...)
			dst = strconv.AppendInt(dst, p.Int64Value, 10)
		case TypeGaugeFloat64, TypeCumulativeFloat64:
			dst = append(dst, `,"double":`...)
			dst = jsonenc.AppendFloat(dst, p.Float64Value)
		case TypeGaugeDistribution, TypeCumulativeDistribution:
			dst = append(dst, `,"distribution":`...)
			dst = appendDistribution(dst, p.Distribution)
		}
		dst = append(dst, '}')
	}
	return append(dst, "]}"...)
}

func appendDistribution(dst []byte, dv *DistributionValue) []byte {
	if dv == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, `{"count":`...)
	dst = strconv.AppendInt(dst, dv.Count, 10)
	dst = append(dst, `,"sum":`...)
	dst = jsonenc.AppendFloat(dst, dv.Sum)
	dst = append(dst, `,"sum_of_squared_deviation":`...)
	dst = jsonenc.AppendFloat(dst, dv.SumOfSquaredDeviation)
	dst = append(dst, `,"bucket_bounds":[`...)
	for i, b := range dv.BucketBounds {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = jsonenc.AppendFloat(dst, b)
	}
	dst = append(dst, `],"buckets":[`...)
	for i, b := range dv.Buckets {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"count":`...)
		dst = strconv.AppendInt(dst, b.Count, 10)
		if e := b.Exemplar; e != nil {
			dst = append(dst, `,"exemplar":{"value":`...)
			dst = jsonenc.AppendFloat(dst, e.Value)
			dst = append(dst, `,"time":`...)
			dst = jsonenc.AppendTime(dst, e.Time)
			if len(e.Attachments) > 0 {
				dst = append(dst, `,"attachments":`...)
				dst = appendStringMap(dst, e.Attachments)
			}
			dst = append(dst, '}')
		}
		dst = append(dst, '}')
	}
	return append(dst, "]}"...)
}

func appendStringMap(dst []byte, m map[string]string) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = jsonenc.AppendString(dst, k)
		dst = append(dst, ':')
		dst = jsonenc.AppendString(dst, m[k])
	}
	return append(dst, '}')
}

package stats

import (
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// jsonTimeLayout is RFC 3339 with exactly nine fractional digits, the same
// as the span schema, so metric and span lines sort and parse alike.
const jsonTimeLayout = "2006-01-02T15:04:05.000000000Z07:00"

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
	dst = appendJSONString(dst, d.Name)
	if d.Description != "" {
		dst = append(dst, `,"description":`...)
		dst = appendJSONString(dst, d.Description)
	}
	if d.Unit != "" {
		dst = append(dst, `,"unit":`...)
		dst = appendJSONString(dst, d.Unit)
	}
	dst = append(dst, `,"type":"`...)
	dst = append(dst, d.Type.String()...)
	dst = append(dst, `","label_keys":[`...)
	for i, k := range d.LabelKeys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, k.Key)
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
			dst = appendJSONString(dst, r.Type)
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
		dst = appendJSONString(dst, key)
		dst = append(dst, ':')
		if lv.Present {
			dst = appendJSONString(dst, lv.Value)
		} else {
			dst = append(dst, "null"...)
		}
	}
	dst = append(dst, '}')
	if !ts.StartTime.IsZero() {
		dst = append(dst, `,"start_time":`...)
		dst = appendJSONTime(dst, ts.StartTime)
	}
	dst = append(dst, `,"points":[`...)
	for i := range ts.Points {
		if i > 0 {
			dst = append(dst, ',')
		}
		p := &ts.Points[i]
		dst = append(dst, `{"time":`...)
		dst = appendJSONTime(dst, p.Time)
		switch d.Type {
		case TypeGaugeInt64, TypeCumulativeInt64:
			dst = append(dst, `,"int64":`...)
			dst = strconv.AppendInt(dst, p.Int64Value, 10)
		case TypeGaugeFloat64, TypeCumulativeFloat64:
			dst = append(dst, `,"double":`...)
			dst = appendJSONFloat(dst, p.Float64Value)
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
	dst = appendJSONFloat(dst, dv.Sum)
	dst = append(dst, `,"sum_of_squared_deviation":`...)
	dst = appendJSONFloat(dst, dv.SumOfSquaredDeviation)
	dst = append(dst, `,"bucket_bounds":[`...)
	for i, b := range dv.BucketBounds {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONFloat(dst, b)
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
			dst = appendJSONFloat(dst, e.Value)
			dst = append(dst, `,"time":`...)
			dst = appendJSONTime(dst, e.Time)
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
		dst = appendJSONString(dst, k)
		dst = append(dst, ':')
		dst = appendJSONString(dst, m[k])
	}
	return append(dst, '}')
}

func appendJSONTime(dst []byte, t time.Time) []byte {
	dst = append(dst, '"')
	dst = t.UTC().AppendFormat(dst, jsonTimeLayout)
	return append(dst, '"')
}

func appendJSONFloat(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(dst, `"+Inf"`...)
	case math.IsInf(f, -1):
		return append(dst, `"-Inf"`...)
	}
	return strconv.AppendFloat(dst, f, 'g', -1, 64)
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string. Invalid UTF-8 bytes become
// U+FFFD; U+2028 and U+2029 are escaped for JavaScript embedding.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

package stats_test

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gocensus/gocensus/sdk/resource"
	"github.com/gocensus/gocensus/sdk/stats"
	"github.com/gocensus/gocensus/sdk/tag"
)

func sampleMetrics() []*stats.Metric {
	start := t0
	now := t0.Add(90 * time.Second)
	return []*stats.Metric{
		{
			Descriptor: stats.Descriptor{Name: "grpc.io/client/roundtrip_latency", Description: "Latency \"quoted\"", Unit: "ms",
				Type: stats.TypeCumulativeDistribution, LabelKeys: []stats.LabelKey{{Key: "method"}, {Key: "status"}}},
			TimeSeries: []*stats.TimeSeries{{
				LabelValues: []stats.LabelValue{{Value: "pkg.S/M", Present: true}, {}},
				StartTime:   start,
				Points: []stats.Point{{Time: now, Distribution: &stats.DistributionValue{
					Count: 3, Sum: 12.5, SumOfSquaredDeviation: 0.25, BucketBounds: []float64{1, 10},
					Buckets: []stats.Bucket{{Count: 0}, {Count: 2, Exemplar: &stats.Exemplar{Value: 4, Time: start,
						Attachments: map[string]string{"trace_id": "0102", "span_id": "ab"}}}, {Count: 1}},
				}}},
			}},
			Resource: &resource.Resource{Type: "host", Labels: map[string]string{"z": "1", "a": "2"}},
		},
		{
			Descriptor: stats.Descriptor{Name: "queue", Type: stats.TypeGaugeFloat64},
			TimeSeries: []*stats.TimeSeries{{Points: []stats.Point{{Time: now, Float64Value: math.Inf(1)}}}},
		},
		{
			Descriptor: stats.Descriptor{Name: "n", Unit: "1", Type: stats.TypeCumulativeInt64, LabelKeys: []stats.LabelKey{{Key: "k"}}},
			TimeSeries: []*stats.TimeSeries{{LabelValues: []stats.LabelValue{{Value: "", Present: true}}, StartTime: start,
				Points: []stats.Point{{Time: now, Int64Value: math.MaxInt64}}}},
		},
	}
}

func TestAppendJSONGolden(t *testing.T) {
	t.Parallel()
	want := []string{
		`{"name":"grpc.io/client/roundtrip_latency","description":"Latency \"quoted\"","unit":"ms","type":"CUMULATIVE_DISTRIBUTION","label_keys":["method","status"],` +
			`"timeseries":[{"labels":{"method":"pkg.S/M","status":null},"start_time":"2026-01-02T03:04:05.000000000Z","points":[{"time":"2026-01-02T03:05:35.000000000Z",` +
			`"distribution":{"count":3,"sum":12.5,"sum_of_squared_deviation":0.25,"bucket_bounds":[1,10],"buckets":[{"count":0},` +
			`{"count":2,"exemplar":{"value":4,"time":"2026-01-02T03:04:05.000000000Z","attachments":{"span_id":"ab","trace_id":"0102"}}},{"count":1}]}}]}],` +
			`"resource":{"type":"host","labels":{"a":"2","z":"1"}}}`,
		`{"name":"queue","type":"GAUGE_DOUBLE","label_keys":[],"timeseries":[{"labels":{},"points":[{"time":"2026-01-02T03:05:35.000000000Z","double":"+Inf"}]}]}`,
		`{"name":"n","unit":"1","type":"CUMULATIVE_INT64","label_keys":["k"],"timeseries":[{"labels":{"k":""},"start_time":"2026-01-02T03:04:05.000000000Z",` +
			`"points":[{"time":"2026-01-02T03:05:35.000000000Z","int64":9223372036854775807}]}]}`,
	}
	for i, md := range sampleMetrics() {
		got := string(md.AppendJSON(nil))
		if got != want[i] {
			t.Errorf("metric %d:\n got %s\nwant %s", i, got, want[i])
		}
		if !json.Valid([]byte(got)) {
			t.Errorf("metric %d: invalid JSON", i)
		}
	}
	if got := string((*stats.Metric)(nil).AppendJSON([]byte("x"))); got != "xnull" {
		t.Errorf("nil metric: %q", got)
	}
}

func TestAppendJSONFromManager(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	fl := stats.Float64("lat", "", "ms")
	if err := m.Register(&stats.View{Measure: fl, TagKeys: []tag.Key{keyA}, Aggregation: stats.Distribution(1)}); err != nil {
		t.Fatal(err)
	}
	ctx, _ := sampledCtx(t)
	m.Record(ctx, fl.M(math.NaN()))
	line := m.Read()[0].AppendJSON(nil)
	var v struct {
		Name       string
		Timeseries []struct {
			Labels map[string]*string
			Points []struct {
				Distribution struct {
					Count int64
					Sum   any
				}
			}
		}
	}
	if err := json.Unmarshal(line, &v); err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	ts := v.Timeseries[0]
	if v.Name != "lat" || ts.Labels["a"] != nil || ts.Points[0].Distribution.Count != 1 || ts.Points[0].Distribution.Sum != "NaN" {
		t.Errorf("decoded %+v from %s", v, line)
	}
}

func FuzzAppendJSON(f *testing.F) {
	f.Add("name", "label", "value", 1.5)
	f.Add("\u2028\x00\"\\", "\xff\xfe", "\t\n\r", math.NaN())
	f.Add("", "", "", math.Inf(-1))
	f.Fuzz(func(t *testing.T, name, key, value string, x float64) {
		md := &stats.Metric{
			Descriptor: stats.Descriptor{Name: name, Description: value, Type: stats.TypeCumulativeFloat64, LabelKeys: []stats.LabelKey{{Key: key}}},
			TimeSeries: []*stats.TimeSeries{{LabelValues: []stats.LabelValue{{Value: value, Present: true}},
				Points: []stats.Point{{Float64Value: x}}}},
			Resource: &resource.Resource{Labels: map[string]string{key: value}},
		}
		line := md.AppendJSON(nil)
		if !utf8.Valid(line) || !json.Valid(line) {
			t.Fatalf("invalid output %q", line)
		}
		var v struct {
			Name       string
			Timeseries []struct{ Labels map[string]string }
		}
		if err := json.Unmarshal(line, &v); err != nil {
			t.Fatal(err)
		}
		if utf8.ValidString(name) && v.Name != name {
			t.Errorf("name %q came back as %q", name, v.Name)
		}
		if utf8.ValidString(key) && utf8.ValidString(value) && v.Timeseries[0].Labels[key] != value {
			t.Errorf("label %q=%q came back as %q", key, value, v.Timeseries[0].Labels[key])
		}
		if strings.ContainsRune(string(line), '\n') {
			t.Error("output contains a newline")
		}
	})
}

func BenchmarkAppendJSON(b *testing.B) {
	metrics := sampleMetrics()
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		buf = buf[:0]
		for _, md := range metrics[1:] { // no maps to sort
			buf = md.AppendJSON(buf)
		}
	}
}

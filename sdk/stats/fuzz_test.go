package stats_test

import (
	"context"
	"encoding/binary"
	"errors"
	"math"
	"testing"

	"github.com/gocensus/gocensus/sdk/stats"
)

// FuzzDistribution registers a distribution with bounds taken from the
// input and records values taken from it too. Register must either reject
// the bounds with ErrInvalidView or accept them, and every accepted value
// must land in the bucket whose range holds it.
func FuzzDistribution(f *testing.F) {
	seed := func(fs ...float64) []byte {
		var b []byte
		for _, x := range fs {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
		}
		return b
	}
	f.Add(seed(1, 2, 3), seed(0.5, 1, 2.5, 3, 100, -4))
	f.Add(seed(0, 1, 10), seed(0))
	f.Add(seed(0.01, 0.05, 0.1, 0.3, 0.6, 0.8, 1, 2, 3, 4, 5, 6, 8, 10, 13, 16, 20), seed(0.3, 7, 20, 19.999, math.Inf(1)))
	f.Add(seed(3, 2), seed(1))
	f.Add(seed(math.NaN()), seed(math.NaN()))
	f.Fuzz(func(t *testing.T, boundBytes, valueBytes []byte) {
		bounds := floats(boundBytes, 64)
		values := floats(valueBytes, 64)
		m := stats.NewManager()
		defer m.Shutdown(context.Background())
		meas := stats.Float64("fuzz", "", "1")
		err := m.Register(&stats.View{Measure: meas, Aggregation: stats.Distribution(bounds...)})
		if err != nil {
			if !errors.Is(err, stats.ErrInvalidView) {
				t.Fatalf("Register error %v does not wrap ErrInvalidView", err)
			}
			return
		}
		for _, v := range values {
			m.Record(context.Background(), meas.M(v))
		}
		if len(values) == 0 {
			return
		}
		d := m.Read()[0].TimeSeries[0].Points[0].Distribution
		if len(d.Buckets) != len(d.BucketBounds)+1 {
			t.Fatalf("%d buckets for %d bounds", len(d.Buckets), len(d.BucketBounds))
		}
		want := make([]int64, len(d.BucketBounds)+1)
		for _, v := range values {
			i := 0
			for i < len(d.BucketBounds) && !(v < d.BucketBounds[i]) {
				i++
			}
			want[i]++
		}
		for i := range want {
			if d.Buckets[i].Count != want[i] {
				t.Fatalf("bucket %d holds %d, want %d (bounds %v, values %v)", i, d.Buckets[i].Count, want[i], d.BucketBounds, values)
			}
		}
		if d.Count != int64(len(values)) || d.SumOfSquaredDeviation < 0 && !math.IsNaN(d.SumOfSquaredDeviation) {
			t.Fatalf("count %d, ssd %v", d.Count, d.SumOfSquaredDeviation)
		}
	})
}

// floats decodes up to limit little-endian float64s from b.
func floats(b []byte, limit int) []float64 {
	var out []float64
	for len(b) >= 8 && len(out) < limit {
		out = append(out, math.Float64frombits(binary.LittleEndian.Uint64(b)))
		b = b[8:]
	}
	return out
}

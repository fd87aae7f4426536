package jsonenc_test

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/gocensus/gocensus/internal/jsonenc"
)

func TestAppendString(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"plain", `"plain"`},
		{"q\"b\\n\nr\rt\t", `"q\"b\\n\nr\rt\t"`},
		{"\x00\x1f", `"\u0000\u001f"`},
		{"bad\xffutf8", `"bad\ufffdutf8"`},
		{"ls\u2028ps\u2029", `"ls\u2028ps\u2029"`},
		{"héllo, 世界", `"héllo, 世界"`},
	} {
		got := string(jsonenc.AppendString(nil, tc.in))
		if got != tc.want {
			t.Errorf("AppendString(%q) = %s, want %s", tc.in, got, tc.want)
		}
		if !json.Valid([]byte(got)) {
			t.Errorf("AppendString(%q) = %s is not valid JSON", tc.in, got)
		}
	}
}

func TestAppendTimeMatchesLayout(t *testing.T) {
	t.Parallel()
	const layout = `"2006-01-02T15:04:05.000000000Z07:00"`
	zone := time.FixedZone("x", -7*3600)
	for _, tm := range []time.Time{
		time.Unix(0, 0),
		time.Date(2026, 11, 26, 8, 30, 1, 7, zone),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		if got, want := string(jsonenc.AppendTime(nil, tm)), tm.UTC().Format(layout); got != want {
			t.Errorf("AppendTime(%v) = %s, want %s", tm, got, want)
		}
	}
}

func TestAppendFloat(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   float64
		want string
	}{
		{1.5, "1.5"}, {-2, "-2"}, {1e21, "1e+21"},
		{math.NaN(), `"NaN"`}, {math.Inf(1), `"+Inf"`}, {math.Inf(-1), `"-Inf"`},
	} {
		if got := string(jsonenc.AppendFloat(nil, tc.in)); got != tc.want {
			t.Errorf("AppendFloat(%v) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func BenchmarkAppend(b *testing.B) {
	b.ReportAllocs()
	buf := make([]byte, 0, 256)
	now := time.Now()
	for b.Loop() {
		buf = jsonenc.AppendString(buf[:0], "grpc.method helloworld.Greeter/SayHello")
		buf = jsonenc.AppendTime(buf, now)
		buf = jsonenc.AppendFloat(buf, 3.25)
	}
}

package printexporter_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gocensus/gocensus/exporters/printexporter"
	"github.com/gocensus/gocensus/sdk/stats"
	"github.com/gocensus/gocensus/sdk/tag"
)

func testMetrics(n int) []*stats.Metric {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	out := make([]*stats.Metric, n)
	for i := range out {
		out[i] = &stats.Metric{
			Descriptor: stats.Descriptor{Name: "m" + string(rune('a'+i)), Unit: "1", Type: stats.TypeCumulativeInt64},
			TimeSeries: []*stats.TimeSeries{{StartTime: now, Points: []stats.Point{{Time: now, Int64Value: int64(i)}}}},
		}
	}
	return out
}

// failWriter fails every write after writing half the bytes.
type failWriter struct{}

func (failWriter) Write(p []byte) (int, error) { return len(p) / 2, errors.New("disk gone") }

func TestExportMetrics(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	e := printexporter.New(printexporter.WithWriter(&buf))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.ExportMetrics(ctx, nil); err != nil || buf.Len() != 0 {
		t.Errorf("empty batch: err %v, wrote %q", err, buf.String())
	}
	if err := e.ExportMetrics(ctx, testMetrics(3)); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %d lines, want 3:\n%s", len(lines), buf.String())
	}
	for i, l := range lines {
		var v struct {
			Name       string
			Timeseries []json.RawMessage
		}
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		if want := "m" + string(rune('a'+i)); v.Name != want || len(v.Timeseries) != 1 {
			t.Errorf("line %d = %s", i, l)
		}
	}
	if err := e.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.ExportMetrics(ctx, testMetrics(1)); !errors.Is(err, printexporter.ErrShutdown) {
		t.Errorf("after Shutdown: %v", err)
	}
}

func TestExportMetricsWriteError(t *testing.T) {
	t.Parallel()
	e := printexporter.New(printexporter.WithWriter(failWriter{}))
	err := e.ExportMetrics(context.Background(), testMetrics(2))
	if err == nil || !strings.Contains(err.Error(), "2 metrics") || !strings.Contains(err.Error(), "disk gone") {
		t.Errorf("error = %v", err)
	}
}

func TestExportMetricsFromManager(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	m := stats.NewManager(stats.WithExporter(printexporter.New(printexporter.WithWriter(&buf))), stats.WithReportingPeriod(time.Hour))
	n := stats.Int64("requests", "", "1")
	if err := m.Register(&stats.View{Measure: n, Aggregation: stats.Count()}); err != nil {
		t.Fatal(err)
	}
	m.Record(context.Background(), n.M(1))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := m.Shutdown(ctx); err != nil { // final export, then exporter shutdown
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"name":"requests"`) || !strings.Contains(buf.String(), `"int64":1`) {
		t.Errorf("output = %s", buf.String())
	}
}

func BenchmarkExportMetrics(b *testing.B) {
	var buf bytes.Buffer
	e := printexporter.New(printexporter.WithWriter(&buf))
	metrics := testMetrics(10)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := e.ExportMetrics(ctx, metrics); err != nil {
			b.Fatal(err)
		}
	}
}

func Example_metrics() {
	clock := func() time.Time { return time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC) }
	m := stats.NewManager(stats.WithExporter(printexporter.New()), stats.WithClock(clock))
	method := tag.MustNewKey("method")
	bytesIn := stats.Int64("example.com/request_bytes", "Request size", "By")
	_ = m.Register(&stats.View{Measure: bytesIn, TagKeys: []tag.Key{method}, Aggregation: stats.Sum()})

	ctx, _ := tag.New(context.Background(), tag.Insert(method, "POST"))
	m.Record(ctx, bytesIn.M(512), bytesIn.M(256))
	_ = m.Shutdown(context.Background()) // exports the final state
	// Output:
	// {"name":"example.com/request_bytes","description":"Request size","unit":"By","type":"CUMULATIVE_INT64","label_keys":["method"],"timeseries":[{"labels":{"method":"POST"},"start_time":"2026-05-01T12:00:00.000000000Z","points":[{"time":"2026-05-01T12:00:00.000000000Z","int64":768}]}]}
}

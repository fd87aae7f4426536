package fileexporter_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gocensus/gocensus/exporters/fileexporter"
	"github.com/gocensus/gocensus/sdk/stats"
)

func makeMetrics(n int) []*stats.Metric {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	out := make([]*stats.Metric, n)
	for i := range out {
		out[i] = &stats.Metric{
			Descriptor: stats.Descriptor{Name: "metric-" + string(rune('a'+i)), Type: stats.TypeGaugeInt64},
			TimeSeries: []*stats.TimeSeries{{Points: []stats.Point{{Time: now, Int64Value: int64(i)}}}},
		}
	}
	return out
}

func readJSONLines(t *testing.T, path string) []map[string]json.RawMessage {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]json.RawMessage
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var v map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		out = append(out, v)
	}
	return out
}

func TestExportMetricsAppendsLines(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "telemetry.jsonl")
	e, err := fileexporter.New(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := testContext(t)
	if err := e.ExportSpans(ctx, makeSpans(0, 1)); err != nil {
		t.Fatal(err)
	}
	if err := e.ExportMetrics(ctx, makeMetrics(2)); err != nil {
		t.Fatal(err)
	}
	if err := e.ExportMetrics(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if err := e.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	lines := readJSONLines(t, path)
	if len(lines) != 3 {
		t.Fatalf("got %d lines, want 3", len(lines))
	}
	if _, ok := lines[0]["trace_id"]; !ok {
		t.Errorf("line 0 is not a span: %v", lines[0])
	}
	for i, l := range lines[1:] {
		if _, ok := l["timeseries"]; !ok || string(l["name"]) != `"metric-`+string(rune('a'+i))+`"` {
			t.Errorf("line %d is not metric %d: %v", i+1, i, l)
		}
	}
	if got := e.MetricStats(); got != (fileexporter.MetricStats{Exported: 2}) {
		t.Errorf("MetricStats = %+v", got)
	}
	if got := e.Stats(); got.ExportedSpans != 1 {
		t.Errorf("Stats = %+v", got)
	}
	if err := e.ExportMetrics(ctx, makeMetrics(1)); !errors.Is(err, fileexporter.ErrShutdown) {
		t.Errorf("after Shutdown: %v", err)
	}
}

func TestExportMetricsRotates(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "metrics.jsonl")
	e, err := fileexporter.New(path, fileexporter.WithMaxBytes(300), fileexporter.WithMaxBackups(2))
	if err != nil {
		t.Fatal(err)
	}
	ctx := testContext(t)
	for range 6 {
		if err := e.ExportMetrics(ctx, makeMetrics(2)); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if e.Stats().Rotations == 0 {
		t.Error("no rotation")
	}
	for _, p := range []string{path, path + ".1", path + ".2"} {
		for _, l := range readJSONLines(t, p) {
			if !strings.HasPrefix(string(l["name"]), `"metric-`) {
				t.Errorf("%s: unexpected line %v", p, l)
			}
		}
	}
}

func TestExportMetricsFromManager(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "metrics.jsonl")
	e, err := fileexporter.New(path)
	if err != nil {
		t.Fatal(err)
	}
	m := stats.NewManager(stats.WithExporter(e), stats.WithReportingPeriod(time.Hour))
	lat := stats.Float64("latency", "", "ms")
	if err := m.Register(&stats.View{Measure: lat, Aggregation: stats.Distribution(10, 100)}); err != nil {
		t.Fatal(err)
	}
	m.Record(context.Background(), lat.M(42))
	if err := m.Shutdown(testContext(t)); err != nil { // final export, then closes the file
		t.Fatal(err)
	}
	lines := readJSONLines(t, path)
	if len(lines) != 1 || !strings.Contains(string(lines[0]["timeseries"]), `"count":1`) {
		t.Errorf("lines = %v", lines)
	}
}

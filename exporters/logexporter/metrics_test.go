package logexporter_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/gocensus/gocensus/exporters/logexporter"
	"github.com/gocensus/gocensus/sdk/stats"
)

func metricBatch() []*stats.Metric {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	return []*stats.Metric{
		{
			Descriptor: stats.Descriptor{Name: "requests", Unit: "1", Type: stats.TypeCumulativeInt64, LabelKeys: []stats.LabelKey{{Key: "method"}}},
			TimeSeries: []*stats.TimeSeries{{
				LabelValues: []stats.LabelValue{{Value: "GET", Present: true}},
				StartTime:   now.Add(-time.Minute),
				Points:      []stats.Point{{Time: now, Int64Value: 7}},
			}},
		},
		nil,
		{Descriptor: stats.Descriptor{Name: "empty", Type: stats.TypeGaugeFloat64}},
	}
}

func TestExportMetricsJSONHandler(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	e, err := logexporter.New(slog.New(slog.NewJSONHandler(&buf, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.ExportMetrics(ctx, metricBatch()); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d records, want 2:\n%s", len(lines), buf.String())
	}
	var rec struct {
		Time   time.Time
		Level  string
		Msg    string
		Metric struct {
			Name       string
			Timeseries []struct {
				Labels map[string]string
				Points []struct{ Int64 int64 }
			}
		}
	}
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Msg != "requests" || rec.Level != "INFO" || rec.Metric.Name != "requests" ||
		rec.Metric.Timeseries[0].Labels["method"] != "GET" || rec.Metric.Timeseries[0].Points[0].Int64 != 7 ||
		!rec.Time.Equal(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("record = %s", lines[0])
	}
	if err := e.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.ExportMetrics(ctx, metricBatch()); !errors.Is(err, logexporter.ErrShutdown) {
		t.Errorf("after Shutdown: %v", err)
	}
}

func TestExportMetricsTextHandlerAndLevel(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn}))
	quiet, _ := logexporter.New(logger) // Info records are filtered out
	if err := quiet.ExportMetrics(context.Background(), metricBatch()); err != nil || buf.Len() != 0 {
		t.Fatalf("filtered export: err %v, output %q", err, buf.String())
	}
	loud, _ := logexporter.New(logger, logexporter.WithLevel(slog.LevelWarn))
	if err := loud.ExportMetrics(context.Background(), metricBatch()[:1]); err != nil {
		t.Fatal(err)
	}
	if out := buf.String(); !strings.Contains(out, `level=WARN msg=requests metric="{\"name\":\"requests\"`) {
		t.Errorf("text output = %s", out)
	}
}

func TestExportMetricsCancelled(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	e, _ := logexporter.New(slog.New(slog.NewJSONHandler(&buf, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := e.ExportMetrics(ctx, metricBatch()); !errors.Is(err, context.Canceled) || buf.Len() != 0 {
		t.Errorf("err %v, output %q", err, buf.String())
	}
}

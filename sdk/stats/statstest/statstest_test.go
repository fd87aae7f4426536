package statstest_test

import (
	"context"
	"errors"
	"testing"

	"go.uber.org/goleak"

	"github.com/gocensus/gocensus/sdk/stats"
	"github.com/gocensus/gocensus/sdk/stats/statstest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestExporter(t *testing.T) {
	t.Parallel()
	e := statstest.NewExporter()
	if e.Last() != nil || len(e.Batches()) != 0 {
		t.Fatal("new exporter is not empty")
	}
	one := []*stats.Metric{{Descriptor: stats.Descriptor{Name: "a"}}, nil}
	two := []*stats.Metric{{Descriptor: stats.Descriptor{Name: "b"}}}
	for _, b := range [][]*stats.Metric{one, two} {
		if err := e.ExportMetrics(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-e.Exported():
	default:
		t.Error("no notification")
	}
	if got := e.Batches(); len(got) != 2 || statstest.Find(got[0], "a") == nil || statstest.Find(got[0], "b") != nil {
		t.Errorf("batches = %v", got)
	}
	if statstest.Find(e.Last(), "b") == nil {
		t.Error("Last is not the second batch")
	}
	if err := e.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := e.ExportMetrics(context.Background(), one); !errors.Is(err, statstest.ErrExporterShutdown) {
		t.Errorf("after Shutdown: %v", err)
	}
	var zero statstest.Exporter
	if err := zero.ExportMetrics(context.Background(), one); err != nil || zero.Exported() != nil {
		t.Errorf("zero exporter: %v", err)
	}
}

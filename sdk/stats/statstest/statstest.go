package statstest

import (
	"context"
	"errors"
	"sync"

	"github.com/gocensus/gocensus/sdk/stats"
)

// ErrExporterShutdown is returned by Exporter.ExportMetrics after Shutdown.
var ErrExporterShutdown = errors.New("statstest: exporter is shut down")

// Exporter is a stats.MetricExporter that keeps every batch it receives.
// It is safe for concurrent use. The zero value is ready, but only an
// Exporter from NewExporter signals batches on Exported.
type Exporter struct {
	mu       sync.Mutex
	batches  [][]*stats.Metric
	shutdown int
	notify   chan struct{}
}

// NewExporter returns an empty Exporter.
func NewExporter() *Exporter {
	return &Exporter{notify: make(chan struct{}, 1)}
}

var _ stats.MetricExporter = (*Exporter)(nil)

// ExportMetrics stores metrics as one batch. After Shutdown it stores
// nothing and returns ErrExporterShutdown.
func (e *Exporter) ExportMetrics(ctx context.Context, metrics []*stats.Metric) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.shutdown > 0 {
		return ErrExporterShutdown
	}
	e.batches = append(e.batches, metrics)
	if e.notify != nil {
		select {
		case e.notify <- struct{}{}:
		default:
		}
	}
	return nil
}

// Shutdown marks the exporter shut down and counts the call.
func (e *Exporter) Shutdown(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.shutdown++
	return nil
}

// Exported receives a value after a batch arrives (coalesced: one value may
// stand for several batches). It is nil for a zero Exporter.
func (e *Exporter) Exported() <-chan struct{} { return e.notify }

// Batches returns the batches received so far, oldest first.
func (e *Exporter) Batches() [][]*stats.Metric {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([][]*stats.Metric(nil), e.batches...)
}

// Last returns the most recent batch, or nil.
func (e *Exporter) Last() []*stats.Metric {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.batches) == 0 {
		return nil
	}
	return e.batches[len(e.batches)-1]
}

// ShutdownCalls reports how many times Shutdown was called.
func (e *Exporter) ShutdownCalls() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.shutdown
}

// Find returns the metric named name in metrics, or nil.
func Find(metrics []*stats.Metric, name string) *stats.Metric {
	for _, m := range metrics {
		if m != nil && m.Descriptor.Name == name {
			return m
		}
	}
	return nil
}

// Labels returns the label values of ts as strings, with absent labels as
// "<absent>", which makes time series easy to compare in tests.
func Labels(ts *stats.TimeSeries) []string {
	out := make([]string, len(ts.LabelValues))
	for i, l := range ts.LabelValues {
		if l.Present {
			out[i] = l.Value
		} else {
			out[i] = "<absent>"
		}
	}
	return out
}

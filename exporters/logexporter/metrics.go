package logexporter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/gocensus/gocensus/sdk/stats"
)

var _ stats.MetricExporter = (*Exporter)(nil)

// ExportMetrics hands one record per metric to the logger's handler, at the
// WithLevel level, with the metric name as message and the whole metric,
// in the schema of stats.Metric.AppendJSON, as the "metric" attribute. The
// record time is the time of the metric's first point. It stops with ctx's
// error when ctx is done and returns the handler's errors joined; after
// Shutdown it returns ErrShutdown.
func (e *Exporter) ExportMetrics(ctx context.Context, metrics []*stats.Metric) error {
	if e.shutdown.Load() {
		return ErrShutdown
	}
	h := e.logger.Handler()
	if !h.Enabled(ctx, e.cfg.level) {
		return nil
	}
	var errs []error
	for _, m := range metrics {
		if err := ctx.Err(); err != nil {
			return errors.Join(append(errs, err)...)
		}
		if m == nil {
			continue
		}
		r := slog.NewRecord(pointTime(m), e.cfg.level, m.Descriptor.Name, 0)
		r.AddAttrs(slog.Any("metric", metricJSON(m.AppendJSON(nil))))
		if err := h.Handle(ctx, r); err != nil {
			errs = append(errs, fmt.Errorf("logexporter: metric %q: %w", m.Descriptor.Name, err))
		}
	}
	return errors.Join(errs...)
}

func pointTime(m *stats.Metric) time.Time {
	for _, ts := range m.TimeSeries {
		if ts != nil && len(ts.Points) > 0 {
			return ts.Points[0].Time
		}
	}
	return time.Now()
}

// metricJSON is an encoded metric. slog's JSON handler embeds it as an
// object (MarshalJSON); the text handler and others print it as a quoted
// string (MarshalText).
type metricJSON []byte

func (m metricJSON) MarshalJSON() ([]byte, error) { return m, nil }
func (m metricJSON) MarshalText() ([]byte, error) { return m, nil }

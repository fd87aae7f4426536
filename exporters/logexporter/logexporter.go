package logexporter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"sync/atomic"

	"github.com/gocensus/gocensus/sdk/trace"
)

// ErrShutdown is returned by ExportSpans after Shutdown.
var ErrShutdown = errors.New("logexporter: exporter is shut down")

// Option configures an Exporter.
type Option func(*config)

type config struct {
	level      slog.Level
	errorLevel slog.Level
}

// WithLevel sets the level of records for spans with an OK status. The
// default is slog.LevelInfo.
func WithLevel(l slog.Level) Option { return func(c *config) { c.level = l } }

// WithErrorLevel sets the level of records for spans whose status code is
// not OK. The default is slog.LevelError; services where non-OK statuses
// are routine (NOT_FOUND, say) may prefer slog.LevelWarn.
func WithErrorLevel(l slog.Level) Option { return func(c *config) { c.errorLevel = l } }

// Exporter logs spans. It is safe for concurrent use, as slog handlers are.
type Exporter struct {
	logger   *slog.Logger
	cfg      config
	shutdown atomic.Bool
}

var _ trace.SpanExporter = (*Exporter)(nil)

// New returns an Exporter logging to logger, which must not be nil.
func New(logger *slog.Logger, opts ...Option) (*Exporter, error) {
	if logger == nil {
		return nil, errors.New("logexporter: nil logger")
	}
	cfg := config{level: slog.LevelInfo, errorLevel: slog.LevelError}
	for _, o := range opts {
		o(&cfg)
	}
	return &Exporter{logger: logger, cfg: cfg}, nil
}

// ExportSpans hands one record per span to the logger's handler, skipping
// spans whose level the handler does not enable. It stops with ctx's error
// when ctx is done, and returns the handler's errors joined; spans after a
// failed one are still logged. After Shutdown it returns ErrShutdown.
func (e *Exporter) ExportSpans(ctx context.Context, spans []*trace.SpanData) error {
	if e.shutdown.Load() {
		return ErrShutdown
	}
	h := e.logger.Handler()
	var errs []error
	for _, s := range spans {
		if err := ctx.Err(); err != nil {
			return errors.Join(append(errs, err)...)
		}
		if s == nil {
			continue
		}
		level := e.cfg.level
		if s.Status.Code != 0 {
			level = e.cfg.errorLevel
		}
		if !h.Enabled(ctx, level) {
			continue
		}
		if err := h.Handle(ctx, record(s, level)); err != nil {
			errs = append(errs, fmt.Errorf("logexporter: span %s %q: %w", s.SpanID, s.Name, err))
		}
	}
	return errors.Join(errs...)
}

// Shutdown makes later ExportSpans calls return ErrShutdown. The logger is
// not closed or flushed; it belongs to the caller. It never blocks.
func (e *Exporter) Shutdown(context.Context) error {
	e.shutdown.Store(true)
	return nil
}

func record(s *trace.SpanData, level slog.Level) slog.Record {
	r := slog.NewRecord(s.EndTime, level, s.Name, 0)
	r.AddAttrs(
		slog.String("trace_id", s.TraceID.String()),
		slog.String("span_id", s.SpanID.String()),
	)
	if s.ParentSpanID.IsValid() {
		r.AddAttrs(slog.String("parent_span_id", s.ParentSpanID.String()))
	}
	r.AddAttrs(
		slog.String("kind", kindName(s.Kind)),
		slog.Time("start_time", s.StartTime),
		slog.Duration("duration", s.EndTime.Sub(s.StartTime)),
		slog.Int("status_code", int(s.Status.Code)),
		slog.String("status_name", statusName(s.Status.Code)),
	)
	if s.Status.Message != "" {
		r.AddAttrs(slog.String("status_message", s.Status.Message))
	}
	if len(s.Attributes) > 0 {
		attrs := make([]slog.Attr, len(s.Attributes))
		for i, a := range s.Attributes {
			attrs[i] = slogAttr(a)
		}
		r.AddAttrs(slog.Attr{Key: "attributes", Value: slog.GroupValue(attrs...)})
	}
	if len(s.Annotations) > 0 {
		msgs := make([]string, len(s.Annotations))
		for i := range s.Annotations {
			msgs[i] = s.Annotations[i].Message
		}
		r.AddAttrs(slog.Any("annotations", msgs))
	}
	if n := len(s.MessageEvents); n > 0 {
		r.AddAttrs(slog.Int("message_events", n))
	}
	if n := len(s.Links); n > 0 {
		r.AddAttrs(slog.Int("links", n))
	}
	if s.DroppedAttributeCount|s.DroppedAnnotationCount|s.DroppedMessageEventCount|s.DroppedLinkCount != 0 {
		dropped := make([]slog.Attr, 0, 4)
		for _, d := range []struct {
			key string
			n   int32
		}{
			{"attributes", s.DroppedAttributeCount},
			{"annotations", s.DroppedAnnotationCount},
			{"message_events", s.DroppedMessageEventCount},
			{"links", s.DroppedLinkCount},
		} {
			if d.n != 0 {
				dropped = append(dropped, slog.Int(d.key, int(d.n)))
			}
		}
		r.AddAttrs(slog.Attr{Key: "dropped", Value: slog.GroupValue(dropped...)})
	}
	return r
}

func slogAttr(a trace.Attribute) slog.Attr {
	v := a.Value
	switch v.Type() {
	case trace.BoolValueType:
		return slog.Bool(a.Key, v.AsBool())
	case trace.Int64ValueType:
		return slog.Int64(a.Key, v.AsInt64())
	case trace.Float64ValueType:
		f := v.AsFloat64()
		switch {
		case math.IsNaN(f):
			return slog.String(a.Key, "NaN")
		case math.IsInf(f, 1):
			return slog.String(a.Key, "+Inf")
		case math.IsInf(f, -1):
			return slog.String(a.Key, "-Inf")
		}
		return slog.Float64(a.Key, f)
	case trace.StringValueType:
		return slog.String(a.Key, v.AsString())
	default:
		return slog.Any(a.Key, nil)
	}
}

func kindName(k trace.SpanKind) string {
	switch k {
	case trace.SpanKindServer:
		return "SERVER"
	case trace.SpanKindClient:
		return "CLIENT"
	case trace.SpanKindProducer:
		return "PRODUCER"
	case trace.SpanKindConsumer:
		return "CONSUMER"
	case trace.SpanKindInternal:
		return "INTERNAL"
	default:
		return "UNSPECIFIED"
	}
}

var statusNames = [...]string{
	"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
	"ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
	"ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
	"UNAUTHENTICATED",
}

func statusName(code int32) string {
	if code >= 0 && int(code) < len(statusNames) {
		return statusNames[code]
	}
	return "CODE_" + strconv.Itoa(int(code))
}

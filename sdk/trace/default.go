package trace

import (
	"context"
	"errors"
	"io"
	"os"
	"sync"
	"sync/atomic"
)

var defaultTracer struct {
	mu sync.Mutex
	t  atomic.Pointer[Tracer]
}

// Default returns the package-level Tracer, building it on first use (never
// at init): the OpenCensus defaults, ProbabilitySampler(1e-4) and every
// sampled span written to standard output as one JSON line (the schema of
// SpanData.AppendJSON) when it ends. Libraries should take a *Tracer from
// their caller instead; Default is for programs and quick experiments.
func Default() *Tracer {
	if t := defaultTracer.t.Load(); t != nil {
		return t
	}
	defaultTracer.mu.Lock()
	defer defaultTracer.mu.Unlock()
	if t := defaultTracer.t.Load(); t != nil {
		return t
	}
	t := NewTracer(WithSyncer(newJSONLineExporter(os.Stdout)))
	defaultTracer.t.Store(t)
	return t
}

// SetDefault makes t the package-level Tracer returned by Default and used by
// Start. A nil t makes Default build a fresh default Tracer on next use. The
// previous Tracer is not shut down.
func SetDefault(t *Tracer) {
	defaultTracer.mu.Lock()
	defer defaultTracer.mu.Unlock()
	defaultTracer.t.Store(t)
}

// Start starts a span with the Default tracer; see Tracer.Start.
func Start(ctx context.Context, name string, opts ...StartOption) (context.Context, *Span) {
	return Default().Start(ctx, name, opts...)
}

// jsonLineExporter writes each span as one JSON line. It is the default
// tracer's exporter; the printexporter package offers a configurable one.
type jsonLineExporter struct {
	mu      sync.Mutex
	w       io.Writer
	buf     []byte
	stopped bool
}

var errExporterStopped = errors.New("trace: exporter is shut down")

func newJSONLineExporter(w io.Writer) *jsonLineExporter { return &jsonLineExporter{w: w} }

func (e *jsonLineExporter) ExportSpans(ctx context.Context, spans []*SpanData) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.stopped {
		return errExporterStopped
	}
	buf := e.buf[:0]
	for _, s := range spans {
		buf = append(s.AppendJSON(buf), '\n')
	}
	e.buf = buf
	_, err := e.w.Write(buf)
	return err
}

func (e *jsonLineExporter) Shutdown(ctx context.Context) error {
	e.mu.Lock()
	e.stopped = true
	e.mu.Unlock()
	return nil
}

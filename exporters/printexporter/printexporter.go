package printexporter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/gocensus/gocensus/sdk/stats"
	"github.com/gocensus/gocensus/sdk/trace"
)

// ErrShutdown is returned by ExportSpans and ExportMetrics after Shutdown.
var ErrShutdown = errors.New("printexporter: exporter is shut down")

// maxRetainedBuffer caps the encoding buffer kept between batches, so one
// huge batch does not pin its memory for the life of the process.
const maxRetainedBuffer = 1 << 20

// Option configures an Exporter.
type Option func(*config)

type config struct {
	w io.Writer
}

// WithWriter sends the lines to w instead of os.Stdout. A nil w keeps the
// default. The exporter never closes w.
func WithWriter(w io.Writer) Option {
	return func(c *config) {
		if w != nil {
			c.w = w
		}
	}
}

// Exporter writes spans and metrics as JSON lines. It is safe for concurrent use. The
// zero value is ready to use and writes to os.Stdout.
type Exporter struct {
	w io.Writer // nil means os.Stdout, looked up at each write

	// sem is a one-slot semaphore rather than a mutex so that a caller
	// waiting behind a blocked write can give up when its ctx is done.
	sem      chan struct{}
	semOnce  sync.Once
	buf      []byte
	shutdown bool
}

// New returns an Exporter that writes to os.Stdout unless WithWriter says
// otherwise.
func New(opts ...Option) *Exporter {
	var c config
	for _, o := range opts {
		o(&c)
	}
	return &Exporter{w: c.w}
}

var (
	_ trace.SpanExporter   = (*Exporter)(nil)
	_ stats.MetricExporter = (*Exporter)(nil)
)

// ExportSpans writes one line per span with a single Write call. It waits
// for a concurrent export to finish, giving up with ctx's error when ctx is
// done first; the write itself cannot be interrupted. A failed or short
// write is returned wrapped; after Shutdown it returns ErrShutdown and
// writes nothing.
func (e *Exporter) ExportSpans(ctx context.Context, spans []*trace.SpanData) error {
	return e.write(ctx, len(spans), "spans", func(buf []byte) []byte {
		for _, s := range spans {
			buf = s.AppendJSON(buf)
			buf = append(buf, '\n')
		}
		return buf
	})
}

// ExportMetrics writes one line per metric, in the schema of
// stats.Metric.AppendJSON, with a single Write call. It makes the Exporter a
// stats.MetricExporter and behaves as ExportSpans does.
func (e *Exporter) ExportMetrics(ctx context.Context, metrics []*stats.Metric) error {
	return e.write(ctx, len(metrics), "metrics", func(buf []byte) []byte {
		for _, m := range metrics {
			buf = m.AppendJSON(buf)
			buf = append(buf, '\n')
		}
		return buf
	})
}

// write encodes n items with encode into the reused buffer and writes it.
func (e *Exporter) write(ctx context.Context, n int, what string, encode func([]byte) []byte) error {
	if err := e.lock(ctx); err != nil {
		return err
	}
	defer e.unlock()
	if e.shutdown {
		return ErrShutdown
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	buf := encode(e.buf[:0])
	if cap(buf) <= maxRetainedBuffer {
		e.buf = buf
	} else {
		e.buf = nil
	}
	w := e.w
	if w == nil {
		w = os.Stdout
	}
	written, err := w.Write(buf)
	if err == nil && written < len(buf) {
		err = io.ErrShortWrite
	}
	if err != nil {
		return fmt.Errorf("printexporter: writing %d %s (%d of %d bytes written): %w", n, what, written, len(buf), err)
	}
	return nil
}

// Shutdown stops the exporter; later ExportSpans and ExportMetrics calls
// return ErrShutdown. Nothing is buffered, so there is nothing to flush, but Shutdown waits for
// an export in progress unless ctx is done first. It does not close the
// writer. Calling it again is a no-op.
func (e *Exporter) Shutdown(ctx context.Context) error {
	if err := e.lock(ctx); err != nil {
		return fmt.Errorf("printexporter: shutdown: %w", err)
	}
	e.shutdown = true
	e.buf = nil
	e.unlock()
	return nil
}

func (e *Exporter) lock(ctx context.Context) error {
	e.semOnce.Do(func() { e.sem = make(chan struct{}, 1) })
	select {
	case e.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (e *Exporter) unlock() { <-e.sem }

package trace

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// SpanProcessor receives sampled spans as they start and end. A Tracer calls
// its processors in the order they were added.
//
// Contract:
//   - OnStart and OnEnd are called on the goroutine that starts or ends the
//     span, possibly from many goroutines at once; they must be safe for
//     concurrent use and should not block, since they are on the
//     application's hot path. They are only called for sampled spans.
//   - OnStart receives the context the span was started from (its parent's;
//     context.Background() for StartSpan) and the live span, on which it may
//     set attributes.
//   - OnEnd receives the span's final SpanData, which is immutable and may
//     be kept (it is never reused by the tracer).
//   - ForceFlush exports everything received before the call and returns
//     when done or when ctx is done, with ctx's error in that case.
//   - Shutdown flushes, shuts the processor's exporter down and releases
//     resources within ctx's deadline; it is idempotent and safe to call
//     concurrently with the other methods. After Shutdown, OnStart and OnEnd
//     are ignored (and counted as dropped where the processor counts) and
//     ForceFlush returns nil.
type SpanProcessor interface {
	OnStart(ctx context.Context, s *Span)
	OnEnd(s *SpanData)
	ForceFlush(ctx context.Context) error
	Shutdown(ctx context.Context) error
}

// DefaultExportTimeout bounds one ExportSpans call.
const DefaultExportTimeout = 30 * time.Second

// SimpleSpanProcessor exports each span synchronously from the goroutine that
// ends it, one at a time. End blocks for the export, so use it for tests and
// debugging; use a BatchSpanProcessor in production.
type SimpleSpanProcessor struct {
	exp      SpanExporter
	mu       sync.Mutex // serialises ExportSpans
	stopped  bool
	batch    [1]*SpanData
	exported atomic.Uint64
	failed   atomic.Uint64
	loss     lossReporter

	shutdownOnce sync.Once
	shutdownErr  error
}

// SimpleOption configures NewSimpleSpanProcessor.
type SimpleOption interface {
	applySimple(*SimpleSpanProcessor)
}

type simpleOption func(*SimpleSpanProcessor)

func (f simpleOption) applySimple(p *SimpleSpanProcessor) { f(p) }

// WithSimpleLogger sets the logger for the loss warnings (default
// slog.Default()).
func WithSimpleLogger(l *slog.Logger) SimpleOption {
	return simpleOption(func(p *SimpleSpanProcessor) { p.loss.logger = l })
}

// NewSimpleSpanProcessor returns a processor exporting each span to e as it
// ends. Failed exports are counted and logged once when failures start and
// once when they stop. A nil e gives a processor that ignores spans.
func NewSimpleSpanProcessor(e SpanExporter, opts ...SimpleOption) *SimpleSpanProcessor {
	p := &SimpleSpanProcessor{exp: e, loss: lossReporter{processor: "simple"}}
	for _, o := range opts {
		if o != nil {
			o.applySimple(p)
		}
	}
	return p
}

// OnStart does nothing.
func (p *SimpleSpanProcessor) OnStart(context.Context, *Span) {}

// OnEnd exports s, blocking until the exporter returns or DefaultExportTimeout
// passes.
func (p *SimpleSpanProcessor) OnEnd(s *SpanData) {
	if s == nil || !s.IsSampled() || p.exp == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		p.failed.Add(1)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), DefaultExportTimeout)
	p.batch[0] = s
	err := safeExport(ctx, p.exp, p.batch[:])
	p.batch[0] = nil
	cancel()
	if err != nil {
		total := p.failed.Add(1)
		p.loss.start("export failed", err, total, 1, p.exported.Load())
		return
	}
	p.exported.Add(1)
	p.loss.check(p.failed.Load(), p.exported.Load())
}

// ForceFlush returns at once: spans are exported as they end.
func (p *SimpleSpanProcessor) ForceFlush(ctx context.Context) error { return nil }

// Shutdown shuts the exporter down; later spans are counted as failed and
// not exported.
func (p *SimpleSpanProcessor) Shutdown(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	p.shutdownOnce.Do(func() {
		p.mu.Lock()
		p.stopped = true
		p.mu.Unlock()
		if p.exp != nil {
			if err := p.exp.Shutdown(ctx); err != nil {
				p.shutdownErr = fmt.Errorf("trace: simple span processor: exporter shutdown: %w", err)
			}
		}
	})
	return p.shutdownErr
}

// Exported and Failed report how many spans were exported and how many were
// lost (export error, or ended after Shutdown).
func (p *SimpleSpanProcessor) Exported() uint64 { return p.exported.Load() }

// Failed reports how many spans were not exported; see Exported.
func (p *SimpleSpanProcessor) Failed() uint64 { return p.failed.Load() }

// safeExport calls e.ExportSpans, turning a panic into an error so that a
// faulty exporter cannot take the process down.
func safeExport(ctx context.Context, e SpanExporter, spans []*SpanData) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("trace: exporter panicked: %v", r)
		}
	}()
	return e.ExportSpans(ctx, spans)
}

// lossReporter logs when a processor starts losing spans and when it stops,
// never once per span.
type lossReporter struct {
	processor string
	logger    *slog.Logger // nil means slog.Default()
	losing    atomic.Bool
	mu        sync.Mutex
	base      uint64 // loss total before the episode
	seen      uint64 // loss total at the last check
	delivered uint64 // spans delivered at the start or the last check
}

func (l *lossReporter) log() *slog.Logger {
	if l.logger != nil {
		return l.logger
	}
	return slog.Default()
}

// start is called after n spans were lost, bringing the total to total,
// when delivered spans had been delivered.
func (l *lossReporter) start(reason string, err error, total, n, delivered uint64) {
	if l.losing.Load() {
		return
	}
	l.mu.Lock()
	if l.losing.Load() {
		l.mu.Unlock()
		return
	}
	l.base, l.seen, l.delivered = total-n, total, delivered
	l.losing.Store(true)
	l.mu.Unlock()
	attrs := []any{"processor", l.processor, "reason", reason}
	if err != nil {
		attrs = append(attrs, "error", err)
	}
	l.log().Warn("trace: span processor started dropping spans", attrs...)
}

// check ends the episode when no span was lost since the previous check
// and some were delivered: a quiet moment in a burst of losses (the worker
// between two failing batches) is not a recovery.
func (l *lossReporter) check(total, delivered uint64) {
	if !l.losing.Load() {
		return
	}
	l.mu.Lock()
	if !l.losing.Load() {
		l.mu.Unlock()
		return
	}
	if total != l.seen || delivered == l.delivered {
		l.seen, l.delivered = total, delivered
		l.mu.Unlock()
		return
	}
	l.losing.Store(false)
	lost := total - l.base
	l.mu.Unlock()
	l.log().Warn("trace: span processor stopped dropping spans", "processor", l.processor, "dropped", lost)
}

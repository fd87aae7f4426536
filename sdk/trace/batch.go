package trace

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// Batch processor defaults, those of OpenTelemetry's batch processor, plus a
// byte budget.
const (
	DefaultMaxQueueSize       = 2048
	DefaultMaxQueueBytes      = 8 << 20
	DefaultMaxExportBatchSize = 512
	DefaultBatchTimeout       = 5 * time.Second

	maxQueueSizeLimit  = 1<<24 - 1
	maxQueueBytesLimit = 1 << 36
)

// The admission word packs the number of spans (high 24 bits) and their
// estimated bytes (low 40 bits) held by the processor, so one atomic add
// reserves both. Byte counts are capped at 2^36, which leaves room for many
// concurrent over-budget attempts before the byte field could carry.
const (
	countShift = 40
	bytesMask  = 1<<countShift - 1
)

// BatchOption configures NewBatchSpanProcessor and WithBatcher.
type BatchOption interface {
	applyBatch(*batchConfig)
}

type batchOption func(*batchConfig)

func (f batchOption) applyBatch(c *batchConfig) { f(c) }

type batchConfig struct {
	maxQueueSize  int
	maxQueueBytes int
	maxBatchSize  int
	batchTimeout  time.Duration
	exportTimeout time.Duration
	blockTimeout  time.Duration
	logger        *slog.Logger
}

// WithMaxQueueSize bounds the spans held (queued or being exported); default
// 2048. Values below 1 keep the default.
func WithMaxQueueSize(n int) BatchOption {
	return batchOption(func(c *batchConfig) { c.maxQueueSize = n })
}

// WithMaxQueueBytes bounds the estimated memory of the spans held; default
// 8 MiB. Values below 1 keep the default; the maximum is 64 GiB.
func WithMaxQueueBytes(n int) BatchOption {
	return batchOption(func(c *batchConfig) { c.maxQueueBytes = n })
}

// WithMaxExportBatchSize bounds the spans per ExportSpans call; default 512,
// and never more than the queue size.
func WithMaxExportBatchSize(n int) BatchOption {
	return batchOption(func(c *batchConfig) { c.maxBatchSize = n })
}

// WithBatchTimeout sets the longest a span waits before export when batches
// do not fill up; default 5 s.
func WithBatchTimeout(d time.Duration) BatchOption {
	return batchOption(func(c *batchConfig) { c.batchTimeout = d })
}

// WithExportTimeout bounds each ExportSpans call; default 30 s.
func WithExportTimeout(d time.Duration) BatchOption {
	return batchOption(func(c *batchConfig) { c.exportTimeout = d })
}

// WithBlocking makes End wait up to timeout for room when the queue is full,
// instead of dropping the span at once. A timeout of 0 or less keeps the
// default non-blocking behaviour. Blocking trades application latency for
// completeness; prefer a larger queue.
func WithBlocking(timeout time.Duration) BatchOption {
	return batchOption(func(c *batchConfig) { c.blockTimeout = timeout })
}

// WithLogger sets the logger for the loss warnings (default slog.Default()).
func WithLogger(l *slog.Logger) BatchOption {
	return batchOption(func(c *batchConfig) { c.logger = l })
}

// BatchStats is a snapshot of a BatchSpanProcessor's counters. At any moment
// when no span is being ended,
//
//	Ended == Exported + DroppedQueueFull + DroppedExportFailed + DroppedShutdown + Queued
type BatchStats struct {
	// Ended counts sampled spans handed to OnEnd.
	Ended uint64
	// Exported counts spans in batches the exporter accepted.
	Exported uint64
	// DroppedQueueFull counts spans refused because the queue was full by
	// count or bytes.
	DroppedQueueFull uint64
	// DroppedExportFailed counts spans in batches the exporter failed.
	DroppedExportFailed uint64
	// DroppedShutdown counts spans ended after Shutdown began and spans
	// still queued when Shutdown's deadline passed.
	DroppedShutdown uint64
	// Queued counts spans held: waiting or being exported.
	Queued uint64
	// QueuedBytes is the estimated memory of the spans held.
	QueuedBytes uint64
}

// Dropped returns the sum of the Dropped counters.
func (s BatchStats) Dropped() uint64 {
	return s.DroppedQueueFull + s.DroppedExportFailed + s.DroppedShutdown
}

// BatchSpanProcessor queues ended spans and exports them in batches from one
// goroutine, so End never waits for the exporter. The queue is bounded by
// span count and by estimated bytes; when it is full, spans are dropped and
// counted (or, WithBlocking, End waits up to a timeout). A warning is logged
// when loss starts and when it stops. Build it with NewBatchSpanProcessor and
// end it with Shutdown, which leaves no goroutine behind.
//
// The queue is a lock-free ring: ending a span costs two atomic adds and no
// lock, so many goroutines can end spans at once. A zero BatchSpanProcessor
// ignores spans.
type BatchSpanProcessor struct {
	_        [64]byte // keep the hot words off other data's cache lines
	admitted atomic.Uint64
	_        [56]byte
	tail     atomic.Uint64 // positions claimed by producers = spans enqueued
	_        [56]byte

	exp       SpanExporter
	cfg       batchConfig
	ring      []batchSlot
	mask      uint64
	maxCount  uint64
	maxBytes  uint64
	wakeCount uint64

	stopped         atomic.Bool
	exported        atomic.Uint64
	rejectedFull    atomic.Uint64
	rejectedStopped atomic.Uint64
	exportFailed    atomic.Uint64
	drainDropped    atomic.Uint64
	loss            lossReporter

	wake    chan struct{}
	flushCh chan flushRequest
	stopCh  chan context.Context
	done    chan struct{}

	spaceMu      sync.Mutex
	spaceCh      chan struct{}
	spaceWaiters atomic.Int32

	runCtx    context.Context // cancelled when Shutdown's deadline passes
	cancelRun context.CancelFunc

	// worker-only state
	head  uint64
	batch []*SpanData

	// Written by the worker, read by Shutdown after done is closed.
	stopErrs []error // export errors after Shutdown began, exporter Shutdown error

	shutdownOnce sync.Once
	shutdownErr  error
}

type batchSlot struct {
	seq  atomic.Uint64 // position+1 once the slot holds the span at position
	span *SpanData
	size uint64
}

type flushRequest struct {
	ctx  context.Context
	done chan error
}

// spanBaseSize is the memory of a recorded span before its variable parts.
const spanBaseSize = uint64(unsafe.Sizeof(sampledCtx{}))

// NewBatchSpanProcessor returns a processor exporting to e in batches and
// starts its goroutine. A nil e gives a processor that ignores spans.
func NewBatchSpanProcessor(e SpanExporter, opts ...BatchOption) *BatchSpanProcessor {
	c := batchConfig{
		maxQueueSize:  DefaultMaxQueueSize,
		maxQueueBytes: DefaultMaxQueueBytes,
		maxBatchSize:  DefaultMaxExportBatchSize,
		batchTimeout:  DefaultBatchTimeout,
		exportTimeout: DefaultExportTimeout,
	}
	for _, o := range opts {
		if o != nil {
			o.applyBatch(&c)
		}
	}
	if c.maxQueueSize < 1 {
		c.maxQueueSize = DefaultMaxQueueSize
	}
	c.maxQueueSize = min(c.maxQueueSize, maxQueueSizeLimit)
	if c.maxQueueBytes < 1 {
		c.maxQueueBytes = DefaultMaxQueueBytes
	}
	c.maxQueueBytes = min(c.maxQueueBytes, maxQueueBytesLimit)
	if c.maxBatchSize < 1 {
		c.maxBatchSize = DefaultMaxExportBatchSize
	}
	c.maxBatchSize = min(c.maxBatchSize, c.maxQueueSize)
	if c.batchTimeout <= 0 {
		c.batchTimeout = DefaultBatchTimeout
	}
	if c.exportTimeout <= 0 {
		c.exportTimeout = DefaultExportTimeout
	}
	ringSize := 1
	for ringSize < c.maxQueueSize {
		ringSize <<= 1
	}
	p := &BatchSpanProcessor{
		exp:       e,
		cfg:       c,
		ring:      make([]batchSlot, ringSize),
		mask:      uint64(ringSize - 1),
		maxCount:  uint64(c.maxQueueSize),
		maxBytes:  uint64(c.maxQueueBytes),
		wakeCount: uint64(c.maxBatchSize),
		loss:      lossReporter{processor: "batch", logger: c.logger},
		wake:      make(chan struct{}, 1),
		flushCh:   make(chan flushRequest),
		stopCh:    make(chan context.Context, 1),
		done:      make(chan struct{}),
		batch:     make([]*SpanData, 0, c.maxBatchSize),
	}
	p.runCtx, p.cancelRun = context.WithCancel(context.Background())
	if e == nil {
		p.stopped.Store(true)
		close(p.done)
		return p
	}
	go p.run()
	return p
}

// OnStart does nothing.
func (p *BatchSpanProcessor) OnStart(context.Context, *Span) {}

// OnEnd queues s for export without blocking (unless WithBlocking). Spans
// that are not sampled are ignored.
func (p *BatchSpanProcessor) OnEnd(s *SpanData) {
	if s == nil || !s.IsSampled() || p.exp == nil {
		return
	}
	size := min(estimateSize(s), p.maxBytes+1)
	unit := 1<<countShift | size
	var deadline time.Time
	for {
		// Admit before checking stopped: Shutdown sets stopped and then waits
		// for the admitted count to drain, so a span admitted here either sees
		// stopped or is seen by the drain.
		v := p.admitted.Add(unit)
		if p.stopped.Load() {
			p.admitted.Add(-unit)
			p.rejectedStopped.Add(1)
			return
		}
		if v>>countShift <= p.maxCount && v&bytesMask <= p.maxBytes {
			p.enqueue(s, size, v>>countShift)
			return
		}
		p.admitted.Add(-unit)
		if p.cfg.blockTimeout <= 0 || size > p.maxBytes {
			break
		}
		if deadline.IsZero() {
			deadline = time.Now().Add(p.cfg.blockTimeout)
		}
		if !p.waitForSpace(deadline, unit) {
			break
		}
	}
	n := p.rejectedFull.Add(1)
	p.loss.start("queue full", nil, n+p.exportFailed.Load()+p.drainDropped.Load(), 1, p.exported.Load())
}

func (p *BatchSpanProcessor) enqueue(s *SpanData, size, count uint64) {
	pos := p.tail.Add(1) - 1
	slot := &p.ring[pos&p.mask]
	slot.span = s
	slot.size = size
	slot.seq.Store(pos + 1)
	// Wake the worker whenever a full batch is waiting, not only when the
	// count first reaches it: a worker that found a claimed but unpublished
	// slot goes back to sleep with the queue still full.
	if count >= p.wakeCount && len(p.wake) == 0 {
		select {
		case p.wake <- struct{}{}:
		default:
		}
	}
}

// waitForSpace waits until the worker frees room for unit, the deadline
// passes or the processor stops; it reports whether to try again.
func (p *BatchSpanProcessor) waitForSpace(deadline time.Time, unit uint64) bool {
	d := time.Until(deadline)
	if d <= 0 {
		return false
	}
	p.spaceMu.Lock()
	if p.spaceCh == nil {
		p.spaceCh = make(chan struct{})
	}
	ch := p.spaceCh
	p.spaceWaiters.Add(1)
	p.spaceMu.Unlock()
	defer p.spaceWaiters.Add(-1)
	// The worker may have freed room after the failed admission but before
	// the registration above, and then seen no waiter to wake: look again.
	// Either this load sees the release, or the release's signalSpace sees
	// the registration and closes ch.
	if v := p.admitted.Load() + unit; v>>countShift <= p.maxCount && v&bytesMask <= p.maxBytes {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ch:
		return true
	case <-t.C:
		return false
	case <-p.done:
		return true // the retry sees stopped
	}
}

func (p *BatchSpanProcessor) signalSpace() {
	if p.spaceWaiters.Load() == 0 {
		return
	}
	p.spaceMu.Lock()
	if p.spaceCh != nil {
		close(p.spaceCh)
		p.spaceCh = nil
	}
	p.spaceMu.Unlock()
}

// estimateSize approximates the memory a SpanData keeps alive.
func estimateSize(s *SpanData) uint64 {
	n := spanBaseSize + uint64(len(s.Name)+len(s.Status.Message)+len(s.Tracestate.String()))
	n += attributesSize(s.Attributes)
	if cap(s.Attributes) > inlineAttributes {
		n += uint64(cap(s.Attributes)) * uint64(unsafe.Sizeof(Attribute{}))
	}
	for i := range s.Annotations {
		a := &s.Annotations[i]
		n += uint64(unsafe.Sizeof(Annotation{})+uintptr(len(a.Message))) + attributesSize(a.Attributes) +
			uint64(len(a.Attributes))*uint64(unsafe.Sizeof(Attribute{}))
	}
	n += uint64(len(s.MessageEvents)) * uint64(unsafe.Sizeof(MessageEvent{}))
	for i := range s.Links {
		l := &s.Links[i]
		n += uint64(unsafe.Sizeof(Link{})+uintptr(len(l.Tracestate.String()))) + attributesSize(l.Attributes) +
			uint64(len(l.Attributes))*uint64(unsafe.Sizeof(Attribute{}))
	}
	n += uint64(len(s.StackTrace)) * 8
	return n
}

func attributesSize(attrs []Attribute) uint64 {
	var n uint64
	for i := range attrs {
		n += uint64(len(attrs[i].Key) + attrs[i].Value.strLen())
	}
	return n
}

// Stats returns a snapshot of the counters.
func (p *BatchSpanProcessor) Stats() BatchStats {
	a := p.admitted.Load()
	full := p.rejectedFull.Load()
	stopped := p.rejectedStopped.Load()
	return BatchStats{
		Ended:               p.tail.Load() + full + stopped,
		Exported:            p.exported.Load(),
		DroppedQueueFull:    full,
		DroppedExportFailed: p.exportFailed.Load(),
		DroppedShutdown:     stopped + p.drainDropped.Load(),
		Queued:              a >> countShift,
		QueuedBytes:         a & bytesMask,
	}
}

func (p *BatchSpanProcessor) lostTotal() uint64 {
	return p.rejectedFull.Load() + p.exportFailed.Load() + p.drainDropped.Load()
}

// ForceFlush exports every span queued before the call and returns the
// exporter's errors, or ctx's error if ctx is done first. The exports it
// runs use ctx, so an export cut short by ctx fails (and its spans count as
// DroppedExportFailed); spans not reached stay queued. After Shutdown it
// returns nil.
func (p *BatchSpanProcessor) ForceFlush(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if p.exp == nil || p.stopped.Load() {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("trace: batch span processor: force flush: %w", err)
	}
	req := flushRequest{ctx: ctx, done: make(chan error, 1)}
	select {
	case p.flushCh <- req:
	case <-p.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("trace: batch span processor: force flush: %w", ctx.Err())
	}
	select {
	case err := <-req.done:
		if err != nil {
			return fmt.Errorf("trace: batch span processor: force flush: %w", err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("trace: batch span processor: force flush: %w", ctx.Err())
	}
}

// UndeliveredError reports spans a Shutdown could not deliver.
type UndeliveredError struct {
	// Count is the number of spans accepted before Shutdown that were not
	// exported.
	Count uint64
	// Err is the cause: ctx's error, export errors, the exporter's Shutdown
	// error, or several joined.
	Err error
}

func (e *UndeliveredError) Error() string {
	return fmt.Sprintf("trace: batch span processor: %d spans not delivered: %v", e.Count, e.Err)
}

func (e *UndeliveredError) Unwrap() error { return e.Err }

// shutdownGrace is how long Shutdown waits past ctx's deadline for the
// worker to count what it dropped.
const shutdownGrace = 50 * time.Millisecond

// Shutdown stops accepting spans, exports what is queued within ctx's
// deadline, shuts the exporter down (with ctx, even when it has expired, so
// it can release resources) and stops the goroutine. It returns by ctx's
// deadline (plus at most 50 ms of bookkeeping) provided the exporter honours
// ctx. When spans could not be delivered, or the exporter's Shutdown fails,
// the error is an *UndeliveredError (or wraps the exporter's error). Only the
// first call does the work; later calls return its result.
func (p *BatchSpanProcessor) Shutdown(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	p.shutdownOnce.Do(func() {
		if p.exp == nil {
			return
		}
		lost0 := p.exportFailed.Load() + p.drainDropped.Load()
		p.stopped.Store(true)
		p.stopCh <- ctx
		var timedOut bool
		select {
		case <-p.done:
		case <-ctx.Done():
			p.cancelRun()
			t := time.NewTimer(shutdownGrace)
			select {
			case <-p.done:
			case <-t.C:
				timedOut = true
			}
			t.Stop()
		}
		p.cancelRun()
		p.shutdownErr = p.shutdownResult(ctx, timedOut, lost0)
	})
	return p.shutdownErr
}

// shutdownResult counts as undelivered every span whose export failed or
// that was dropped after Shutdown began (lost0 is the loss count before),
// plus, if the worker is still running, every span it still holds.
func (p *BatchSpanProcessor) shutdownResult(ctx context.Context, timedOut bool, lost0 uint64) error {
	n := p.exportFailed.Load() + p.drainDropped.Load() - lost0
	if timedOut {
		return &UndeliveredError{Count: n + p.admitted.Load()>>countShift, Err: ctx.Err()}
	}
	errs := p.stopErrs
	if n > 0 && ctx.Err() != nil {
		errs = append(errs, ctx.Err())
	}
	err := errors.Join(errs...)
	if n > 0 {
		if err == nil {
			err = errors.New("export failed")
		}
		return &UndeliveredError{Count: n, Err: err}
	}
	if err != nil {
		return fmt.Errorf("trace: batch span processor: %w", err)
	}
	return nil
}

// run is the worker: it exports full batches when woken, everything on the
// timer, and drains on Shutdown.
func (p *BatchSpanProcessor) run() {
	defer close(p.done)
	timer := time.NewTimer(p.cfg.batchTimeout)
	defer timer.Stop()
	for {
		select {
		case <-p.wake:
			for p.tail.Load()-p.head >= uint64(p.cfg.maxBatchSize) {
				// Wait for claimed slots: their producers are a few
				// instructions from publishing them.
				bytes := p.collect(p.tail.Load(), true, p.runCtx)
				if len(p.batch) == 0 {
					break
				}
				p.export(p.runCtx, bytes)
			}
		case <-timer.C:
			limit := p.tail.Load()
			for p.head < limit {
				bytes := p.collect(limit, false, p.runCtx)
				if len(p.batch) == 0 {
					break
				}
				p.export(p.runCtx, bytes)
			}
		case req := <-p.flushCh:
			req.done <- p.flush(req.ctx)
		case ctx := <-p.stopCh:
			p.drain(ctx)
			return
		}
		p.loss.check(p.lostTotal(), p.exported.Load())
		timer.Reset(p.cfg.batchTimeout)
	}
}

// collect moves up to a batch of published spans at positions below limit
// into p.batch and returns their bytes. With wait it waits for spans that
// are claimed but not yet published (a producer between two instructions),
// until ctx is done.
func (p *BatchSpanProcessor) collect(limit uint64, wait bool, ctx context.Context) uint64 {
	var bytes uint64
	for len(p.batch) < cap(p.batch) && p.head < limit {
		slot := &p.ring[p.head&p.mask]
		if slot.seq.Load() != p.head+1 {
			if !wait || ctx.Err() != nil {
				break
			}
			runtime.Gosched()
			continue
		}
		p.batch = append(p.batch, slot.span)
		bytes += slot.size
		slot.span = nil
		p.head++
	}
	return bytes
}

// export sends p.batch, counts the outcome and releases the batch's room in
// the queue.
func (p *BatchSpanProcessor) export(ctx context.Context, bytes uint64) error {
	n := uint64(len(p.batch))
	if n == 0 {
		return nil
	}
	ectx, cancel := context.WithTimeout(ctx, p.cfg.exportTimeout)
	err := safeExport(ectx, p.exp, p.batch)
	cancel()
	if err == nil {
		p.exported.Add(n)
	} else {
		p.exportFailed.Add(n)
		p.loss.start("export failed", err, p.lostTotal(), n, p.exported.Load())
		if p.stopped.Load() {
			p.stopErrs = append(p.stopErrs, err)
		}
	}
	p.release(n, bytes)
	return err
}

func (p *BatchSpanProcessor) release(n, bytes uint64) {
	clear(p.batch)
	p.batch = p.batch[:0]
	p.admitted.Add(-(n<<countShift | bytes))
	p.signalSpace()
}

// flush exports every span enqueued before it was called.
func (p *BatchSpanProcessor) flush(ctx context.Context) error {
	limit := p.tail.Load()
	var errs []error
	for p.head < limit {
		bytes := p.collect(limit, true, ctx)
		if err := p.export(ctx, bytes); err != nil {
			errs = append(errs, err)
		}
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
	}
	return errors.Join(errs...)
}

// drain exports everything held until ctx is done, drops and counts what is
// left, then shuts the exporter down.
func (p *BatchSpanProcessor) drain(ctx context.Context) {
	for ctx.Err() == nil && p.admitted.Load()>>countShift != 0 {
		bytes := p.collect(p.tail.Load(), true, ctx)
		if len(p.batch) == 0 {
			// Admitted but not yet claimed: a producer is mid-way, or is
			// about to see stopped and back out.
			runtime.Gosched()
			continue
		}
		p.export(ctx, bytes)
	}
	if ctx.Err() != nil {
		for {
			bytes := p.collect(p.tail.Load(), false, ctx)
			if len(p.batch) == 0 {
				break
			}
			n := uint64(len(p.batch))
			p.drainDropped.Add(n)
			p.release(n, bytes)
		}
	}
	if err := p.exp.Shutdown(ctx); err != nil {
		p.stopErrs = append(p.stopErrs, fmt.Errorf("exporter shutdown: %w", err))
	}
}

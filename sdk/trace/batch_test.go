package trace_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gocensus/gocensus/sdk/trace"
)

var errExport = errors.New("export failed")

// testExporter records batches and can block, fail or panic on demand. It
// flags overlapping ExportSpans calls, which the processor must never make.
type testExporter struct {
	mu        sync.Mutex
	batches   [][]*trace.SpanData
	names     []string
	shutdowns int

	gate       chan struct{} // when non-nil, each export takes one value or waits for ctx
	fail       atomic.Bool
	panics     atomic.Bool
	inExport   atomic.Int32
	concurrent atomic.Bool
	calls      atomic.Int32
}

func (e *testExporter) ExportSpans(ctx context.Context, spans []*trace.SpanData) error {
	if e.inExport.Add(1) > 1 {
		e.concurrent.Store(true)
	}
	defer e.inExport.Add(-1)
	e.calls.Add(1)
	if e.gate != nil {
		select {
		case <-e.gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if e.panics.Load() {
		panic("exporter bug")
	}
	if e.fail.Load() {
		return errExport
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.batches = append(e.batches, append([]*trace.SpanData(nil), spans...))
	for _, s := range spans {
		e.names = append(e.names, s.Name)
	}
	return nil
}

func (e *testExporter) Shutdown(context.Context) error {
	e.mu.Lock()
	e.shutdowns++
	e.mu.Unlock()
	return nil
}

func (e *testExporter) exported() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.names)
}

func (e *testExporter) batchSizes() []int {
	e.mu.Lock()
	defer e.mu.Unlock()
	var n []int
	for _, b := range e.batches {
		n = append(n, len(b))
	}
	return n
}

// eventually polls cond for up to 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func checkAccounting(t *testing.T, st trace.BatchStats) {
	t.Helper()
	if sum := st.Exported + st.Dropped() + st.Queued; st.Ended != sum {
		t.Errorf("accounting broken: ended %d != exported %d + dropped %d + queued %d (%+v)",
			st.Ended, st.Exported, st.Dropped(), st.Queued, st)
	}
}

func endSpans(tr *trace.Tracer, n int, name string) {
	for range n {
		_, s := tr.Start(context.Background(), name)
		s.End()
	}
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func newBatchTracer(t *testing.T, exp trace.SpanExporter, opts ...trace.BatchOption) (*trace.Tracer, *trace.BatchSpanProcessor) {
	t.Helper()
	bsp := trace.NewBatchSpanProcessor(exp, opts...)
	tr := trace.NewTracer(trace.WithSampler(trace.AlwaysSample()), trace.WithSpanProcessor(bsp))
	t.Cleanup(func() { _ = tr.Shutdown(testCtx(t)) })
	return tr, bsp
}

func TestBatchExportsFullBatchesAndFlushes(t *testing.T) {
	t.Parallel()
	exp := &testExporter{}
	tr, bsp := newBatchTracer(t, exp, trace.WithMaxExportBatchSize(10), trace.WithBatchTimeout(time.Hour))
	endSpans(tr, 25, "s")
	eventually(t, "two full batches", func() bool { return exp.exported() == 20 })
	if err := tr.ForceFlush(testCtx(t)); err != nil {
		t.Fatalf("ForceFlush: %v", err)
	}
	if got := exp.batchSizes(); len(got) != 3 || got[0] != 10 || got[1] != 10 || got[2] != 5 {
		t.Errorf("batch sizes %v, want [10 10 5]", got)
	}
	st := bsp.Stats()
	if st.Ended != 25 || st.Exported != 25 || st.Queued != 0 || st.QueuedBytes != 0 || st.Dropped() != 0 {
		t.Errorf("stats %+v", st)
	}
	checkAccounting(t, st)
}

func TestBatchTimeoutExportsPartialBatch(t *testing.T) {
	t.Parallel()
	exp := &testExporter{}
	tr, _ := newBatchTracer(t, exp, trace.WithBatchTimeout(10*time.Millisecond))
	endSpans(tr, 3, "s")
	eventually(t, "timer export", func() bool { return exp.exported() == 3 })
}

func TestBatchQueueFullUnderBlockedExporter(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	exp := &testExporter{gate: make(chan struct{})}
	bsp := trace.NewBatchSpanProcessor(exp, trace.WithMaxQueueSize(8), trace.WithMaxExportBatchSize(4),
		trace.WithBatchTimeout(time.Millisecond), trace.WithLogger(logger))
	tr := trace.NewTracer(trace.WithSampler(trace.AlwaysSample()), trace.WithSpanProcessor(bsp))
	endSpans(tr, 100, "s") // must not block although the exporter never returns
	st := bsp.Stats()
	if st.Ended != 100 || st.Queued > 8 || st.DroppedQueueFull < 92 {
		t.Errorf("stats %+v", st)
	}
	checkAccounting(t, st)
	if n := strings.Count(logs.String(), "started dropping"); n != 1 {
		t.Errorf("%d loss-start warnings, want 1:\n%s", n, logs.String())
	}

	// The exporter honours ctx, so Shutdown returns at its deadline and
	// reports every queued span as undelivered.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := tr.Shutdown(ctx)
	var ue *trace.UndeliveredError
	if !errors.As(err, &ue) || ue.Count != st.Queued || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown = %v, want UndeliveredError{%d, deadline exceeded}", err, st.Queued)
	}
	final := bsp.Stats()
	checkAccounting(t, final)
	if final.Queued != 0 || final.Exported != 0 {
		t.Errorf("after Shutdown: %+v", final)
	}
	if exp.concurrent.Load() {
		t.Error("ExportSpans called concurrently")
	}
}

func TestBatchQueueBytesBudget(t *testing.T) {
	t.Parallel()
	exp := &testExporter{gate: make(chan struct{})}
	const budget = 64 << 10
	tr, bsp := newBatchTracer(t, exp, trace.WithMaxQueueBytes(budget), trace.WithBatchTimeout(time.Hour),
		trace.WithLogger(slog.New(slog.DiscardHandler)))
	big := strings.Repeat("x", 4<<10)
	for range 100 {
		_, s := tr.Start(context.Background(), "big", trace.WithAttributes(trace.StringAttribute("payload", big)))
		s.End()
	}
	st := bsp.Stats()
	if st.QueuedBytes > budget || st.DroppedQueueFull == 0 || st.Queued == 0 || st.Queued > 16 {
		t.Errorf("stats %+v: want bytes within %d and drops", st, budget)
	}
	checkAccounting(t, st)
	// A span larger than the whole budget is dropped, never admitted.
	_, s := tr.Start(context.Background(), "huge", trace.WithAttributes(trace.StringAttribute("payload", strings.Repeat("y", budget))))
	s.End()
	if after := bsp.Stats(); after.DroppedQueueFull != st.DroppedQueueFull+1 {
		t.Errorf("oversize span not dropped: %+v", after)
	}
	close(exp.gate)
}

func TestBatchExportFailuresCountedAndLogged(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logs.Write(p)
	}), nil))
	readLogs := func() string { mu.Lock(); defer mu.Unlock(); return logs.String() }
	exp := &testExporter{}
	exp.fail.Store(true)
	tr, bsp := newBatchTracer(t, exp, trace.WithMaxExportBatchSize(5), trace.WithBatchTimeout(time.Hour), trace.WithLogger(logger))
	endSpans(tr, 12, "s")
	if err := tr.ForceFlush(testCtx(t)); !errors.Is(err, errExport) {
		t.Errorf("ForceFlush = %v, want %v", err, errExport)
	}
	st := bsp.Stats()
	if st.DroppedExportFailed != 12 || st.Exported != 0 {
		t.Errorf("stats %+v", st)
	}
	checkAccounting(t, st)
	if got := readLogs(); strings.Count(got, "started dropping") != 1 || !strings.Contains(got, "export failed") {
		t.Errorf("logs:\n%s", got)
	}
	exp.fail.Store(false)
	endSpans(tr, 1, "ok")
	if err := tr.ForceFlush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	endSpans(tr, 1, "ok")
	if err := tr.ForceFlush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "recovery log", func() bool { return strings.Contains(readLogs(), "stopped dropping spans") })
	if got := readLogs(); !strings.Contains(got, "dropped=12") {
		t.Errorf("recovery log does not carry the count:\n%s", got)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func TestBatchPanickingExporterIsContained(t *testing.T) {
	t.Parallel()
	exp := &testExporter{}
	exp.panics.Store(true)
	tr, bsp := newBatchTracer(t, exp, trace.WithLogger(slog.New(slog.DiscardHandler)))
	endSpans(tr, 3, "s")
	err := tr.ForceFlush(testCtx(t))
	if err == nil || !strings.Contains(err.Error(), "panicked") {
		t.Errorf("ForceFlush = %v, want a panic error", err)
	}
	checkAccounting(t, bsp.Stats())
}

func TestBatchShutdownDrainsAndIsIdempotent(t *testing.T) {
	t.Parallel()
	exp := &testExporter{}
	bsp := trace.NewBatchSpanProcessor(exp, trace.WithBatchTimeout(time.Hour), trace.WithMaxExportBatchSize(7))
	tr := trace.NewTracer(trace.WithSampler(trace.AlwaysSample()), trace.WithSpanProcessor(bsp))
	endSpans(tr, 30, "s")
	if err := bsp.Shutdown(testCtx(t)); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := bsp.Shutdown(testCtx(t)); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
	if exp.exported() != 30 || exp.shutdowns != 1 {
		t.Errorf("exported %d, exporter shutdowns %d", exp.exported(), exp.shutdowns)
	}
	// Spans ended afterwards are counted, not lost silently.
	endSpans(tr, 2, "late")
	if err := bsp.ForceFlush(testCtx(t)); err != nil {
		t.Errorf("ForceFlush after Shutdown = %v", err)
	}
	st := bsp.Stats()
	if st.DroppedShutdown != 2 || st.Ended != 32 {
		t.Errorf("stats %+v", st)
	}
	checkAccounting(t, st)
}

func TestBatchShutdownReportsExportFailures(t *testing.T) {
	t.Parallel()
	exp := &testExporter{}
	exp.fail.Store(true)
	bsp := trace.NewBatchSpanProcessor(exp, trace.WithBatchTimeout(time.Hour), trace.WithLogger(slog.New(slog.DiscardHandler)))
	tr := trace.NewTracer(trace.WithSampler(trace.AlwaysSample()), trace.WithSpanProcessor(bsp))
	endSpans(tr, 5, "s")
	err := tr.Shutdown(testCtx(t))
	var ue *trace.UndeliveredError
	if !errors.As(err, &ue) || ue.Count != 5 || !errors.Is(err, errExport) {
		t.Fatalf("Shutdown = %v", err)
	}
}

func TestBatchForceFlushHonoursContext(t *testing.T) {
	t.Parallel()
	exp := &testExporter{gate: make(chan struct{})}
	tr, bsp := newBatchTracer(t, exp, trace.WithBatchTimeout(time.Hour), trace.WithLogger(slog.New(slog.DiscardHandler)))
	t.Cleanup(func() { close(exp.gate) }) // runs before the tracer's Shutdown
	endSpans(tr, 3, "s")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := bsp.ForceFlush(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("ForceFlush = %v, want deadline exceeded", err)
	}
	cancelled, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if err := bsp.ForceFlush(cancelled); !errors.Is(err, context.Canceled) {
		t.Errorf("ForceFlush(cancelled) = %v", err)
	}
	// The cancelled export finishes in the background; then the books balance.
	eventually(t, "the cancelled export to be counted", func() bool {
		st := bsp.Stats()
		return st.Ended == st.Exported+st.Dropped()+st.Queued
	})
	if st := bsp.Stats(); st.Exported != 0 {
		t.Errorf("stats %+v: nothing can have been exported", st)
	}
}

func TestBatchBlockingWaitsForRoom(t *testing.T) {
	t.Parallel()
	exp := &testExporter{gate: make(chan struct{})}
	tr, bsp := newBatchTracer(t, exp, trace.WithMaxQueueSize(4), trace.WithMaxExportBatchSize(2),
		trace.WithBatchTimeout(time.Millisecond), trace.WithBlocking(time.Minute))
	done := make(chan struct{})
	go func() {
		defer close(done)
		endSpans(tr, 20, "s")
	}()
	for range 10 { // each export takes one batch of 2
		select {
		case exp.gate <- struct{}{}:
		case <-time.After(10 * time.Second):
			t.Fatal("exporter not called")
		}
	}
	<-done
	if err := tr.ForceFlush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	st := bsp.Stats()
	if st.Exported != 20 || st.Dropped() != 0 {
		t.Errorf("stats %+v, want all 20 exported", st)
	}
	checkAccounting(t, st)
}

func TestBatchBlockingTimesOut(t *testing.T) {
	t.Parallel()
	exp := &testExporter{gate: make(chan struct{})}
	tr, bsp := newBatchTracer(t, exp, trace.WithMaxQueueSize(2), trace.WithBatchTimeout(time.Hour),
		trace.WithBlocking(5*time.Millisecond), trace.WithLogger(slog.New(slog.DiscardHandler)))
	t.Cleanup(func() { close(exp.gate) })
	endSpans(tr, 4, "s")
	st := bsp.Stats()
	if st.DroppedQueueFull != 2 || st.Queued != 2 {
		t.Errorf("stats %+v", st)
	}
	checkAccounting(t, st)
}

func TestBatchConcurrentSafe(t *testing.T) {
	t.Parallel()
	exp := &testExporter{}
	bsp := trace.NewBatchSpanProcessor(exp, trace.WithMaxQueueSize(64), trace.WithMaxExportBatchSize(16),
		trace.WithBatchTimeout(time.Millisecond), trace.WithLogger(slog.New(slog.DiscardHandler)))
	tr := trace.NewTracer(trace.WithSampler(trace.AlwaysSample()), trace.WithSpanProcessor(bsp))
	ctx := testCtx(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { endSpans(tr, 2000, "s") })
	}
	wg.Go(func() {
		for range 20 {
			_ = bsp.ForceFlush(ctx)
		}
	})
	wg.Go(func() {
		time.Sleep(2 * time.Millisecond)
		_ = bsp.Shutdown(ctx)
	})
	wg.Wait()
	if err := bsp.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	st := bsp.Stats()
	if st.Ended != 8000 || st.Queued != 0 {
		t.Errorf("stats %+v", st)
	}
	checkAccounting(t, st)
	if exp.concurrent.Load() {
		t.Error("ExportSpans called concurrently")
	}
	if uint64(exp.exported()) != st.Exported {
		t.Errorf("exporter saw %d spans, stats say %d", exp.exported(), st.Exported)
	}
}

func TestBatchNilExporterAndUnsampled(t *testing.T) {
	t.Parallel()
	for _, bsp := range []*trace.BatchSpanProcessor{trace.NewBatchSpanProcessor(nil), {}} {
		bsp.OnEnd(&trace.SpanData{SpanContext: trace.SpanContext{TraceOptions: trace.FlagSampled}})
		if err := bsp.ForceFlush(context.Background()); err != nil {
			t.Error(err)
		}
		if err := bsp.Shutdown(testCtx(t)); err != nil {
			t.Error(err)
		}
	}
	exp := &testExporter{}
	bsp2 := trace.NewBatchSpanProcessor(exp)
	bsp2.OnEnd(nil)
	bsp2.OnEnd(&trace.SpanData{}) // not sampled
	if err := bsp2.Shutdown(testCtx(t)); err != nil {
		t.Error(err)
	}
	if st := bsp2.Stats(); st.Ended != 0 || exp.calls.Load() != 0 {
		t.Errorf("stats %+v, calls %d", st, exp.calls.Load())
	}
}

func TestSimpleSpanProcessor(t *testing.T) {
	t.Parallel()
	exp := &testExporter{}
	ssp := trace.NewSimpleSpanProcessor(exp, trace.WithSimpleLogger(slog.New(slog.DiscardHandler)))
	tr := trace.NewTracer(trace.WithSampler(trace.AlwaysSample()), trace.WithSpanProcessor(ssp))
	endSpans(tr, 3, "s")
	exp.fail.Store(true)
	endSpans(tr, 1, "fails")
	if exp.exported() != 3 || ssp.Exported() != 3 || ssp.Failed() != 1 {
		t.Errorf("exported %d/%d failed %d", exp.exported(), ssp.Exported(), ssp.Failed())
	}
	if err := tr.Shutdown(testCtx(t)); err != nil || exp.shutdowns != 1 {
		t.Errorf("Shutdown = %v, exporter shutdowns %d", err, exp.shutdowns)
	}
	endSpans(tr, 1, "late")
	if ssp.Failed() != 1 {
		t.Errorf("span after tracer shutdown reached the processor")
	}
	ssp.OnEnd(&trace.SpanData{SpanContext: trace.SpanContext{TraceOptions: trace.FlagSampled}})
	if ssp.Failed() != 2 {
		t.Errorf("span after processor shutdown not counted as failed")
	}
}

func BenchmarkBatchOnEnd(b *testing.B) {
	bsp := trace.NewBatchSpanProcessor(discard{}, trace.WithLogger(slog.New(slog.DiscardHandler)))
	defer func() { _ = bsp.Shutdown(context.Background()) }()
	d := &trace.SpanData{SpanContext: trace.SpanContext{TraceOptions: trace.FlagSampled}, Name: "x"}
	b.ReportAllocs()
	for b.Loop() {
		bsp.OnEnd(d)
	}
}

// TestBatchFullQueueNeverWaitsForTimer checks liveness under contention: with
// the batch timer effectively off, concurrent producers in blocking mode must
// still get every span exported by the wake-ups alone.
func TestBatchFullQueueNeverWaitsForTimer(t *testing.T) {
	t.Parallel()
	exp := &testExporter{}
	tr, bsp := newBatchTracer(t, exp, trace.WithMaxQueueSize(32), trace.WithMaxExportBatchSize(8),
		trace.WithBatchTimeout(time.Hour), trace.WithBlocking(time.Minute),
		trace.WithLogger(slog.New(slog.DiscardHandler)))
	const producers, each = 4, 5000
	var wg sync.WaitGroup
	for range producers {
		wg.Go(func() { endSpans(tr, each, "s") })
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("producers stuck on a full queue: %+v", bsp.Stats())
	}
	// What is left is less than one batch, which only the timer or a flush
	// would send.
	eventually(t, "all but a partial batch exported", func() bool {
		return bsp.Stats().Queued < 8
	})
	st := bsp.Stats()
	if st.Dropped() != 0 || st.Ended != producers*each {
		t.Errorf("stats %+v", st)
	}
	checkAccounting(t, st)
}

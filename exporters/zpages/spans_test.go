package zpages_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gocensus/gocensus/exporters/zpages"
	"github.com/gocensus/gocensus/sdk/stats"
	"github.com/gocensus/gocensus/sdk/trace"
)

// newZ returns a Handler on its own stats manager, shut down by cleanup.
func newZ(t testing.TB, opts ...zpages.Option) *zpages.Handler {
	t.Helper()
	mgr := stats.NewManager()
	z, err := zpages.New(append([]zpages.Option{zpages.WithStatsManager(mgr)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := z.Shutdown(ctx); err != nil {
			t.Error(err)
		}
		if err := mgr.Shutdown(ctx); err != nil {
			t.Error(err)
		}
	})
	return z
}

func newTracer(z *zpages.Handler) *trace.Tracer {
	return trace.NewTracer(trace.WithSampler(trace.AlwaysSample()), trace.WithSpanProcessor(z))
}

// endAfter ends a span of the given duration and status and returns its id.
func endAfter(tr *trace.Tracer, name string, d time.Duration, code int32) string {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	_, s := tr.Start(context.Background(), name, trace.WithStartTime(start))
	if code != 0 {
		s.SetStatus(trace.Status{Code: code, Message: "failed"})
	}
	s.End(trace.WithEndTime(start.Add(d)))
	return s.SpanContext().SpanID.String()
}

func rowOf(t *testing.T, z *zpages.Handler, name string) zpages.Summary {
	t.Helper()
	rows, _, _ := z.Summaries()
	for _, r := range rows {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no row for %q in %+v", name, rows)
	return zpages.Summary{}
}

func completed(r zpages.Summary) uint64 {
	var n uint64
	for _, c := range r.Latency {
		n += c
	}
	return n
}

func TestLatencyBuckets(t *testing.T) {
	t.Parallel()
	z := newZ(t)
	tr := newTracer(z)
	tests := []struct {
		d      time.Duration
		bucket int
	}{
		{0, 0}, {9999 * time.Nanosecond, 0}, {10 * time.Microsecond, 1}, {99 * time.Microsecond, 1},
		{100 * time.Microsecond, 2}, {time.Millisecond, 3}, {10 * time.Millisecond, 4},
		{100 * time.Millisecond, 5}, {time.Second, 6}, {10 * time.Second, 7},
		{100 * time.Second, 8}, {time.Hour, 8},
	}
	var want [zpages.NumBuckets]uint64
	for _, tt := range tests {
		endAfter(tr, "op", tt.d, 0)
		want[tt.bucket]++
	}
	endAfter(tr, "op", time.Millisecond, 5)
	endAfter(tr, "op", time.Hour, 13)
	got := rowOf(t, z, "op")
	if got.Latency != want || got.Errors != 2 || got.Running != 0 {
		t.Errorf("row = %+v, want latency %v, 2 errors, 0 running", got, want)
	}
}

func TestSamplesAreBoundedAndNewestFirst(t *testing.T) {
	t.Parallel()
	z := newZ(t, zpages.WithSamplesPerBucket(3))
	tr := newTracer(z)
	var ids []string
	for range 7 {
		ids = append(ids, endAfter(tr, "op", time.Millisecond, 0))
	}
	for range 5 {
		endAfter(tr, "op", time.Second, 2)
	}
	row := rowOf(t, z, "op")
	var bucket int
	for i, n := range row.Latency {
		if n > 0 {
			bucket = i
		}
	}
	if row.Latency[bucket] != 7 {
		t.Fatalf("row %+v, want all 7 in one bucket", row)
	}
	got := z.SampleNames("op", "latency", bucket)
	want := []string{ids[6], ids[5], ids[4]}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("samples = %v, want newest three %v", got, want)
	}
	if n := len(z.SampleNames("op", "error", 0)); n != 3 {
		t.Errorf("%d error samples, want 3", n)
	}
	for _, b := range []int{-1, zpages.NumBuckets} {
		if got := z.SampleNames("op", "latency", b); got != nil {
			t.Errorf("bucket %d gave %v", b, got)
		}
	}
	if got := z.SampleNames("unknown", "latency", bucket); got != nil {
		t.Errorf("unknown name gave %v", got)
	}
}

func TestRunningSpans(t *testing.T) {
	t.Parallel()
	z := newZ(t, zpages.WithMaxRunningPerName(2))
	tr := newTracer(z)
	var spans []*trace.Span
	for range 5 {
		_, s := tr.Start(context.Background(), "slow")
		spans = append(spans, s)
	}
	if r := rowOf(t, z, "slow"); r.Running != 5 {
		t.Fatalf("running = %d, want 5", r.Running)
	}
	if got := z.SampleNames("slow", "running", 0); len(got) != 2 {
		t.Errorf("running details = %v, want 2 kept", got)
	}
	// A span renamed while running leaves its start name when it ends.
	spans[0].SetName("renamed")
	spans[0].End()
	spans[1].End()
	if r := rowOf(t, z, "slow"); r.Running != 3 || completed(r) != 1 {
		t.Errorf("slow = %+v, want 3 running, 1 completed", r)
	}
	if r := rowOf(t, z, "renamed"); r.Running != 0 || completed(r) != 1 {
		t.Errorf("renamed = %+v, want one completed", r)
	}
	// The two kept spans ended; their slots take new spans.
	_, s := tr.Start(context.Background(), "slow")
	if got := z.SampleNames("slow", "running", 0); fmt.Sprint(got) != fmt.Sprint([]string{s.SpanContext().SpanID.String()}) {
		t.Errorf("running details = %v, want only the new span", got)
	}
	for _, s := range append(spans[2:], s) {
		s.End()
	}
	if r := rowOf(t, z, "slow"); r.Running != 0 {
		t.Errorf("running = %d after all ended", r.Running)
	}
	if got := z.SampleNames("slow", "running", 0); len(got) != 0 {
		t.Errorf("running details %v after all ended", got)
	}
}

// TestManyNamesAreBounded feeds 100 000 distinct names: only the first
// MaxSpanNames get rows, the rest are counted together.
func TestManyNamesAreBounded(t *testing.T) {
	t.Parallel()
	const names, limit = 100_000, 50
	z := newZ(t, zpages.WithMaxSpanNames(limit))
	tr := newTracer(z)
	for i := range names {
		_, s := tr.Start(context.Background(), "user/"+strconv.Itoa(i))
		if i%2 == 0 {
			s.SetStatus(trace.Status{Code: 2})
		}
		s.End()
	}
	_, running := tr.Start(context.Background(), "one more")
	rows, overflow, overflowNames := z.Summaries()
	if len(rows) != limit {
		t.Errorf("%d rows, want %d", len(rows), limit)
	}
	var total uint64
	for _, n := range overflow.Latency {
		total += n
	}
	if total+overflow.Errors != names-limit || overflow.Errors != (names-limit)/2 || overflow.Running != 1 {
		t.Errorf("overflow row %+v, want %d completed, half errors, 1 running", overflow, names-limit)
	}
	if overflowNames < 10_000 || overflowNames > names {
		t.Errorf("overflow names = %d", overflowNames)
	}
	running.End()
	if _, overflow, _ = z.Summaries(); overflow.Running != 0 {
		t.Errorf("overflow running = %d after End", overflow.Running)
	}
}

func TestConcurrentSpans(t *testing.T) {
	t.Parallel()
	z := newZ(t, zpages.WithMaxSpanNames(8), zpages.WithMaxRunningPerName(3), zpages.WithSamplesPerBucket(2))
	tr := newTracer(z)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				ctx, parent := tr.Start(context.Background(), "p"+strconv.Itoa((g+i)%12))
				_, child := tr.Start(ctx, "child")
				child.End()
				if i%3 == 0 {
					parent.SetStatus(trace.Status{Code: 14})
				}
				parent.End()
			}
		})
	}
	// Render while spans come and go.
	for range 20 {
		z.Summaries()
		z.SampleNames("child", "running", 0)
	}
	wg.Wait()
	rows, overflow, _ := z.Summaries()
	var completed uint64
	for _, r := range append(rows, overflow) {
		if r.Running != 0 {
			t.Errorf("%q still has %d running", r.Name, r.Running)
		}
		completed += r.Errors
		for _, n := range r.Latency {
			completed += n
		}
	}
	if completed != 8*500*2 {
		t.Errorf("%d spans completed, want %d", completed, 8*500*2)
	}
}

func TestShutdownStopsRecording(t *testing.T) {
	t.Parallel()
	z := newZ(t)
	tr := newTracer(z)
	_, s := tr.Start(context.Background(), "op")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := tr.Shutdown(ctx); err != nil { // shuts z down
		t.Fatal(err)
	}
	if err := z.Shutdown(ctx); err != nil {
		t.Errorf("second Shutdown: %v", err)
	}
	s.End()
	if r := rowOf(t, z, "op"); r.Running != 0 || r.Latency != [zpages.NumBuckets]uint64{} {
		t.Errorf("after Shutdown: %+v", r)
	}
	if err := z.ForceFlush(ctx); err != nil {
		t.Error(err)
	}
}

// TestShutdownWhileSpansRun races Shutdown with spans starting and ending;
// the pages still render afterwards.
func TestShutdownWhileSpansRun(t *testing.T) {
	t.Parallel()
	z := newZ(t, zpages.WithMaxRunningPerName(4))
	tr := newTracer(z)
	_, first := tr.Start(context.Background(), "op")
	first.End()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 2000 {
				_, s := tr.Start(context.Background(), "op")
				s.End()
			}
		})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := z.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if r := rowOf(t, z, "op"); r.Running < 0 {
		t.Errorf("running = %d", r.Running)
	}
	if got := z.SampleNames("op", "running", 0); len(got) != 0 {
		t.Errorf("running spans kept after Shutdown: %v", got)
	}
}

// TestOnStartOnEndAllocs pins the processor's hot path at zero
// allocations once a name is known.
func TestOnStartOnEndAllocs(t *testing.T) {
	z := newZ(t)
	tr := trace.NewTracer(trace.WithSampler(trace.AlwaysSample()))
	_, s := tr.Start(context.Background(), "op")
	d, _ := s.Snapshot()
	d.EndTime = d.StartTime.Add(time.Millisecond)
	ctx := context.Background()
	z.OnStart(ctx, s)
	z.OnEnd(&d)
	if got := testing.AllocsPerRun(100, func() {
		z.OnStart(ctx, s)
		z.OnEnd(&d)
	}); got != 0 {
		t.Errorf("%v allocs per OnStart+OnEnd, want 0", got)
	}
}

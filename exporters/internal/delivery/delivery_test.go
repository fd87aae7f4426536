package delivery_test

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

	"go.uber.org/goleak"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/gocensus/gocensus/exporters/internal/delivery"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// fakeSink is a SendFunc whose behaviour tests switch at run time.
type fakeSink struct {
	mu      sync.Mutex
	fail    error // returned while non-nil
	block   bool  // wait for ctx while true
	got     []int // payloads received
	calls   int
	entered chan struct{}
}

func (f *fakeSink) send(ctx context.Context, b delivery.Batch[int]) error {
	f.mu.Lock()
	f.calls++
	fail, block := f.fail, f.block
	if f.entered != nil {
		select {
		case f.entered <- struct{}{}:
		default:
		}
	}
	f.mu.Unlock()
	if block {
		<-ctx.Done()
		return ctx.Err()
	}
	if fail != nil {
		return fail
	}
	f.mu.Lock()
	f.got = append(f.got, b.Payload)
	f.mu.Unlock()
	return nil
}

func (f *fakeSink) set(fail error, block bool) {
	f.mu.Lock()
	f.fail, f.block = fail, block
	f.mu.Unlock()
}

func (f *fakeSink) received() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]int(nil), f.got...)
}

func fastBackoff() delivery.Option {
	return delivery.WithBackoff(delivery.Backoff{Initial: time.Millisecond, Max: 5 * time.Millisecond})
}

func checkIdentity(t *testing.T, st delivery.Stats) {
	t.Helper()
	if st.Enqueued != st.Sent+st.DroppedTotal()+st.Pending {
		t.Fatalf("accounting broken: enqueued %d != sent %d + dropped %d + pending %d",
			st.Enqueued, st.Sent, st.DroppedTotal(), st.Pending)
	}
}

func batch(i int) delivery.Batch[int] { return delivery.Batch[int]{Payload: i, Items: 10, Bytes: 100} }

func TestDeliversInOrder(t *testing.T) {
	t.Parallel()
	sink := &fakeSink{}
	s, err := delivery.New(sink.send, fastBackoff())
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)
	for i := range 100 {
		if err := s.Enqueue(ctx, batch(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	got := sink.received()
	if len(got) != 100 {
		t.Fatalf("got %d batches, want 100", len(got))
	}
	for i, v := range got {
		if v != i {
			t.Fatalf("batch %d has payload %d: order lost", i, v)
		}
	}
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	checkIdentity(t, st)
	if st.Sent != 1000 || st.SentBatches != 100 || st.Pending != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestOutageReplaysWithinBudgetAndDropsOldestPastIt(t *testing.T) {
	t.Parallel()
	sink := &fakeSink{}
	sink.set(status.Error(codes.Unavailable, "down"), false)
	var logs bytes.Buffer
	s, err := delivery.New(sink.send,
		delivery.WithBackoff(delivery.Backoff{Initial: 200 * time.Millisecond, Jitter: 0.1}),
		delivery.WithMaxItems(50), delivery.WithMaxBytes(1<<20),
		delivery.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)
	if err := s.Enqueue(ctx, batch(0)); err != nil {
		t.Fatal(err)
	}
	for s.Stats().Failures == 0 { // the sender is now in its backoff wait
		time.Sleep(time.Millisecond)
	}
	for i := 1; i < 8; i++ { // 80 items into a 50-item budget: 3 oldest batches go
		if err := s.Enqueue(ctx, batch(i)); err != nil {
			t.Fatal(err)
		}
	}
	st := s.Stats()
	checkIdentity(t, st)
	if st.Dropped[delivery.DropQueueFull] != 30 || st.Pending != 50 {
		t.Fatalf("during outage: %+v", st)
	}
	sink.set(nil, false)
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	got := sink.received()
	want := []int{3, 4, 5, 6, 7}
	if len(got) != len(want) {
		t.Fatalf("received %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("received %v, want %v", got, want)
		}
	}
	st = s.Stats()
	checkIdentity(t, st)
	if st.Retries == 0 || st.Failures == 0 {
		t.Fatalf("no retries counted: %+v", st)
	}
	out := logs.String()
	if strings.Count(out, "telemetry is being dropped") != 1 {
		t.Fatalf("want one loss warning, logs:\n%s", out)
	}
	if !strings.Contains(out, "telemetry delivery recovered") || !strings.Contains(out, "dropped_during_outage=30") {
		t.Fatalf("want one recovery log with the count, logs:\n%s", out)
	}
}

func TestClassification(t *testing.T) {
	t.Parallel()
	withInfo := func(c codes.Code, d time.Duration) error {
		st, err := status.New(c, "slow down").WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(d)})
		if err != nil {
			t.Fatal(err)
		}
		return st.Err()
	}
	tests := []struct {
		name     string
		err      error
		retry    bool
		throttle time.Duration
	}{
		{"unavailable", status.Error(codes.Unavailable, "x"), true, 0},
		{"deadline", status.Error(codes.DeadlineExceeded, "x"), true, 0},
		{"invalid", status.Error(codes.InvalidArgument, "x"), false, 0},
		{"exhausted-bare", status.Error(codes.ResourceExhausted, "x"), false, 0},
		{"exhausted-info", withInfo(codes.ResourceExhausted, 3*time.Second), true, 3 * time.Second},
		{"unavailable-info", withInfo(codes.Unavailable, time.Second), true, time.Second},
		{"plain", errors.New("EOF"), true, 0},
		{"permanent", delivery.Permanent(status.Error(codes.Unavailable, "x")), false, 0},
		{"throttle", delivery.Throttle(errors.New("x"), 2*time.Second), true, 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			retry, d := delivery.GRPCClassifier(tt.err)
			if retry != tt.retry || d != tt.throttle {
				t.Fatalf("GRPCClassifier = (%v, %v), want (%v, %v)", retry, d, tt.retry, tt.throttle)
			}
		})
	}
	if r, _ := delivery.DefaultClassifier(delivery.Permanent(errors.New("x"))); r {
		t.Fatal("DefaultClassifier retries a permanent error")
	}
	if delivery.Permanent(nil) != nil || delivery.Throttle(nil, time.Second) != nil {
		t.Fatal("wrapping nil must give nil")
	}
}

func TestPermanentAndRetryExhaustedDrop(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		err    error
		opts   []delivery.Option
		reason delivery.Reason
	}{
		{"permanent", status.Error(codes.InvalidArgument, "bad"), []delivery.Option{delivery.WithClassifier(delivery.GRPCClassifier)}, delivery.DropPermanent},
		{"exhausted", errors.New("flaky"), []delivery.Option{delivery.WithMaxRetryTime(20 * time.Millisecond)}, delivery.DropRetryExhausted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sink := &fakeSink{}
			sink.set(tt.err, false)
			s, err := delivery.New(sink.send, append(tt.opts, fastBackoff(), delivery.WithLogger(nil))...)
			if err != nil {
				t.Fatal(err)
			}
			ctx := ctxT(t)
			if err := s.Enqueue(ctx, batch(1)); err != nil {
				t.Fatal(err)
			}
			if err := s.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			if err := s.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
			st := s.Stats()
			checkIdentity(t, st)
			if st.Dropped[tt.reason] != 10 {
				t.Fatalf("dropped %v, want 10 as %v", st.Dropped, tt.reason)
			}
			if !strings.Contains(st.LastError, tt.err.Error()) {
				t.Fatalf("LastError %q", st.LastError)
			}
		})
	}
}

func TestShutdownWhileDownReturnsByDeadline(t *testing.T) {
	t.Parallel()
	sink := &fakeSink{}
	sink.set(nil, true) // the collector accepts but never completes a send
	s, err := delivery.New(sink.send, fastBackoff(), delivery.WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)
	for i := range 5 {
		if err := s.Enqueue(ctx, batch(i)); err != nil {
			t.Fatal(err)
		}
	}
	sctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = s.Shutdown(sctx)
	if took := time.Since(start); took > 500*time.Millisecond {
		t.Fatalf("Shutdown took %v past a 50ms deadline", took)
	}
	if err == nil || !strings.Contains(err.Error(), "50 items undelivered") || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown error = %v", err)
	}
	if err2 := s.Shutdown(ctx); err2 != err {
		t.Fatalf("second Shutdown = %v, want the first result", err2)
	}
	st := s.Stats()
	checkIdentity(t, st)
	if st.Dropped[delivery.DropShutdown] != 50 || st.Pending != 0 {
		t.Fatalf("%+v", st)
	}
	if err := s.Enqueue(ctx, batch(9)); !errors.Is(err, delivery.ErrClosed) {
		t.Fatalf("Enqueue after Shutdown = %v", err)
	}
	checkIdentity(t, s.Stats())
}

func TestOversizeRejected(t *testing.T) {
	t.Parallel()
	s, err := delivery.New((&fakeSink{}).send, delivery.WithMaxBytes(1000), delivery.WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)
	defer s.Shutdown(ctx)
	err = s.Enqueue(ctx, delivery.Batch[int]{Items: 3, Bytes: 1001})
	if !errors.Is(err, delivery.ErrOversize) {
		t.Fatalf("Enqueue = %v", err)
	}
	st := s.Stats()
	checkIdentity(t, st)
	if st.Dropped[delivery.DropOversize] != 3 {
		t.Fatalf("%+v", st)
	}
}

func TestBlockingEnqueueWaitsForRoom(t *testing.T) {
	t.Parallel()
	sink := &fakeSink{}
	sink.set(errors.New("down"), false)
	s, err := delivery.New(sink.send, fastBackoff(), delivery.WithMaxItems(20),
		delivery.WithBlocking(2*time.Second), delivery.WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)
	for i := range 2 {
		if err := s.Enqueue(ctx, batch(i)); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error, 1)
	go func() { done <- s.Enqueue(ctx, batch(2)) }()
	select {
	case err := <-done:
		t.Fatalf("Enqueue returned %v with a full queue", err)
	case <-time.After(30 * time.Millisecond):
	}
	sink.set(nil, false)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	checkIdentity(t, st)
	if st.Sent != 30 || st.DroppedTotal() != 0 {
		t.Fatalf("backpressure lost data: %+v", st)
	}
}

func TestBlockingTimeoutFallsBackToDropOldest(t *testing.T) {
	t.Parallel()
	sink := &fakeSink{}
	sink.set(errors.New("down"), false)
	s, err := delivery.New(sink.send, fastBackoff(), delivery.WithMaxItems(20),
		delivery.WithBlocking(10*time.Millisecond), delivery.WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)
	for i := range 3 {
		if err := s.Enqueue(ctx, batch(i)); err != nil {
			t.Fatal(err)
		}
	}
	st := s.Stats()
	checkIdentity(t, st)
	if st.Dropped[delivery.DropQueueFull] != 10 {
		t.Fatalf("%+v", st)
	}
	sctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := s.Shutdown(sctx); err == nil {
		t.Fatal("Shutdown with the collector down reported success")
	}
	checkIdentity(t, s.Stats())
}

func TestResendWindow(t *testing.T) {
	t.Parallel()
	sink := &fakeSink{}
	s, err := delivery.New(sink.send, fastBackoff(), delivery.WithResendWindow(2, time.Hour), delivery.WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)
	for i := range 3 {
		if err := s.Enqueue(ctx, batch(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	checkIdentity(t, st)
	if st.Sent != 10 || st.Pending != 20 {
		t.Fatalf("window should hold two batches: %+v", st)
	}
	s.Resend() // the stream broke: batches 1 and 2 go again
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	s.Confirm()
	st = s.Stats()
	checkIdentity(t, st)
	if st.Sent != 30 || st.Resent != 20 || st.Pending != 0 {
		t.Fatalf("%+v", st)
	}
	if got := sink.received(); len(got) != 5 || got[3] != 1 || got[4] != 2 {
		t.Fatalf("received %v, want [0 1 2 1 2]", got)
	}
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestResendWindowAgesOut(t *testing.T) {
	t.Parallel()
	sink := &fakeSink{}
	s, err := delivery.New(sink.send, delivery.WithResendWindow(10, 5*time.Millisecond), delivery.WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)
	defer s.Shutdown(ctx)
	if err := s.Enqueue(ctx, batch(0)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for s.Stats().Sent != 10 {
		if time.Now().After(deadline) {
			t.Fatalf("never confirmed: %+v", s.Stats())
		}
		time.Sleep(time.Millisecond)
	}
}

func TestFlushHonoursDeadline(t *testing.T) {
	t.Parallel()
	sink := &fakeSink{}
	sink.set(errors.New("down"), false)
	s, err := delivery.New(sink.send, fastBackoff(), delivery.WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)
	if err := s.Enqueue(ctx, batch(0)); err != nil {
		t.Fatal(err)
	}
	fctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := s.Flush(fctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Flush = %v", err)
	}
	sink.set(nil, false)
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Sent != 10 {
		t.Fatalf("%+v", st)
	}
}

func TestThrottleDelayIsHonoured(t *testing.T) {
	t.Parallel()
	clk := &fakeClock{}
	var calls atomic.Int32
	send := func(ctx context.Context, b delivery.Batch[int]) error {
		if calls.Add(1) == 1 {
			return delivery.Throttle(errors.New("busy"), 7*time.Second)
		}
		return nil
	}
	s, err := delivery.New(send, delivery.WithClock(clk), delivery.WithRand(func() float64 { return 0 }), delivery.WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)
	if err := s.Enqueue(ctx, batch(0)); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if got := clk.waits(); len(got) != 1 || got[0] != 7*time.Second {
		t.Fatalf("waited %v, want [7s]", got)
	}
}

func TestConcurrentEnqueueAccounting(t *testing.T) {
	// Not parallel: it saturates the CPUs and would skew the timing tests.
	sink := &fakeSink{}
	s, err := delivery.New(sink.send, fastBackoff(), delivery.WithMaxItems(200), delivery.WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				if i%100 == 0 {
					sink.set(map[bool]error{true: errors.New("blip")}[g%2 == 0], false)
				}
				_ = s.Enqueue(ctx, batch(i))
				checkIdentity(t, s.Stats())
			}
		})
	}
	wg.Wait()
	sink.set(nil, false)
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	checkIdentity(t, st)
	if st.Enqueued != 8*500*10 || st.Pending != 0 {
		t.Fatalf("%+v", st)
	}
}

// fakeClock fires every timer at once and records the requested delays.
type fakeClock struct {
	mu sync.Mutex
	d  []time.Duration
}

func (c *fakeClock) Now() time.Time { return time.Unix(0, 0) }

func (c *fakeClock) NewTimer(d time.Duration) (<-chan time.Time, func()) {
	c.mu.Lock()
	c.d = append(c.d, d)
	c.mu.Unlock()
	ch := make(chan time.Time, 1)
	ch <- time.Unix(0, 0)
	return ch, func() {}
}

func (c *fakeClock) waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.d...)
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	b := delivery.Backoff{Initial: 100 * time.Millisecond, Max: time.Second, Multiplier: 2, Jitter: 0.5}
	tests := []struct {
		attempt int
		rnd     float64
		want    time.Duration
	}{
		{0, 0, 100 * time.Millisecond},
		{1, 0, 200 * time.Millisecond},
		{3, 0, 800 * time.Millisecond},
		{4, 0, time.Second},
		{1000, 0, time.Second},
		{1, 0.5, 150 * time.Millisecond},
		{10, 0.999999, 500*time.Millisecond + 500*time.Nanosecond},
		{-1, 7, 100 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := b.Delay(tt.attempt, tt.rnd); got != tt.want {
			t.Errorf("Delay(%d, %v) = %v, want %v", tt.attempt, tt.rnd, got, tt.want)
		}
	}
	var zero delivery.Backoff
	if got := zero.Delay(100, 0); got != delivery.DefaultMaxDelay {
		t.Errorf("zero Backoff caps at %v, want %v", got, delivery.DefaultMaxDelay)
	}
}

func TestBadOptions(t *testing.T) {
	t.Parallel()
	send := (&fakeSink{}).send
	for _, o := range []delivery.Option{
		delivery.WithMaxItems(0), delivery.WithMaxBytes(-1), delivery.WithSendTimeout(0),
		delivery.WithMaxRetryTime(-1), delivery.WithBlocking(-1), delivery.WithResendWindow(-1, 0),
	} {
		if s, err := delivery.New(send, o); err == nil {
			_ = s.Shutdown(context.Background())
			t.Errorf("option accepted, want an error")
		}
	}
	if _, err := delivery.New[int](nil); err == nil {
		t.Error("nil SendFunc accepted")
	}
}

func TestSplit(t *testing.T) {
	t.Parallel()
	size := func(n int) int { return n }
	tests := []struct {
		items []int
		limit int
		want  [][]int
	}{
		{nil, 10, nil},
		{[]int{3, 3, 3, 3}, 6, [][]int{{3, 3}, {3, 3}}},
		{[]int{3, 3, 3, 3}, 7, [][]int{{3, 3}, {3, 3}}},
		{[]int{3, 20, 3}, 10, [][]int{{3}, {20}, {3}}},
		{[]int{20}, 10, [][]int{{20}}},
		{[]int{1, 1, 1}, 100, [][]int{{1, 1, 1}}},
		{[]int{-5, 4}, 4, [][]int{{-5, 4}}},
	}
	for _, tt := range tests {
		got := delivery.Split(tt.items, tt.limit, size)
		if len(got) != len(tt.want) {
			t.Fatalf("Split(%v, %d) = %v, want %v", tt.items, tt.limit, got, tt.want)
		}
		for i := range got {
			if len(got[i]) != len(tt.want[i]) {
				t.Fatalf("Split(%v, %d) = %v, want %v", tt.items, tt.limit, got, tt.want)
			}
			for j := range got[i] {
				if got[i][j] != tt.want[i][j] {
					t.Fatalf("Split(%v, %d) = %v, want %v", tt.items, tt.limit, got, tt.want)
				}
			}
		}
	}
	big := make([]int, 1000)
	for i := range big {
		big[i] = 10000
	}
	for _, run := range delivery.Split(big, 0, delivery.FieldSize) {
		sum := 0
		for _, v := range run {
			sum += delivery.FieldSize(v)
		}
		if sum > delivery.DefaultMaxMessageBytes {
			t.Fatalf("run of %d bytes over the default limit", sum)
		}
	}
	if got := delivery.FieldSize(200); got != 203 {
		t.Fatalf("FieldSize(200) = %d, want 203", got)
	}
}

func TestReasonString(t *testing.T) {
	t.Parallel()
	if delivery.DropQueueFull.String() != "queue_full" || delivery.DropShutdown.String() != "shutdown" ||
		delivery.Reason(99).String() != "reason(99)" {
		t.Fatal("reason names changed")
	}
}

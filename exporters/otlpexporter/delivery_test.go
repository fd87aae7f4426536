package otlpexporter_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/gocensus/gocensus/exporters/otlpexporter"
	"github.com/gocensus/gocensus/internal/testkit"
	"github.com/gocensus/gocensus/sdk/trace"
)

// makeSpans returns n distinct spans, each with an attribute of pad bytes.
func makeSpans(n, pad int) []*trace.SpanData {
	out := make([]*trace.SpanData, n)
	for i := range out {
		out[i] = &trace.SpanData{
			SpanContext: trace.SpanContext{TraceID: tid, SpanID: trace.SpanID{byte(i >> 8), byte(i), 1}, TraceOptions: trace.FlagSampled},
			Name:        "op",
			StartTime:   t0,
			EndTime:     t0.Add(time.Millisecond),
			Attributes:  []trace.Attribute{trace.StringAttribute("pad", strings.Repeat("x", pad))},
		}
	}
	return out
}

// fastRetry keeps retries quick in tests.
var fastRetry = otlpexporter.WithRetry(5*time.Millisecond, 50*time.Millisecond, 0)

// freeAddr returns a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	_ = lis.Close()
	return addr
}

func newExporter(t *testing.T, addr string, opts ...otlpexporter.Option) *otlpexporter.Exporter {
	t.Helper()
	exp, err := otlpexporter.New(append([]otlpexporter.Option{
		otlpexporter.WithEndpoint(addr), otlpexporter.WithInsecure(), fastRetry,
		otlpexporter.WithLogger(slog.New(slog.DiscardHandler)),
	}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		_ = exp.Shutdown(ctx)
	})
	return exp
}

func checkIdentity(t *testing.T, st otlpexporter.SignalStats) {
	t.Helper()
	if st.Enqueued != st.Sent+st.Dropped()+st.Pending {
		t.Errorf("accounting broken: %+v", st)
	}
}

func TestCollectorDownThenUp(t *testing.T) {
	t.Parallel()
	addr := freeAddr(t)
	exp := newExporter(t, addr)
	ctx := testCtx(t)
	for range 5 {
		if err := exp.ExportSpans(ctx, makeSpans(20, 10)); err != nil {
			t.Fatal(err)
		}
	}
	// Wait until the sender has failed at least twice against nothing.
	for exp.Stats().Traces.Failures < 2 {
		time.Sleep(5 * time.Millisecond)
	}
	c := &collector{changed: make(chan struct{})}
	c.listen(t, addr)
	if err := exp.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := c.spanCount(); got != 100 {
		t.Errorf("collector got %d spans, want 100", got)
	}
	st := exp.Stats().Traces
	if st.Sent != 100 || st.Dropped() != 0 || st.Retries == 0 {
		t.Errorf("stats = %+v, want 100 sent after retries, none dropped", st)
	}
	checkIdentity(t, st)
}

func TestCollectorRestart(t *testing.T) {
	t.Parallel()
	c := startCollector(t)
	exp := newExporter(t, c.addr)
	ctx := testCtx(t)
	if err := exp.ExportSpans(ctx, makeSpans(10, 0)); err != nil {
		t.Fatal(err)
	}
	if err := exp.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	c.stop()
	if err := exp.ExportSpans(ctx, makeSpans(30, 0)); err != nil {
		t.Fatal(err)
	}
	for exp.Stats().Traces.Failures < 1 {
		time.Sleep(5 * time.Millisecond)
	}
	c.listen(t, c.addr)
	if err := exp.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := c.spanCount(); got != 40 {
		t.Errorf("collector got %d spans across the restart, want 40", got)
	}
	checkIdentity(t, exp.Stats().Traces)
}

func retryInfo(t *testing.T, code codes.Code, delay time.Duration) error {
	t.Helper()
	st, err := status.New(code, "slow down").WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(delay)})
	if err != nil {
		t.Fatal(err)
	}
	return st.Err()
}

func TestRetryClassification(t *testing.T) {
	t.Parallel()
	const throttle = 300 * time.Millisecond
	tests := []struct {
		name      string
		err       func(t *testing.T) error
		retried   bool
		minGap    time.Duration // between the first and second attempt
		wantDrops uint64
	}{
		{"unavailable", func(*testing.T) error { return status.Error(codes.Unavailable, "down") }, true, 0, 0},
		{"deadline exceeded", func(*testing.T) error { return status.Error(codes.DeadlineExceeded, "slow") }, true, 0, 0},
		{"aborted", func(*testing.T) error { return status.Error(codes.Aborted, "x") }, true, 0, 0},
		{"out of range", func(*testing.T) error { return status.Error(codes.OutOfRange, "x") }, true, 0, 0},
		{"data loss", func(*testing.T) error { return status.Error(codes.DataLoss, "x") }, true, 0, 0},
		{"cancelled", func(*testing.T) error { return status.Error(codes.Canceled, "x") }, true, 0, 0},
		{"unavailable with RetryInfo", func(t *testing.T) error { return retryInfo(t, codes.Unavailable, throttle) }, true, throttle, 0},
		{"resource exhausted with RetryInfo", func(t *testing.T) error { return retryInfo(t, codes.ResourceExhausted, throttle) }, true, throttle, 0},
		{"resource exhausted without RetryInfo", func(*testing.T) error { return status.Error(codes.ResourceExhausted, "full") }, false, 0, 7},
		{"invalid argument", func(*testing.T) error { return status.Error(codes.InvalidArgument, "bad") }, false, 0, 7},
		{"unauthenticated", func(*testing.T) error { return status.Error(codes.Unauthenticated, "who") }, false, 0, 7},
		{"unimplemented", func(*testing.T) error { return status.Error(codes.Unimplemented, "no") }, false, 0, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := startCollector(t)
			failure := tt.err(t)
			c.setHook(func(attempt int, _ *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error) {
				if attempt == 1 {
					return nil, failure
				}
				return nil, nil
			})
			exp := newExporter(t, c.addr)
			ctx := testCtx(t)
			if err := exp.ExportSpans(ctx, makeSpans(7, 0)); err != nil {
				t.Fatal(err)
			}
			if err := exp.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			st := exp.Stats().Traces
			attempts := c.attemptTimes()
			if tt.retried {
				if len(attempts) != 2 || c.spanCount() != 7 || st.Sent != 7 || st.Retries != 1 {
					t.Fatalf("attempts %d, received %d, stats %+v; want a retry that delivers 7", len(attempts), c.spanCount(), st)
				}
				if gap := attempts[1].Sub(attempts[0]); gap < tt.minGap {
					t.Errorf("retried after %v, want at least the server's %v", gap, tt.minGap)
				}
			} else {
				if len(attempts) != 1 || st.DroppedPermanent != tt.wantDrops || st.Retries != 0 {
					t.Errorf("attempts %d, stats %+v; want one attempt and %d permanent drops", len(attempts), st, tt.wantDrops)
				}
			}
			checkIdentity(t, st)
		})
	}
}

func TestPartialSuccess(t *testing.T) {
	t.Parallel()
	c := startCollector(t)
	c.setHook(func(int, *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error) {
		return &coltracepb.ExportTraceServiceResponse{PartialSuccess: &coltracepb.ExportTracePartialSuccess{
			RejectedSpans: 2, ErrorMessage: "spans too old",
		}}, nil
	})
	var logs testkit.SyncBuffer
	exp := newExporter(t, c.addr, otlpexporter.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	ctx := testCtx(t)
	for range 3 {
		if err := exp.ExportSpans(ctx, makeSpans(5, 0)); err != nil {
			t.Fatal(err)
		}
		if err := exp.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	st := exp.Stats().Traces
	if st.Sent != 15 || st.Rejected != 6 || st.Delivered() != 9 || st.Retries != 0 {
		t.Errorf("stats = %+v, want 15 sent of which 6 rejected, no retries", st)
	}
	if n := strings.Count(logs.String(), "rejected part of an export"); n != 1 {
		t.Errorf("partial success logged %d times, want once:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "spans too old") {
		t.Errorf("log lacks the collector's message:\n%s", logs.String())
	}
}

func TestShutdownWithCollectorDown(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1, 3} {
		t.Run(fmt.Sprint("concurrency ", n), func(t *testing.T) {
			t.Parallel()
			testShutdownWithCollectorDown(t, n)
		})
	}
}

func testShutdownWithCollectorDown(t *testing.T, concurrency int) {
	exp := newExporter(t, freeAddr(t), otlpexporter.WithConcurrency(concurrency))
	ctx := testCtx(t)
	for range 5 {
		if err := exp.ExportSpans(ctx, makeSpans(5, 0)); err != nil {
			t.Fatal(err)
		}
	}
	sctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := exp.Shutdown(sctx)
	if took := time.Since(start); took > time.Second {
		t.Errorf("Shutdown took %v with a 200ms deadline", took)
	}
	if err == nil || !strings.Contains(err.Error(), "25 items undelivered") {
		t.Errorf("Shutdown error = %v, want it to name 25 undelivered items", err)
	}
	st := exp.Stats().Traces
	if st.DroppedShutdown != 25 || st.Pending != 0 {
		t.Errorf("stats = %+v, want 25 dropped at shutdown", st)
	}
	checkIdentity(t, st)
	if err := exp.ExportSpans(ctx, makeSpans(1, 0)); !errors.Is(err, otlpexporter.ErrShutdown) {
		t.Errorf("ExportSpans after Shutdown = %v, want ErrShutdown", err)
	}
	if err2 := exp.Shutdown(ctx); err2 == nil || err2.Error() != err.Error() {
		t.Errorf("second Shutdown = %v, want the first result %v", err2, err)
	}
}

func TestSplitsLargeBatches(t *testing.T) {
	t.Parallel()
	c := startCollector(t)
	const limit = 8 << 10
	exp := newExporter(t, c.addr, otlpexporter.WithMaxRequestBytes(limit))
	ctx := testCtx(t)
	if err := exp.ExportSpans(ctx, makeSpans(200, 200)); err != nil {
		t.Fatal(err)
	}
	if err := exp.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	reqs := c.traceRequests()
	if len(reqs) < 5 {
		t.Errorf("got %d requests, want the batch split into several", len(reqs))
	}
	for i, r := range reqs {
		if n := proto.Size(r); n > limit {
			t.Errorf("request %d is %d bytes, over the %d limit", i, n, limit)
		}
	}
	if got := c.spanCount(); got != 200 {
		t.Errorf("collector got %d spans, want 200", got)
	}
}

func TestBackpressureLosesNothing(t *testing.T) {
	t.Parallel()
	c := startCollector(t)
	c.setHook(func(int, *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error) {
		time.Sleep(2 * time.Millisecond) // a slow collector
		return nil, nil
	})
	exp := newExporter(t, c.addr, otlpexporter.WithQueueBudget(20, 1<<20), otlpexporter.WithBlocking(0))
	ctx := testCtx(t)
	for range 50 {
		if err := exp.ExportSpans(ctx, makeSpans(10, 0)); err != nil {
			t.Fatal(err)
		}
	}
	if err := exp.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	st := exp.Stats().Traces
	if st.Sent != 500 || st.Dropped() != 0 || c.spanCount() != 500 {
		t.Errorf("stats = %+v, collector %d; want all 500 delivered", st, c.spanCount())
	}
}

func TestQueueBudgetDropsOldest(t *testing.T) {
	t.Parallel()
	exp := newExporter(t, freeAddr(t), otlpexporter.WithQueueBudget(30, 1<<20))
	ctx := testCtx(t)
	for range 10 {
		if err := exp.ExportSpans(ctx, makeSpans(10, 0)); err != nil {
			t.Fatal(err)
		}
	}
	st := exp.Stats().Traces
	if st.Pending > 30 || st.DroppedQueueFull < 70 {
		t.Errorf("stats = %+v, want at most 30 pending and the rest dropped as queue full", st)
	}
	checkIdentity(t, st)
}

func TestHeadersAndGzip(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		opt     otlpexporter.Option
		minRead int64
		maxRead int64
	}{
		{"gzip", otlpexporter.WithCompression("gzip"), 0, 2000},
		{"none", otlpexporter.WithCompression("none"), 3000, 1 << 20},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			testHeadersAndCompression(t, tt.opt, tt.minRead, tt.maxRead)
		})
	}
}

func testHeadersAndCompression(t *testing.T, compression otlpexporter.Option, minRead, maxRead int64) {
	c := startCollector(t)
	exp := newExporter(t, c.addr,
		otlpexporter.WithHeaders(map[string]string{"Api-Key": "secret"}),
		compression)
	ctx := testCtx(t)
	if err := exp.ExportSpans(ctx, makeSpans(3, 1000)); err != nil {
		t.Fatal(err)
	}
	if err := exp.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	md := c.metadata()
	if len(md) != 1 || strings.Join(md[0].Get("api-key"), ",") != "secret" {
		t.Fatalf("metadata = %v, want api-key: secret", md)
	}
	// 3 KB of padding compresses to almost nothing.
	if n := c.readBytes.Load(); n < minRead || n > maxRead {
		t.Errorf("collector read %d bytes, want [%d, %d]", n, minRead, maxRead)
	}
	if c.spanCount() != 3 {
		t.Errorf("collector got %d spans, want 3", c.spanCount())
	}
}

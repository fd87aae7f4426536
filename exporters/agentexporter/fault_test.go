package agentexporter_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"

	"github.com/gocensus/gocensus/exporters/agentexporter"
	"github.com/gocensus/gocensus/exporters/agentexporter/agentreceiver"
	agenttracepb "github.com/gocensus/gocensus/proto/gocensus/agent/trace/v1"
	"github.com/gocensus/gocensus/sdk/trace"
)

// freeAddr returns a loopback address nobody listens on (yet).
func freeAddr(t *testing.T) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close()
	return addr
}

// producer calls ExportSpans at a steady rate until stopped, recording the
// slowest call.
type producer struct {
	e       *agentexporter.Exporter
	next    int
	slowest atomic.Int64
	stopCh  chan struct{}
	done    chan struct{}
	mu      sync.Mutex
}

func startProducer(e *agentexporter.Exporter, batch int, every time.Duration) *producer {
	p := &producer{e: e, stopCh: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-p.stopCh:
				return
			case <-tick.C:
			}
			p.mu.Lock()
			spans := spanBatch(p.next, batch)
			p.next += batch
			p.mu.Unlock()
			start := time.Now()
			_ = e.ExportSpans(context.Background(), spans)
			if d := int64(time.Since(start)); d > p.slowest.Load() {
				p.slowest.Store(d)
			}
		}
	}()
	return p
}

func (p *producer) stop() int {
	close(p.stopCh)
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.next
}

func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

func TestCollectorDownWithinBudget(t *testing.T) {
	addr := freeAddr(t)
	e := newExporter(t, addr, agentexporter.WithQueueBudget(5000, 4<<20))
	p := startProducer(e, 20, 2*time.Millisecond)
	time.Sleep(300 * time.Millisecond)
	n := p.stop()
	st := e.Stats().Spans
	checkAccounting(t, st)
	if st.Sent != 0 || st.DroppedTotal() != 0 || st.Pending != uint64(n) {
		t.Fatalf("while down: %+v", st)
	}
	if slow := time.Duration(p.slowest.Load()); slow > 250*time.Millisecond {
		t.Fatalf("ExportSpans blocked %v while the collector was down", slow)
	}

	sink := newSink()
	srv := startServer(t, addr, agentreceiver.WithSpanExporter(sink))
	defer srv.stop()
	back := time.Now()
	waitFor(t, 3*time.Second, "the backlog to arrive", func() bool { return sink.count() == n })
	t.Logf("%d spans replayed %v after the collector returned", n, time.Since(back))
	ctx := ctxTimeout(t, 5*time.Second)
	if err := e.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	st = e.Stats().Spans
	checkAccounting(t, st)
	if st.Sent != uint64(n) || st.DroppedTotal() != 0 {
		t.Fatalf("after recovery: %+v", st)
	}
}

func TestCollectorDownPastBudget(t *testing.T) {
	addr := freeAddr(t)
	const budgetBytes = 256 << 10
	e := newExporter(t, addr, agentexporter.WithQueueBudget(1000, budgetBytes))
	before := heapInUse()
	p := startProducer(e, 50, time.Millisecond)
	time.Sleep(300 * time.Millisecond)
	n := p.stop()
	grown := int64(heapInUse()) - int64(before)
	st := e.Stats().Spans
	checkAccounting(t, st)
	if st.Pending > 1000 || st.PendingBytes > budgetBytes {
		t.Fatalf("budget exceeded: %+v", st)
	}
	if st.Dropped[agentexporter.DropQueueFull] == 0 || st.Enqueued != uint64(n) {
		t.Fatalf("want queue_full drops of the oldest: %+v", st)
	}
	if grown > 4*budgetBytes+(1<<20) {
		t.Fatalf("heap grew %d bytes with a %d-byte budget", grown, budgetBytes)
	}
	sink := newSink()
	srv := startServer(t, addr, agentreceiver.WithSpanExporter(sink))
	defer srv.stop()
	ctx := ctxTimeout(t, 5*time.Second)
	if err := e.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	st = e.Stats().Spans
	checkAccounting(t, st)
	if uint64(sink.count()) != st.Sent || st.Sent == 0 {
		t.Fatalf("receiver has %d spans, exporter counted %d sent", sink.count(), st.Sent)
	}
	if !sink.has(testSpan(n-1).SpanID) || sink.has(testSpan(0).SpanID) {
		t.Fatal("drop-oldest violated: newest span missing or oldest kept")
	}
}

func TestCollectorRestarts(t *testing.T) {
	sink := newSink()
	srv := startServer(t, "", agentreceiver.WithSpanExporter(sink))
	addr := srv.addr
	e := newExporter(t, addr)
	p := startProducer(e, 20, 2*time.Millisecond)
	for range 3 {
		seen := sink.count()
		waitFor(t, 3*time.Second, "data at this incarnation", func() bool { return sink.count() > seen+200 })
		srv.stop()
		time.Sleep(50 * time.Millisecond)
		srv = startServer(t, addr, agentreceiver.WithSpanExporter(sink))
	}
	time.Sleep(100 * time.Millisecond)
	n := p.stop()
	ctx := ctxTimeout(t, 5*time.Second)
	if err := e.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	srv.stop()
	st := e.Stats().Spans
	checkAccounting(t, st)
	if st.Reconnects < 3 {
		t.Errorf("reconnects %d, want ≥ 3", st.Reconnects)
	}
	missing := 0
	for i := range n {
		if !sink.has(testSpan(i).SpanID) {
			missing++
		}
	}
	t.Logf("sent %d spans, %d duplicates resent by the window, stats %+v", n, sink.dups, st)
	if missing != 0 || st.DroppedTotal() != 0 {
		t.Fatalf("%d of %d spans lost across 3 restarts (dropped %d)", missing, n, st.DroppedTotal())
	}
}

// stallService accepts Export streams and never reads them.
type stallService struct {
	agenttracepb.UnimplementedTraceServiceServer
	streams atomic.Int32
}

func (s *stallService) Export(stream agenttracepb.TraceService_ExportServer) error {
	s.streams.Add(1)
	<-stream.Context().Done()
	return stream.Context().Err()
}

func TestStalledCollector(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// A fixed window turns off BDP estimation, which would otherwise grow
	// the window even though nothing reads.
	srv := grpc.NewServer(grpc.InitialWindowSize(1<<16), grpc.InitialConnWindowSize(1<<16))
	svc := &stallService{}
	agenttracepb.RegisterOpenCensusTraceServiceServer(srv, svc)
	go srv.Serve(lis)
	defer srv.Stop()

	e := newExporter(t, lis.Addr().String(), agentexporter.WithStallTimeout(100*time.Millisecond))
	big := strings.Repeat("x", 8<<10)
	for i := range 40 { // 320 KiB: far past the 64 KiB flow-control window
		sd := testSpan(i)
		sd.Attributes = append(sd.Attributes, trace.StringAttribute("blob", big))
		start := time.Now()
		if err := e.ExportSpans(context.Background(), []*trace.SpanData{sd}); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d > 250*time.Millisecond {
			t.Fatalf("ExportSpans blocked %v on a stalled stream", d)
		}
	}
	waitFor(t, 3*time.Second, "a stall to be detected and the stream redialled", func() bool {
		return e.Stats().Stalls >= 1 && svc.streams.Load() >= 2
	})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = e.Shutdown(ctx)
	if took := time.Since(start); took > time.Second {
		t.Fatalf("Shutdown took %v with a 300ms deadline", took)
	}
	if err == nil || !strings.Contains(err.Error(), "undelivered") {
		t.Fatalf("Shutdown = %v, want the undelivered count", err)
	}
	st := e.Stats().Spans
	checkAccounting(t, st)
	if st.Dropped[agentexporter.DropShutdown] == 0 || st.Pending != 0 {
		t.Fatalf("%+v", st)
	}
}

func TestReceiverReturnsErrors(t *testing.T) {
	sink := newSink()
	sink.setFail(errors.New("pipeline full"))
	srv := startServer(t, "", agentreceiver.WithSpanExporter(sink))
	defer srv.stop()
	e := newExporter(t, srv.addr)
	ctx := ctxTimeout(t, 5*time.Second)
	for i := range 10 {
		if err := e.ExportSpans(ctx, spanBatch(i*10, 10)); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 3*time.Second, "retries", func() bool { return e.Stats().Spans.Retries >= 2 })
	sink.setFail(nil)
	waitFor(t, 3*time.Second, "delivery after the receiver recovered", func() bool { return sink.count() == 100 })
	if err := e.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	st := e.Stats().Spans
	checkAccounting(t, st)
	if st.Sent != 100 || st.DroppedTotal() != 0 || st.Reconnects == 0 {
		t.Fatalf("%+v", st)
	}
}

func TestGracefulStopGoAway(t *testing.T) {
	sink := newSink()
	r, err := agentreceiver.New(agentreceiver.WithSpanExporter(sink), agentreceiver.WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	srv := grpc.NewServer()
	r.Register(srv)
	go srv.Serve(lis)

	e := newExporter(t, addr)
	ctx := ctxTimeout(t, 5*time.Second)
	if err := e.ExportSpans(ctx, spanBatch(0, 50)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 3*time.Second, "first batch", func() bool { return sink.count() == 50 })
	stopped := make(chan struct{})
	go func() { srv.GracefulStop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(3 * time.Second):
		srv.Stop()
		t.Fatal("GracefulStop hung: the exporter kept its stream open after GOAWAY")
	}
	srv2 := startServer(t, addr, agentreceiver.WithSpanExporter(sink))
	defer srv2.stop()
	if err := e.ExportSpans(ctx, spanBatch(50, 50)); err != nil {
		t.Fatal(err)
	}
	if err := e.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	st := e.Stats().Spans
	checkAccounting(t, st)
	if sink.count() != 100 || st.Sent != 100 {
		t.Fatalf("receiver %d spans; %+v", sink.count(), st)
	}
}

func TestLossWarnedOnceEachWay(t *testing.T) {
	var mu sync.Mutex
	var logs strings.Builder
	logger := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logs.Write(p)
	}), nil))
	addr := freeAddr(t)
	e := newExporter(t, addr, agentexporter.WithLogger(logger), agentexporter.WithQueueBudget(100, 1<<20))
	ctx := ctxTimeout(t, 5*time.Second)
	for i := range 20 { // 200 spans into a 100-span budget while nobody listens
		if err := e.ExportSpans(ctx, spanBatch(i*10, 10)); err != nil {
			t.Fatal(err)
		}
	}
	sink := newSink()
	srv := startServer(t, addr, agentreceiver.WithSpanExporter(sink))
	defer srv.stop()
	waitFor(t, 3*time.Second, "the surviving spans", func() bool { return sink.count() == 100 })
	if err := e.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	out := logs.String()
	mu.Unlock()
	if strings.Count(out, "telemetry is being dropped") != 1 || strings.Count(out, "telemetry delivery recovered") != 1 ||
		!strings.Contains(out, "dropped_during_outage=100") {
		t.Fatalf("want one loss warning and one recovery with the count, got:\n%s", out)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

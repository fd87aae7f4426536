package agentexporter_test

import (
	"context"
	"encoding/binary"
	"net"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gocensus/gocensus/exporters/agentexporter"
	"github.com/gocensus/gocensus/exporters/agentexporter/agentreceiver"
	"github.com/gocensus/gocensus/sdk/trace"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// spanSink is a SpanExporter that counts distinct spans (by span id) and
// duplicates, for the receiving side of tests.
type spanSink struct {
	mu    sync.Mutex
	spans map[trace.SpanID]*trace.SpanData
	dups  int
	fail  error
}

func newSink() *spanSink { return &spanSink{spans: make(map[trace.SpanID]*trace.SpanData)} }

func (s *spanSink) ExportSpans(_ context.Context, spans []*trace.SpanData) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	for _, sd := range spans {
		if _, ok := s.spans[sd.SpanID]; ok {
			s.dups++
			continue
		}
		s.spans[sd.SpanID] = sd
	}
	return nil
}

func (s *spanSink) Shutdown(context.Context) error { return nil }

func (s *spanSink) setFail(err error) {
	s.mu.Lock()
	s.fail = err
	s.mu.Unlock()
}

func (s *spanSink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.spans)
}

func (s *spanSink) has(id trace.SpanID) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.spans[id]
	return ok
}

// server is a receiver listening on a fixed loopback address, restartable.
type server struct {
	t    testing.TB
	addr string
	r    *agentreceiver.Receiver
	done chan error
}

func startServer(t testing.TB, addr string, opts ...agentreceiver.Option) *server {
	t.Helper()
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var lis net.Listener
	var err error
	for range 50 { // the port of a just-stopped server may linger briefly
		if lis, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	r, err := agentreceiver.New(append([]agentreceiver.Option{agentreceiver.WithLogger(nil)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, addr: lis.Addr().String(), r: r, done: make(chan error, 1)}
	go func() { s.done <- r.Serve(lis) }()
	return s
}

func (s *server) stop() {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = s.r.Shutdown(ctx)
	if err := <-s.done; err != nil {
		s.t.Errorf("Serve: %v", err)
	}
}

func newExporter(t *testing.T, addr string, opts ...agentexporter.Option) *agentexporter.Exporter {
	t.Helper()
	base := []agentexporter.Option{
		agentexporter.WithAddress(addr), agentexporter.WithInsecure(), agentexporter.WithLogger(nil),
		agentexporter.WithReconnectBackoff(agentexporter.Backoff{Initial: 10 * time.Millisecond, Max: 100 * time.Millisecond}),
	}
	e, err := agentexporter.New(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

var epoch = time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)

// testSpan returns a small span whose ids encode i.
func testSpan(i int) *trace.SpanData {
	sd := &trace.SpanData{Name: "op", Kind: trace.SpanKindClient}
	binary.BigEndian.PutUint64(sd.TraceID[8:], uint64(i)+1)
	binary.BigEndian.PutUint64(sd.SpanID[:], uint64(i)+1)
	sd.TraceOptions = sd.TraceOptions.WithSampled(true)
	sd.StartTime = epoch.Add(time.Duration(i) * time.Microsecond)
	sd.EndTime = sd.StartTime.Add(time.Millisecond)
	sd.Attributes = []trace.Attribute{trace.StringAttribute("k", "v"), trace.Int64Attribute("n", int64(i))}
	return sd
}

func spanBatch(from, n int) []*trace.SpanData {
	out := make([]*trace.SpanData, n)
	for i := range out {
		out[i] = testSpan(from + i)
	}
	return out
}

func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func checkAccounting(t *testing.T, st agentexporter.QueueStats) {
	t.Helper()
	if st.Enqueued != st.Sent+st.DroppedTotal()+st.Pending {
		t.Fatalf("accounting broken: enqueued %d != sent %d + dropped %d + pending %d (%+v)",
			st.Enqueued, st.Sent, st.DroppedTotal(), st.Pending, st)
	}
}

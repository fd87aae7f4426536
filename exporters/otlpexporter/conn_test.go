package otlpexporter_test

import (
	"context"
	"errors"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"

	"github.com/gocensus/gocensus/exporters/otlpexporter"
)

// WithGRPCConn exports over the caller's connection and leaves it open.
func TestWithGRPCConn(t *testing.T) {
	t.Parallel()
	lis := bufconn.Listen(1 << 20)
	c := &collector{changed: make(chan struct{})}
	srv := grpc.NewServer()
	coltracepb.RegisterTraceServiceServer(srv, c)
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop()

	conn, err := grpc.NewClient("passthrough:///bufnet",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	ctx := testCtx(t)
	for range 2 {
		exp, err := otlpexporter.New(otlpexporter.WithGRPCConn(conn))
		if err != nil {
			t.Fatal(err)
		}
		if err := exp.ExportSpans(ctx, makeSpans(3, 0)); err != nil {
			t.Fatal(err)
		}
		if err := exp.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// The second exporter worked on the connection the first shut down.
	if got := c.spanCount(); got != 6 {
		t.Errorf("collector got %d spans, want 6", got)
	}
}

// Exports racing with each other and with Shutdown are either delivered,
// dropped at shutdown, or refused with ErrShutdown; the counts add up.
func TestConcurrentExportAndShutdown(t *testing.T) {
	t.Parallel()
	c := startCollector(t)
	exp := newExporter(t, c.addr)
	ctx := testCtx(t)
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		refused int
	)
	for range 4 {
		wg.Go(func() {
			for range 50 {
				err := exp.ExportSpans(ctx, makeSpans(4, 0))
				if errors.Is(err, otlpexporter.ErrShutdown) {
					mu.Lock()
					refused += 4
					mu.Unlock()
				} else if err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Go(func() {
		_ = exp.Stats()
		_ = exp.Shutdown(ctx)
	})
	wg.Wait()
	st := exp.Stats().Traces
	checkIdentity(t, st)
	if st.Pending != 0 {
		t.Errorf("pending %d after Shutdown", st.Pending)
	}
	// Refused exports after the sender closed are counted as shutdown drops
	// too; those refused before it started never reached it.
	if total := int(st.Enqueued) + refused; total < 800 || int(st.Enqueued) > 800 {
		t.Errorf("enqueued %d + refused %d, want 800 spans accounted for", st.Enqueued, refused)
	}
	if int(st.Sent) != c.spanCount() {
		t.Errorf("sent %d, collector got %d", st.Sent, c.spanCount())
	}
}

func TestConcurrency(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1, 4} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			t.Parallel()
			c := startCollector(t)
			var inflight, peak atomic.Int32
			c.setHook(func(int, *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error) {
				cur := inflight.Add(1)
				defer inflight.Add(-1)
				for {
					p := peak.Load()
					if cur <= p || peak.CompareAndSwap(p, cur) {
						break
					}
				}
				time.Sleep(20 * time.Millisecond) // a distant collector
				return nil, nil
			})
			exp := newExporter(t, c.addr, otlpexporter.WithConcurrency(n))
			ctx := testCtx(t)
			for range 16 {
				if err := exp.ExportSpans(ctx, makeSpans(10, 0)); err != nil {
					t.Fatal(err)
				}
			}
			if err := exp.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			st := exp.Stats().Traces
			if st.Sent != 160 || c.spanCount() != 160 {
				t.Errorf("stats %+v, collector %d; want 160 delivered", st, c.spanCount())
			}
			checkIdentity(t, st)
			if p := int(peak.Load()); p > n || (n > 1 && p < 2) {
				t.Errorf("peak in-flight exports %d with concurrency %d", p, n)
			}
		})
	}
	if _, err := otlpexporter.New(otlpexporter.WithConcurrency(0)); err == nil {
		t.Error("New accepted zero concurrency")
	}
}

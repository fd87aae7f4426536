package printexporter_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gocensus/gocensus/exporters/printexporter"
	"github.com/gocensus/gocensus/sdk/trace"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func makeSpans(n int) []*trace.SpanData {
	start := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	spans := make([]*trace.SpanData, n)
	for i := range spans {
		spans[i] = &trace.SpanData{
			SpanContext: trace.SpanContext{
				TraceID:      trace.TraceID{0x0a, 15: byte(i + 1)},
				SpanID:       trace.SpanID{0x0b, 7: byte(i + 1)},
				TraceOptions: trace.FlagSampled,
			},
			Name:       fmt.Sprintf("span-%d", i),
			Kind:       trace.SpanKindClient,
			StartTime:  start,
			EndTime:    start.Add(time.Duration(i+1) * time.Millisecond),
			Attributes: []trace.Attribute{trace.StringAttribute("peer", "db"), trace.Int64Attribute("i", int64(i))},
		}
	}
	return spans
}

// recordingWriter records every Write call separately.
type recordingWriter struct {
	mu     sync.Mutex
	writes [][]byte
}

func (w *recordingWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes = append(w.writes, bytes.Clone(p))
	return len(p), nil
}

func (w *recordingWriter) snapshot() [][]byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([][]byte(nil), w.writes...)
}

func splitLines(t *testing.T, b []byte) [][]byte {
	t.Helper()
	if len(b) > 0 && b[len(b)-1] != '\n' {
		t.Fatalf("output does not end in a newline: %q", b)
	}
	var lines [][]byte
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines = append(lines, bytes.Clone(sc.Bytes()))
	}
	return lines
}

func TestExportWritesOneLinePerSpanInOneWrite(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1, 3, 100} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			t.Parallel()
			w := &recordingWriter{}
			e := printexporter.New(printexporter.WithWriter(w))
			spans := makeSpans(n)
			if err := e.ExportSpans(testContext(t), spans); err != nil {
				t.Fatalf("ExportSpans: %v", err)
			}
			writes := w.snapshot()
			if len(writes) != 1 {
				t.Fatalf("got %d writes for one batch, want 1", len(writes))
			}
			lines := splitLines(t, writes[0])
			if len(lines) != n {
				t.Fatalf("got %d lines, want %d", len(lines), n)
			}
			for i, line := range lines {
				if want := spans[i].AppendJSON(nil); !bytes.Equal(line, want) {
					t.Errorf("line %d:\n got %s\nwant %s", i, line, want)
				}
			}
		})
	}
}

func TestExportEmptyBatchWritesNothing(t *testing.T) {
	t.Parallel()
	w := &recordingWriter{}
	e := printexporter.New(printexporter.WithWriter(w))
	for _, spans := range [][]*trace.SpanData{nil, {}} {
		if err := e.ExportSpans(testContext(t), spans); err != nil {
			t.Fatalf("ExportSpans(%v): %v", spans, err)
		}
	}
	if n := len(w.snapshot()); n != 0 {
		t.Errorf("empty batches caused %d writes", n)
	}
}

func TestWithNilWriterKeepsDefault(t *testing.T) {
	t.Parallel()
	// Only checks that the option does not install a nil writer that would
	// panic; the stdout default is shown by the package example.
	e := printexporter.New(printexporter.WithWriter(nil))
	if err := e.Shutdown(testContext(t)); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

func TestBuffersAreReusedAcrossBatches(t *testing.T) {
	t.Parallel()
	w := &recordingWriter{}
	e := printexporter.New(printexporter.WithWriter(w))
	ctx := testContext(t)
	first, second := makeSpans(5), makeSpans(1)
	second[0].Name = "second"
	if err := e.ExportSpans(ctx, first); err != nil {
		t.Fatal(err)
	}
	if err := e.ExportSpans(ctx, second); err != nil {
		t.Fatal(err)
	}
	writes := w.snapshot()
	if got := splitLines(t, writes[1]); len(got) != 1 || !bytes.Contains(got[0], []byte(`"name":"second"`)) {
		t.Errorf("second batch written as %q; leftovers from the first batch?", writes[1])
	}
}

func TestConcurrentExportsDoNotInterleave(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	e := printexporter.New(printexporter.WithWriter(&buf)) // bytes.Buffer is not goroutine-safe: the exporter must serialise
	ctx := testContext(t)
	const goroutines, batches, perBatch = 8, 20, 7
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range batches {
				if err := e.ExportSpans(ctx, makeSpans(perBatch)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	lines := splitLines(t, buf.Bytes())
	if want := goroutines * batches * perBatch; len(lines) != want {
		t.Fatalf("got %d lines, want %d", len(lines), want)
	}
	for i, line := range lines {
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("line %d is not JSON (%v): %s", i, err, line)
		}
	}
}

func TestShutdown(t *testing.T) {
	t.Parallel()
	w := &recordingWriter{}
	e := printexporter.New(printexporter.WithWriter(w))
	ctx := testContext(t)
	if err := e.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := e.Shutdown(ctx); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
	if err := e.ExportSpans(ctx, makeSpans(1)); !errors.Is(err, printexporter.ErrShutdown) {
		t.Fatalf("ExportSpans after Shutdown = %v, want ErrShutdown", err)
	}
	if n := len(w.snapshot()); n != 0 {
		t.Errorf("%d writes after Shutdown", n)
	}
}

type errWriter struct{ n int }

var errDisk = errors.New("disk on fire")

func (w errWriter) Write(p []byte) (int, error) {
	if w.n >= 0 {
		return min(w.n, len(p)), nil // short write without an error
	}
	return 0, errDisk
}

func TestWriteErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		w    io.Writer
		want error
	}{
		{"error", errWriter{n: -1}, errDisk},
		{"short write", errWriter{n: 10}, io.ErrShortWrite},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := printexporter.New(printexporter.WithWriter(tt.w))
			err := e.ExportSpans(testContext(t), makeSpans(2))
			if !errors.Is(err, tt.want) {
				t.Fatalf("ExportSpans = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestCancelledContextWritesNothing(t *testing.T) {
	t.Parallel()
	w := &recordingWriter{}
	e := printexporter.New(printexporter.WithWriter(w))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := e.ExportSpans(ctx, makeSpans(1)); !errors.Is(err, context.Canceled) {
		t.Fatalf("ExportSpans = %v, want context.Canceled", err)
	}
	if n := len(w.snapshot()); n != 0 {
		t.Errorf("%d writes with a cancelled context", n)
	}
}

// blockingWriter blocks every Write until release is closed.
type blockingWriter struct {
	entered chan struct{}
	release chan struct{}
}

func (w *blockingWriter) Write(p []byte) (int, error) {
	w.entered <- struct{}{}
	<-w.release
	return len(p), nil
}

func TestWaitersHonourContextWhileAWriteBlocks(t *testing.T) {
	t.Parallel()
	w := &blockingWriter{entered: make(chan struct{}, 1), release: make(chan struct{})}
	e := printexporter.New(printexporter.WithWriter(w))
	done := make(chan error, 1)
	go func() { done <- e.ExportSpans(context.Background(), makeSpans(1)) }()
	<-w.entered

	short, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := e.ExportSpans(short, makeSpans(1)); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("ExportSpans behind a blocked write = %v, want DeadlineExceeded", err)
	}
	if err := e.Shutdown(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown behind a blocked write = %v, want DeadlineExceeded", err)
	}

	close(w.release)
	if err := <-done; err != nil {
		t.Fatalf("blocked ExportSpans: %v", err)
	}
	if err := e.Shutdown(testContext(t)); err != nil {
		t.Fatalf("Shutdown after the write finished: %v", err)
	}
}

func TestZeroValueExporterIsUsable(t *testing.T) {
	t.Parallel()
	var e printexporter.Exporter
	if err := e.ExportSpans(testContext(t), nil); err != nil {
		t.Fatalf("zero Exporter ExportSpans: %v", err)
	}
	if err := e.Shutdown(testContext(t)); err != nil {
		t.Fatalf("zero Exporter Shutdown: %v", err)
	}
	if err := e.ExportSpans(testContext(t), makeSpans(1)); !errors.Is(err, printexporter.ErrShutdown) {
		t.Fatalf("zero Exporter after Shutdown = %v", err)
	}
}

func TestSteadyStateAllocations(t *testing.T) {
	e := printexporter.New(printexporter.WithWriter(io.Discard))
	ctx := testContext(t)
	spans := makeSpans(32)
	if err := e.ExportSpans(ctx, spans); err != nil { // grows the buffer once
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(50, func() {
		if err := e.ExportSpans(ctx, spans); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("ExportSpans allocated %v times per batch, want 0", allocs)
	}
}

func BenchmarkExportSpans(b *testing.B) {
	for _, n := range []int{1, 64, 512} {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			e := printexporter.New(printexporter.WithWriter(io.Discard))
			ctx := context.Background()
			spans := makeSpans(n)
			b.ReportAllocs()
			for b.Loop() {
				if err := e.ExportSpans(ctx, spans); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/span")
		})
	}
}

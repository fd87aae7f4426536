package fileexporter_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gocensus/gocensus/exporters/fileexporter"
	"github.com/gocensus/gocensus/sdk/trace"
)

func TestMain(m *testing.M) {
	if os.Getenv(fsizeChildEnv) != "" {
		os.Exit(runFileSizeLimitChild())
	}
	goleak.VerifyTestMain(m)
}

func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// makeSpans returns n spans named span-<first>, span-<first+1>, ...
func makeSpans(first, n int) []*trace.SpanData {
	start := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	spans := make([]*trace.SpanData, n)
	for i := range spans {
		seq := first + i
		spans[i] = &trace.SpanData{
			SpanContext: trace.SpanContext{
				TraceID:      trace.TraceID{0x0a, 15: 1},
				SpanID:       trace.SpanID{0x0b, 6: byte(seq >> 8), 7: byte(seq)},
				TraceOptions: trace.FlagSampled,
			},
			Name:       fmt.Sprintf("span-%d", seq),
			StartTime:  start,
			EndTime:    start.Add(time.Millisecond),
			Attributes: []trace.Attribute{trace.StringAttribute("component", "test")},
		}
	}
	return spans
}

type line struct {
	Name string `json:"name"`
}

// readLines parses every line of path, failing on anything that is not a
// whole JSON object followed by a newline.
func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return parseLines(t, path, b)
}

func parseLines(t *testing.T, path string, b []byte) []string {
	t.Helper()
	if len(b) > 0 && b[len(b)-1] != '\n' {
		t.Fatalf("%s does not end in a newline: %q", path, b[max(0, len(b)-40):])
	}
	var names []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		var l line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("%s: bad line %q: %v", path, sc.Bytes(), err)
		}
		names = append(names, l.Name)
	}
	return names
}

func seqNames(first, n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("span-%d", first+i)
	}
	return names
}

func TestNewCreatesFileAndAppends(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "spans.jsonl")
	ctx := testContext(t)

	e, err := fileexporter.New(path)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("New did not create the file: %v", err)
	}
	if perm := fi.Mode().Perm(); perm&^0o644 != 0 || perm&0o600 != 0o600 {
		t.Errorf("file mode %v, want 0644 (minus umask)", perm)
	}
	if err := e.ExportSpans(ctx, makeSpans(0, 3)); err != nil {
		t.Fatalf("ExportSpans: %v", err)
	}
	if err := e.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}

	// A second exporter on the same file extends it.
	e, err = fileexporter.New(path)
	if err != nil {
		t.Fatalf("second New: %v", err)
	}
	if err := e.ExportSpans(ctx, makeSpans(3, 2)); err != nil {
		t.Fatalf("ExportSpans: %v", err)
	}
	if err := e.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if got, want := readLines(t, path), seqNames(0, 5); !slicesEqual(got, want) {
		t.Errorf("lines %v, want %v", got, want)
	}
	if got := e.Stats(); got != (fileexporter.Stats{ExportedSpans: 2}) {
		t.Errorf("Stats = %+v", got)
	}
}

func TestNeverTruncatesExistingData(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "spans.jsonl")
	const existing = "precious data written by someone else\n"
	if err := os.WriteFile(path, []byte(existing), 0o600); err != nil {
		t.Fatal(err)
	}
	e, err := fileexporter.New(path)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ctx := testContext(t)
	if err := e.ExportSpans(ctx, makeSpans(0, 1)); err != nil {
		t.Fatal(err)
	}
	if err := e.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), existing) {
		t.Fatalf("existing content lost: %q", b)
	}
	parseLines(t, path, b[len(existing):])
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("existing file mode changed to %v", fi.Mode().Perm())
	}
}

func TestNewErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	regular := filepath.Join(dir, "regular")
	if err := os.WriteFile(regular, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		path    string
		opts    []fileexporter.Option
		wantErr error // checked with errors.Is when set
	}{
		{name: "empty path", path: ""},
		{name: "missing directory", path: filepath.Join(dir, "nope", "spans.jsonl"), wantErr: os.ErrNotExist},
		{name: "parent is a regular file", path: filepath.Join(regular, "spans.jsonl")},
		{name: "under /etc/hostname", path: "/etc/hostname/x"},
		{name: "path is a directory", path: dir},
		{name: "read-only filesystem", path: "/proc/gocensus-spans.jsonl"},
		{name: "negative max bytes", path: filepath.Join(dir, "a"), opts: []fileexporter.Option{fileexporter.WithMaxBytes(-1)}},
		{name: "zero backups", path: filepath.Join(dir, "b"), opts: []fileexporter.Option{fileexporter.WithMaxBytes(10), fileexporter.WithMaxBackups(0)}},
		{name: "rotation of a device", path: os.DevNull, opts: []fileexporter.Option{fileexporter.WithMaxBytes(1024)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, err := fileexporter.New(tt.path, tt.opts...)
			if err == nil {
				_ = e.Shutdown(testContext(t))
				t.Fatalf("New(%q) succeeded, want an error", tt.path)
			}
			if !strings.HasPrefix(err.Error(), "fileexporter: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("New(%q) = %v, want %v", tt.path, err, tt.wantErr)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "a")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("invalid options still created a file: %v", err)
	}
}

func TestDiskFullIsReportedAndCounted(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full on this system")
	}
	e, err := fileexporter.New("/dev/full")
	if err != nil {
		t.Fatalf("New(/dev/full): %v", err)
	}
	ctx := testContext(t)
	for range 2 {
		err = e.ExportSpans(ctx, makeSpans(0, 4))
		if !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("ExportSpans on a full device = %v, want ENOSPC", err)
		}
	}
	want := fileexporter.Stats{FailedSpans: 8, WriteErrors: 2}
	if got := e.Stats(); got != want {
		t.Errorf("Stats = %+v, want %+v", got, want)
	}
	if err := e.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

func TestRotation(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "spans.jsonl")
	ctx := testContext(t)
	lineLen := len(makeSpans(100, 1)[0].AppendJSON(nil)) + 1 // all test lines are this long for seq 100..999
	const perBatch, backups = 3, 2
	maxBytes := int64(lineLen*perBatch*2 + 10) // two batches fit, a third does not

	e, err := fileexporter.New(path, fileexporter.WithMaxBytes(maxBytes), fileexporter.WithMaxBackups(backups))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	const batches = 9
	for i := range batches {
		if err := e.ExportSpans(ctx, makeSpans(100+i*perBatch, perBatch)); err != nil {
			t.Fatalf("batch %d: %v", i, err)
		}
	}
	if err := e.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}

	// Files hold 2 batches each; 9 batches = 4 full files + 1 batch. With two
	// backups the oldest two files are gone.
	var all []string
	for _, p := range []string{path + ".2", path + ".1", path} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatalf("stat %s: %v", p, err)
		}
		if fi.Size() > maxBytes {
			t.Errorf("%s has %d bytes, limit %d", p, fi.Size(), maxBytes)
		}
		all = append(all, readLines(t, p)...)
	}
	if _, err := os.Stat(path + ".3"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("path.3 exists beyond WithMaxBackups(2): %v", err)
	}
	first := 100 + 4*perBatch
	if want := seqNames(first, batches*perBatch-4*perBatch); !slicesEqual(all, want) {
		t.Errorf("surviving lines, oldest first:\n got %v\nwant %v", all, want)
	}
	if got := e.Stats(); got.Rotations != 4 || got.ExportedSpans != batches*perBatch || got.RotationErrors != 0 {
		t.Errorf("Stats = %+v", got)
	}
}

func TestRotationOfOversizedBatch(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "spans.jsonl")
	ctx := testContext(t)
	e, err := fileexporter.New(path, fileexporter.WithMaxBytes(100))
	if err != nil {
		t.Fatal(err)
	}
	// A batch bigger than the limit goes whole into one file, rotating the
	// file it would not fit into first.
	for i := range 3 {
		if err := e.ExportSpans(ctx, makeSpans(i*5, 5)); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := readLines(t, path+".1"), seqNames(5, 5); !slicesEqual(got, want) {
		t.Errorf("backup holds %v, want %v", got, want)
	}
	if got, want := readLines(t, path), seqNames(10, 5); !slicesEqual(got, want) {
		t.Errorf("file holds %v, want %v", got, want)
	}
}

func TestRotationFailureKeepsSpans(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "spans.jsonl")
	ctx := testContext(t)
	e, err := fileexporter.New(path, fileexporter.WithMaxBytes(50))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.ExportSpans(ctx, makeSpans(0, 1)); err != nil {
		t.Fatal(err)
	}
	// A directory where the backup must go makes the rename fail.
	if err := os.Mkdir(path+".1", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(path+".1", "keep"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	err = e.ExportSpans(ctx, makeSpans(1, 1))
	if !errors.Is(err, fileexporter.ErrRotate) {
		t.Fatalf("ExportSpans = %v, want ErrRotate", err)
	}
	if err := e.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := readLines(t, path), seqNames(0, 2); !slicesEqual(got, want) {
		t.Errorf("file holds %v, want %v", got, want)
	}
	if got := e.Stats(); got != (fileexporter.Stats{ExportedSpans: 2, RotationErrors: 1}) {
		t.Errorf("Stats = %+v", got)
	}
}

func TestShutdown(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "spans.jsonl")
	ctx := testContext(t)
	e, err := fileexporter.New(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := e.Shutdown(ctx); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
	if err := e.ExportSpans(ctx, makeSpans(0, 1)); !errors.Is(err, fileexporter.ErrShutdown) {
		t.Fatalf("ExportSpans after Shutdown = %v, want ErrShutdown", err)
	}
	if got := readLines(t, path); len(got) != 0 {
		t.Errorf("lines after Shutdown: %v", got)
	}
}

func TestCancelledContext(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "spans.jsonl")
	e, err := fileexporter.New(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := e.ExportSpans(ctx, makeSpans(0, 1)); !errors.Is(err, context.Canceled) {
		t.Fatalf("ExportSpans = %v, want context.Canceled", err)
	}
	if err := e.Shutdown(testContext(t)); err != nil {
		t.Fatal(err)
	}
	if got := readLines(t, path); len(got) != 0 {
		t.Errorf("cancelled export wrote %v", got)
	}
}

func TestConcurrentExports(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "spans.jsonl")
	ctx := testContext(t)
	e, err := fileexporter.New(path, fileexporter.WithMaxBytes(64<<10), fileexporter.WithMaxBackups(100))
	if err != nil {
		t.Fatal(err)
	}
	const goroutines, batches, perBatch = 6, 30, 10
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for b := range batches {
				if err := e.ExportSpans(ctx, makeSpans((g*batches+b)*perBatch, perBatch)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := e.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	total := len(readLines(t, path))
	for i := 1; ; i++ {
		p := fmt.Sprintf("%s.%d", path, i)
		if _, err := os.Stat(p); err != nil {
			break
		}
		total += len(readLines(t, p))
	}
	if want := goroutines * batches * perBatch; total != want {
		t.Errorf("%d lines across files, want %d", total, want)
	}
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func BenchmarkExportSpans(b *testing.B) {
	for _, n := range []int{1, 64} {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			e, err := fileexporter.New(filepath.Join(b.TempDir(), "spans.jsonl"),
				fileexporter.WithMaxBytes(32<<20), fileexporter.WithMaxBackups(1))
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			spans := makeSpans(0, n)
			b.ReportAllocs()
			for b.Loop() {
				if err := e.ExportSpans(ctx, spans); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/span")
			if err := e.Shutdown(ctx); err != nil {
				b.Fatal(err)
			}
		})
	}
}

package fileexporter

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"

	"github.com/gocensus/gocensus/sdk/stats"
	"github.com/gocensus/gocensus/sdk/trace"
)

var (
	// ErrShutdown is returned by ExportSpans and ExportMetrics after
	// Shutdown.
	ErrShutdown = errors.New("fileexporter: exporter is shut down")
	// ErrRotate is wrapped by the error ExportSpans returns when rotating
	// the file failed. The batch was still appended to the current file,
	// so no spans were lost; only the size limit was overrun.
	ErrRotate = errors.New("fileexporter: rotation failed")
)

// maxRetainedBuffer caps the encoding buffer kept between batches.
const maxRetainedBuffer = 1 << 20

// Option configures an Exporter.
type Option func(*config)

type config struct {
	maxBytes   int64
	maxBackups int
}

// WithMaxBytes turns on size-based rotation: a batch that would grow the
// file beyond n bytes is written to a fresh file instead. Zero, the
// default, disables rotation; negative values are an error.
func WithMaxBytes(n int64) Option { return func(c *config) { c.maxBytes = n } }

// WithMaxBackups sets how many rotated files are kept, path.1 (newest)
// to path.k (oldest). The default is 1; it must be at least 1, since
// rotation without a backup would discard the data it rotates away. It has
// no effect without WithMaxBytes.
func WithMaxBackups(k int) Option { return func(c *config) { c.maxBackups = k } }

// Stats counts what an Exporter did since New.
type Stats struct {
	// ExportedSpans is the number of spans written to the file.
	ExportedSpans uint64
	// FailedSpans is the number of spans lost because their batch could
	// not be written.
	FailedSpans uint64
	// WriteErrors is the number of failed or short writes.
	WriteErrors uint64
	// Rotations is the number of completed rotations.
	Rotations uint64
	// RotationErrors is the number of rotations that failed.
	RotationErrors uint64
}

// Exporter appends spans and metrics to a file as JSON lines. It is safe
// for concurrent use; exports are serialised.
type Exporter struct {
	path string
	cfg  config

	// sem is a one-slot semaphore rather than a mutex so that callers
	// waiting behind a slow disk can give up when their ctx is done.
	sem       chan struct{}
	f         *os.File
	regular   bool
	size      int64 // bytes in f as far as this exporter knows
	needNL    bool  // f ends in a partial line from a failed write
	buf       []byte
	shutdown  bool
	exported  atomic.Uint64
	failed    atomic.Uint64
	writeErrs atomic.Uint64
	rotations atomic.Uint64
	rotErrs   atomic.Uint64

	exportedMetrics atomic.Uint64
	failedMetrics   atomic.Uint64
}

var (
	_ trace.SpanExporter   = (*Exporter)(nil)
	_ stats.MetricExporter = (*Exporter)(nil)
)

// New opens path for appending, creating it if needed, and returns an
// Exporter writing to it. It fails when the options are invalid, the
// directory does not exist, or the path cannot be opened for writing.
func New(path string, opts ...Option) (*Exporter, error) {
	cfg := config{maxBackups: 1}
	for _, o := range opts {
		o(&cfg)
	}
	switch {
	case path == "":
		return nil, errors.New("fileexporter: empty path")
	case cfg.maxBytes < 0:
		return nil, fmt.Errorf("fileexporter: max bytes %d is negative", cfg.maxBytes)
	case cfg.maxBackups < 1:
		return nil, fmt.Errorf("fileexporter: max backups %d, need at least 1", cfg.maxBackups)
	}
	dir := filepath.Dir(path)
	if fi, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("fileexporter: directory of %q: %w", path, err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("fileexporter: %q is not a directory", dir)
	}
	e := &Exporter{path: path, cfg: cfg, sem: make(chan struct{}, 1)}
	if err := e.open(); err != nil {
		return nil, err
	}
	if cfg.maxBytes > 0 && !e.regular {
		_ = e.f.Close()
		return nil, fmt.Errorf("fileexporter: rotation needs a regular file, %q is not one", path)
	}
	return e, nil
}

func (e *Exporter) open() error {
	f, err := os.OpenFile(e.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("fileexporter: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return fmt.Errorf("fileexporter: %w", err)
	}
	e.f, e.regular, e.size, e.needNL = f, fi.Mode().IsRegular(), fi.Size(), false
	return nil
}

// Stats returns the counters. It does not wait for an export in progress.
func (e *Exporter) Stats() Stats {
	return Stats{
		ExportedSpans:  e.exported.Load(),
		FailedSpans:    e.failed.Load(),
		WriteErrors:    e.writeErrs.Load(),
		Rotations:      e.rotations.Load(),
		RotationErrors: e.rotErrs.Load(),
	}
}

// MetricStats counts the metrics an Exporter handled since New. Write
// errors and rotations are shared with spans and counted in Stats.
type MetricStats struct {
	// Exported is the number of metrics written to the file.
	Exported uint64
	// Failed is the number of metrics lost because their batch could not
	// be written.
	Failed uint64
}

// MetricStats returns the metric counters. It does not wait for an export
// in progress.
func (e *Exporter) MetricStats() MetricStats {
	return MetricStats{Exported: e.exportedMetrics.Load(), Failed: e.failedMetrics.Load()}
}

// ExportSpans appends one line per span with a single write. It waits for a
// concurrent export, giving up with ctx's error when ctx is done first; the
// write itself cannot be interrupted. A failed or short write loses the
// batch and returns the error; a failed rotation returns an error wrapping
// ErrRotate after writing the batch anyway. After Shutdown it returns
// ErrShutdown.
func (e *Exporter) ExportSpans(ctx context.Context, spans []*trace.SpanData) error {
	return e.export(ctx, len(spans), "spans", &e.exported, &e.failed, func(buf []byte) []byte {
		for _, s := range spans {
			buf = s.AppendJSON(buf)
			buf = append(buf, '\n')
		}
		return buf
	})
}

// ExportMetrics appends one line per metric, in the schema of
// stats.Metric.AppendJSON, with a single write; it makes the Exporter a
// stats.MetricExporter. It shares the file, rotation and errors of
// ExportSpans and behaves the same way.
func (e *Exporter) ExportMetrics(ctx context.Context, metrics []*stats.Metric) error {
	return e.export(ctx, len(metrics), "metrics", &e.exportedMetrics, &e.failedMetrics, func(buf []byte) []byte {
		for _, m := range metrics {
			buf = m.AppendJSON(buf)
			buf = append(buf, '\n')
		}
		return buf
	})
}

// export encodes n items with encode and appends them to the file,
// counting them in ok or failed.
func (e *Exporter) export(ctx context.Context, n int, what string, ok, failed *atomic.Uint64, encode func([]byte) []byte) error {
	select {
	case e.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-e.sem }()
	if e.shutdown {
		return ErrShutdown
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if n == 0 {
		return nil
	}

	buf := e.buf[:0]
	if e.needNL {
		buf = append(buf, '\n')
	}
	buf = encode(buf)
	if cap(buf) <= maxRetainedBuffer {
		e.buf = buf
	} else {
		e.buf = nil
	}

	var rotErr error
	if e.cfg.maxBytes > 0 && e.size > 0 && e.size+int64(len(buf)) > e.cfg.maxBytes {
		hadNL := e.needNL
		closeErr, err := e.rotate()
		if err != nil {
			e.rotErrs.Add(1)
			rotErr = fmt.Errorf("%w: %w", ErrRotate, err)
		} else {
			e.rotations.Add(1)
			if hadNL { // the partial line stayed behind in the backup
				buf = buf[1:]
			}
			if closeErr != nil {
				rotErr = fmt.Errorf("fileexporter: closing rotated file: %w", closeErr)
			}
		}
	}

	written, err := e.f.Write(buf)
	if err != nil {
		e.writeErrs.Add(1)
		failed.Add(uint64(n))
		e.repair(written)
		return errors.Join(fmt.Errorf("fileexporter: writing %d %s to %s (%d of %d bytes written): %w",
			n, what, e.path, written, len(buf), err), rotErr)
	}
	e.size += int64(written)
	e.needNL = false
	ok.Add(uint64(n))
	return rotErr
}

// repair deals with the n bytes of a failed write: it cuts them off again
// when the file has exactly the size we expect (no other writer appended
// meanwhile), and otherwise makes the next batch start on a new line.
func (e *Exporter) repair(n int) {
	if n <= 0 {
		return
	}
	if e.regular {
		if fi, err := e.f.Stat(); err == nil && fi.Size() == e.size+int64(n) {
			if e.f.Truncate(e.size) == nil {
				return
			}
		}
	}
	e.size += int64(n)
	e.needNL = true
}

// rotate shifts the backups, renames the file to path.1 and opens a new
// file at path. On failure (err) the current file stays open. closeErr
// reports a failure to sync or close the rotated file after a successful
// rotation.
func (e *Exporter) rotate() (closeErr, err error) {
	for i := e.cfg.maxBackups - 1; i >= 1; i-- {
		err := os.Rename(e.backup(i), e.backup(i+1))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	if err := os.Rename(e.path, e.backup(1)); err != nil {
		return nil, err
	}
	old := e.f
	if err := e.open(); err != nil {
		// e still refers to the renamed file: keep appending to it
		// rather than lose spans.
		return nil, err
	}
	// The old file is complete; flush it to disk as Shutdown would.
	return errors.Join(old.Sync(), old.Close()), nil
}

func (e *Exporter) backup(i int) string { return e.path + "." + strconv.Itoa(i) }

// Shutdown fsyncs and closes the file; later ExportSpans calls return
// ErrShutdown. It waits for an export in progress unless ctx is done first.
// Calling it again is a no-op.
func (e *Exporter) Shutdown(ctx context.Context) error {
	select {
	case e.sem <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("fileexporter: shutdown: %w", ctx.Err())
	}
	defer func() { <-e.sem }()
	if e.shutdown {
		return nil
	}
	e.shutdown = true
	e.buf = nil
	var syncErr error
	if e.regular {
		syncErr = e.f.Sync()
	}
	if err := errors.Join(syncErr, e.f.Close()); err != nil {
		return fmt.Errorf("fileexporter: shutdown %s: %w", e.path, err)
	}
	return nil
}

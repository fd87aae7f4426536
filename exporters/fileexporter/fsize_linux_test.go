//go:build linux

package fileexporter_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/gocensus/gocensus/exporters/fileexporter"
)

const fsizeChildEnv = "FILEEXPORTER_FSIZE_CHILD"

// TestShortWriteKeepsWholeLines makes the kernel accept only part of a
// batch, by lowering RLIMIT_FSIZE in a child process (the limit is
// process-wide, so it must not touch the test binary's own files), and
// checks that the file still holds whole lines only.
func TestShortWriteKeepsWholeLines(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "spans.jsonl")
	cmd := exec.CommandContext(testContext(t), os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fsizeChildEnv+"="+path)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child failed: %v\n%s", err, out)
	}
	var exported, failed, writeErrs int
	if _, err := fmt.Sscanf(string(bytes.TrimSpace(out)), "exported=%d failed=%d write_errors=%d", &exported, &failed, &writeErrs); err != nil {
		t.Fatalf("child output %q: %v", out, err)
	}
	if writeErrs == 0 || failed == 0 {
		t.Fatalf("the file size limit never caused a write error: %s", out)
	}
	names := readLines(t, path)
	if len(names) != exported {
		t.Errorf("file has %d lines, child exported %d", len(names), exported)
	}
	if want := seqNames(0, exported); !slicesEqual(names, want) {
		t.Errorf("lines %v, want %v", names, want)
	}
}

// runFileSizeLimitChild runs in the child process: it exports 5-span batches
// under a 2000-byte file size limit until writes fail.
func runFileSizeLimitChild() int {
	path := os.Getenv(fsizeChildEnv)
	const limit = 2000
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: limit, Max: limit}); err != nil {
		fmt.Println("setrlimit:", err)
		return 1
	}
	e, err := fileexporter.New(path)
	if err != nil {
		fmt.Println(err)
		return 1
	}
	ctx := context.Background()
	seq := 0
	for range 20 {
		spans := makeSpans(seq, 5)
		if err := e.ExportSpans(ctx, spans); err != nil {
			if !strings.Contains(err.Error(), "file too large") {
				fmt.Println("unexpected error:", err)
				return 1
			}
			continue
		}
		seq += len(spans)
	}
	if err := e.Shutdown(ctx); err != nil {
		fmt.Println(err)
		return 1
	}
	s := e.Stats()
	fmt.Printf("exported=%d failed=%d write_errors=%d\n", s.ExportedSpans, s.FailedSpans, s.WriteErrors)
	return 0
}

package testkit_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/gocensus/gocensus/internal/testkit"
)

func TestSyncBufferConcurrent(t *testing.T) {
	t.Parallel()
	var b testkit.SyncBuffer
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				_, _ = b.Write([]byte("x"))
				_ = b.String()
			}
		}()
	}
	wg.Wait()
	if got := b.String(); got != strings.Repeat("x", 400) {
		t.Fatalf("%d bytes, want 400", len(got))
	}
}

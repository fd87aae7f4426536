package trace

import (
	"math"
	"sync"
	"testing"
	"unsafe"
)

// TestSampledSpanSizeClass keeps a sampled span's one allocation within 512
// bytes: larger objects take the allocator's slower path with a per-object
// header (see inlineAttributes).
func TestSampledSpanSizeClass(t *testing.T) {
	// Four inline attributes fit because a Value is two words.
	if size := unsafe.Sizeof(Attribute{}); size != 32 {
		t.Errorf("an Attribute takes %d bytes, want 32", size)
	}
	for name, size := range map[string]uintptr{
		"Tracer.Start":     unsafe.Sizeof(sampledCtx{}),
		"Tracer.StartSpan": unsafe.Sizeof(recordingSpan{}),
	} {
		if size > 512 {
			t.Errorf("%s allocates %d bytes for a sampled span, want <= 512", name, size)
		}
	}
}

// TestAddChildSaturates: the child count stops below math.MaxInt32 instead
// of wrapping, including when children start concurrently at the bound.
func TestAddChildSaturates(t *testing.T) {
	t.Parallel()
	const bound = math.MaxInt32 - 1<<20
	var r spanRecord
	r.addChild()
	if got := r.childCount.Load(); got != 1 {
		t.Fatalf("after one child: %d", got)
	}
	r.childCount.Store(bound - 1)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(r.addChild)
	}
	wg.Wait()
	if got := r.childCount.Load(); got != bound {
		t.Errorf("at the bound: %d, want %d", got, bound)
	}
}

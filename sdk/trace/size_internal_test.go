package trace

import (
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

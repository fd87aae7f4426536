package trace_test

import (
	"strings"
	"testing"

	"github.com/gocensus/gocensus/sdk/trace"
)

func TestIDsFromHex(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		wantErr bool
	}{
		{"4bf92f3577b34da6a3ce929d0e0e4736", false},
		{"4BF92F3577B34DA6A3CE929D0E0E4736", false},
		{"00000000000000000000000000000000", false}, // parses; IsValid rejects it
		{"4bf92f3577b34da6a3ce929d0e0e473", true},
		{"4bf92f3577b34da6a3ce929d0e0e473g", true},
		{"", true},
	}
	for _, tt := range tests {
		id, err := trace.TraceIDFromHex(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("TraceIDFromHex(%q) error %v", tt.in, err)
		}
		if err == nil && id.String() != strings.ToLower(tt.in) {
			t.Errorf("TraceIDFromHex(%q) = %v", tt.in, id)
		}
		if len(tt.in) == 32 {
			_, err := trace.SpanIDFromHex(tt.in[:16])
			if (err != nil) != strings.ContainsAny(tt.in[:16], "g") {
				t.Errorf("SpanIDFromHex(%q) error %v", tt.in[:16], err)
			}
		}
	}
	if _, err := trace.SpanIDFromHex("123"); err == nil {
		t.Error("short span id accepted")
	}
}

func FuzzIDsFromHex(f *testing.F) {
	for _, s := range []string{"4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", "", "zz", strings.Repeat("f", 32)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if id, err := trace.TraceIDFromHex(s); err == nil && id.String() != strings.ToLower(s) {
			t.Fatalf("trace id %q round-trips to %v", s, id)
		}
		if id, err := trace.SpanIDFromHex(s); err == nil && id.String() != strings.ToLower(s) {
			t.Fatalf("span id %q round-trips to %v", s, id)
		}
	})
}

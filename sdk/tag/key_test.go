package tag_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/gocensus/gocensus/sdk/tag"
)

func TestNewKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		key     string
		wantErr bool
	}{
		{name: "simple", key: "grpc_client_method"},
		{name: "single byte", key: "k"},
		{name: "max length", key: strings.Repeat("k", tag.MaxKeyLen)},
		{name: "space and tilde are printable", key: " a~"},
		{name: "all printable", key: printableASCII()},
		{name: "empty", key: "", wantErr: true},
		{name: "too long", key: strings.Repeat("k", tag.MaxKeyLen+1), wantErr: true},
		{name: "newline", key: "a\nb", wantErr: true},
		{name: "DEL", key: "a\x7f", wantErr: true},
		{name: "NUL", key: "\x00", wantErr: true},
		{name: "non-ASCII", key: "café", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			k, err := tag.NewKey(tt.key)
			if tt.wantErr {
				if !errors.Is(err, tag.ErrInvalidKey) {
					t.Fatalf("NewKey(%q) error = %v, want ErrInvalidKey", tt.key, err)
				}
				if k != (tag.Key{}) {
					t.Errorf("NewKey(%q) returned non-zero key %q with error", tt.key, k.Name())
				}
				return
			}
			if err != nil {
				t.Fatalf("NewKey(%q) error = %v", tt.key, err)
			}
			if k.Name() != tt.key || k.String() != tt.key {
				t.Errorf("Name() = %q, String() = %q, want %q", k.Name(), k.String(), tt.key)
			}
		})
	}
}

func TestKeyComparable(t *testing.T) {
	t.Parallel()
	a, b := tag.MustNewKey("method"), tag.MustNewKey("method")
	if a != b {
		t.Error("keys with the same name are not equal")
	}
	if a == tag.MustNewKey("status") {
		t.Error("keys with different names are equal")
	}
	set := map[tag.Key]int{a: 1}
	if set[b] != 1 {
		t.Error("equal keys do not index the same Go map entry")
	}
}

func TestMustNewKeyPanics(t *testing.T) {
	t.Parallel()
	defer func() {
		r := recover()
		err, ok := r.(error)
		if !ok || !errors.Is(err, tag.ErrInvalidKey) {
			t.Errorf("recovered %v, want an error wrapping ErrInvalidKey", r)
		}
	}()
	tag.MustNewKey("")
	t.Error("MustNewKey(\"\") did not panic")
}

func printableASCII() string {
	var b strings.Builder
	for c := byte(0x20); c <= 0x7e; c++ {
		b.WriteByte(c)
	}
	return b.String()
}

package tag_test

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/gocensus/gocensus/sdk/tag"
)

var decodeErrors = []error{
	tag.ErrUnsupportedVersion, tag.ErrMalformed, tag.ErrInvalidKey,
	tag.ErrInvalidValue, tag.ErrTooLarge, tag.ErrTooManyTags,
}

func FuzzDecode(f *testing.F) {
	seeds := [][]byte{
		nil,
		{0},
		{1},
		{0xff, 0, 1, 'a', 1, 'b'},
		{0x00, 0x00, 0x02, 0x6b, 0x31, 0x02, 0x76, 0x31}, // spec example
		wire(field("b", "2"), field("a", "1"), field("a", "3")),
		wire(field("a", ""), field(" ~", "~ ")),
		wire(field("a", "1"), []byte{1, 0xff}, field("b", "2")),
		wire(field("a", "1"), []byte{2}),
		wire(field("a", "1"), []byte{0x80}),
		{0, 0},
		{0, 0, 0x80},
		{0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
		{0, 0, 2, 'k'},
		{0, 0, 1, 'k'},
		{0, 0, 1, 'k', 0x81},
		{0, 0, 1, 'k', 0xff, 0xff, 0xff, 0xff, 0x0f},
		{0, 0, 0, 1, 'v'},
		{0, 0, 0x82, 0x00, 'k', '1', 0x80, 0x80, 0x00},
		slices.Concat([]byte{0, 0, 0x80, 0x02}, bytes.Repeat([]byte{'k'}, 256), []byte{0}),
		slices.Concat([]byte{0, 0, 1, 'a', 0xff, 0x01}, bytes.Repeat([]byte{'v'}, 255)),
		wire(field("a\n", "1")),
		wire(field("a", "\x7f")),
		wire(field("a", "é")),
		wire(sizedFields(40, tag.MaxCombinedSize)...),
		wire(sizedFields(40, tag.MaxCombinedSize+1)...),
		wire(sizedFields(tag.MaxTags, 2*tag.MaxTags*3)...),
		wire(sizedFields(tag.MaxTags+1, 2*(tag.MaxTags+1)*3)...),
		append([]byte{0}, bytes.Repeat(field("a", ""), 10000)...),
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		m, err := tag.Decode(in)
		if err != nil {
			if m != nil {
				t.Fatalf("Decode returned map %v with error %v", m, err)
			}
			if !slices.ContainsFunc(decodeErrors, func(e error) bool { return errors.Is(err, e) }) {
				t.Fatalf("Decode error %v wraps none of the documented errors", err)
			}
			return
		}
		if m == nil {
			t.Fatal("Decode returned nil map and nil error")
		}
		checkMapInvariants(t, m)
		for tg := range m.Tags() {
			if tg.TTL != tag.TTLUnlimited {
				t.Fatalf("decoded tag %v has TTL %v", tg.Key, tg.TTL)
			}
		}
		enc, err := tag.Encode(m)
		if err != nil {
			t.Fatalf("Encode of a decoded map: %v", err)
		}
		if len(in) > 0 && len(enc) > len(in) {
			t.Fatalf("canonical encoding %x is longer than input %x", enc, in)
		}
		m2, err := tag.Decode(enc)
		if err != nil {
			t.Fatalf("Decode(Encode(m)) error: %v", err)
		}
		if !slices.Equal(tags(m), tags(m2)) {
			t.Fatalf("round trip changed %v to %v", m, m2)
		}
		enc2, err := tag.Encode(m2)
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("encoding not stable: %x then %x (%v)", enc, enc2, err)
		}
		// Anything after an unknown field id is ignored.
		m3, err := tag.Decode(append(enc, 1, 0xff, 0xff))
		if err != nil || !slices.Equal(tags(m3), tags(m)) {
			t.Fatalf("trailing unknown field changed the result: %v, %v", m3, err)
		}
	})
}

// FuzzMapRoundTrip builds maps through the public mutators and checks that
// encoding drops exactly the local tags and decoding restores the rest.
func FuzzMapRoundTrip(f *testing.F) {
	f.Add("k1", "v1", "k2", "", false)
	f.Add("a", "1", "a", "2", true)
	f.Add(" ", "~", "~", " ", true)
	f.Add("", "v", "k\n", "v", false)
	f.Add(strings.Repeat("k", 255), strings.Repeat("v", 255), strings.Repeat("w", 200), "x", false)
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string, local bool) {
		key1, err1 := tag.NewKey(k1)
		key2, err2 := tag.NewKey(k2)
		if err1 != nil || err2 != nil {
			return
		}
		ttl := tag.TTLUnlimited
		if local {
			ttl = tag.TTLNoPropagation
		}
		m, err := tag.NewMap(tag.Upsert(key1, v1), tag.Upsert(key2, v2, tag.WithTTL(ttl)))
		if err != nil {
			if !errors.Is(err, tag.ErrInvalidValue) {
				t.Fatalf("NewMap: unexpected error %v", err)
			}
			return
		}
		checkMapInvariants(t, m)
		if got, _ := m.Value(key2); got != v2 {
			t.Fatalf("Value(%q) = %q, want the later upsert %q", k2, got, v2)
		}
		enc, err := tag.Encode(m)
		if err != nil {
			t.Fatal(err)
		}
		dec, err := tag.Decode(enc)
		if err != nil {
			t.Fatal(err)
		}
		var want []tag.Tag
		for tg := range m.Tags() {
			if tg.TTL == tag.TTLUnlimited {
				want = append(want, tg)
			}
		}
		if got := tags(dec); !slices.Equal(got, want) {
			t.Fatalf("Decode(Encode(m)) = %v, want %v", got, want)
		}
	})
}

func checkMapInvariants(t *testing.T, m *tag.Map) {
	t.Helper()
	if m.Len() > tag.MaxTags {
		t.Fatalf("map has %d tags, limit %d", m.Len(), tag.MaxTags)
	}
	prev := ""
	n := 0
	for tg := range m.Tags() {
		name := tg.Key.Name()
		if n > 0 && strings.Compare(prev, name) >= 0 {
			t.Fatalf("keys not strictly ascending: %q then %q", prev, name)
		}
		if _, err := tag.NewKey(name); err != nil {
			t.Fatalf("map holds invalid key: %v", err)
		}
		if _, err := tag.NewMap(tag.Upsert(tg.Key, tg.Value)); err != nil {
			t.Fatalf("map holds invalid value: %v", err)
		}
		if v, ok := m.Value(tg.Key); !ok || v != tg.Value {
			t.Fatalf("Value(%q) = %q, %v; iteration says %q", name, v, ok, tg.Value)
		}
		prev = name
		n++
	}
	if n != m.Len() {
		t.Fatalf("iteration yielded %d tags, Len says %d", n, m.Len())
	}
}

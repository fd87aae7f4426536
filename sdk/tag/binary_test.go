package tag_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/gocensus/gocensus/sdk/tag"
)

// field encodes one tag field with single-byte lengths (len < 128).
func field(k, v string) []byte {
	b := []byte{0, byte(len(k))}
	b = append(b, k...)
	b = append(b, byte(len(v)))
	return append(b, v...)
}

// wire joins a version byte and fields.
func wire(parts ...[]byte) []byte {
	return slices.Concat(append([][]byte{{0}}, parts...)...)
}

func mustMap(t testing.TB, muts ...tag.Mutator) *tag.Map {
	t.Helper()
	m, err := tag.NewMap(muts...)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// sizedFields returns n fields whose keys are distinct and whose key and
// value bytes add up to exactly total (n <= total/2, n <= 1000).
func sizedFields(n, total int) [][]byte {
	var out [][]byte
	left := total
	for i := range n {
		k := fmt.Sprintf("%03d", i)
		share := left / (n - i)
		v := strings.Repeat("v", share-len(k))
		left -= share
		fb := []byte{0}
		fb = append(fb, varint(len(k))...)
		fb = append(fb, k...)
		fb = append(fb, varint(len(v))...)
		out = append(out, append(fb, v...))
	}
	return out
}

func varint(n int) []byte {
	if n < 0x80 {
		return []byte{byte(n)}
	}
	return []byte{byte(n) | 0x80, byte(n >> 7)}
}

func TestDecode(t *testing.T) {
	t.Parallel()
	k1 := tag.MustNewKey("k1")
	un := tag.TTLUnlimited
	long := strings.Repeat("x", 200)
	tests := []struct {
		name string
		in   []byte
		want []tag.Tag
	}{
		{name: "empty input", in: nil},
		{name: "version only", in: []byte{0}},
		{name: "spec example", in: []byte{0x00, 0x00, 0x02, 0x6b, 0x31, 0x02, 0x76, 0x31}, want: []tag.Tag{tg(k1, "v1", un)}},
		{
			name: "any order, sorted result",
			in:   wire(field("b", "2"), field("c", "3"), field("a", "1")),
			want: []tag.Tag{tg(kA, "1", un), tg(kB, "2", un), tg(kC, "3", un)},
		},
		{
			name: "repeated key, last wins",
			in:   wire(field("a", "1"), field("b", "2"), field("a", "3")),
			want: []tag.Tag{tg(kA, "3", un), tg(kB, "2", un)},
		},
		{name: "empty value", in: wire(field("a", "")), want: []tag.Tag{tg(kA, "", un)}},
		{
			name: "unknown field id stops parsing, tags before it kept",
			in:   wire(field("a", "1"), []byte{1, 0xff, 0xff}, field("b", "2")),
			want: []tag.Tag{tg(kA, "1", un)},
		},
		{name: "unknown field id first", in: []byte{0, 2, 1, 'a', 1, '1'}},
		{name: "field id 0x80 is unknown", in: wire(field("a", "1"), []byte{0x80}), want: []tag.Tag{tg(kA, "1", un)}},
		{
			name: "non-minimal varint length",
			in:   []byte{0, 0, 0x82, 0x00, 'k', '1', 0x80, 0x80, 0x00},
			want: []tag.Tag{tg(k1, "", un)},
		},
		{
			name: "two-byte varint lengths",
			in:   slices.Concat([]byte{0, 0, 1, 'a', 0xc8, 0x01}, []byte(long)),
			want: []tag.Tag{tg(kA, long, un)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := tag.Decode(tt.in)
			if err != nil {
				t.Fatalf("Decode(%x) error = %v", tt.in, err)
			}
			if m == nil {
				t.Fatal("Decode returned a nil map without error")
			}
			if got := tags(m); !slices.Equal(got, tt.want) {
				t.Errorf("Decode(%x) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	tiny := bytes.Repeat(field("a", ""), 10000)
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"version 1", []byte{1, 0, 1, 'a', 1, 'b'}, tag.ErrUnsupportedVersion},
		{"version 255", []byte{0xff}, tag.ErrUnsupportedVersion},
		{"missing key length", []byte{0, 0}, tag.ErrMalformed},
		{"truncated key length varint", []byte{0, 0, 0x80}, tag.ErrMalformed},
		{"key length varint overflows", []byte{0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, tag.ErrMalformed},
		{"truncated key", []byte{0, 0, 2, 'k'}, tag.ErrMalformed},
		{"missing value length", []byte{0, 0, 1, 'k'}, tag.ErrMalformed},
		{"truncated value length varint", []byte{0, 0, 1, 'k', 0x81}, tag.ErrMalformed},
		{"truncated value", []byte{0, 0, 1, 'k', 2, 'v'}, tag.ErrMalformed},
		{"huge value length", []byte{0, 0, 1, 'k', 0xff, 0xff, 0xff, 0xff, 0x0f}, tag.ErrInvalidValue},
		{"empty key", []byte{0, 0, 0, 1, 'v'}, tag.ErrInvalidKey},
		{"key of 256 bytes", slices.Concat([]byte{0, 0, 0x80, 0x02}, bytes.Repeat([]byte{'k'}, 256), []byte{0}), tag.ErrInvalidKey},
		{"value of 256 bytes", slices.Concat([]byte{0, 0, 1, 'k', 0x80, 0x02}, bytes.Repeat([]byte{'v'}, 256)), tag.ErrInvalidValue},
		{"key with newline", wire(field("a\n", "1")), tag.ErrInvalidKey},
		{"key with DEL", wire(field("\x7f", "1")), tag.ErrInvalidKey},
		{"value with NUL", wire(field("a", "\x00")), tag.ErrInvalidValue},
		{"value with UTF-8", wire(field("a", "é")), tag.ErrInvalidValue},
		{"no partial result: error after good tags", wire(field("a", "1"), field("b", "2"), []byte{0, 5, 'c'}), tag.ErrMalformed},
		{"combined size 8193", wire(sizedFields(40, tag.MaxCombinedSize+1)...), tag.ErrTooLarge},
		{"10000 tiny tags with one key", append([]byte{0}, tiny...), tag.ErrTooLarge},
		{"too many distinct keys", wire(sizedFields(tag.MaxTags+1, 2*(tag.MaxTags+1)*3)...), tag.ErrTooManyTags},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := tag.Decode(tt.in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Decode error = %v, want %v", err, tt.want)
			}
			if m != nil {
				t.Errorf("Decode returned map %v with an error", m)
			}
			if !strings.HasPrefix(err.Error(), "tag: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestDecodeLimitsExactlyAtBounds(t *testing.T) {
	t.Parallel()
	m, err := tag.Decode(wire(sizedFields(40, tag.MaxCombinedSize)...))
	if err != nil || m.Len() != 40 {
		t.Fatalf("Decode of exactly %d bytes = %v, %v", tag.MaxCombinedSize, m, err)
	}
	m, err = tag.Decode(wire(sizedFields(tag.MaxTags, 2*tag.MaxTags*3)...))
	if err != nil || m.Len() != tag.MaxTags {
		t.Fatalf("Decode of %d tags = %v, %v", tag.MaxTags, m.Len(), err)
	}
}

func TestDecodeDoesNotRetainInput(t *testing.T) {
	t.Parallel()
	in := wire(field("a", "1"), field("b", "2"))
	m, err := tag.Decode(in)
	if err != nil {
		t.Fatal(err)
	}
	for i := range in {
		in[i] = 'X'
	}
	if got, want := tags(m), []tag.Tag{tg(kA, "1", tag.TTLUnlimited), tg(kB, "2", tag.TTLUnlimited)}; !slices.Equal(got, want) {
		t.Errorf("after overwriting input: %v, want %v", got, want)
	}
}

// Not parallel: it reads process-wide allocation counters.
func TestDecodeAllocationBoundedByResult(t *testing.T) {
	tests := []struct {
		name     string
		in       []byte
		maxBytes uint64
	}{
		{"1 MiB after an unknown field id", slices.Concat(wire(field("a", "1")), []byte{1}, make([]byte, 1<<20)), 256},
		{"1 MiB rejected by size limit", append([]byte{0}, bytes.Repeat(field("a", "v"), 1<<18)...), 512},
		{"8192 bytes of one repeated key", append([]byte{0}, bytes.Repeat(field("a", strings.Repeat("v", 127)), 64)...), 8192 + 1024},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const runs = 200
			_, _ = tag.Decode(tt.in) // warm up: stack growth, lazily built state
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for range runs {
				_, _ = tag.Decode(tt.in)
			}
			runtime.ReadMemStats(&after)
			if per := (after.TotalAlloc - before.TotalAlloc) / runs; per > tt.maxBytes {
				t.Errorf("Decode of %d bytes allocated %d bytes per call, want <= %d", len(tt.in), per, tt.maxBytes)
			}
		})
	}
}

func TestEncode(t *testing.T) {
	t.Parallel()
	local := tag.WithTTL(tag.TTLNoPropagation)
	long := strings.Repeat("x", 200)
	tests := []struct {
		name string
		m    *tag.Map
		want string // hex
	}{
		{"nil map", nil, "00"},
		{"empty map", mustMap(t), "00"},
		{"spec example", mustMap(t, tag.Upsert(tag.MustNewKey("k1"), "v1")), "0000026b31027631"},
		{"sorted by key", mustMap(t, tag.Upsert(kB, "2"), tag.Upsert(kA, "1")), "0000016101310001620132"},
		{"TTL 0 tags skipped", mustMap(t, tag.Upsert(kA, "1", local), tag.Upsert(kB, "2")), "00000162013" + "2"},
		{"only TTL 0 tags", mustMap(t, tag.Upsert(kA, "1", local)), "00"},
		{"empty value", mustMap(t, tag.Upsert(kA, "")), "0000016100"},
		{"two-byte varint", mustMap(t, tag.Upsert(kA, long)), "00000161c801" + hex.EncodeToString([]byte(long))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tag.Encode(tt.m)
			if err != nil {
				t.Fatalf("Encode error = %v", err)
			}
			if h := hex.EncodeToString(got); h != tt.want {
				t.Errorf("Encode = %s, want %s", h, tt.want)
			}
			if n, err := tag.EncodedLen(tt.m); err != nil || n != len(got) {
				t.Errorf("EncodedLen = %d, %v; want %d", n, err, len(got))
			}
			prefix := []byte("prefix")
			appended, err := tag.AppendBinary(prefix, tt.m)
			if err != nil || !bytes.Equal(appended, append([]byte("prefix"), got...)) {
				t.Errorf("AppendBinary = %x, %v", appended, err)
			}
		})
	}
}

func TestEncodeTooLarge(t *testing.T) {
	t.Parallel()
	// 32 tags of 128-byte keys and 128-byte values: exactly the limit.
	var muts []tag.Mutator
	for i := range 32 {
		k := fmt.Sprintf("%03d%s", i, strings.Repeat("k", 125))
		muts = append(muts, tag.Upsert(tag.MustNewKey(k), strings.Repeat("v", 128)))
	}
	atLimit := mustMap(t, muts...)
	if _, err := tag.Encode(atLimit); err != nil {
		t.Fatalf("Encode at exactly %d bytes: %v", tag.MaxCombinedSize, err)
	}
	over, err := atLimit.With(tag.Upsert(tag.MustNewKey("z"), ""))
	if err != nil {
		t.Fatal(err)
	}
	if b, err := tag.Encode(over); !errors.Is(err, tag.ErrTooLarge) || b != nil {
		t.Errorf("Encode over the limit = %d bytes, %v; want ErrTooLarge", len(b), err)
	}
	dst := []byte{1, 2, 3}
	if got, err := tag.AppendBinary(dst, over); !errors.Is(err, tag.ErrTooLarge) || !bytes.Equal(got, dst) {
		t.Errorf("AppendBinary over the limit = %x, %v; want dst unchanged and ErrTooLarge", got, err)
	}
	if _, err := tag.EncodedLen(over); !errors.Is(err, tag.ErrTooLarge) {
		t.Errorf("EncodedLen over the limit: %v", err)
	}
	// Local-only tags do not count toward the limit.
	local, err := atLimit.With(tag.Upsert(tag.MustNewKey("z"), "zz", tag.WithTTL(tag.TTLNoPropagation)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tag.Encode(local); err != nil {
		t.Errorf("Encode with an extra local tag: %v", err)
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	m := mustMap(t,
		tag.Upsert(tag.MustNewKey("grpc_client_method"), "helloworld.Greeter/SayHello"),
		tag.Upsert(tag.MustNewKey("tenant"), "acme corp"),
		tag.Upsert(tag.MustNewKey(" ~!"), strings.Repeat("~", 255)),
		tag.Upsert(tag.MustNewKey("local"), "x", tag.WithTTL(tag.TTLNoPropagation)),
	)
	b, err := tag.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := tag.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := m.With(tag.Delete(tag.MustNewKey("local")))
	if !slices.Equal(tags(got), tags(want)) {
		t.Errorf("round trip = %v, want %v", got, want)
	}
}

func TestCodecAllocations(t *testing.T) {
	m := mustMap(t, tag.Upsert(kA, "1"), tag.Upsert(kB, "2"), tag.Upsert(kC, "3"))
	buf := make([]byte, 0, 64)
	if n := testing.AllocsPerRun(100, func() {
		var err error
		buf, err = tag.AppendBinary(buf[:0], m)
		if err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("AppendBinary into a buffer with room allocated %v times, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = tag.Decode([]byte{0}) }); n != 0 {
		t.Errorf("Decode of an empty map allocated %v times, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = tag.Decode(buf) }); n > 2 {
		t.Errorf("Decode allocated %v times, want at most 2 (strings, map with tags)", n)
	}
}

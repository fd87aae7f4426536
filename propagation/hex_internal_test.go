package propagation

import (
	"encoding/binary"
	"encoding/hex"
	"testing"

	"github.com/gocensus/gocensus/sdk/trace"
)

// TestDecodeHexEveryByte compares decodeHex with encoding/hex for every byte
// value in every position, in both modes. White-box because the strict and
// lenient modes are otherwise only reachable through different parsers.
func TestDecodeHexEveryByte(t *testing.T) {
	t.Parallel()
	for _, base := range []string{"09afAF3c" + "7e", "09af5b3c" + "7d"} {
		testDecodeHexBase(t, base)
	}
}

func testDecodeHexBase(t *testing.T, base string) {
	for pos := 0; pos < len(base); pos++ {
		for c := 0; c < 256; c++ {
			in := []byte(base)
			in[pos] = byte(c)
			s := string(in)
			want, err := hex.DecodeString(s)
			for _, lowerOnly := range []bool{false, true} {
				wantOK := err == nil
				if lowerOnly {
					for _, ch := range in {
						if ch >= 'A' && ch <= 'F' {
							wantOK = false
						}
					}
				}
				got := make([]byte, len(s)/2)
				ok := decodeHex(got, s, lowerOnly)
				if ok != wantOK || (ok && string(got) != string(want)) {
					t.Fatalf("decodeHex(%q, lowerOnly=%v) = %x, %v; want %x, %v", s, lowerOnly, got, ok, want, wantOK)
				}
			}
		}
	}
}

// TestHexRoundTrip checks the word-at-a-time id formatting against
// encoding/hex and back through decodeHex.
func TestHexRoundTrip(t *testing.T) {
	t.Parallel()
	var id trace.TraceID
	for v := 0; v < 256; v++ {
		for i := range id {
			id[i] = byte(v*7 + i*13)
		}
		buf := make([]byte, 32)
		putTraceIDHex(buf, &id)
		if want := hex.EncodeToString(id[:]); string(buf) != want {
			t.Fatalf("putTraceIDHex = %s, want %s", buf, want)
		}
		var back [16]byte
		if !decodeHex(back[:], string(buf), true) || back != [16]byte(id) {
			t.Fatalf("decodeHex(%s) = %x", buf, back)
		}
	}
}

// decodeHex16 decodes the first 16 characters of s with two hexWord calls,
// as ParseTraceparent does for its ids.
func decodeHex16(s string) (uint64, bool) {
	hi, bad1 := hexWord(binary.BigEndian.Uint64([]byte(s[:8])))
	lo, bad2 := hexWord(binary.BigEndian.Uint64([]byte(s[8:16])))
	return uint64(hi)<<32 | uint64(lo), bad1|bad2 == 0
}

// TestDecodeHex16EveryByte compares hexWord (through decodeHex16) with the
// byte-wise strict decoder for every byte value in every position.
func TestDecodeHex16EveryByte(t *testing.T) {
	t.Parallel()
	for _, base := range []string{"0123456789abcdef", "fedcba9876543210", "a0b1c2d3e4f50697"} {
		for pos := 0; pos < 16; pos++ {
			for c := 0; c < 256; c++ {
				in := []byte(base)
				in[pos] = byte(c)
				s := string(in)
				var want [8]byte
				wantOK := decodeHex(want[:], s, true)
				got, ok := decodeHex16(s)
				if ok != wantOK || (ok && got != binary.BigEndian.Uint64(want[:])) {
					t.Fatalf("decodeHex16(%q) = %x, %v; want %x, %v", s, got, ok, want, wantOK)
				}
			}
		}
	}
}

// FuzzDecodeHex16 checks hexWord (through decodeHex16) against the
// byte-wise strict decoder on arbitrary input.
func FuzzDecodeHex16(f *testing.F) {
	f.Add("0123456789abcdef")
	f.Add("0123456789ABCDEF")
	f.Add("0123456789abcde\x80")
	f.Add("g123456789abcdef")
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) < 16 {
			return
		}
		var want [8]byte
		wantOK := decodeHex(want[:], s[:16], true)
		got, ok := decodeHex16(s)
		if ok != wantOK || (ok && got != binary.BigEndian.Uint64(want[:])) {
			t.Fatalf("decodeHex16(%q) = %x, %v; want %x, %v", s[:16], got, ok, want, wantOK)
		}
	})
}

package propagation

import (
	"encoding/hex"
	"testing"
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
	var id [16]byte
	for v := 0; v < 256; v++ {
		for i := range id {
			id[i] = byte(v*7 + i*13)
		}
		buf := make([]byte, 32)
		putTraceIDHex(buf, id)
		if want := hex.EncodeToString(id[:]); string(buf) != want {
			t.Fatalf("putTraceIDHex = %s, want %s", buf, want)
		}
		var back [16]byte
		if !decodeHex(back[:], string(buf), true) || back != id {
			t.Fatalf("decodeHex(%s) = %x", buf, back)
		}
	}
}

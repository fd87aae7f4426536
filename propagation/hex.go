package propagation

import (
	"encoding/binary"

	"github.com/gocensus/gocensus/sdk/trace"
)

const hexDigits = "0123456789abcdef"

// hexTable maps a byte to its nibble value; upper case A-F carry the
// upperHex mark so strict parsers can refuse them; anything else is badHex.
var hexTable = func() (t [256]byte) {
	for i := range t {
		t[i] = badHex
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = byte(c-'a') + 10
	}
	for c := 'A'; c <= 'F'; c++ {
		t[c] = byte(c-'A') + 10 | upperHex
	}
	return t
}()

const (
	upperHex = 0x10
	badHex   = 0xff
)

// decodeHex decodes len(dst)*2 characters of s into dst. With lowerOnly it
// refuses upper case digits, as W3C Trace Context requires.
func decodeHex(dst []byte, s string, lowerOnly bool) bool {
	if len(s) != 2*len(dst) {
		return false
	}
	limit := byte(upperHex | 0x0f)
	if lowerOnly {
		limit = 0x0f
	}
	for i := range dst {
		hi, lo := hexTable[s[2*i]], hexTable[s[2*i+1]]
		if hi > limit || lo > limit {
			return false
		}
		dst[i] = (hi&0x0f)<<4 | lo&0x0f
	}
	return true
}

// hexWord converts the eight characters in x (the first in the high byte),
// each of which must be 0-9 or a-f, into the 32-bit number they spell. bad
// is zero when every character is valid; callers decoding several words OR
// the masks and branch once. Checking and converting a word at a time makes
// traceparent parsing about twice as fast as going byte by byte. It is
// written in few expressions so that the compiler inlines it.
func hexWord(x uint64) (n uint32, bad uint64) {
	const (
		low4 = 0x0f0f0f0f0f0f0f0f
		ones = 0x0101010101010101
	)
	// With every byte below 0x80, adding c to all bytes carries into no
	// neighbour, and bit 7 of a byte then tells whether it is >= 0x80-c:
	// x+0x50 marks >= '0', x+0x46 > '9', x+0x1f >= 'a', x+0x19 > 'f'.
	// Bit 7 of bad is then set for a byte that is not ASCII or not a digit.
	bad = (x | ^((x+0x50*ones)&^(x+0x46*ones) | (x+0x1f*ones)&^(x+0x19*ones))) & (0x80 * ones)
	// '0'-'9' have bit 6 clear and their value in the low nibble; 'a'-'f'
	// have it set and their value minus 9 there.
	v := x&low4 + (x>>6)&ones*9
	// Pack the nibble pairs, then the bytes, into the low 32 bits (the
	// conversion drops what is left above them).
	v = (v | v>>4) & 0x00ff00ff00ff00ff
	v = (v | v>>8) & 0x0000ffff0000ffff
	return uint32(v | v>>16), bad
}

// putTraceIDHex writes id as 32 lowercase hex digits at the start of dst.
// Trace and span ids are formatted on every injection, so this works on
// whole words: four table lookups make eight digits, stored at once.
func putTraceIDHex(dst []byte, id *trace.TraceID) {
	_ = dst[31]
	binary.LittleEndian.PutUint64(dst[0:], hex4(id[0], id[1], id[2], id[3]))
	binary.LittleEndian.PutUint64(dst[8:], hex4(id[4], id[5], id[6], id[7]))
	binary.LittleEndian.PutUint64(dst[16:], hex4(id[8], id[9], id[10], id[11]))
	binary.LittleEndian.PutUint64(dst[24:], hex4(id[12], id[13], id[14], id[15]))
}

// putSpanIDHex writes id as 16 lowercase hex digits at the start of dst.
func putSpanIDHex(dst []byte, id *trace.SpanID) {
	_ = dst[15]
	binary.LittleEndian.PutUint64(dst[0:], hex4(id[0], id[1], id[2], id[3]))
	binary.LittleEndian.PutUint64(dst[8:], hex4(id[4], id[5], id[6], id[7]))
}

// hex4 returns the eight lowercase hex digits of a, b, c and d, first digit
// in the low byte (for a little-endian store).
func hex4(a, b, c, d byte) uint64 {
	return uint64(hexPairs[a]) | uint64(hexPairs[b])<<16 | uint64(hexPairs[c])<<32 | uint64(hexPairs[d])<<48
}

// hexPairs holds the two lowercase hex digits of each byte value, the first
// in the low byte.
var hexPairs = func() (t [256]uint16) {
	for i := range t {
		t[i] = uint16(hexDigits[i>>4]) | uint16(hexDigits[i&0x0f])<<8
	}
	return t
}()

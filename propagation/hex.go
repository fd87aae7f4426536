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

// putTraceIDHex writes id as 32 lowercase hex digits at the start of dst.
// Trace and span ids are formatted on every injection, so this works on
// whole words, without a loop or per-byte bounds checks.
func putTraceIDHex(dst []byte, id trace.TraceID) {
	_ = dst[31]
	binary.BigEndian.PutUint64(dst[0:], hex8(binary.BigEndian.Uint32(id[0:])))
	binary.BigEndian.PutUint64(dst[8:], hex8(binary.BigEndian.Uint32(id[4:])))
	binary.BigEndian.PutUint64(dst[16:], hex8(binary.BigEndian.Uint32(id[8:])))
	binary.BigEndian.PutUint64(dst[24:], hex8(binary.BigEndian.Uint32(id[12:])))
}

// putSpanIDHex writes id as 16 lowercase hex digits at the start of dst.
func putSpanIDHex(dst []byte, id trace.SpanID) {
	_ = dst[15]
	binary.BigEndian.PutUint64(dst[0:], hex8(binary.BigEndian.Uint32(id[0:])))
	binary.BigEndian.PutUint64(dst[8:], hex8(binary.BigEndian.Uint32(id[4:])))
}

// hex8 returns the eight lowercase hex digits of v, most significant first
// when stored big-endian.
func hex8(v uint32) uint64 {
	// Spread the nibbles of v into the low halves of eight bytes.
	x := uint64(v)
	x = (x | x<<16) & 0x0000ffff0000ffff
	x = (x | x<<8) & 0x00ff00ff00ff00ff
	x = (x | x<<4) & 0x0f0f0f0f0f0f0f0f
	// Each byte becomes '0'+n, plus 'a'-'0'-10 where n > 9.
	letters := (x + 0x0606060606060606) >> 4 & 0x0101010101010101
	return x + 0x3030303030303030 + letters*('a'-'0'-10)
}

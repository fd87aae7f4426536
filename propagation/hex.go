package propagation

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

// encodeHex writes src as lowercase hex into dst, which must hold
// 2*len(src) bytes.
func encodeHex(dst, src []byte) {
	for i, c := range src {
		dst[2*i] = hexDigits[c>>4]
		dst[2*i+1] = hexDigits[c&0x0f]
	}
}

package tag

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
)

// GRPCMetadataKey is the gRPC metadata key that carries a binary-encoded tag
// map between services.
const GRPCMetadataKey = "grpc-tags-bin"

const (
	binaryVersion = 0 // the only version defined
	fieldTag      = 0 // field id of a string tag
)

// uvarintLen returns the number of bytes binary.AppendUvarint writes for n,
// for n <= 255 (which always holds here).
func uvarintLen(n int) int {
	if n < 0x80 {
		return 1
	}
	return 2
}

// EncodedLen returns the number of bytes Encode and AppendBinary produce for
// m, and ErrTooLarge if m's propagated tags exceed MaxCombinedSize.
func EncodedLen(m *Map) (int, error) {
	n, size := 1, 0
	for _, t := range m.tagSlice() {
		if t.TTL == TTLNoPropagation {
			continue
		}
		kl, vl := len(t.Key.name), len(t.Value)
		size += kl + vl
		n += 1 + uvarintLen(kl) + kl + uvarintLen(vl) + vl
	}
	if size > MaxCombinedSize {
		return 0, fmt.Errorf("%w: propagated keys and values are %d bytes, limit %d", ErrTooLarge, size, MaxCombinedSize)
	}
	return n, nil
}

// AppendBinary appends the binary (grpc-tags-bin) encoding of m to dst and
// returns the extended slice. Tags are written in key-name order and tags
// with TTLNoPropagation are left out; a nil or empty m encodes as the single
// version byte. If the propagated tags' keys and values exceed
// MaxCombinedSize in total, it returns dst unchanged and an error wrapping
// ErrTooLarge. It does not allocate when dst has room.
func AppendBinary(dst []byte, m *Map) ([]byte, error) {
	n, err := EncodedLen(m)
	if err != nil {
		return dst, err
	}
	dst = slices.Grow(dst, n)
	dst = append(dst, binaryVersion)
	for _, t := range m.tagSlice() {
		if t.TTL == TTLNoPropagation {
			continue
		}
		dst = append(dst, fieldTag)
		dst = binary.AppendUvarint(dst, uint64(len(t.Key.name)))
		dst = append(dst, t.Key.name...)
		dst = binary.AppendUvarint(dst, uint64(len(t.Value)))
		dst = append(dst, t.Value...)
	}
	return dst, nil
}

// Encode returns the binary (grpc-tags-bin) encoding of m in a new slice;
// see AppendBinary.
func Encode(m *Map) ([]byte, error) {
	n, err := EncodedLen(m)
	if err != nil {
		return nil, err
	}
	return AppendBinary(make([]byte, 0, n), m)
}

// field is the position of one tag inside binary input.
type field struct {
	key, value       []byte
	keyOff, valueOff int // offsets of key and value in the input
	next             int // offset just past the field
}

// readField parses the tag field whose id byte is at b[off]. With check set
// it validates lengths and characters; without, b must already have passed a
// checked read.
func readField(b []byte, off int, check bool) (field, error) {
	key, keyOff, err := readString(b, off, off+1, "key", ErrInvalidKey, MaxKeyLen)
	if err != nil {
		return field{}, err
	}
	value, valueOff, err := readString(b, off, keyOff+len(key), "value", ErrInvalidValue, MaxValueLen)
	if err != nil {
		return field{}, err
	}
	if check {
		if p := keyProblem(key); p != "" {
			return field{}, fmt.Errorf("%w: field at offset %d: %s", ErrInvalidKey, off, p)
		}
		if p := valueProblem(value); p != "" {
			return field{}, fmt.Errorf("%w: field at offset %d: %s", ErrInvalidValue, off, p)
		}
	}
	return field{key: key, value: value, keyOff: keyOff, valueOff: valueOff, next: valueOff + len(value)}, nil
}

// readString reads the uvarint length at b[off] and that many bytes after
// it, returning them and their offset. Errors name the field at b[start] and
// what is read; a length over limit is reported as tooLong.
func readString(b []byte, start, off int, what string, tooLong error, limit int) ([]byte, int, error) {
	n, w := binary.Uvarint(b[off:])
	switch {
	case w == 0:
		return nil, 0, fmt.Errorf("%w: field at offset %d: %s length missing or truncated", ErrMalformed, start, what)
	case w < 0:
		return nil, 0, fmt.Errorf("%w: field at offset %d: %s length overflows 64 bits", ErrMalformed, start, what)
	case n > uint64(limit):
		return nil, 0, fmt.Errorf("%w: field at offset %d: %s length %d, limit %d", tooLong, start, what, n, limit)
	}
	off += w
	if n > uint64(len(b)-off) {
		return nil, 0, fmt.Errorf("%w: field at offset %d: %s length %d but %d bytes left",
			ErrMalformed, start, what, n, len(b)-off)
	}
	return b[off : off+int(n)], off, nil
}

// span locates one decoded tag's key and value inside the input.
type span struct {
	key, keyLen, value, valueLen uint32
}

// Decode parses a binary (grpc-tags-bin) tag map. Tags may come in any order
// and the last value of a repeated key wins; all decoded tags have
// TTLUnlimited. Parsing stops quietly at the first field id other than 0, as
// the OpenCensus binary encoding specifies, keeping the tags before it.
// Empty input yields an empty map. It returns a whole map or an error, never
// a partial map: the error wraps ErrUnsupportedVersion, ErrMalformed,
// ErrInvalidKey, ErrInvalidValue, ErrTooLarge (keys and values of all fields,
// repeats included, exceed MaxCombinedSize) or ErrTooManyTags.
//
// The result does not retain b. Decode allocates the result only: one string
// holding the surviving keys and values, and the Map with its tags.
func Decode(b []byte) (*Map, error) {
	if len(b) == 0 {
		return emptyMap, nil
	}
	if b[0] != binaryVersion {
		return nil, fmt.Errorf("%w: %d, want %d", ErrUnsupportedVersion, b[0], binaryVersion)
	}
	// Validate every field and collect the distinct keys, sorted, as offsets
	// into b on the stack, so that rejected input allocates nothing and
	// repeated keys cost nothing. The size limit bounds the parsed prefix to
	// well under 4 GiB, so offsets fit in uint32.
	var spans [MaxTags]span
	n, size := 0, 0
	for off := 1; off < len(b) && b[off] == fieldTag; {
		f, err := readField(b, off, true)
		if err != nil {
			return nil, err
		}
		size += len(f.key) + len(f.value)
		if size > MaxCombinedSize {
			return nil, fmt.Errorf("%w: field at offset %d: keys and values exceed %d bytes",
				ErrTooLarge, off, MaxCombinedSize)
		}
		sp := span{
			key:      uint32(f.keyOff),
			keyLen:   uint32(len(f.key)),
			value:    uint32(f.valueOff),
			valueLen: uint32(len(f.value)),
		}
		// Binary search by hand: the generic slices version makes b escape.
		i, j := 0, n
		for i < j {
			h := int(uint(i+j) >> 1)
			if bytes.Compare(b[spans[h].key:spans[h].key+spans[h].keyLen], f.key) < 0 {
				i = h + 1
			} else {
				j = h
			}
		}
		found := i < n && bytes.Equal(b[spans[i].key:spans[i].key+spans[i].keyLen], f.key)
		switch {
		case found:
			spans[i].value, spans[i].valueLen = sp.value, sp.valueLen
		case n == MaxTags:
			return nil, fmt.Errorf("%w: field at offset %d: more than %d distinct keys",
				ErrTooManyTags, off, MaxTags)
		default:
			copy(spans[i+1:n+1], spans[i:n])
			spans[i] = sp
			n++
		}
		off = f.next
	}
	if n == 0 {
		return emptyMap, nil
	}
	total := 0
	for _, sp := range spans[:n] {
		total += int(sp.keyLen + sp.valueLen)
	}
	var sb strings.Builder
	sb.Grow(total)
	for _, sp := range spans[:n] {
		sb.Write(b[sp.key : sp.key+sp.keyLen])
		sb.Write(b[sp.value : sp.value+sp.valueLen])
	}
	str := sb.String()
	m := allocMap(n)
	pos := 0
	for _, sp := range spans[:n] {
		k, v := int(sp.keyLen), int(sp.valueLen)
		m.tags = append(m.tags, Tag{Key: Key{name: str[pos : pos+k]}, Value: str[pos+k : pos+k+v], TTL: TTLUnlimited})
		pos += k + v
	}
	return m, nil
}

package tag

import (
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
		return 0, fmt.Errorf("tag: encode: %w: %d bytes of keys and values, limit %d", ErrTooLarge, size, MaxCombinedSize)
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
	key, value []byte
	next       int // offset just past the field
}

// readField parses the tag field whose id byte is at b[off]. With check set
// it validates lengths and characters; without, b must already have passed a
// checked read.
func readField(b []byte, off int, check bool) (field, error) {
	start := off
	key, off, err := readString(b, off+1, ErrInvalidKey, MaxKeyLen)
	if err != nil {
		return field{}, fmt.Errorf("tag: decode: field at offset %d: key: %w", start, err)
	}
	value, off, err := readString(b, off, ErrInvalidValue, MaxValueLen)
	if err != nil {
		return field{}, fmt.Errorf("tag: decode: field at offset %d: value: %w", start, err)
	}
	if check {
		if len(key) == 0 {
			return field{}, fmt.Errorf("tag: decode: field at offset %d: %w: name is empty", start, ErrInvalidKey)
		}
		if i := nonPrintable(key); i >= 0 {
			return field{}, fmt.Errorf("tag: decode: field at offset %d: %w: name has byte 0x%02x at offset %d, want printable ASCII",
				start, ErrInvalidKey, key[i], i)
		}
		if i := nonPrintable(value); i >= 0 {
			return field{}, fmt.Errorf("tag: decode: field at offset %d: %w: byte 0x%02x at offset %d, want printable ASCII",
				start, ErrInvalidValue, value[i], i)
		}
	}
	return field{key: key, value: value, next: off}, nil
}

// readString reads a uvarint length and that many bytes starting at b[off].
// A length over limit is reported as tooLong.
func readString(b []byte, off int, tooLong error, limit int) ([]byte, int, error) {
	if off >= len(b) {
		return nil, 0, fmt.Errorf("%w: missing length", ErrMalformed)
	}
	n, w := binary.Uvarint(b[off:])
	switch {
	case w == 0:
		return nil, 0, fmt.Errorf("%w: truncated length", ErrMalformed)
	case w < 0:
		return nil, 0, fmt.Errorf("%w: length overflows 64 bits", ErrMalformed)
	case n > uint64(limit):
		return nil, 0, fmt.Errorf("%w: length %d, limit %d", tooLong, n, limit)
	}
	off += w
	if n > uint64(len(b)-off) {
		return nil, 0, fmt.Errorf("%w: length %d but %d bytes left", ErrMalformed, n, len(b)-off)
	}
	end := off + int(n)
	return b[off:end], end, nil
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
// The result does not retain b. Memory allocated is bounded by the decoded
// tags, not by len(b).
func Decode(b []byte) (*Map, error) {
	if len(b) == 0 {
		return emptyMap, nil
	}
	if b[0] != binaryVersion {
		return nil, fmt.Errorf("tag: decode: %w: %d, want %d", ErrUnsupportedVersion, b[0], binaryVersion)
	}
	// First pass: validate everything and measure, so that nothing is
	// allocated for input that is rejected.
	end, fields, size := 1, 0, 0
	for end < len(b) && b[end] == fieldTag {
		f, err := readField(b, end, true)
		if err != nil {
			return nil, err
		}
		size += len(f.key) + len(f.value)
		if size > MaxCombinedSize {
			return nil, fmt.Errorf("tag: decode: field at offset %d: %w: over %d bytes of keys and values",
				end, ErrTooLarge, MaxCombinedSize)
		}
		fields++
		end = f.next
	}
	if fields == 0 {
		return emptyMap, nil
	}
	// Second pass: copy all keys and values into one string.
	var sb strings.Builder
	sb.Grow(size)
	for off := 1; off < end; {
		f, _ := readField(b, off, false)
		sb.Write(f.key)
		sb.Write(f.value)
		off = f.next
	}
	s := sb.String()
	// Third pass: build the sorted tag slice from substrings of s.
	tags := make([]Tag, 0, min(fields, MaxTags))
	pos := 0
	for off := 1; off < end; {
		f, _ := readField(b, off, false)
		off = f.next
		key := s[pos : pos+len(f.key)]
		pos += len(f.key)
		value := s[pos : pos+len(f.value)]
		pos += len(f.value)
		i, found := slices.BinarySearchFunc(tags, key, cmpTagName)
		if found {
			tags[i].Value = value
			continue
		}
		if len(tags) == MaxTags {
			return nil, fmt.Errorf("tag: decode: %w: more than %d distinct keys", ErrTooManyTags, MaxTags)
		}
		tags = slices.Insert(tags, i, Tag{Key: Key{name: key}, Value: value, TTL: TTLUnlimited})
	}
	return &Map{tags: tags}, nil
}

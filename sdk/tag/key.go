package tag

import (
	"errors"
	"fmt"
)

// Limits on keys, values and whole maps. They follow the OpenCensus tag rules
// (tags/TagMap.md); MaxTags is this package's own cap, see the package doc.
const (
	// MaxKeyLen is the longest key name, in bytes.
	MaxKeyLen = 255
	// MaxValueLen is the longest value, in bytes.
	MaxValueLen = 255
	// MaxTags is the most tags one Map holds, so that a map read on every
	// stats recording, or decoded from a peer, stays small.
	MaxTags = 128
	// MaxCombinedSize caps the sum of key and value lengths of all
	// propagated tags; larger maps cannot be encoded and larger inputs are
	// rejected by Decode.
	MaxCombinedSize = 8192
)

// Errors returned, wrapped with detail, by this package. Test with errors.Is.
var (
	// ErrInvalidKey reports a key name that is empty, too long or not
	// printable ASCII.
	ErrInvalidKey = errors.New("tag: invalid key")
	// ErrInvalidValue reports a value that is too long or not printable ASCII.
	ErrInvalidValue = errors.New("tag: invalid value")
	// ErrInvalidTTL reports a TTL other than TTLUnlimited or TTLNoPropagation.
	ErrInvalidTTL = errors.New("tag: invalid TTL")
	// ErrTooManyTags reports a map that would hold more than MaxTags tags.
	ErrTooManyTags = errors.New("tag: too many tags")
	// ErrTooLarge reports propagated tags whose combined key and value
	// length exceeds MaxCombinedSize.
	ErrTooLarge = errors.New("tag: combined tag size too large")
	// ErrUnsupportedVersion reports binary input with a version other than 0.
	ErrUnsupportedVersion = errors.New("tag: unsupported binary version")
	// ErrMalformed reports binary input that is truncated or has a bad length.
	ErrMalformed = errors.New("tag: malformed binary input")
)

// Key names one tag dimension, for example "grpc_client_method". It is a
// small comparable value, so it can be a map key and is cheap to copy. The
// zero Key is invalid: mutators given it fail.
type Key struct {
	name string
}

// NewKey returns the Key for name, which must be 1 to MaxKeyLen bytes of
// printable ASCII (0x20 to 0x7E). Keys with the same name are equal.
func NewKey(name string) (Key, error) {
	if err := checkKeyName(name); err != nil {
		return Key{}, err
	}
	return Key{name: name}, nil
}

// MustNewKey is NewKey for names fixed in source code; it panics on an
// invalid name.
func MustNewKey(name string) Key {
	k, err := NewKey(name)
	if err != nil {
		panic(err)
	}
	return k
}

// Name returns the key's name, "" for the zero Key.
func (k Key) Name() string { return k.name }

// String returns the key's name.
func (k Key) String() string { return k.name }

func checkKeyName(name string) error {
	if p := keyProblem(name); p != "" {
		return fmt.Errorf("%w: %s", ErrInvalidKey, p)
	}
	return nil
}

// keyProblem describes why name is not a valid key name, or returns "".
func keyProblem[S ~string | ~[]byte](name S) string {
	if len(name) == 0 {
		return "name is empty"
	}
	if len(name) > MaxKeyLen {
		return fmt.Sprintf("name is %d bytes, longer than %d", len(name), MaxKeyLen)
	}
	if i := nonPrintable(name); i >= 0 {
		return fmt.Sprintf("name has byte 0x%02x at offset %d, want printable ASCII", name[i], i)
	}
	return ""
}

// valueProblem describes why v is not a valid value, or returns "".
func valueProblem[S ~string | ~[]byte](v S) string {
	if len(v) > MaxValueLen {
		return fmt.Sprintf("%d bytes, longer than %d", len(v), MaxValueLen)
	}
	if i := nonPrintable(v); i >= 0 {
		return fmt.Sprintf("byte 0x%02x at offset %d, want printable ASCII", v[i], i)
	}
	return ""
}

// nonPrintable returns the offset of the first byte outside 0x20..0x7E, or -1.
func nonPrintable[S ~string | ~[]byte](s S) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			return i
		}
	}
	return -1
}

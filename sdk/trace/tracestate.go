package trace

import (
	"errors"
	"fmt"
	"strings"
)

// Tracestate is an immutable, validated W3C tracestate list. It is stored in
// its canonical serialised form ("k1=v1,k2=v2") so that a SpanContext stays a
// comparable value and injecting it costs nothing. The zero value is empty.
//
// Build one with ParseTracestate (incoming headers) or by calling Insert on
// the zero value; every method returns a new value and never changes the
// receiver, so a Tracestate is safe to share between goroutines.
type Tracestate struct {
	s string
}

// TracestateEntry is one key=value list-member of a Tracestate.
type TracestateEntry struct {
	Key   string
	Value string
}

// Limits from the W3C Trace Context recommendation.
const (
	// MaxTracestateMembers is the most list-members a tracestate may hold.
	MaxTracestateMembers = 32
	// TracestateSizeLimit is the combined header length (members and
	// commas) that ParseTracestate keeps; longer lists are truncated by
	// whole entries.
	TracestateSizeLimit = 512

	maxTracestateKeyLen   = 256
	maxTracestateValueLen = 256
	// Entries longer than this are the first to go when truncating.
	tracestateLongEntry = 128
)

// Errors returned by ParseTracestate and Insert. They are wrapped with the
// position of the offending member; test with errors.Is.
var (
	ErrTracestateKey            = errors.New("trace: invalid tracestate key")
	ErrTracestateValue          = errors.New("trace: invalid tracestate value")
	ErrTracestateMember         = errors.New("trace: tracestate list-member has no '='")
	ErrTracestateTooManyMembers = errors.New("trace: tracestate has more than 32 list-members")
)

// String returns the canonical header value, or "" when empty.
func (ts Tracestate) String() string { return ts.s }

// Len reports the number of list members.
func (ts Tracestate) Len() int {
	if ts.s == "" {
		return 0
	}
	return strings.Count(ts.s, ",") + 1
}

// isOWS reports whether c is HTTP optional whitespace.
func isOWS(c byte) bool { return c == ' ' || c == '\t' }

// validTracestateKey applies the Level 2 key grammar: a lowercase letter or
// digit, then up to 255 of a-z 0-9 _ - * / @. It accepts every Level 1 key,
// including multi-tenant keys such as "tenant@system".
func validTracestateKey(k string) bool {
	if len(k) == 0 || len(k) > maxTracestateKeyLen {
		return false
	}
	if c := k[0]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
		return false
	}
	for i := 1; i < len(k); i++ {
		switch c := k[i]; {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '_', c == '-', c == '*', c == '/', c == '@':
		default:
			return false
		}
	}
	return true
}

// validTracestateValue checks 1 to 256 printable ASCII characters other than
// ',' and '=', the last of which is not a space. A leading space is part of
// the value.
func validTracestateValue(v string) bool {
	if len(v) == 0 || len(v) > maxTracestateValueLen || v[len(v)-1] == ' ' {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < 0x20 || c > 0x7e || c == ',' || c == '=' {
			return false
		}
	}
	return true
}

// tsMember locates one member inside a header: s[start:end], '=' at eq.
type tsMember struct {
	start, eq, end int
	drop           bool
}

// ParseTracestate parses one tracestate header value, or several header
// fields already joined with "," in order.
//
// Following the W3C recommendation and its test suite: optional whitespace
// around members and empty members are ignored; keys follow the Level 2
// grammar; a value keeps a leading space; any malformed member, or more than
// 32 members, makes the whole header invalid (an error and an empty
// Tracestate). A key that repeats keeps its first occurrence. When the
// canonical list is longer than 512 characters, whole entries are removed:
// first entries longer than 128 characters, right-most first, then entries
// from the right.
//
// A header that is already canonical is kept as is, without allocating.
func ParseTracestate(header string) (Tracestate, error) {
	var (
		members   [MaxTracestateMembers]tsMember
		n         int
		canonical = true
		size      = -1 // canonical length: members plus separating commas
	)
	for pos := 0; pos <= len(header); {
		end := strings.IndexByte(header[pos:], ',')
		if end < 0 {
			end = len(header)
		} else {
			end += pos
		}
		segStart := pos
		start, stop := pos, end
		for start < stop && isOWS(header[start]) {
			start++
		}
		for stop > start && isOWS(header[stop-1]) {
			stop--
		}
		pos = end + 1
		if start == stop {
			canonical = false // empty or whitespace-only member
			continue
		}
		if start != segStart || stop != end {
			canonical = false
		}
		m := header[start:stop]
		eq := strings.IndexByte(m, '=')
		if eq < 0 {
			return Tracestate{}, fmt.Errorf("%w: member %d", ErrTracestateMember, n+1)
		}
		if !validTracestateKey(m[:eq]) {
			return Tracestate{}, fmt.Errorf("%w: member %d", ErrTracestateKey, n+1)
		}
		if !validTracestateValue(m[eq+1:]) {
			return Tracestate{}, fmt.Errorf("%w: member %d", ErrTracestateValue, n+1)
		}
		if n == MaxTracestateMembers {
			return Tracestate{}, ErrTracestateTooManyMembers
		}
		dup := false
		for i := 0; i < n; i++ {
			p := members[i]
			if header[p.start:p.eq] == m[:eq] {
				dup = true
				break
			}
		}
		if dup {
			canonical = false
			continue
		}
		members[n] = tsMember{start: start, eq: start + eq, end: stop}
		n++
		size += stop - start + 1
	}
	if n == 0 {
		return Tracestate{}, nil
	}
	for size > TracestateSizeLimit {
		canonical = false
		victim := -1
		for i := n - 1; i >= 0; i-- {
			if !members[i].drop && members[i].end-members[i].start > tracestateLongEntry {
				victim = i
				break
			}
		}
		if victim < 0 {
			for i := n - 1; i >= 0; i-- {
				if !members[i].drop {
					victim = i
					break
				}
			}
		}
		members[victim].drop = true
		size -= members[victim].end - members[victim].start + 1
	}
	if canonical {
		return Tracestate{s: header}, nil
	}
	var b strings.Builder
	b.Grow(size)
	for i := 0; i < n; i++ {
		if members[i].drop {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(header[members[i].start:members[i].end])
	}
	return Tracestate{s: b.String()}, nil
}

// nextMember splits the canonical list: it returns the first member of s, and the
// rest after its comma.
func nextMember(s string) (member, rest string) {
	if i := strings.IndexByte(s, ','); i >= 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}

// Entries returns the list-members in order. It allocates a new slice on
// every call; use Get for a single lookup.
func (ts Tracestate) Entries() []TracestateEntry {
	if ts.s == "" {
		return nil
	}
	out := make([]TracestateEntry, 0, ts.Len())
	for rest := ts.s; rest != ""; {
		var m string
		m, rest = nextMember(rest)
		k, v, _ := strings.Cut(m, "=")
		out = append(out, TracestateEntry{Key: k, Value: v})
	}
	return out
}

// Get returns the value stored under key and whether it is present.
func (ts Tracestate) Get(key string) (string, bool) {
	for rest := ts.s; rest != ""; {
		var m string
		m, rest = nextMember(rest)
		if len(m) > len(key) && m[len(key)] == '=' && m[:len(key)] == key {
			return m[len(key)+1:], true
		}
	}
	return "", false
}

// Insert returns a copy of ts with key set to value as the left-most member,
// as the recommendation requires for new and updated keys. An existing member
// with the same key is removed; if the list would then exceed 32 members, the
// right-most member is dropped. An invalid key or value returns ts unchanged
// and an error. Insert does not apply the 512-character truncation of
// ParseTracestate: a list this process builds is sent whole.
func (ts Tracestate) Insert(key, value string) (Tracestate, error) {
	if !validTracestateKey(key) {
		return ts, ErrTracestateKey
	}
	if !validTracestateValue(value) {
		return ts, ErrTracestateValue
	}
	var b strings.Builder
	b.Grow(len(key) + 1 + len(value) + 1 + len(ts.s))
	b.WriteString(key)
	b.WriteByte('=')
	b.WriteString(value)
	count := 1
	for rest := ts.s; rest != "" && count < MaxTracestateMembers; {
		var m string
		m, rest = nextMember(rest)
		if len(m) > len(key) && m[len(key)] == '=' && m[:len(key)] == key {
			continue
		}
		b.WriteByte(',')
		b.WriteString(m)
		count++
	}
	return Tracestate{s: b.String()}, nil
}

// Delete returns a copy of ts without the member stored under key. When key
// is absent it returns ts itself without allocating.
func (ts Tracestate) Delete(key string) Tracestate {
	if _, ok := ts.Get(key); !ok {
		return ts
	}
	var b strings.Builder
	b.Grow(len(ts.s))
	for rest := ts.s; rest != ""; {
		var m string
		m, rest = nextMember(rest)
		if len(m) > len(key) && m[len(key)] == '=' && m[:len(key)] == key {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(m)
	}
	return Tracestate{s: b.String()}
}

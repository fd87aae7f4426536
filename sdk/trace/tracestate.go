package trace

// Tracestate is an immutable, validated W3C tracestate list. It is stored in
// its canonical serialised form ("k1=v1,k2=v2") so that a SpanContext stays a
// comparable value and injecting it costs nothing. The zero value is empty.
type Tracestate struct {
	s string
}

// String returns the canonical header value, or "" when empty.
func (ts Tracestate) String() string { return ts.s }

// Len reports the number of list members.
func (ts Tracestate) Len() int {
	if ts.s == "" {
		return 0
	}
	n := 1
	for i := 0; i < len(ts.s); i++ {
		if ts.s[i] == ',' {
			n++
		}
	}
	return n
}

package propagation

import (
	"net/textproto"
	"strings"
	"unsafe"
)

// TextMapCarrier is the key/value store a TextMapPropagator reads from and
// writes to: HTTP headers, gRPC metadata or a plain map.
//
// Propagators always pass lowercase keys; a carrier maps them to its own
// convention (HeaderCarrier canonicalises them, MetadataCarrier keeps them).
// Get and Values must not allocate on the hot path and must not copy: the
// returned slice belongs to the carrier and is read, never changed. Set
// replaces every value stored under key. A carrier is not safe for
// concurrent use unless its underlying store is.
type TextMapCarrier interface {
	// Get returns the first value stored under key, or "".
	Get(key string) string
	// Values returns every value stored under key, in order, or nil.
	Values(key string) []string
	// Set stores value as the only value under key.
	Set(key, value string)
	// Keys lists the keys present, in the carrier's own spelling.
	Keys() []string
}

// HeaderCarrier adapts an http.Header: propagation.HeaderCarrier(r.Header).
// Keys are canonicalised as net/http does; the keys the propagators in this
// package use are canonicalised without allocating.
type HeaderCarrier map[string][]string

// Get implements TextMapCarrier.
func (h HeaderCarrier) Get(key string) string {
	if v := h[canonicalKey(key)]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Values implements TextMapCarrier.
func (h HeaderCarrier) Values(key string) []string { return h[canonicalKey(key)] }

// Set implements TextMapCarrier.
func (h HeaderCarrier) Set(key, value string) { h[canonicalKey(key)] = []string{value} }

// Keys implements TextMapCarrier.
func (h HeaderCarrier) Keys() []string { return mapKeys(h) }

// MetadataCarrier adapts gRPC metadata (google.golang.org/grpc/metadata.MD,
// whose underlying type is the same map) without this package importing
// gRPC: propagation.MetadataCarrier(md). gRPC metadata keys are lowercase;
// values under keys ending in "-bin" are raw bytes, which gRPC base64-encodes
// on the wire.
type MetadataCarrier map[string][]string

// Get implements TextMapCarrier.
func (m MetadataCarrier) Get(key string) string {
	if v := m[lowerKey(key)]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Values implements TextMapCarrier.
func (m MetadataCarrier) Values(key string) []string { return m[lowerKey(key)] }

// Set implements TextMapCarrier.
func (m MetadataCarrier) Set(key, value string) { m[lowerKey(key)] = []string{value} }

// Keys implements TextMapCarrier.
func (m MetadataCarrier) Keys() []string { return mapKeys(m) }

// MapCarrier is a TextMapCarrier over a map with one value per key, handy
// for message headers of queues and for tests. Keys are used as given.
type MapCarrier map[string]string

// Get implements TextMapCarrier.
func (c MapCarrier) Get(key string) string { return c[key] }

// Values implements TextMapCarrier. It returns nil or a one-element slice
// (which allocates; MapCarrier is not meant for hot paths).
func (c MapCarrier) Values(key string) []string {
	if v, ok := c[key]; ok {
		return []string{v}
	}
	return nil
}

// Set implements TextMapCarrier.
func (c MapCarrier) Set(key, value string) { c[key] = value }

// Keys implements TextMapCarrier.
func (c MapCarrier) Keys() []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	return keys
}

func mapKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

// canonicalKey returns the net/http spelling of key. The keys of the
// propagators in this package are answered from a switch, because
// textproto.CanonicalMIMEHeaderKey allocates for names outside its small
// table of common headers.
func canonicalKey(key string) string {
	switch key {
	case traceparentKey:
		return traceparentHeader
	case tracestateKey:
		return tracestateHeader
	case b3Key:
		return "B3"
	case b3TraceIDKey:
		return "X-B3-Traceid"
	case b3SpanIDKey:
		return "X-B3-Spanid"
	case b3ParentSpanIDKey:
		return "X-B3-Parentspanid"
	case b3SampledKey:
		return "X-B3-Sampled"
	case b3FlagsKey:
		return "X-B3-Flags"
	case CloudTraceKey:
		return "X-Cloud-Trace-Context"
	case ocTraceIDKey:
		return "Opencensus-Trace-Traceid"
	case ocSpanIDKey:
		return "Opencensus-Trace-Spanid"
	case ocTraceOptionsKey:
		return "Opencensus-Trace-Traceoptions"
	case BinaryKey:
		return "Grpc-Trace-Bin"
	}
	return textproto.CanonicalMIMEHeaderKey(key)
}

// lowerKey returns key in lowercase, allocating only when it has an upper
// case letter.
func lowerKey(key string) string {
	for i := 0; i < len(key); i++ {
		if c := key[i]; c >= 'A' && c <= 'Z' {
			return strings.ToLower(key)
		}
	}
	return key
}

// setBytes stores a copy of b under key. For the two map carriers it packs
// the one-element value slice and the string bytes into a single allocation,
// which keeps header injection at one allocation per header.
func setBytes(c TextMapCarrier, key string, b []byte) {
	switch c := c.(type) {
	case HeaderCarrier:
		c[canonicalKey(key)] = packedValue(b)
	case MetadataCarrier:
		c[lowerKey(key)] = packedValue(b)
	default:
		c.Set(key, string(b))
	}
}

// packed holds a one-element []string and the bytes its string points to.
// The string refers into the same object, so the garbage collector keeps the
// bytes alive exactly as long as the value is reachable; nothing else ever
// writes to buf after packing.
type packed struct {
	v   [1]string
	buf [packedMax]byte
}

const packedMax = 64

func packedValue(b []byte) []string {
	if len(b) > packedMax || len(b) == 0 {
		return []string{string(b)}
	}
	p := new(packed)
	n := copy(p.buf[:], b)
	p.v[0] = unsafe.String(&p.buf[0], n)
	return p.v[:]
}

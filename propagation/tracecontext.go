package propagation

import (
	"encoding/binary"
	"errors"
	"strings"
	"unsafe"

	"github.com/gocensus/gocensus/sdk/trace"
)

const (
	traceparentKey = "traceparent"
	tracestateKey  = "tracestate"

	traceparentHeader = "Traceparent" // traceparentKey as net/http spells it
	tracestateHeader  = "Tracestate"

	// traceparentLen is the length of a version 00 traceparent.
	traceparentLen = 55
	// w3cKnownFlags are the trace-flags bits defined so far: sampled (Level
	// 1) and random trace id (Level 2). Reserved bits are cleared.
	w3cKnownFlags = trace.FlagSampled | trace.FlagRandom
)

// Errors returned for malformed traceparent headers; test with errors.Is.
var (
	ErrTraceparentDuplicate = errors.New("propagation: more than one traceparent header")
	ErrTraceparentVersion   = errors.New("propagation: invalid traceparent version")
	ErrTraceparentFormat    = errors.New("propagation: malformed traceparent")
	ErrTraceparentTraceID   = errors.New("propagation: traceparent trace id is all zero")
	ErrTraceparentSpanID    = errors.New("propagation: traceparent parent id is all zero")
)

// TraceContext is the W3C Trace Context format: the traceparent and
// tracestate headers. It is the format to pick for HTTP and for talking to
// OpenTelemetry services; it also works over gRPC metadata.
//
// Extract follows the recommendation and the official test suite: OWS around
// the value is ignored, only lowercase hex is accepted, all-zero ids, version
// ff and version 00 with trailing data are refused, higher versions are read
// by position, and more than one traceparent header counts as malformed.
// Several tracestate headers are joined in order; an invalid tracestate is
// dropped whole without affecting traceparent (see trace.ParseTracestate).
//
// Trace flags: the sampled (0x01) and Level 2 random (0x02) bits pass
// through unchanged; reserved bits are cleared on extract and never sent,
// as the recommendation requires when forwarding. Inject always writes
// version 00.
type TraceContext struct{}

var _ TextMapPropagator = TraceContext{}

// Inject implements TextMapPropagator. It writes traceparent, and tracestate
// when sc has one.
func (TraceContext) Inject(sc trace.SpanContext, c TextMapCarrier) {
	if !sc.IsValid() {
		return
	}
	// The map carriers get the value formatted in place in the one
	// allocation that holds it, under their spelling of the key.
	switch c := c.(type) {
	case HeaderCarrier:
		c[traceparentHeader] = packedTraceparent(&sc)
	case MetadataCarrier:
		c[traceparentKey] = packedTraceparent(&sc)
	default:
		var buf [traceparentLen]byte
		putTraceparent(&buf, &sc)
		c.Set(traceparentKey, string(buf[:]))
	}
	if ts := sc.Tracestate.String(); ts != "" {
		c.Set(tracestateKey, ts)
	}
}

// Extract implements TextMapPropagator.
func (TraceContext) Extract(c TextMapCarrier) (trace.SpanContext, error) {
	tp, n := firstValue(c, traceparentKey, traceparentHeader)
	switch {
	case n == 0:
		return trace.SpanContext{}, nil
	case n > 1:
		return trace.SpanContext{}, ErrTraceparentDuplicate
	}
	sc, err := ParseTraceparent(tp)
	if err != nil {
		return sc, err
	}
	if header := joinedValues(c, tracestateKey, tracestateHeader); header != "" {
		if ts, err := trace.ParseTracestate(header); err == nil {
			sc.Tracestate = ts
		}
	}
	return sc, nil
}

// firstValue returns the first value of key in c and how many it has. The
// map carriers are read directly (header under its net/http spelling),
// which spares a lookup of the spelling and MapCarrier's allocation in
// Values.
func firstValue(c TextMapCarrier, key, header string) (string, int) {
	var vs []string
	switch c := c.(type) {
	case HeaderCarrier:
		vs = c[header]
	case MetadataCarrier:
		vs = c[key]
	case MapCarrier:
		v, ok := c[key]
		if !ok {
			return "", 0
		}
		return v, 1
	default:
		vs = c.Values(key)
	}
	if len(vs) == 0 {
		return "", 0
	}
	return vs[0], len(vs)
}

// joinedValues returns the values of key in c joined with commas, as
// several headers of a list-valued field are read.
func joinedValues(c TextMapCarrier, key, header string) string {
	v, n := firstValue(c, key, header)
	if n <= 1 {
		return v
	}
	return strings.Join(c.Values(key), ",")
}

// Fields implements TextMapPropagator.
func (TraceContext) Fields() []string { return []string{traceparentKey, tracestateKey} }

// AppendTraceparent appends the version 00 traceparent value for sc to dst.
// An invalid sc appends nothing.
func AppendTraceparent(dst []byte, sc trace.SpanContext) []byte {
	if !sc.IsValid() {
		return dst
	}
	var buf [traceparentLen]byte
	putTraceparent(&buf, &sc)
	return append(dst, buf[:]...)
}

// packedTraceparent returns sc's traceparent as a one-element header value,
// formatted in place (see packed).
func packedTraceparent(sc *trace.SpanContext) []string {
	var _ [packedMax - traceparentLen]byte // a traceparent fits a packed value
	p := new(packed)
	putTraceparent((*[traceparentLen]byte)(p.buf[:traceparentLen]), sc)
	p.v[0] = unsafe.String(&p.buf[0], traceparentLen)
	return p.v[:]
}

// putTraceparent formats sc into buf. It writes the ids itself, as
// putTraceIDHex and putSpanIDHex do, to save two calls on every injection.
func putTraceparent(buf *[traceparentLen]byte, sc *trace.SpanContext) {
	t, s := &sc.TraceID, &sc.SpanID
	buf[0], buf[1], buf[2] = '0', '0', '-'
	binary.LittleEndian.PutUint64(buf[3:], hex4(t[0], t[1], t[2], t[3]))
	binary.LittleEndian.PutUint64(buf[11:], hex4(t[4], t[5], t[6], t[7]))
	binary.LittleEndian.PutUint64(buf[19:], hex4(t[8], t[9], t[10], t[11]))
	binary.LittleEndian.PutUint64(buf[27:], hex4(t[12], t[13], t[14], t[15]))
	buf[35] = '-'
	binary.LittleEndian.PutUint64(buf[36:], hex4(s[0], s[1], s[2], s[3]))
	binary.LittleEndian.PutUint64(buf[44:], hex4(s[4], s[5], s[6], s[7]))
	buf[52] = '-'
	f := byte(sc.TraceOptions & w3cKnownFlags)
	buf[53], buf[54] = hexDigits[f>>4], hexDigits[f&0x0f]
}

// ParseTraceparent parses one traceparent header value (see TraceContext for
// the rules). The returned SpanContext has Remote set and no tracestate.
func ParseTraceparent(s string) (trace.SpanContext, error) {
	s = trimOWS(s)
	var sc trace.SpanContext
	if len(s) < traceparentLen {
		return sc, ErrTraceparentFormat
	}
	// hexTable marks upper case and non-digits above 0x0f.
	v0, v1 := hexTable[s[0]], hexTable[s[1]]
	if v0|v1 > 0x0f || v0&v1 == 0x0f {
		return sc, ErrTraceparentVersion
	}
	if s[2] != '-' || s[35] != '-' || s[52] != '-' {
		return sc, ErrTraceparentFormat
	}
	if len(s) > traceparentLen && (v0|v1 == 0 || s[traceparentLen] != '-') {
		return sc, ErrTraceparentFormat
	}
	// The ids, eight digits at a time (see hexWord).
	b := unsafe.Slice(unsafe.StringData(s), traceparentLen)
	w0, bad0 := hexWord(binary.BigEndian.Uint64(b[3:]))
	w1, bad1 := hexWord(binary.BigEndian.Uint64(b[11:]))
	w2, bad2 := hexWord(binary.BigEndian.Uint64(b[19:]))
	w3, bad3 := hexWord(binary.BigEndian.Uint64(b[27:]))
	w4, bad4 := hexWord(binary.BigEndian.Uint64(b[36:]))
	w5, bad5 := hexWord(binary.BigEndian.Uint64(b[44:]))
	f0, f1 := hexTable[s[53]], hexTable[s[54]]
	if bad0|bad1|bad2|bad3|bad4|bad5 != 0 || f0|f1 > 0x0f {
		return sc, ErrTraceparentFormat
	}
	if w0|w1|w2|w3 == 0 {
		return sc, ErrTraceparentTraceID
	}
	if w4|w5 == 0 {
		return sc, ErrTraceparentSpanID
	}
	binary.BigEndian.PutUint32(sc.TraceID[0:], w0)
	binary.BigEndian.PutUint32(sc.TraceID[4:], w1)
	binary.BigEndian.PutUint32(sc.TraceID[8:], w2)
	binary.BigEndian.PutUint32(sc.TraceID[12:], w3)
	binary.BigEndian.PutUint32(sc.SpanID[0:], w4)
	binary.BigEndian.PutUint32(sc.SpanID[4:], w5)
	sc.TraceOptions = trace.TraceOptions(f0<<4|f1) & w3cKnownFlags
	sc.Remote = true
	return sc, nil
}

func trimOWS(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

package propagation

import (
	"encoding/binary"
	"errors"
	"unsafe"

	"github.com/gocensus/gocensus/sdk/trace"
)

// BinaryKey is the gRPC metadata key that carries the binary trace context.
const BinaryKey = "grpc-trace-bin"

// BinaryLen is the length of an encoded binary trace context.
const BinaryLen = 29

// Field ids of the binary trace context, version 0.
const (
	binaryVersion      = 0
	binaryFieldTraceID = 0
	binaryFieldSpanID  = 1
	binaryFieldOptions = 2
)

// Errors returned by FromBinary; test with errors.Is.
var (
	ErrBinaryEmpty     = errors.New("propagation: empty binary trace context")
	ErrBinaryVersion   = errors.New("propagation: unsupported binary trace context version")
	ErrBinaryTruncated = errors.New("propagation: truncated binary trace context field")
	ErrBinaryTraceID   = errors.New("propagation: binary trace context has no valid trace id")
	ErrBinarySpanID    = errors.New("propagation: binary trace context has no valid span id")
)

// Binary is the OpenCensus binary trace context format carried in gRPC
// metadata under BinaryKey, the format every OpenCensus library and grpc-go's
// OpenTelemetry plugin speak. It implements both BinaryFormat and
// TextMapPropagator; as a TextMapPropagator it is meant for MetadataCarrier,
// because its value is raw bytes (gRPC base64-encodes "-bin" values on the
// wire; plain HTTP headers cannot carry them). Tracestate is not carried.
type Binary struct{}

var (
	_ BinaryFormat      = Binary{}
	_ TextMapPropagator = Binary{}
)

// PutBinary encodes sc into buf: all 29 bytes, every field, in id order. It
// does not look at whether sc is valid; callers that must not send an
// invalid context check sc.IsValid first.
func PutBinary(buf *[BinaryLen]byte, sc trace.SpanContext) {
	buf[0] = binaryVersion
	buf[1] = binaryFieldTraceID
	copy(buf[2:18], sc.TraceID[:])
	buf[18] = binaryFieldSpanID
	copy(buf[19:27], sc.SpanID[:])
	buf[27] = binaryFieldOptions
	buf[28] = byte(sc.TraceOptions)
}

// AppendBinary appends the 29-byte encoding of sc to dst. An invalid sc
// appends nothing.
func AppendBinary(dst []byte, sc trace.SpanContext) []byte {
	if !sc.IsValid() {
		return dst
	}
	var buf [BinaryLen]byte
	PutBinary(&buf, sc)
	return append(dst, buf[:]...)
}

// FromBinary decodes a binary trace context.
//
// It is lenient in the ways the OpenCensus encoding rules ask for: fields may
// come in any order and repeat (the last one wins), decoding stops quietly at
// the first unknown field id and ignores the rest, and a missing options
// field means options 0 (not sampled). It returns an error for empty input,
// a version other than 0, a known field cut short, and a trace id or span id
// that is missing or all zero: a context without a span id cannot name a
// parent, so unlike opencensus-go it is refused rather than half-accepted.
// FromBinary never allocates.
func FromBinary(b []byte) (sc trace.SpanContext, err error) {
	switch {
	case len(b) == 0:
		return sc, ErrBinaryEmpty
	case b[0] != binaryVersion:
		return sc, ErrBinaryVersion
	case len(b) >= BinaryLen && b[1] == binaryFieldTraceID && b[18] == binaryFieldSpanID && b[27] == binaryFieldOptions:
		// The layout every implementation emits, checked on whole words.
		if binary.LittleEndian.Uint64(b[2:10])|binary.LittleEndian.Uint64(b[10:18]) == 0 {
			return sc, ErrBinaryTraceID
		}
		if binary.LittleEndian.Uint64(b[19:27]) == 0 {
			return sc, ErrBinarySpanID
		}
		sc.TraceID = trace.TraceID(b[2:18])
		sc.SpanID = trace.SpanID(b[19:27])
		sc.TraceOptions = trace.TraceOptions(b[28])
		sc.Remote = true
		return sc, nil
	default:
		if err := parseBinaryFields(&sc, b[1:]); err != nil {
			return trace.SpanContext{}, err
		}
	}
	if !sc.TraceID.IsValid() {
		return trace.SpanContext{}, ErrBinaryTraceID
	}
	if !sc.SpanID.IsValid() {
		return trace.SpanContext{}, ErrBinarySpanID
	}
	sc.Remote = true
	return sc, nil
}

// parseBinaryFields walks version 0 fields in any order until the end or
// the first unknown field id.
func parseBinaryFields(sc *trace.SpanContext, b []byte) error {
	for len(b) > 0 {
		var n int
		switch b[0] {
		case binaryFieldTraceID:
			n = len(sc.TraceID)
		case binaryFieldSpanID:
			n = len(sc.SpanID)
		case binaryFieldOptions:
			n = 1
		default:
			return nil
		}
		if len(b)-1 < n {
			return ErrBinaryTruncated
		}
		switch v := b[1 : 1+n]; b[0] {
		case binaryFieldTraceID:
			copy(sc.TraceID[:], v)
		case binaryFieldSpanID:
			copy(sc.SpanID[:], v)
		default:
			sc.TraceOptions = trace.TraceOptions(v[0])
		}
		b = b[1+n:]
	}
	return nil
}

// AppendBinary implements BinaryFormat.
func (Binary) AppendBinary(dst []byte, sc trace.SpanContext) []byte { return AppendBinary(dst, sc) }

// FromBinary implements BinaryFormat.
func (Binary) FromBinary(b []byte) (trace.SpanContext, error) { return FromBinary(b) }

// Inject implements TextMapPropagator.
func (Binary) Inject(sc trace.SpanContext, c TextMapCarrier) {
	if !sc.IsValid() {
		return
	}
	var buf [BinaryLen]byte
	PutBinary(&buf, sc)
	setBytes(c, BinaryKey, buf[:])
}

// Extract implements TextMapPropagator. Like opencensus-go it reads only the
// first value when the key repeats.
func (Binary) Extract(c TextMapCarrier) (trace.SpanContext, error) {
	v := c.Values(BinaryKey)
	if len(v) == 0 {
		return trace.SpanContext{}, nil
	}
	// gRPC hands "-bin" values over as strings of raw bytes. The decoder
	// only reads its input, so it may view the string's bytes in place.
	return FromBinary(unsafe.Slice(unsafe.StringData(v[0]), len(v[0])))
}

// Fields implements TextMapPropagator.
func (Binary) Fields() []string { return []string{BinaryKey} }

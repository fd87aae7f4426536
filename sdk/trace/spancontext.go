package trace

import (
	"encoding/hex"
	"errors"
)

// TraceID is a 16-byte trace identifier. The all-zero value is invalid.
type TraceID [16]byte

// SpanID is an 8-byte span identifier. The all-zero value is invalid.
type SpanID [8]byte

// TraceOptions is the one-byte trace options field of the OpenCensus and W3C
// formats. Bit 0 is the sampled flag; bit 1 is the W3C Level 2 random-trace-id
// flag, which gocensus carries through unchanged.
type TraceOptions byte

const (
	// FlagSampled marks a span context whose span was sampled by its creator.
	FlagSampled TraceOptions = 0x01
	// FlagRandom is the W3C Level 2 random-trace-id flag.
	FlagRandom TraceOptions = 0x02
)

// IsSampled reports whether the sampled bit is set.
func (o TraceOptions) IsSampled() bool { return o&FlagSampled != 0 }

// WithSampled returns o with the sampled bit set to sampled.
func (o TraceOptions) WithSampled(sampled bool) TraceOptions {
	if sampled {
		return o | FlagSampled
	}
	return o &^ FlagSampled
}

// IsValid reports whether t has at least one non-zero byte.
func (t TraceID) IsValid() bool { return t != TraceID{} }

// IsValid reports whether s has at least one non-zero byte.
func (s SpanID) IsValid() bool { return s != SpanID{} }

// String returns t as 32 lowercase hex characters.
func (t TraceID) String() string { return hex.EncodeToString(t[:]) }

// String returns s as 16 lowercase hex characters.
func (s SpanID) String() string { return hex.EncodeToString(s[:]) }

var (
	errTraceIDHex = errors.New("trace: trace id must be 32 hex characters")
	errSpanIDHex  = errors.New("trace: span id must be 16 hex characters")
)

// TraceIDFromHex parses 32 hex characters (either case) into a TraceID. It
// does not reject the all-zero id; call IsValid for that.
func TraceIDFromHex(s string) (TraceID, error) {
	var t TraceID
	if len(s) != 32 {
		return t, errTraceIDHex
	}
	if _, err := hex.Decode(t[:], []byte(s)); err != nil {
		return TraceID{}, errTraceIDHex
	}
	return t, nil
}

// SpanIDFromHex parses 16 hex characters (either case) into a SpanID. It does
// not reject the all-zero id; call IsValid for that.
func SpanIDFromHex(s string) (SpanID, error) {
	var id SpanID
	if len(s) != 16 {
		return id, errSpanIDHex
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return SpanID{}, errSpanIDHex
	}
	return id, nil
}

// SpanContext is the part of a span that crosses process boundaries: the ids,
// the trace options and the W3C tracestate. It is a comparable value; the zero
// value is an invalid (absent) context.
type SpanContext struct {
	TraceID      TraceID
	SpanID       SpanID
	TraceOptions TraceOptions
	// Remote is true when the context was extracted from an incoming request
	// rather than created in this process.
	Remote     bool
	Tracestate Tracestate
}

// IsValid reports whether both ids are non-zero.
func (sc SpanContext) IsValid() bool { return sc.TraceID.IsValid() && sc.SpanID.IsValid() }

// IsSampled reports whether the sampled bit is set.
func (sc SpanContext) IsSampled() bool { return sc.TraceOptions.IsSampled() }

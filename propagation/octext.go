package propagation

import (
	"errors"

	"github.com/gocensus/gocensus/sdk/trace"
)

const (
	ocTraceIDKey      = "opencensus-trace-traceid"
	ocSpanIDKey       = "opencensus-trace-spanid"
	ocTraceOptionsKey = "opencensus-trace-traceoptions"
)

// Errors returned for malformed OpenCensus text headers.
var (
	ErrOCTextTraceID = errors.New("propagation: opencensus-trace-traceid must be 32 hex characters and not all zero")
	ErrOCTextSpanID  = errors.New("propagation: opencensus-trace-spanid must be 16 hex characters and not all zero")
	ErrOCTextOptions = errors.New("propagation: opencensus-trace-traceoptions must be a decimal byte or true/false")
)

// OCText is the OpenCensus text format of opencensus-python's
// TextFormatPropagator: opencensus-trace-traceid (32 hex),
// opencensus-trace-spanid (16 hex) and opencensus-trace-traceoptions (the
// options byte in decimal). Use it only to talk to services that still
// speak it.
//
// Extract accepts hex of either case and treats a missing
// opencensus-trace-traceoptions as sampled, the Python default. Options are
// read as a decimal byte ("0" is not sampled, unlike Python's truthiness
// bug), and the "True"/"False" spellings Python can emit are accepted. A
// missing span id names no parent and yields an error. Inject writes all
// three headers, options as "1" or "0".
type OCText struct{}

var _ TextMapPropagator = OCText{}

// Inject implements TextMapPropagator.
func (OCText) Inject(sc trace.SpanContext, c TextMapCarrier) {
	if !sc.IsValid() {
		return
	}
	var buf [32 + 16]byte
	putTraceIDHex(buf[:32], &sc.TraceID)
	putSpanIDHex(buf[32:], &sc.SpanID)
	setBytes(c, ocTraceIDKey, buf[:32])
	setBytes(c, ocSpanIDKey, buf[32:])
	c.Set(ocTraceOptionsKey, flagString(sc.IsSampled()))
}

// Extract implements TextMapPropagator.
func (OCText) Extract(c TextMapCarrier) (trace.SpanContext, error) {
	tid := c.Get(ocTraceIDKey)
	if tid == "" {
		return trace.SpanContext{}, nil
	}
	var sc trace.SpanContext
	if !decodeHex(sc.TraceID[:], trimOWS(tid), false) || !sc.TraceID.IsValid() {
		return trace.SpanContext{}, ErrOCTextTraceID
	}
	if !decodeHex(sc.SpanID[:], trimOWS(c.Get(ocSpanIDKey)), false) || !sc.SpanID.IsValid() {
		return trace.SpanContext{}, ErrOCTextSpanID
	}
	switch opt := trimOWS(c.Get(ocTraceOptionsKey)); opt {
	case "", "True", "true":
		sc.TraceOptions = trace.FlagSampled
	case "False", "false":
	default:
		o, ok := parseDecimal(opt)
		if !ok || o > 0xff {
			return trace.SpanContext{}, ErrOCTextOptions
		}
		sc.TraceOptions = trace.TraceOptions(o)
	}
	sc.Remote = true
	return sc, nil
}

// Fields implements TextMapPropagator.
func (OCText) Fields() []string { return []string{ocTraceIDKey, ocSpanIDKey, ocTraceOptionsKey} }

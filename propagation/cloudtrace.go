package propagation

import (
	"encoding/binary"
	"errors"
	"strconv"

	"github.com/gocensus/gocensus/sdk/trace"
)

// CloudTraceKey is the Google Cloud trace context header.
const CloudTraceKey = "x-cloud-trace-context"

// cloudTraceMaxLen bounds the header we look at, as opencensus-go does; a
// well-formed value is at most 32+1+20+4 characters.
const cloudTraceMaxLen = 200

// Errors returned for malformed X-Cloud-Trace-Context headers.
var (
	ErrCloudTraceFormat  = errors.New("propagation: malformed X-Cloud-Trace-Context")
	ErrCloudTraceTraceID = errors.New("propagation: X-Cloud-Trace-Context trace id must be 32 hex characters and not all zero")
	ErrCloudTraceSpanID  = errors.New("propagation: X-Cloud-Trace-Context span id must be a non-zero decimal uint64")
)

// CloudTrace is the Google Cloud X-Cloud-Trace-Context format,
// "TRACE_ID/SPAN_ID;o=OPTIONS", which Google load balancers, App Engine and
// Cloud Run add to incoming requests. TRACE_ID is 32 hex characters, SPAN_ID
// the 8-byte span id as a big-endian decimal uint64, OPTIONS 1 when sampled.
//
// A missing ";o=" means not sampled, as in opencensus-go, opencensus-java
// and OpenTelemetry's Cloud Trace propagator (opencensus-python assumes
// sampled): Google documents o=1 as the request to trace. An empty ";o=" is
// read the same way, keeping the ids, where opencensus-go and OpenTelemetry
// refuse the whole header. Only bit 0 of OPTIONS is used. A header
// without a span id (App Engine accepts "TRACE_ID" and "TRACE_ID/") names no
// parent and yields an error. Google now recommends traceparent; prefer
// TraceContext where both ends support it.
type CloudTrace struct{}

var _ TextMapPropagator = CloudTrace{}

// Inject implements TextMapPropagator.
func (CloudTrace) Inject(sc trace.SpanContext, c TextMapCarrier) {
	if !sc.IsValid() {
		return
	}
	var arr [32 + 1 + 20 + 4]byte
	buf := arr[:32]
	putTraceIDHex(buf, &sc.TraceID)
	buf = append(buf, '/')
	buf = strconv.AppendUint(buf, binary.BigEndian.Uint64(sc.SpanID[:]), 10)
	if sc.IsSampled() {
		buf = append(buf, ";o=1"...)
	} else {
		buf = append(buf, ";o=0"...)
	}
	setBytes(c, CloudTraceKey, buf)
}

// Extract implements TextMapPropagator.
func (CloudTrace) Extract(c TextMapCarrier) (trace.SpanContext, error) {
	v := c.Get(CloudTraceKey)
	if v == "" {
		return trace.SpanContext{}, nil
	}
	return ParseCloudTrace(v)
}

// Fields implements TextMapPropagator.
func (CloudTrace) Fields() []string { return []string{CloudTraceKey} }

// ParseCloudTrace parses an X-Cloud-Trace-Context value (see CloudTrace).
func ParseCloudTrace(s string) (trace.SpanContext, error) {
	s = trimOWS(s)
	var sc trace.SpanContext
	if len(s) > cloudTraceMaxLen {
		return sc, ErrCloudTraceFormat
	}
	if len(s) < 32 || !decodeHex(sc.TraceID[:], s[:32], false) || !sc.TraceID.IsValid() {
		return trace.SpanContext{}, ErrCloudTraceTraceID
	}
	rest := s[32:]
	if rest == "" || rest[0] != '/' {
		if rest == "" || rest[0] == ';' {
			return trace.SpanContext{}, ErrCloudTraceSpanID
		}
		return trace.SpanContext{}, ErrCloudTraceTraceID
	}
	rest = rest[1:]
	n := 0
	for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
		n++
	}
	span, ok := parseDecimal(rest[:n])
	if !ok || span == 0 {
		return trace.SpanContext{}, ErrCloudTraceSpanID
	}
	binary.BigEndian.PutUint64(sc.SpanID[:], span)
	rest = rest[n:]
	if rest != "" {
		if len(rest) < 3 || rest[:3] != ";o=" {
			return trace.SpanContext{}, ErrCloudTraceFormat
		}
		if opt := rest[3:]; opt != "" {
			o, ok := parseDecimal(opt)
			if !ok {
				return trace.SpanContext{}, ErrCloudTraceFormat
			}
			if o&1 == 1 {
				sc.TraceOptions = trace.FlagSampled
			}
		}
	}
	sc.Remote = true
	return sc, nil
}

// parseDecimal parses a non-empty run of ASCII digits into a uint64,
// refusing signs, spaces and overflow.
func parseDecimal(s string) (uint64, bool) {
	if s == "" || len(s) > 20 {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (1<<64-1-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}

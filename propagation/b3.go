package propagation

import (
	"errors"

	"github.com/gocensus/gocensus/sdk/trace"
)

const (
	b3Key             = "b3"
	b3TraceIDKey      = "x-b3-traceid"
	b3SpanIDKey       = "x-b3-spanid"
	b3ParentSpanIDKey = "x-b3-parentspanid"
	b3SampledKey      = "x-b3-sampled"
	b3FlagsKey        = "x-b3-flags"
)

// Errors returned for malformed B3 headers; test with errors.Is.
var (
	ErrB3TraceID      = errors.New("propagation: b3 trace id must be 16 or 32 hex characters and not all zero")
	ErrB3SpanID       = errors.New("propagation: b3 span id must be 16 hex characters and not all zero")
	ErrB3ParentSpanID = errors.New("propagation: b3 parent span id must be 16 hex characters")
	ErrB3Sampled      = errors.New("propagation: invalid b3 sampling state")
	ErrB3Format       = errors.New("propagation: malformed b3 single header")
)

// B3Sampling is the sampling state a B3 header carries. Deferred and denied
// both leave the sampled bit clear in a SpanContext; ExtractB3 tells them
// apart for samplers that want to decide afresh on a deferred request.
type B3Sampling uint8

const (
	// B3Defer means no decision was sent; the receiver decides.
	B3Defer B3Sampling = iota
	// B3Deny means the caller decided not to sample.
	B3Deny
	// B3Accept means the caller sampled.
	B3Accept
	// B3Debug means the caller forced sampling; it implies B3Accept.
	B3Debug
)

// B3Context is everything a B3 header set carries.
type B3Context struct {
	// SpanContext is valid only when ids were sent; a header with just a
	// sampling decision leaves it zero.
	SpanContext  trace.SpanContext
	ParentSpanID trace.SpanID
	Sampling     B3Sampling
}

// B3 is the Zipkin B3 format, the default of opencensus-go's ochttp and
// common in Zipkin and service-mesh (Envoy, Istio) deployments.
//
// Extract reads the single "b3" header when it is present and holds ids (it
// wins over the multi-header form, as the B3 specification says), otherwise
// the X-B3-* headers. Trace ids of 64 bits are left-padded with zeros; hex of
// either case is accepted; X-B3-Sampled takes 1, 0, true or false; the debug
// flag (X-B3-Flags: 1, or "d" in the single header) implies sampled. A
// header set that only carries a decision yields no SpanContext;
// ExtractDecision reads that decision, and censushttp's handler starts its
// new root span with it. Ids without a sampling state (deferred) extract with
// the sampled bit clear; ExtractDeferred reports the deferral, and
// censushttp's handler then lets its own sampler decide.
//
// Inject writes the multi-header form, or the single header when
// SingleHeader is set, always with a 128-bit trace id and an explicit
// decision (1 or 0): by the time a span injects, its service has decided.
// Tracestate is not carried.
type B3 struct {
	// SingleHeader makes Inject write "b3: {traceid}-{spanid}-{1|0}"
	// instead of the X-B3-* headers.
	SingleHeader bool
}

var (
	_ TextMapPropagator = B3{}
	_ DecisionExtractor = B3{}
	_ DeferralExtractor = B3{}
)

// Inject implements TextMapPropagator.
func (p B3) Inject(sc trace.SpanContext, c TextMapCarrier) {
	if !sc.IsValid() {
		return
	}
	if p.SingleHeader {
		var buf [32 + 1 + 16 + 2]byte
		putTraceIDHex(buf[:32], &sc.TraceID)
		buf[32] = '-'
		putSpanIDHex(buf[33:49], &sc.SpanID)
		buf[49], buf[50] = '-', flagString(sc.IsSampled())[0]
		setBytes(c, b3Key, buf[:])
		return
	}
	var buf [32 + 16]byte
	putTraceIDHex(buf[:32], &sc.TraceID)
	putSpanIDHex(buf[32:], &sc.SpanID)
	setBytes(c, b3TraceIDKey, buf[:32])
	setBytes(c, b3SpanIDKey, buf[32:])
	c.Set(b3SampledKey, flagString(sc.IsSampled()))
}

// flagString returns "1" or "0" without allocating.
func flagString(on bool) string {
	if on {
		return "1"
	}
	return "0"
}

// Extract implements TextMapPropagator.
func (p B3) Extract(c TextMapCarrier) (trace.SpanContext, error) {
	bc, err := p.ExtractB3(c)
	return bc.SpanContext, err
}

// ExtractDeferred implements DeferralExtractor: deferred is true when ids
// came without a sampling state.
func (p B3) ExtractDeferred(c TextMapCarrier) (trace.SpanContext, bool, error) {
	bc, err := p.ExtractB3(c)
	if err != nil || !bc.SpanContext.IsValid() {
		return trace.SpanContext{}, false, err
	}
	return bc.SpanContext, bc.Sampling == B3Defer, nil
}

// ExtractDecision implements DecisionExtractor: a header set with a
// sampling decision (deny, accept or debug) but no ids.
func (p B3) ExtractDecision(c TextMapCarrier) (sampled, ok bool) {
	bc, err := p.ExtractB3(c)
	if err != nil || bc.SpanContext.IsValid() {
		return false, false
	}
	switch bc.Sampling {
	case B3Deny:
		return false, true
	case B3Accept, B3Debug:
		return true, true
	}
	return false, false
}

// ExtractB3 is Extract with the parent span id and the sampling state,
// including the difference between deferred and denied.
func (B3) ExtractB3(c TextMapCarrier) (B3Context, error) {
	var (
		single    B3Context
		singleErr error
	)
	if v := c.Get(b3Key); v != "" {
		single, singleErr = ParseB3Single(v)
		if singleErr == nil && single.SpanContext.IsValid() {
			return single, nil
		}
	}
	if c.Get(b3TraceIDKey) == "" && c.Get(b3SpanIDKey) == "" {
		if singleErr != nil {
			return B3Context{}, singleErr
		}
		if single.Sampling != B3Defer {
			return single, nil
		}
		sampling, err := b3MultiSampling(c)
		return B3Context{Sampling: sampling}, err
	}
	return extractB3Multi(c)
}

// Fields implements TextMapPropagator.
func (p B3) Fields() []string {
	if p.SingleHeader {
		return []string{b3Key}
	}
	return []string{b3TraceIDKey, b3SpanIDKey, b3SampledKey}
}

func extractB3Multi(c TextMapCarrier) (B3Context, error) {
	var bc B3Context
	if !parseB3TraceID(&bc.SpanContext.TraceID, c.Get(b3TraceIDKey)) {
		return B3Context{}, ErrB3TraceID
	}
	if !decodeHex(bc.SpanContext.SpanID[:], c.Get(b3SpanIDKey), false) || !bc.SpanContext.SpanID.IsValid() {
		return B3Context{}, ErrB3SpanID
	}
	if v := c.Get(b3ParentSpanIDKey); v != "" && !decodeHex(bc.ParentSpanID[:], v, false) {
		return B3Context{}, ErrB3ParentSpanID
	}
	var err error
	if bc.Sampling, err = b3MultiSampling(c); err != nil {
		return B3Context{}, err
	}
	bc.finish()
	return bc, nil
}

// b3MultiSampling reads X-B3-Flags and X-B3-Sampled.
func b3MultiSampling(c TextMapCarrier) (B3Sampling, error) {
	if c.Get(b3FlagsKey) == "1" {
		return B3Debug, nil
	}
	switch c.Get(b3SampledKey) {
	case "":
		return B3Defer, nil
	case "1", "true":
		return B3Accept, nil
	case "0", "false":
		return B3Deny, nil
	}
	return B3Defer, ErrB3Sampled
}

func (bc *B3Context) finish() {
	if bc.Sampling == B3Accept || bc.Sampling == B3Debug {
		bc.SpanContext.TraceOptions = trace.FlagSampled
	}
	bc.SpanContext.Remote = true
}

func parseB3TraceID(dst *trace.TraceID, s string) bool {
	var ok bool
	switch len(s) {
	case 32:
		ok = decodeHex(dst[:], s, false)
	case 16:
		ok = decodeHex(dst[8:], s, false)
	}
	return ok && dst.IsValid()
}

// ParseB3Single parses the value of the single "b3" header:
// {TraceId}-{SpanId}[-{SamplingState}[-{ParentSpanId}]], or a lone sampling
// state (1, 0 or d), which yields a B3Context without a SpanContext.
func ParseB3Single(s string) (B3Context, error) {
	s = trimOWS(s)
	var bc B3Context
	if len(s) == 1 {
		st, ok := b3SingleState(s[0])
		if !ok {
			return B3Context{}, ErrB3Sampled
		}
		bc.Sampling = st
		return bc, nil
	}
	dash := -1
	for i := 0; i < len(s) && i <= 32; i++ {
		if s[i] == '-' {
			dash = i
			break
		}
	}
	if dash < 0 {
		return B3Context{}, ErrB3Format
	}
	if !parseB3TraceID(&bc.SpanContext.TraceID, s[:dash]) {
		return B3Context{}, ErrB3TraceID
	}
	rest := s[dash+1:]
	if len(rest) < 16 || !decodeHex(bc.SpanContext.SpanID[:], rest[:16], false) || !bc.SpanContext.SpanID.IsValid() {
		return B3Context{}, ErrB3SpanID
	}
	rest = rest[16:]
	if rest != "" {
		if len(rest) < 2 || rest[0] != '-' {
			return B3Context{}, ErrB3Format
		}
		st, ok := b3SingleState(rest[1])
		if !ok {
			return B3Context{}, ErrB3Sampled
		}
		bc.Sampling = st
		rest = rest[2:]
		if rest != "" {
			if len(rest) != 17 || rest[0] != '-' || !decodeHex(bc.ParentSpanID[:], rest[1:], false) {
				return B3Context{}, ErrB3ParentSpanID
			}
		}
	}
	bc.finish()
	return bc, nil
}

func b3SingleState(c byte) (B3Sampling, bool) {
	switch c {
	case '1':
		return B3Accept, true
	case '0':
		return B3Deny, true
	case 'd':
		return B3Debug, true
	}
	return B3Defer, false
}

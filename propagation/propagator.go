package propagation

import (
	"errors"

	"github.com/gocensus/gocensus/sdk/trace"
)

// TextMapPropagator injects a SpanContext into a TextMapCarrier and extracts
// one back out, in one wire format.
//
// The propagators in this package are stateless structs whose zero value is
// ready to use; they are safe for concurrent use and never block.
type TextMapPropagator interface {
	// Inject writes sc into c. An invalid sc writes nothing.
	Inject(sc trace.SpanContext, c TextMapCarrier)
	// Extract reads a SpanContext from c. It returns the zero SpanContext
	// and a nil error when c carries no context in this format, and the zero
	// SpanContext and an error when it carries a malformed one. A returned
	// valid SpanContext has Remote set.
	Extract(c TextMapCarrier) (trace.SpanContext, error)
	// Fields lists the keys Inject writes, in lowercase.
	Fields() []string
}

// DecisionExtractor is implemented by formats that can carry a sampling
// decision without a trace context, as B3 does with a lone "b3: 0" (deny),
// "b3: 1" or "b3: d". Servers call it when Extract found no context, and
// start their new root span with the decision instead of their own
// sampler's, so that a caller's "do not trace" holds through them.
type DecisionExtractor interface {
	// ExtractDecision reports the decision c carries without ids: ok is
	// false when c carries none (or carries ids, which Extract reads).
	ExtractDecision(c TextMapCarrier) (sampled, ok bool)
}

// DeferralExtractor is implemented by formats whose trace context can arrive
// without a sampling decision, as B3 ids without X-B3-Sampled (or a single
// header without its sampling field) do. Such a context has its sampled bit
// clear, which Extract cannot tell from "do not sample"; servers call
// ExtractDeferred instead and start their span with
// trace.WithDeferredRemoteParent when deferred is true, so that their own
// sampler decides.
type DeferralExtractor interface {
	// ExtractDeferred is Extract that also reports whether the sender of the
	// context left the sampling decision to the receiver. deferred is
	// false whenever sc is invalid.
	ExtractDeferred(c TextMapCarrier) (sc trace.SpanContext, deferred bool, err error)
}

// BinaryFormat turns a SpanContext into bytes and back, for transports with
// a binary slot (gRPC metadata "-bin" keys, message headers). Implementations
// are safe for concurrent use and never block.
type BinaryFormat interface {
	// AppendBinary appends the encoding of sc to dst. An invalid sc appends
	// nothing.
	AppendBinary(dst []byte, sc trace.SpanContext) []byte
	// FromBinary decodes b; it returns an error for malformed input and a
	// valid, Remote SpanContext otherwise.
	FromBinary(b []byte) (trace.SpanContext, error)
}

// Composite injects with every member and extracts with the first member, in
// order, that finds a valid context. List the preferred format first:
//
//	p := propagation.Composite{propagation.Binary{}, propagation.TraceContext{}}
//
// The zero (empty) Composite injects and extracts nothing.
type Composite []TextMapPropagator

// Inject implements TextMapPropagator.
func (p Composite) Inject(sc trace.SpanContext, c TextMapCarrier) {
	for _, m := range p {
		m.Inject(sc, c)
	}
}

// Extract implements TextMapPropagator. When no member finds a valid
// context, the errors of the members that found a malformed one are joined;
// when none found anything the error is nil.
func (p Composite) Extract(c TextMapCarrier) (trace.SpanContext, error) {
	sc, _, err := p.extract(c, false)
	return sc, err
}

// ExtractDeferred implements DeferralExtractor: Extract, with the deferral
// reported by the member that found the context (false for members that do
// not implement DeferralExtractor).
func (p Composite) ExtractDeferred(c TextMapCarrier) (trace.SpanContext, bool, error) {
	return p.extract(c, true)
}

func (p Composite) extract(c TextMapCarrier, withDeferral bool) (trace.SpanContext, bool, error) {
	var errs []error
	for _, m := range p {
		var (
			sc       trace.SpanContext
			deferred bool
			err      error
			d        DeferralExtractor
		)
		if withDeferral {
			d, _ = m.(DeferralExtractor)
		}
		if d != nil {
			sc, deferred, err = d.ExtractDeferred(c)
		} else {
			sc, err = m.Extract(c)
		}
		if err == nil && sc.IsValid() {
			return sc, deferred, nil
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return trace.SpanContext{}, false, errors.Join(errs...)
}

// ExtractDecision implements DecisionExtractor: the decision of the first
// member, in order, that carries one.
func (p Composite) ExtractDecision(c TextMapCarrier) (sampled, ok bool) {
	for _, m := range p {
		if d, isD := m.(DecisionExtractor); isD {
			if sampled, ok := d.ExtractDecision(c); ok {
				return sampled, true
			}
		}
	}
	return false, false
}

// Fields implements TextMapPropagator: the union of the members' fields in
// order of first appearance.
func (p Composite) Fields() []string {
	var out []string
	for _, m := range p {
	next:
		for _, f := range m.Fields() {
			for _, g := range out {
				if f == g {
					continue next
				}
			}
			out = append(out, f)
		}
	}
	return out
}

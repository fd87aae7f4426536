package trace

import (
	"encoding/binary"
	"fmt"
	"math"
	"sync/atomic"
	"time"
)

// SamplingParameters is what a Sampler sees when a span starts.
type SamplingParameters struct {
	// ParentContext is the parent's span context; invalid for a root span.
	ParentContext SpanContext
	// HasRemoteParent is true when the parent came from another process.
	HasRemoteParent bool
	// ParentDeferred is true when the remote parent came without a sampling
	// decision (see WithDeferredRemoteParent): its sampled bit is clear
	// because nobody decided, and this sampler is the one to decide.
	ParentDeferred bool

	TraceID TraceID
	SpanID  SpanID
	Name    string
	Kind    SpanKind
	// Attributes are those given with WithAttributes; the sampler must not
	// keep or modify the slice.
	Attributes []Attribute
}

// SamplingDecision is a Sampler's answer.
type SamplingDecision struct {
	// Sample records the span and sets the sampled trace option, so that
	// processors receive it and downstream services see the bit.
	Sample bool
}

// Sampler decides whether a new span is sampled.
//
// ShouldSample is called on the goroutine that starts the span, possibly
// from many goroutines at once, so it must be safe for concurrent use, must
// not block and should be cheap: it is on every span's hot path. It is
// called for root spans, for spans with a remote parent, and for spans given
// a sampler with WithSpanSampler; a span whose parent is a local span
// otherwise inherits the parent's decision without consulting a sampler,
// which keeps a trace whole within a process (the OpenCensus rule).
//
// Description names the sampler for debug pages and logs.
type Sampler interface {
	ShouldSample(p SamplingParameters) SamplingDecision
	Description() string
}

type alwaysSample struct{}

func (alwaysSample) ShouldSample(SamplingParameters) SamplingDecision {
	return SamplingDecision{Sample: true}
}
func (alwaysSample) Description() string { return "AlwaysSample" }

type neverSample struct{}

func (neverSample) ShouldSample(SamplingParameters) SamplingDecision {
	return SamplingDecision{Sample: false}
}
func (neverSample) Description() string { return "NeverSample" }

// AlwaysSample returns a Sampler that samples every span.
func AlwaysSample() Sampler { return alwaysSample{} }

// NeverSample returns a Sampler that samples no span.
func NeverSample() Sampler { return neverSample{} }

type probabilitySampler struct {
	bound    uint64
	fraction float64
}

// ProbabilitySampler returns a Sampler that samples the given fraction of
// traces, deciding by trace id so that every service using the same rule and
// fraction makes the same decision for a trace.
//
// The rule is opencensus-go's (go.opencensus.io/trace, v0.24.0), so mixed
// fleets agree span for span: with bound = uint64(fraction * 2^63), a span is
// sampled when binary.BigEndian.Uint64(traceID[0:8]) >> 1 < bound. A span
// whose parent is sampled is always sampled, as in opencensus-go. A fraction
// of 1 or more samples everything; a fraction that is not >= 0 (negative or
// NaN) samples nothing.
func ProbabilitySampler(fraction float64) Sampler {
	if !(fraction >= 0) {
		fraction = 0
	} else if fraction >= 1 {
		return probabilitySampler{bound: math.MaxUint64, fraction: 1}
	}
	return probabilitySampler{bound: uint64(fraction * (1 << 63)), fraction: fraction}
}

func (s probabilitySampler) ShouldSample(p SamplingParameters) SamplingDecision {
	if p.ParentContext.IsSampled() {
		return SamplingDecision{Sample: true}
	}
	x := binary.BigEndian.Uint64(p.TraceID[0:8]) >> 1
	return SamplingDecision{Sample: x < s.bound}
}

func (s probabilitySampler) Description() string {
	return fmt.Sprintf("ProbabilitySampler{%g}", s.fraction)
}

// ParentBasedOption configures ParentBased.
type ParentBasedOption interface {
	applyParentBased(*parentBased)
}

type parentBasedOption func(*parentBased)

func (f parentBasedOption) applyParentBased(p *parentBased) { f(p) }

// WithRemoteParentSampled sets the sampler for spans whose remote parent is
// sampled (default AlwaysSample).
func WithRemoteParentSampled(s Sampler) ParentBasedOption {
	return parentBasedOption(func(p *parentBased) { p.remoteSampled = s })
}

// WithRemoteParentNotSampled sets the sampler for spans whose remote parent
// is not sampled (default NeverSample).
func WithRemoteParentNotSampled(s Sampler) ParentBasedOption {
	return parentBasedOption(func(p *parentBased) { p.remoteNotSampled = s })
}

// WithLocalParentSampled sets the sampler for spans whose local parent is
// sampled (default AlwaysSample).
func WithLocalParentSampled(s Sampler) ParentBasedOption {
	return parentBasedOption(func(p *parentBased) { p.localSampled = s })
}

// WithLocalParentNotSampled sets the sampler for spans whose local parent is
// not sampled (default NeverSample).
func WithLocalParentNotSampled(s Sampler) ParentBasedOption {
	return parentBasedOption(func(p *parentBased) { p.localNotSampled = s })
}

type parentBased struct {
	root, remoteSampled, remoteNotSampled, localSampled, localNotSampled Sampler
}

// ParentBased returns a Sampler that follows the parent's decision and asks
// root only for root spans, and for spans whose remote parent deferred its
// decision (SamplingParameters.ParentDeferred). Each of the four parent
// cases (remote or local, sampled or not) can be given its own sampler by
// option. A nil root, or a nil sampler in an option, means NeverSample.
//
// Use it as the tracer's sampler to honour (or override) the sampled bit of
// incoming requests; local parents reach it only through WithSpanSampler,
// since local children inherit by default.
func ParentBased(root Sampler, opts ...ParentBasedOption) Sampler {
	p := &parentBased{
		root:             root,
		remoteSampled:    AlwaysSample(),
		remoteNotSampled: NeverSample(),
		localSampled:     AlwaysSample(),
		localNotSampled:  NeverSample(),
	}
	for _, o := range opts {
		if o != nil {
			o.applyParentBased(p)
		}
	}
	for _, s := range []*Sampler{&p.root, &p.remoteSampled, &p.remoteNotSampled, &p.localSampled, &p.localNotSampled} {
		if *s == nil {
			*s = NeverSample()
		}
	}
	return p
}

func (p *parentBased) ShouldSample(sp SamplingParameters) SamplingDecision {
	if !sp.ParentContext.IsValid() {
		return p.root.ShouldSample(sp)
	}
	switch {
	case sp.ParentDeferred:
		return p.root.ShouldSample(sp)
	case sp.HasRemoteParent && sp.ParentContext.IsSampled():
		return p.remoteSampled.ShouldSample(sp)
	case sp.HasRemoteParent:
		return p.remoteNotSampled.ShouldSample(sp)
	case sp.ParentContext.IsSampled():
		return p.localSampled.ShouldSample(sp)
	default:
		return p.localNotSampled.ShouldSample(sp)
	}
}

func (p *parentBased) Description() string {
	return fmt.Sprintf("ParentBased{root:%s,remoteParentSampled:%s,remoteParentNotSampled:%s,localParentSampled:%s,localParentNotSampled:%s}",
		p.root.Description(), p.remoteSampled.Description(), p.remoteNotSampled.Description(),
		p.localSampled.Description(), p.localNotSampled.Description())
}

// rateLimiting is a token bucket kept in one atomic word: the virtual time
// (in nanoseconds since start) at which the bucket would be empty. Taking a
// token advances it by one interval; the bucket holds at most one second's
// worth of tokens, so bursts are bounded by qps.
type rateLimiting struct {
	elapsed  func() time.Duration // since the sampler was built
	interval int64                // nanoseconds per token
	burst    int64                // nanoseconds of credit the bucket can hold
	empty    atomic.Int64
	qps      float64
}

// RateLimitingSampler returns a Sampler that samples at most qps spans per
// second on average, with bursts of up to max(1, qps) spans, regardless of
// the parent. It is lock-free: one compare-and-swap per sampled span. A qps
// that is not > 0 samples nothing.
//
// Decisions are not consistent across services, so use it as the root of
// ParentBased to keep traces whole.
func RateLimitingSampler(qps float64) Sampler {
	start := time.Now()
	// time.Since reads only the monotonic clock: one clock read per decision.
	return newRateLimiting(qps, func() time.Duration { return time.Since(start) })
}

func newRateLimiting(qps float64, elapsed func() time.Duration) *rateLimiting {
	r := &rateLimiting{elapsed: elapsed, qps: qps}
	if !(qps > 0) {
		r.interval = -1
		return r
	}
	interval := float64(time.Second) / qps
	if interval < 1 {
		interval = 1
	}
	r.interval = int64(interval)
	burst := math.Max(qps, 1) * interval
	if burst > math.MaxInt64/2 {
		burst = math.MaxInt64 / 2
	}
	r.burst = int64(burst)
	// Start with a full bucket.
	r.empty.Store(-r.burst)
	return r
}

func (r *rateLimiting) ShouldSample(SamplingParameters) SamplingDecision {
	if r.interval < 0 {
		return SamplingDecision{}
	}
	now := int64(r.elapsed())
	for {
		old := r.empty.Load()
		// The bucket cannot hold more than burst.
		next := max(old, now-r.burst) + r.interval
		if next > now {
			return SamplingDecision{}
		}
		if r.empty.CompareAndSwap(old, next) {
			return SamplingDecision{Sample: true}
		}
	}
}

func (r *rateLimiting) Description() string {
	return fmt.Sprintf("RateLimitingSampler{%g}", r.qps)
}

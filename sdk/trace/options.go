package trace

import "time"

// Span options are small tagged values rather than closures or interfaces:
// a StartOption built and passed in one call stays on the caller's stack, so
// WithAttributes and friends cost no allocation on the hot path.

type startOptionKind uint8

const (
	startKindNone startOptionKind = iota
	startKindSpanKind
	startKindAttributes
	startKindLinks
	startKindStartTime
	startKindSampler
	startKindRemoteParent
	startKindNewRoot
)

// StartOption configures one span at Start or StartSpan. Build it with the
// With... functions below; the zero StartOption does nothing.
type StartOption struct {
	kind     startOptionKind
	spanKind SpanKind
	deferred bool // remote parent without a sampling decision
	attrs    []Attribute
	links    []Link
	time     time.Time
	sampler  Sampler
	parent   SpanContext
}

// startConfig is the result of applying StartOptions. Attributes and links
// are read from the options where they are needed, so that no pointer to the
// caller's arguments flows towards an interface call and the arguments can
// stay on the caller's stack.
type startConfig struct {
	kind         SpanKind
	hasAttrs     bool
	startTime    time.Time
	sampler      Sampler
	remoteParent SpanContext
	hasRemote    bool
	deferred     bool
	newRoot      bool
}

// newStartConfig applies opts. It returns the config by value: assigning
// through a pointer would make escape analysis move the caller's option
// arguments to the heap.
func newStartConfig(opts []StartOption) (c startConfig) {
	for i := range opts {
		o := &opts[i]
		switch o.kind {
		case startKindSpanKind:
			c.kind = o.spanKind
		case startKindAttributes:
			c.hasAttrs = c.hasAttrs || len(o.attrs) > 0
		case startKindStartTime:
			c.startTime = o.time
		case startKindSampler:
			c.sampler = o.sampler
		case startKindRemoteParent:
			c.remoteParent = o.parent
			c.hasRemote = true
			c.deferred = o.deferred
		case startKindNewRoot:
			c.newRoot = true
		}
	}
	return c
}

// WithSpanKind sets the span's kind (default SpanKindUnspecified).
func WithSpanKind(k SpanKind) StartOption {
	return StartOption{kind: startKindSpanKind, spanKind: k}
}

// WithAttributes sets attributes at start, as SetAttributes would; samplers
// see them. The slice is not retained.
func WithAttributes(attrs ...Attribute) StartOption {
	return StartOption{kind: startKindAttributes, attrs: attrs}
}

// WithLinks adds links at start, as AddLink would. The slice is not retained.
func WithLinks(links ...Link) StartOption {
	return StartOption{kind: startKindLinks, links: links}
}

// WithStartTime sets an explicit start time instead of now, for spans that
// describe work measured elsewhere.
func WithStartTime(t time.Time) StartOption {
	return StartOption{kind: startKindStartTime, time: t}
}

// WithSpanSampler makes this span consult s instead of the tracer's sampler,
// even when its parent is local (which otherwise means inheriting the
// parent's decision). A nil s is ignored.
func WithSpanSampler(s Sampler) StartOption {
	if s == nil {
		return StartOption{}
	}
	return StartOption{kind: startKindSampler, sampler: s}
}

// WithRemoteParent makes the span a child of sc, a span context received
// from another process, ignoring any span in the context. An invalid sc
// makes the span a root.
func WithRemoteParent(sc SpanContext) StartOption {
	sc.Remote = true
	return StartOption{kind: startKindRemoteParent, parent: sc}
}

// WithDeferredRemoteParent is WithRemoteParent for a parent whose sender
// left the sampling decision to this service, as a B3 header set with ids
// but no sampling state does: sc's sampled bit is clear, but it is not a
// "do not sample". Samplers see SamplingParameters.ParentDeferred; the
// ParentBased sampler then decides as for a root, where with
// WithRemoteParent it would use its remote-parent-not-sampled choice.
func WithDeferredRemoteParent(sc SpanContext) StartOption {
	o := WithRemoteParent(sc)
	o.deferred = true
	return o
}

// WithNewRoot starts a new trace, ignoring any parent in the context or in
// WithRemoteParent. Use it with WithLinks for requests from untrusted
// callers: link the caller's context instead of joining its trace.
func WithNewRoot() StartOption {
	return StartOption{kind: startKindNewRoot}
}

// EndOption configures End.
type EndOption struct {
	time time.Time
}

// WithEndTime sets an explicit end time instead of now.
func WithEndTime(t time.Time) EndOption { return EndOption{time: t} }

// ErrorOption configures RecordError.
type ErrorOption struct {
	stack    int8 // 0 unset, 1 capture, -1 do not capture
	noStatus bool
}

// WithStackTrace captures (or, with false, does not capture) the caller's
// stack for this RecordError call, overriding WithErrorStackTraces.
func WithStackTrace(capture bool) ErrorOption {
	if capture {
		return ErrorOption{stack: 1}
	}
	return ErrorOption{stack: -1}
}

// WithoutErrorStatus records the error as an annotation only, leaving the
// span's status as it is.
func WithoutErrorStatus() ErrorOption { return ErrorOption{noStatus: true} }

package trace

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/gocensus/gocensus/sdk/resource"
)

// DefaultSamplingProbability is the fraction of traces the default sampler
// samples, the OpenCensus default.
const DefaultSamplingProbability = 1e-4

var (
	defaultSampler = ProbabilitySampler(DefaultSamplingProbability)
	defaultLimits  = DefaultSpanLimits()
)

// Tracer starts spans and owns the span processors they are handed to when
// they end. Build one with NewTracer and share it; all methods are safe for
// concurrent use. The zero Tracer works: it samples with
// ProbabilitySampler(1e-4), applies the default limits and exports nowhere.
// A nil *Tracer starts spans that are never recorded but still carry ids, so
// context still propagates.
type Tracer struct {
	sampler     atomic.Pointer[samplerBox]
	limits      atomic.Pointer[SpanLimits]
	procs       []SpanProcessor
	startProcs  []SpanProcessor // procs whose OnStart does something
	idGen       IDGenerator
	resource    *resource.Resource
	errorStacks bool

	stopped      atomic.Bool
	shutdownOnce sync.Once
	shutdownErr  error
}

type samplerBox struct{ s Sampler }

// TracerOption configures NewTracer.
type TracerOption interface {
	applyTracer(*tracerConfig)
}

type tracerOption func(*tracerConfig)

func (f tracerOption) applyTracer(c *tracerConfig) { f(c) }

type tracerConfig struct {
	sampler     Sampler
	procs       []SpanProcessor
	idGen       IDGenerator
	limits      SpanLimits
	resource    *resource.Resource
	errorStacks bool
}

// WithSampler sets the sampler for root spans and spans with a remote parent
// (default ProbabilitySampler(1e-4)). A nil s keeps the default.
func WithSampler(s Sampler) TracerOption {
	return tracerOption(func(c *tracerConfig) { c.sampler = s })
}

// WithSpanProcessor adds a processor; sampled spans go to every processor in
// the order they were added. A nil p is ignored.
func WithSpanProcessor(p SpanProcessor) TracerOption {
	return tracerOption(func(c *tracerConfig) {
		if p != nil {
			c.procs = append(c.procs, p)
		}
	})
}

// WithBatcher adds a BatchSpanProcessor exporting to e: the choice for
// production. A nil e is ignored.
func WithBatcher(e SpanExporter, opts ...BatchOption) TracerOption {
	return tracerOption(func(c *tracerConfig) {
		if e != nil {
			c.procs = append(c.procs, NewBatchSpanProcessor(e, opts...))
		}
	})
}

// WithSyncer adds a SimpleSpanProcessor exporting to e from the goroutine
// that ends each span: for tests and debugging, never for production. A nil
// e is ignored.
func WithSyncer(e SpanExporter) TracerOption {
	return tracerOption(func(c *tracerConfig) {
		if e != nil {
			c.procs = append(c.procs, NewSimpleSpanProcessor(e))
		}
	})
}

// WithIDGenerator replaces the random id generator. A nil g keeps the
// default.
func WithIDGenerator(g IDGenerator) TracerOption {
	return tracerOption(func(c *tracerConfig) { c.idGen = g })
}

// WithSpanLimits sets the span limits; zero fields keep their defaults.
func WithSpanLimits(l SpanLimits) TracerOption {
	return tracerOption(func(c *tracerConfig) { c.limits = l })
}

// WithResource sets the resource attached to every span's SpanData.
func WithResource(r *resource.Resource) TracerOption {
	return tracerOption(func(c *tracerConfig) { c.resource = r })
}

// WithErrorStackTraces makes RecordError capture a stack trace unless the
// call says otherwise (default false: stacks cost about a microsecond).
func WithErrorStackTraces(capture bool) TracerOption {
	return tracerOption(func(c *tracerConfig) { c.errorStacks = capture })
}

// NewTracer returns a Tracer configured by opts. Nothing starts in the
// background except what the processors start (a BatchSpanProcessor runs
// one goroutine until Shutdown).
func NewTracer(opts ...TracerOption) *Tracer {
	var c tracerConfig
	for _, o := range opts {
		if o != nil {
			o.applyTracer(&c)
		}
	}
	t := &Tracer{
		procs:       c.procs,
		idGen:       c.idGen,
		resource:    c.resource,
		errorStacks: c.errorStacks,
	}
	for _, p := range t.procs {
		switch p.(type) {
		case *BatchSpanProcessor, *SimpleSpanProcessor:
			// OnStart is a no-op: skip the call on every span.
		default:
			t.startProcs = append(t.startProcs, p)
		}
	}
	if _, ok := t.idGen.(randomIDs); ok {
		t.idGen = nil // take the inlined path
	}
	t.SetSampler(c.sampler)
	t.SetLimits(c.limits)
	return t
}

// SetSampler replaces the sampler for spans started from now on; a nil s
// restores the default. It is safe to call while spans are being started.
func (t *Tracer) SetSampler(s Sampler) {
	if t == nil {
		return
	}
	if s == nil {
		s = defaultSampler
	}
	t.sampler.Store(&samplerBox{s})
}

// Sampler returns the current sampler.
func (t *Tracer) Sampler() Sampler {
	if t == nil {
		return NeverSample()
	}
	if b := t.sampler.Load(); b != nil {
		return b.s
	}
	return defaultSampler
}

// SetLimits replaces the span limits for spans started from now on (spans
// already started keep theirs); zero fields take their defaults. It is safe
// to call while spans are being started.
func (t *Tracer) SetLimits(l SpanLimits) {
	if t == nil {
		return
	}
	l = l.normalized()
	t.limits.Store(&l)
}

// Limits returns the current span limits.
func (t *Tracer) Limits() SpanLimits {
	if t == nil {
		return defaultLimits
	}
	return *t.currentLimits()
}

func (t *Tracer) currentLimits() *SpanLimits {
	if l := t.limits.Load(); l != nil {
		return l
	}
	return &defaultLimits
}

// Start starts a span named name and returns it with a copy of ctx that
// carries it, so spans started from the returned context are its children.
//
// The parent is, in order of precedence: none with WithNewRoot; the span
// context given with WithRemoteParent; the span or remote span context in
// ctx. A root span gets a new trace id. The span is sampled as explained on
// Sampler. A nil ctx is treated as context.Background(). An empty name is
// kept as is.
//
// Always call End on the returned span; a span that is not recording costs
// one small allocation and nothing at End.
func (t *Tracer) Start(ctx context.Context, name string, opts ...StartOption) (context.Context, *Span) {
	if ctx == nil {
		ctx = context.Background()
	}
	c := &plainConfig
	if len(opts) > 0 {
		cfg := newStartConfig(opts)
		c = &cfg
	}
	var parent *Span
	if !c.newRoot && !c.hasRemote {
		parent = spanFromContext(ctx)
	}
	if len(opts) == 0 {
		if n, s := t.startPlainChild(ctx, parent, name); s != nil {
			return n, s
		}
	}
	sc, recording := t.decide(parent, c, opts, name)
	if !recording {
		n := &SpanNode{parentContext: ctx, sc: sc}
		n.span.sc = &n.sc
		return n, &n.span
	}
	n := &sampledCtx{Context: ctx}
	n.span.rec = &n.rec
	n.span.sc = &n.rec.data.SpanContext
	t.initRecord(&n.rec, parent, c, opts, sc, name)
	for _, p := range t.startProcs {
		p.OnStart(ctx, &n.span)
	}
	return n, &n.span
}

// plainConfig is the start configuration of a span started without
// options; it is never written.
var plainConfig startConfig

// startPlainChild builds the commonest span, a child of a local span (parent,
// from ctx) started without options, in place: it inherits the parent's
// decision (see decide) without decide's copies. It returns a nil span for
// other parents, or when the tracer has a custom ID generator, for Start's
// general path.
func (t *Tracer) startPlainChild(ctx context.Context, parent *Span, name string) (context.Context, *Span) {
	if parent == nil || parent.sc == nil || t == nil || t.idGen != nil {
		return nil, nil
	}
	p := parent.sc
	if !p.TraceID.IsValid() || !p.SpanID.IsValid() || p.Remote {
		return nil, nil
	}
	if !p.TraceOptions.IsSampled() {
		n := &SpanNode{parentContext: ctx}
		n.sc.TraceID = p.TraceID
		n.sc.TraceOptions = p.TraceOptions
		n.sc.Tracestate = p.Tracestate
		n.sc.SpanID = newSpanID()
		n.span.sc = &n.sc
		return n, &n.span
	}
	if t.stopped.Load() {
		return nil, nil
	}
	n := &sampledCtx{Context: ctx}
	n.span.rec = &n.rec
	n.span.sc = &n.rec.data.SpanContext
	t.initRecord(&n.rec, parent, &plainConfig, nil, SpanContext{TraceID: p.TraceID, SpanID: newSpanID(),
		TraceOptions: p.TraceOptions, Tracestate: p.Tracestate}, name)
	for _, sp := range t.startProcs {
		sp.OnStart(ctx, &n.span)
	}
	return n, &n.span
}

// StartIn starts a span as Start does, keeping it in n, which becomes the
// returned context: n's Value answers for the span and defers to ctx for
// everything else. A span that is not sampled then costs no allocation of
// its own; a sampled span's record is allocated apart. n must be new (a
// zero SpanNode never started); StartIn panics when n was started before.
func (t *Tracer) StartIn(n *SpanNode, ctx context.Context, name string, opts ...StartOption) *Span {
	if n.parentContext != nil {
		panic("trace: StartIn with a SpanNode already started")
	}
	if ctx == nil {
		ctx = context.Background()
	}
	n.parentContext = ctx
	c := newStartConfig(opts)
	var parent *Span
	if !c.newRoot && !c.hasRemote {
		parent = spanFromContext(ctx)
	}
	sc, recording := t.decide(parent, &c, opts, name)
	if !recording {
		n.sc = sc
		n.span.sc = &n.sc
		return &n.span
	}
	rec := new(spanRecord)
	n.span.rec = rec
	n.span.sc = &rec.data.SpanContext
	t.initRecord(rec, parent, &c, opts, sc, name)
	for _, p := range t.startProcs {
		p.OnStart(ctx, &n.span)
	}
	return &n.span
}

// StartSpan starts a span without a context: parent is its local parent (nil
// for a root, or for a remote parent given with WithRemoteParent). Use it
// where spans do not follow call nesting, for example a span per message in
// a stream; put the span in a context with NewContext if needed.
func (t *Tracer) StartSpan(parent *Span, name string, opts ...StartOption) *Span {
	c := newStartConfig(opts)
	if c.newRoot || c.hasRemote {
		parent = nil
	}
	sc, recording := t.decide(parent, &c, opts, name)
	if !recording {
		n := &plainSpan{sc: sc}
		n.span.sc = &n.sc
		return &n.span
	}
	n := &recordingSpan{}
	n.span.rec = &n.rec
	n.span.sc = &n.rec.data.SpanContext
	t.initRecord(&n.rec, parent, &c, opts, sc, name)
	for _, p := range t.startProcs {
		p.OnStart(context.Background(), &n.span)
	}
	return &n.span
}

// decide makes the new span's SpanContext and reports whether it records.
func (t *Tracer) decide(parent *Span, c *startConfig, opts []StartOption, name string) (SpanContext, bool) {
	var psc SpanContext
	switch {
	case c.newRoot:
	case c.hasRemote:
		psc = c.remoteParent
	case parent != nil && parent.sc != nil:
		psc = *parent.sc
	}
	var sc SpanContext
	hasParent := psc.IsValid()
	if hasParent {
		sc.TraceID = psc.TraceID
		sc.TraceOptions = psc.TraceOptions
		sc.Tracestate = psc.Tracestate
		if t != nil && t.idGen != nil {
			sc.SpanID = t.idGen.NewSpanID(sc.TraceID)
		}
	} else if t != nil && t.idGen != nil {
		sc.TraceID, sc.SpanID = t.idGen.NewIDs()
	}
	// The default generator, and the fallback for a custom one that breaks
	// its contract: ids are never zero.
	if !sc.TraceID.IsValid() {
		sc.TraceID, _ = randomIDs{}.NewIDs()
	}
	if !sc.SpanID.IsValid() {
		sc.SpanID = newSpanID()
	}
	if t == nil {
		sc.TraceOptions = sc.TraceOptions.WithSampled(hasParent && psc.IsSampled())
		return sc, false
	}
	var sampled bool
	if hasParent && !psc.Remote && c.sampler == nil {
		sampled = psc.IsSampled()
	} else {
		s := c.sampler
		if s == nil {
			s = t.Sampler()
		}
		p := SamplingParameters{
			ParentContext:   psc,
			HasRemoteParent: hasParent && psc.Remote,
			ParentDeferred:  hasParent && c.hasRemote && c.deferred,
			TraceID:         sc.TraceID,
			SpanID:          sc.SpanID,
			Name:            name,
			Kind:            c.kind,
		}
		if c.hasAttrs {
			p.Attributes = startAttributes(opts)
		}
		sampled = s.ShouldSample(p).Sample
	}
	sc.TraceOptions = sc.TraceOptions.WithSampled(sampled)
	return sc, sampled && !t.stopped.Load()
}

func (t *Tracer) initRecord(r *spanRecord, parent *Span, c *startConfig, opts []StartOption, sc SpanContext, name string) {
	r.limits = t.currentLimits()
	r.tracer = t
	d := &r.data
	d.SpanContext = sc
	if c.newRoot {
		// no parent
	} else if c.hasRemote {
		if c.remoteParent.IsValid() {
			d.ParentSpanID = c.remoteParent.SpanID
			d.HasRemoteParent = true
		}
	} else if parent != nil && parent.sc != nil && parent.sc.IsValid() {
		d.ParentSpanID = parent.sc.SpanID
		d.HasRemoteParent = parent.sc.Remote
		if parent.rec != nil {
			parent.rec.addChild()
		}
	}
	d.Name = name
	d.Kind = c.kind
	if c.startTime.IsZero() {
		d.StartTime = now()
	} else {
		d.StartTime = c.startTime
	}
	d.Resource = t.resource
	d.Attributes = r.attrBuf[:0]
	for i := range opts {
		switch o := &opts[i]; o.kind {
		case startKindAttributes:
			r.setAttributes(o.attrs)
		case startKindLinks:
			for _, l := range o.links {
				r.addLink(l)
			}
		}
	}
}

// startAttributes copies the attributes of all WithAttributes options for a
// sampler. The copy keeps the caller's arguments from escaping to the heap
// through the Sampler interface on the common path where no sampler runs.
func startAttributes(opts []StartOption) []Attribute {
	var out []Attribute
	for i := range opts {
		if opts[i].kind == startKindAttributes {
			out = append(out, opts[i].attrs...)
		}
	}
	return out
}

// ForceFlush asks every processor to export what it holds, within ctx's
// deadline, and returns their errors joined.
func (t *Tracer) ForceFlush(ctx context.Context) error {
	if t == nil {
		return nil
	}
	if ctx == nil {
		ctx = context.Background()
	}
	var errs []error
	for _, p := range t.procs {
		if err := p.ForceFlush(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("trace: force flush: %w", err)
	}
	return nil
}

// Shutdown stops recording new spans and shuts every processor down within
// ctx's deadline, returning their errors joined. Only the first call does
// anything; later calls return the first call's result. Spans started after
// Shutdown are not recorded.
func (t *Tracer) Shutdown(ctx context.Context) error {
	if t == nil {
		return nil
	}
	if ctx == nil {
		ctx = context.Background()
	}
	t.shutdownOnce.Do(func() {
		t.stopped.Store(true)
		var errs []error
		for _, p := range t.procs {
			if err := p.Shutdown(ctx); err != nil {
				errs = append(errs, err)
			}
		}
		if err := errors.Join(errs...); err != nil {
			t.shutdownErr = fmt.Errorf("trace: shutdown: %w", err)
		}
	})
	return t.shutdownErr
}

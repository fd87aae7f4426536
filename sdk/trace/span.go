package trace

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// inlineAttributes is how many attributes a span holds before its attribute
// slice moves to the heap. Four cover an RPC span and keep the span's single
// allocation within 512 bytes, the largest size class the allocator serves
// without a per-object header (TestSampledSpanSizeClass); the next size
// class makes every span's start and end about 15% slower. More attributes
// cost one growing allocation.
const inlineAttributes = 4

// maxStackDepth bounds the stack RecordError captures.
const maxStackDepth = 32

// Span is one operation in a trace. A Span that is not recording (not
// sampled, or started by a nil Tracer) is a tiny value that only carries its
// SpanContext; every method on it, and on a nil *Span, is a no-op, so
// instrumentation never needs to check.
//
// Methods are safe for concurrent use. After End, every method except
// SpanContext and IsRecordingEvents is ignored.
type Span struct {
	rec *spanRecord  // nil when not recording
	sc  *SpanContext // never nil; inside the allocation that holds the span
}

// spanRecord is the recording state of a sampled span. The SpanData handed
// to processors is built in place, so End copies nothing.
type spanRecord struct {
	mu      sync.Mutex
	ended   atomic.Bool
	limits  *SpanLimits
	tracer  *Tracer
	events  *spanEvents // allocated by the first annotation, event or link
	data    SpanData
	attrBuf [inlineAttributes]Attribute
	// childCount is written by every child's start, so it is kept away
	// from data.SpanContext, which every child's start reads: sharing a
	// cache line would make concurrent children of one span contend.
	childCount atomic.Int32
}

// spanEvents holds the evicting lists, kept out of spanRecord so that spans
// without events stay small. The first message events are stored inline: an
// RPC span has at least two (request and response), which then cost no
// allocation beyond this struct.
type spanEvents struct {
	annotations evictQueue[Annotation]
	messages    evictQueue[MessageEvent]
	links       evictQueue[Link]
	messageBuf  [inlineMessageEvents]MessageEvent
}

// inlineMessageEvents is how many message events a span stores before its
// list moves to the heap.
const inlineMessageEvents = 2

func (r *spanRecord) lists() *spanEvents {
	if r.events == nil {
		e := new(spanEvents)
		e.messages.items = e.messageBuf[:0]
		r.events = e
	}
	return r.events
}

// addChild counts a child span started under this one. The count stops
// near math.MaxInt32 rather than wrapping: an increment past the bound is
// taken back. Adding before checking, rather than loading first, takes the
// counter's cache line once instead of twice, which is what lets children
// of one parent start in parallel on several cores.
func (r *spanRecord) addChild() {
	if r.childCount.Add(1) > math.MaxInt32-1<<20 {
		r.childCount.Add(-1)
	}
}

// now returns the current time as the start time plus the monotonic time
// elapsed since: one clock read instead of time.Now's two, and event times
// that never run backwards within a span. When the start time has no
// monotonic reading (WithStartTime), time.Since falls back to the wall clock.
// StartTime is written before the span is shared and never changes, so no
// lock is needed.
func (r *spanRecord) now() time.Time {
	start := r.data.StartTime
	return start.Add(time.Since(start))
}

// evictQueue keeps the newest limit entries, in a ring once full.
type evictQueue[T any] struct {
	items   []T
	head    int // index of the oldest entry once the ring is full
	dropped int32
}

// countDrop adds one to a drop counter, which stops at math.MaxInt32.
func countDrop(n *int32) {
	if *n < math.MaxInt32 {
		*n++
	}
}

func (q *evictQueue[T]) add(v T, limit int) {
	switch {
	case limit <= 0:
		countDrop(&q.dropped)
	case len(q.items) < limit:
		q.items = append(q.items, v)
	default:
		q.items[q.head] = v
		q.head++
		if q.head == len(q.items) {
			q.head = 0
		}
		countDrop(&q.dropped)
	}
}

// ordered returns the entries oldest first.
func (q *evictQueue[T]) ordered() []T {
	if q.head != 0 {
		reverse(q.items[:q.head])
		reverse(q.items[q.head:])
		reverse(q.items)
		q.head = 0
	}
	return q.items
}

func reverse[T any](s []T) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}

// SpanContext returns the span's identity; the zero SpanContext for a nil
// span.
func (s *Span) SpanContext() SpanContext {
	if s == nil || s.sc == nil {
		return SpanContext{}
	}
	return *s.sc
}

// IsRecordingEvents reports whether the span records data, that is, whether
// it was sampled and has not ended. Use it to skip building costly
// attributes for spans that would drop them.
func (s *Span) IsRecordingEvents() bool {
	return s != nil && s.rec != nil && !s.rec.ended.Load()
}

// lock locks the record and reports whether the span is still open; when it
// returns false nothing is locked.
func (s *Span) lock() (*spanRecord, bool) {
	if s == nil || s.rec == nil {
		return nil, false
	}
	r := s.rec
	r.mu.Lock()
	if r.ended.Load() {
		r.mu.Unlock()
		return nil, false
	}
	return r, true
}

// SetAttributes sets attributes on the span. A key the span already holds
// gets the new value; a new key beyond the attribute limit is dropped and
// counted, as is an attribute with an empty key. String values are cut to
// the value length limit, if one is set. Values are kept as given: invalid
// UTF-8 and NaN are stored unchanged and exporters sanitise them for their
// wire format.
func (s *Span) SetAttributes(attrs ...Attribute) {
	r, ok := s.lock()
	if !ok {
		return
	}
	r.setAttributes(attrs)
	r.mu.Unlock()
}

func (r *spanRecord) setAttributes(attrs []Attribute) {
	d := &r.data
	limit, vlen := r.limits.MaxAttributes, r.limits.MaxAttributeValueLength
	// Grow once for the whole call (an HTTP span sets seven attributes at
	// once), at least doubling so that one-at-a-time calls stay amortised.
	if need := len(d.Attributes) + len(attrs); need > cap(d.Attributes) && cap(d.Attributes) < limit {
		grown := make([]Attribute, len(d.Attributes), min(max(need, 2*cap(d.Attributes)), limit))
		copy(grown, d.Attributes)
		d.Attributes = grown
	}
next:
	for _, a := range attrs {
		if a.Key == "" {
			countDrop(&d.DroppedAttributeCount)
			continue
		}
		a.Value = truncateValue(a.Value, vlen)
		for i := range d.Attributes {
			if d.Attributes[i].Key == a.Key {
				d.Attributes[i].Value = a.Value
				continue next
			}
		}
		if len(d.Attributes) >= limit {
			countDrop(&d.DroppedAttributeCount)
			continue
		}
		d.Attributes = append(d.Attributes, a)
	}
}

// copyAttributes copies at most limit attributes with non-empty keys,
// applying the value length limit.
func copyAttributes(attrs []Attribute, limit, vlen int) []Attribute {
	if len(attrs) == 0 || limit <= 0 {
		return nil
	}
	out := make([]Attribute, 0, min(len(attrs), limit))
	for _, a := range attrs {
		if len(out) == limit {
			break
		}
		if a.Key == "" {
			continue
		}
		a.Value = truncateValue(a.Value, vlen)
		out = append(out, a)
	}
	return out
}

// Annotate adds a timestamped message with optional attributes. Beyond the
// annotation limit the oldest annotation is evicted and counted.
func (s *Span) Annotate(msg string, attrs ...Attribute) {
	if !s.IsRecordingEvents() {
		return
	}
	s.annotate(s.rec.now(), msg, attrs)
}

func (s *Span) annotate(now time.Time, msg string, attrs []Attribute) {
	r, ok := s.lock()
	if !ok {
		return
	}
	l := r.limits
	r.lists().annotations.add(Annotation{
		Time:       now,
		Message:    msg,
		Attributes: copyAttributes(attrs, l.MaxAttributesPerAnnotation, l.MaxAttributeValueLength),
	}, l.MaxAnnotations)
	r.mu.Unlock()
}

// Annotatef adds a message formatted with fmt.Sprintf. The message is only
// formatted when the span is recording.
func (s *Span) Annotatef(format string, args ...any) {
	if !s.IsRecordingEvents() {
		return
	}
	s.annotate(s.rec.now(), fmt.Sprintf(format, args...), nil)
}

// AddMessageSendEvent records a sent message: its id within the RPC and its
// size before and after compression (0 for "not compressed").
func (s *Span) AddMessageSendEvent(messageID, uncompressedSize, compressedSize int64) {
	s.addMessageEvent(MessageEventTypeSent, messageID, uncompressedSize, compressedSize)
}

// AddMessageReceiveEvent records a received message, as AddMessageSendEvent.
func (s *Span) AddMessageReceiveEvent(messageID, uncompressedSize, compressedSize int64) {
	s.addMessageEvent(MessageEventTypeRecv, messageID, uncompressedSize, compressedSize)
}

func (s *Span) addMessageEvent(typ MessageEventType, id, uncompressed, compressed int64) {
	s.AddMessageEvent(MessageEvent{EventType: typ, MessageID: id, UncompressedSize: uncompressed, CompressedSize: compressed})
}

// AddMessageEvent records e as AddMessageSendEvent and
// AddMessageReceiveEvent do; a zero e.Time means now. Instrumentation that
// already holds the instant of the message (the start of a unary call, or
// the end it read for the span) passes it and spares a clock read.
func (s *Span) AddMessageEvent(e MessageEvent) {
	if !s.IsRecordingEvents() {
		return
	}
	if e.Time.IsZero() {
		e.Time = s.rec.now()
	}
	r, ok := s.lock()
	if !ok {
		return
	}
	r.lists().messages.add(e, r.limits.MaxMessageEvents)
	r.mu.Unlock()
}

// StartTime returns the time the span started; the zero time for a span
// that was not sampled.
func (s *Span) StartTime() time.Time {
	if s == nil || s.rec == nil {
		return time.Time{}
	}
	return s.rec.data.StartTime // written before the span was shared, never after
}

// AddLink links the span to another span. Beyond the link limit the oldest
// link is evicted and counted. The link's attributes are copied.
func (s *Span) AddLink(l Link) {
	r, ok := s.lock()
	if !ok {
		return
	}
	r.addLink(l)
	r.mu.Unlock()
}

func (r *spanRecord) addLink(l Link) {
	l.Attributes = copyAttributes(l.Attributes, r.limits.MaxAttributesPerLink, r.limits.MaxAttributeValueLength)
	r.lists().links.add(l, r.limits.MaxLinks)
}

// SetStatus sets the span's status; the last call wins.
func (s *Span) SetStatus(st Status) {
	r, ok := s.lock()
	if !ok {
		return
	}
	r.data.Status = st
	r.mu.Unlock()
}

// SetName renames the span, for names known only after it started (an
// HTTP route, for example). An empty name is kept as is.
func (s *Span) SetName(name string) {
	r, ok := s.lock()
	if !ok {
		return
	}
	r.data.Name = name
	r.mu.Unlock()
}

// StatusCodeUnknown is the canonical code (2, UNKNOWN) RecordError sets.
const StatusCodeUnknown int32 = 2

// RecordError records err as an "exception" annotation with the attributes
// exception.type (the Go type, %T) and exception.message, and, unless the
// span already has a non-OK status or WithoutErrorStatus is given, sets the
// status to UNKNOWN with err's message. With WithStackTrace(true), or when
// the tracer was built WithErrorStackTraces(true), the caller's stack is
// captured into SpanData.StackTrace (the first recorded error's stack is
// kept). A nil err does nothing.
func (s *Span) RecordError(err error, opts ...ErrorOption) {
	if err == nil || !s.IsRecordingEvents() {
		return
	}
	now := s.rec.now()
	var noStatus bool
	stack := s.rec.tracer.errorStacks
	for _, o := range opts {
		if o.stack != 0 {
			stack = o.stack > 0
		}
		noStatus = noStatus || o.noStatus
	}
	msg := err.Error()
	var pcs []uintptr
	if stack {
		pcs = make([]uintptr, maxStackDepth)
		pcs = pcs[:runtime.Callers(2, pcs)]
	}
	r, ok := s.lock()
	if !ok {
		return
	}
	l := r.limits
	attrs := [2]Attribute{
		StringAttribute("exception.type", fmt.Sprintf("%T", err)),
		StringAttribute("exception.message", msg),
	}
	r.lists().annotations.add(Annotation{
		Time:       now,
		Message:    "exception",
		Attributes: copyAttributes(attrs[:], l.MaxAttributesPerAnnotation, l.MaxAttributeValueLength),
	}, l.MaxAnnotations)
	if !noStatus && r.data.Status.Code == 0 {
		r.data.Status = Status{Code: StatusCodeUnknown, Message: msg}
	}
	if pcs != nil && r.data.StackTrace == nil {
		r.data.StackTrace = pcs
	}
	r.mu.Unlock()
}

// End ends the span and hands its SpanData to the tracer's span processors.
// Only the first call has an effect; later calls, and calls on a span that
// is not recording, return at once. End never blocks on export unless a
// processor was configured to (WithSyncer, or WithBlocking).
func (s *Span) End(opts ...EndOption) {
	if s == nil || s.rec == nil || s.rec.ended.Load() {
		return
	}
	var end time.Time
	for _, o := range opts {
		if !o.time.IsZero() {
			end = o.time
		}
	}
	if end.IsZero() {
		end = s.rec.now()
	}
	r := s.rec
	r.mu.Lock()
	if r.ended.Load() {
		r.mu.Unlock()
		return
	}
	r.ended.Store(true)
	d := &r.data
	d.EndTime = end
	if e := r.events; e != nil {
		d.Annotations, d.DroppedAnnotationCount = e.annotations.ordered(), e.annotations.dropped
		d.MessageEvents, d.DroppedMessageEventCount = e.messages.ordered(), e.messages.dropped
		if len(d.MessageEvents) == 0 {
			d.MessageEvents = nil // as for attributes below
		} else {
			d.MessageEvents = d.MessageEvents[:len(d.MessageEvents):len(d.MessageEvents)]
		}
		d.Links, d.DroppedLinkCount = e.links.ordered(), e.links.dropped
	}
	if len(d.Attributes) == 0 {
		d.Attributes = nil // do not hand out the inline buffer's capacity
	}
	d.ChildSpanCount = r.childCount.Load()
	r.mu.Unlock()
	for _, p := range r.tracer.procs {
		p.OnEnd(d)
	}
}

// spanKey is the context key of the current span. Local spans and remote
// span contexts share it, so the one set last wins.
type spanKey struct{}

// FromContext returns the span in ctx, or nil when there is none (a remote
// span context stored with ContextWithRemoteSpanContext is not a span; read
// it with SpanContextFromContext). A nil ctx has no span.
func FromContext(ctx context.Context) *Span {
	s := spanFromContext(ctx)
	if s != nil && s.rec == nil && s.sc != nil && s.sc.Remote {
		return nil
	}
	return s
}

func spanFromContext(ctx context.Context) *Span {
	if ctx == nil {
		return nil
	}
	s, _ := ctx.Value(spanKey{}).(*Span)
	return s
}

// SpanContextFromContext returns the SpanContext of the span in ctx, or the
// remote span context stored with ContextWithRemoteSpanContext, whichever
// was set last; the zero SpanContext when there is neither.
func SpanContextFromContext(ctx context.Context) SpanContext {
	return spanFromContext(ctx).SpanContext()
}

// NewContext returns a copy of ctx carrying s as the current span. A nil s
// hides any span in ctx, so spans started from the result are roots. A nil
// ctx is treated as context.Background().
func NewContext(ctx context.Context, s *Span) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	return &spanValueCtx{Context: ctx, span: s}
}

// ContextWithRemoteSpanContext returns a copy of ctx carrying sc, received
// from another process, as the parent of the next span started from it.
// Propagators and server interceptors call it. It hides any span already in
// ctx; an invalid sc makes the next span a root.
func ContextWithRemoteSpanContext(ctx context.Context, sc SpanContext) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	n := &SpanNode{parentContext: ctx, sc: sc}
	n.sc.Remote = true
	n.span.sc = &n.sc
	return n
}

// SpanNode holds a span together with the context that carries it, for
// instrumentation that allocates state per operation anyway (an RPC
// interceptor's per-call record): embedding a SpanNode in that state and
// starting the span with Tracer.StartIn spares the allocation Start makes
// for the context and, when the span is not sampled, the span itself.
//
// A SpanNode is a context.Context only once started. Start it once, and do
// not copy it afterwards (go vet reports copies): the span refers to memory
// inside it. A type embedding SpanNode may override Value to answer its own
// keys, deferring to the SpanNode's Value for the rest.
type SpanNode struct {
	_ noCopy
	parentContext
	span Span
	sc   SpanContext
}

// parentContext names the context a SpanNode defers to. Embedded under this
// unexported name, its methods are the node's while the field stays out of
// users' reach, so a SpanNode cannot be half set up by a literal.
type parentContext = context.Context

// Value implements context.Context: the node answers for its span and defers
// to the context it was started from for every other key.
func (n *SpanNode) Value(key any) any {
	if _, ok := key.(spanKey); ok {
		return &n.span
	}
	return n.parentContext.Value(key)
}

// Span returns the span started in n; nil before StartIn.
func (n *SpanNode) Span() *Span {
	if n.span.sc == nil {
		return nil
	}
	return &n.span
}

// noCopy makes go vet's copylocks check report copies of the struct holding
// it.
type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}

type spanValueCtx struct {
	context.Context
	span *Span
}

func (c *spanValueCtx) Value(key any) any {
	if _, ok := key.(spanKey); ok {
		return c.span
	}
	return c.Context.Value(key)
}

// sampledCtx is the context node Tracer.Start returns for a recording span:
// node, span and record in one allocation. A span that is not recording (and
// a remote span context) gets a SpanNode.
type sampledCtx struct {
	context.Context
	span Span
	rec  spanRecord
}

func (c *sampledCtx) Value(key any) any {
	if _, ok := key.(spanKey); ok {
		return &c.span
	}
	return c.Context.Value(key)
}

// recordingSpan and plainSpan are the allocation units of StartSpan, which
// has no context.
type recordingSpan struct {
	span Span
	rec  spanRecord
}

type plainSpan struct {
	span Span
	sc   SpanContext
}

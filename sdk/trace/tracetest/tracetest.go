package tracetest

import (
	"context"
	"encoding/binary"
	"errors"
	"sync"

	"github.com/gocensus/gocensus/sdk/trace"
)

// ErrExporterShutdown is returned by InMemoryExporter.ExportSpans after
// Shutdown.
var ErrExporterShutdown = errors.New("tracetest: exporter is shut down")

// InMemoryExporter is a trace.SpanExporter that keeps deep copies of the
// spans it receives. It is safe for concurrent use. The zero value is ready.
type InMemoryExporter struct {
	mu      sync.Mutex
	spans   []*trace.SpanData
	stopped bool
	added   chan struct{} // closed and cleared by the next export; nil when nobody waits
}

// NewInMemoryExporter returns an empty InMemoryExporter.
func NewInMemoryExporter() *InMemoryExporter { return &InMemoryExporter{} }

// ExportSpans stores copies of spans. After Shutdown it stores nothing and
// returns ErrExporterShutdown.
func (e *InMemoryExporter) ExportSpans(ctx context.Context, spans []*trace.SpanData) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.stopped {
		return ErrExporterShutdown
	}
	for _, s := range spans {
		if s != nil {
			e.spans = append(e.spans, Clone(s))
		}
	}
	if e.added != nil {
		close(e.added)
		e.added = nil
	}
	return nil
}

// Shutdown makes later exports fail; the stored spans stay readable.
func (e *InMemoryExporter) Shutdown(context.Context) error {
	e.mu.Lock()
	e.stopped = true
	e.mu.Unlock()
	return nil
}

// GetSpans returns copies of the stored spans in the order received.
func (e *InMemoryExporter) GetSpans() []*trace.SpanData {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.copiesLocked()
}

func (e *InMemoryExporter) copiesLocked() []*trace.SpanData {
	out := make([]*trace.SpanData, len(e.spans))
	for i, s := range e.spans {
		out[i] = Clone(s)
	}
	return out
}

// WaitForSpans returns copies of the stored spans once there are at least n,
// or, when ctx is done first, the spans stored so far and ctx's error. Tests
// use it for spans that end on another goroutine after the code under test
// returns: a gRPC server span ended by a stats handler, for example, ends
// after the client has received its response.
func (e *InMemoryExporter) WaitForSpans(ctx context.Context, n int) ([]*trace.SpanData, error) {
	for {
		e.mu.Lock()
		if len(e.spans) >= n {
			out := e.copiesLocked()
			e.mu.Unlock()
			return out, nil
		}
		if e.added == nil {
			e.added = make(chan struct{})
		}
		added := e.added
		e.mu.Unlock()
		select {
		case <-added:
		case <-ctx.Done():
			return e.GetSpans(), ctx.Err()
		}
	}
}

// Reset forgets the stored spans.
func (e *InMemoryExporter) Reset() {
	e.mu.Lock()
	e.spans = nil
	e.mu.Unlock()
}

// Clone returns a deep copy of s (the Resource pointer is shared, since
// resources are immutable).
func Clone(s *trace.SpanData) *trace.SpanData {
	if s == nil {
		return nil
	}
	c := *s
	c.Attributes = cloneAttrs(s.Attributes)
	if s.Annotations != nil {
		c.Annotations = make([]trace.Annotation, len(s.Annotations))
		for i, a := range s.Annotations {
			a.Attributes = cloneAttrs(a.Attributes)
			c.Annotations[i] = a
		}
	}
	if s.MessageEvents != nil {
		c.MessageEvents = append([]trace.MessageEvent(nil), s.MessageEvents...)
	}
	if s.Links != nil {
		c.Links = make([]trace.Link, len(s.Links))
		for i, l := range s.Links {
			l.Attributes = cloneAttrs(l.Attributes)
			c.Links[i] = l
		}
	}
	if s.StackTrace != nil {
		c.StackTrace = append([]uintptr(nil), s.StackTrace...)
	}
	return &c
}

func cloneAttrs(a []trace.Attribute) []trace.Attribute {
	if a == nil {
		return nil
	}
	return append([]trace.Attribute(nil), a...)
}

// SpanRecorder is a trace.SpanProcessor that records every span that starts
// and the SpanData of every span that ends. It is safe for concurrent use;
// the zero value is ready.
type SpanRecorder struct {
	mu      sync.Mutex
	started []*trace.Span
	ended   []*trace.SpanData
}

// NewSpanRecorder returns an empty SpanRecorder.
func NewSpanRecorder() *SpanRecorder { return &SpanRecorder{} }

// OnStart records s.
func (r *SpanRecorder) OnStart(_ context.Context, s *trace.Span) {
	r.mu.Lock()
	r.started = append(r.started, s)
	r.mu.Unlock()
}

// OnEnd records s.
func (r *SpanRecorder) OnEnd(s *trace.SpanData) {
	r.mu.Lock()
	r.ended = append(r.ended, s)
	r.mu.Unlock()
}

// ForceFlush does nothing.
func (r *SpanRecorder) ForceFlush(context.Context) error { return nil }

// Shutdown does nothing; the recorder keeps recording.
func (r *SpanRecorder) Shutdown(context.Context) error { return nil }

// Started returns the spans started so far, in start order.
func (r *SpanRecorder) Started() []*trace.Span {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*trace.Span(nil), r.started...)
}

// Ended returns the SpanData of the spans ended so far, in end order. The
// SpanData values are shared and must not be modified.
func (r *SpanRecorder) Ended() []*trace.SpanData {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*trace.SpanData(nil), r.ended...)
}

// Reset forgets everything recorded.
func (r *SpanRecorder) Reset() {
	r.mu.Lock()
	r.started, r.ended = nil, nil
	r.mu.Unlock()
}

// SequentialIDGenerator is a trace.IDGenerator handing out predictable ids:
// trace ids 1, 2, 3... and span ids 1, 2, 3... (big-endian). Use it only
// where reproducible output matters more than uniqueness across processes.
type SequentialIDGenerator struct {
	mu          sync.Mutex
	trace, span uint64
}

// NewSequentialIDGenerator returns a generator starting at 1.
func NewSequentialIDGenerator() *SequentialIDGenerator { return &SequentialIDGenerator{} }

// NewIDs returns the next trace id and span id.
func (g *SequentialIDGenerator) NewIDs() (trace.TraceID, trace.SpanID) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.trace++
	var t trace.TraceID
	binary.BigEndian.PutUint64(t[8:], g.trace)
	return t, g.nextSpanLocked()
}

// NewSpanID returns the next span id.
func (g *SequentialIDGenerator) NewSpanID(trace.TraceID) trace.SpanID {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.nextSpanLocked()
}

func (g *SequentialIDGenerator) nextSpanLocked() trace.SpanID {
	g.span++
	var s trace.SpanID
	binary.BigEndian.PutUint64(s[:], g.span)
	return s
}

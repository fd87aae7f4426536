package trace

import "slices"

// Name returns the span's current name, so that a SpanProcessor can file a
// running span in OnStart without copying it; "" for a span that is not
// recording.
func (s *Span) Name() string {
	if s == nil || s.rec == nil {
		return ""
	}
	r := s.rec
	r.mu.Lock()
	name := r.data.Name
	r.mu.Unlock()
	return name
}

// Snapshot returns a copy of what a running span has recorded so far, for
// debug pages that show spans before they end. The copy shares nothing
// mutable with the span: its slices are fresh and annotations, message
// events and links are oldest first. EndTime is zero. It reports false, and
// returns the zero SpanData, for a span that is not recording or has ended
// (processors receive ended spans in OnEnd).
func (s *Span) Snapshot() (SpanData, bool) {
	r, ok := s.lock()
	if !ok {
		return SpanData{}, false
	}
	d := r.data
	d.Attributes = slices.Clone(r.data.Attributes)
	d.StackTrace = slices.Clone(r.data.StackTrace)
	if e := r.events; e != nil {
		d.Annotations, d.DroppedAnnotationCount = e.annotations.snapshot(), e.annotations.dropped
		d.MessageEvents, d.DroppedMessageEventCount = e.messages.snapshot(), e.messages.dropped
		d.Links, d.DroppedLinkCount = e.links.snapshot(), e.links.dropped
	}
	d.ChildSpanCount = r.childCount.Load()
	r.mu.Unlock()
	return d, true
}

// snapshot returns a copy of the entries, oldest first, leaving the ring as
// it is.
func (q *evictQueue[T]) snapshot() []T {
	if len(q.items) == 0 {
		return nil
	}
	out := make([]T, 0, len(q.items))
	out = append(out, q.items[q.head:]...)
	return append(out, q.items[:q.head]...)
}

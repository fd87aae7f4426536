package zpages

import (
	"context"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gocensus/gocensus/sdk/trace"
)

// LatencyBounds are the upper bounds of the latency buckets of completed
// spans, those of OpenCensus zpages: [0, 10µs), [10µs, 100µs), ...,
// [10s, 100s), and a last bucket [100s, ∞).
var LatencyBounds = [...]time.Duration{
	10 * time.Microsecond,
	100 * time.Microsecond,
	time.Millisecond,
	10 * time.Millisecond,
	100 * time.Millisecond,
	time.Second,
	10 * time.Second,
	100 * time.Second,
}

// numBuckets counts the latency buckets.
const numBuckets = len(LatencyBounds) + 1

// bucketOf returns the latency bucket of d.
func bucketOf(d time.Duration) int {
	for i, b := range LatencyBounds {
		if d < b {
			return i
		}
	}
	return len(LatencyBounds)
}

// ring keeps the newest len(items) span samples.
type ring struct {
	items []*trace.SpanData
	next  int // where the next sample goes
	full  bool
}

func (r *ring) add(s *trace.SpanData) {
	if len(r.items) == 0 {
		return
	}
	r.items[r.next] = s
	r.next++
	if r.next == len(r.items) {
		r.next, r.full = 0, true
	}
}

// newestFirst copies the samples out, newest first.
func (r *ring) newestFirst() []*trace.SpanData {
	n := r.next
	if r.full {
		n = len(r.items)
	}
	out := make([]*trace.SpanData, 0, n)
	for i := 1; i <= n; i++ {
		out = append(out, r.items[(r.next-i+len(r.items))%len(r.items)])
	}
	return out
}

// nameStats is everything kept for one span name. The overflow entry,
// shared by names beyond the cap, keeps counts but no samples.
type nameStats struct {
	name    string
	running atomic.Int64

	mu          sync.Mutex
	counts      [numBuckets]uint64 // completed without error, by latency
	errors      uint64             // completed with a non-OK status
	samples     [numBuckets]ring
	errSamples  ring
	runningHeld int           // non-nil entries of runningSpans
	runningKept []*trace.Span // running spans kept for details; nil entries are free
}

func newNameStats(name string, samples, running int) *nameStats {
	ns := &nameStats{name: name}
	if samples > 0 {
		for i := range ns.samples {
			ns.samples[i].items = make([]*trace.SpanData, samples)
		}
		ns.errSamples.items = make([]*trace.SpanData, samples)
	}
	if running > 0 {
		ns.runningKept = make([]*trace.Span, running)
	}
	return ns
}

// spanKey identifies a running span.
type spanKey struct {
	t trace.TraceID
	s trace.SpanID
}

// runRef is what OnEnd needs to undo OnStart: the entry that counted the
// span (by its name at start, which SetName may have changed since) and the
// slot holding it, or -1.
type runRef struct {
	ns   *nameStats
	slot int
}

// numShards spreads running spans over locks.
const numShards = 16

type runShard struct {
	mu sync.Mutex
	m  map[spanKey]runRef
	_  [40]byte // keep shards on separate cache lines
}

// spanStore is the span processor side of a Handler.
type spanStore struct {
	maxNames, samples, running int

	stopped atomic.Bool

	mu       sync.RWMutex
	names    map[string]*nameStats
	overflow *nameStats
	// overflowNames counts distinct names refused, up to a bound, so the
	// page can say how many there were without keeping them all.
	overflowNames map[string]struct{}

	shards [numShards]runShard
}

// maxOverflowNamesTracked bounds the set used to count refused names.
const maxOverflowNamesTracked = 10000

func newSpanStore(maxNames, samples, running int) *spanStore {
	st := &spanStore{
		maxNames: maxNames, samples: samples, running: running,
		names:         make(map[string]*nameStats),
		overflow:      newNameStats("", 0, 0),
		overflowNames: make(map[string]struct{}),
	}
	for i := range st.shards {
		st.shards[i].m = make(map[spanKey]runRef)
	}
	return st
}

// entry returns the stats of name, creating them while under the cap.
func (st *spanStore) entry(name string) *nameStats {
	st.mu.RLock()
	ns := st.names[name]
	st.mu.RUnlock()
	if ns != nil {
		return ns
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if ns = st.names[name]; ns != nil {
		return ns
	}
	if len(st.names) >= st.maxNames {
		if len(st.overflowNames) < maxOverflowNamesTracked {
			st.overflowNames[name] = struct{}{}
		}
		return st.overflow
	}
	ns = newNameStats(name, st.samples, st.running)
	st.names[name] = ns
	return ns
}

func (st *spanStore) shard(k spanKey) *runShard { return &st.shards[k.s[7]%numShards] }

func (st *spanStore) onStart(s *trace.Span) {
	if st.stopped.Load() {
		return
	}
	ns := st.entry(s.Name())
	ns.running.Add(1)
	slot := -1
	if len(ns.runningKept) > 0 {
		ns.mu.Lock()
		if ns.runningHeld < len(ns.runningKept) {
			slot = slices.Index(ns.runningKept, nil)
			ns.runningKept[slot] = s
			ns.runningHeld++
		}
		ns.mu.Unlock()
	}
	sc := s.SpanContext()
	k := spanKey{sc.TraceID, sc.SpanID}
	sh := st.shard(k)
	sh.mu.Lock()
	sh.m[k] = runRef{ns: ns, slot: slot}
	sh.mu.Unlock()
}

func (st *spanStore) onEnd(d *trace.SpanData) {
	if d == nil || st.stopped.Load() {
		return
	}
	k := spanKey{d.TraceID, d.SpanID}
	sh := st.shard(k)
	sh.mu.Lock()
	ref, ok := sh.m[k]
	if ok {
		delete(sh.m, k)
	}
	sh.mu.Unlock()
	if ok {
		ref.ns.running.Add(-1)
		if ref.slot >= 0 {
			ref.ns.mu.Lock()
			// Shutdown may have emptied the slot meanwhile.
			if ref.ns.runningKept[ref.slot] != nil {
				ref.ns.runningKept[ref.slot] = nil
				ref.ns.runningHeld--
			}
			ref.ns.mu.Unlock()
		}
	}

	ns := st.entry(d.Name)
	ns.mu.Lock()
	if d.Status.Code != 0 {
		ns.errors++
		ns.errSamples.add(d)
	} else {
		b := bucketOf(d.EndTime.Sub(d.StartTime))
		ns.counts[b]++
		ns.samples[b].add(d)
	}
	ns.mu.Unlock()
}

// shutdown stops recording and lets go of the running spans.
func (st *spanStore) shutdown() {
	if st.stopped.Swap(true) {
		return
	}
	for i := range st.shards {
		sh := &st.shards[i]
		sh.mu.Lock()
		clear(sh.m)
		sh.mu.Unlock()
	}
	st.mu.RLock()
	defer st.mu.RUnlock()
	for _, ns := range st.names {
		ns.mu.Lock()
		clear(ns.runningKept)
		ns.runningHeld = 0
		ns.running.Store(0)
		ns.mu.Unlock()
	}
	st.overflow.running.Store(0)
}

// summary is one row of the tracez summary: the counts kept for a span
// name.
type summary struct {
	Name string
	// Running counts spans started and not yet ended.
	Running int64
	// Latency counts spans that ended with an OK status, by latency bucket
	// (see LatencyBounds).
	Latency [numBuckets]uint64
	// Errors counts spans that ended with a non-OK status.
	Errors uint64
}

// summaries returns a row per name, sorted, and the overflow row.
func (st *spanStore) summaries() (rows []summary, overflow summary, overflowNames int) {
	st.mu.RLock()
	all := make([]*nameStats, 0, len(st.names))
	for _, ns := range st.names {
		all = append(all, ns)
	}
	overflowNames = len(st.overflowNames)
	st.mu.RUnlock()
	sort.Slice(all, func(i, j int) bool { return all[i].name < all[j].name })
	rows = make([]summary, len(all))
	for i, ns := range all {
		rows[i] = ns.summary()
	}
	return rows, st.overflow.summary(), overflowNames
}

func (ns *nameStats) summary() summary {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	return summary{Name: ns.name, Running: max(ns.running.Load(), 0), Latency: ns.counts, Errors: ns.errors}
}

// sampleKind selects the spans of a detail view.
type sampleKind int

const (
	kindRunning sampleKind = iota
	kindLatency
	kindError
)

// samples returns the kept spans of name: running ones as snapshots,
// completed ones newest first.
func (st *spanStore) samplesOf(name string, kind sampleKind, bucket int) []*trace.SpanData {
	st.mu.RLock()
	ns := st.names[name]
	st.mu.RUnlock()
	if ns == nil {
		return nil
	}
	switch kind {
	case kindRunning:
		ns.mu.Lock()
		live := make([]*trace.Span, 0, len(ns.runningKept))
		for _, s := range ns.runningKept {
			if s != nil {
				live = append(live, s)
			}
		}
		ns.mu.Unlock()
		out := make([]*trace.SpanData, 0, len(live))
		for _, s := range live {
			if d, ok := s.Snapshot(); ok {
				out = append(out, &d)
			}
		}
		// Longest running first.
		sort.Slice(out, func(i, j int) bool { return out[i].StartTime.Before(out[j].StartTime) })
		return out
	case kindLatency:
		if bucket < 0 || bucket >= numBuckets {
			return nil
		}
		ns.mu.Lock()
		defer ns.mu.Unlock()
		return ns.samples[bucket].newestFirst()
	case kindError:
		ns.mu.Lock()
		defer ns.mu.Unlock()
		return ns.errSamples.newestFirst()
	}
	return nil
}

// OnStart counts s as running under its current name and keeps it for the
// details page while its name has room. It never blocks for long: it takes
// a few short locks and allocates nothing once the name is known.
func (h *Handler) OnStart(_ context.Context, s *trace.Span) { h.spans.onStart(s) }

// OnEnd moves s from running to its latency bucket (or to the errors, for
// a non-OK status) under its final name, keeping it as a sample in place of
// the oldest one.
func (h *Handler) OnEnd(s *trace.SpanData) { h.spans.onEnd(s) }

// ForceFlush returns nil at once: nothing is buffered.
func (h *Handler) ForceFlush(context.Context) error { return nil }

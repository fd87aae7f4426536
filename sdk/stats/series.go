package stats

import (
	"context"
	"maps"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gocensus/gocensus/sdk/tag"
	"github.com/gocensus/gocensus/sdk/trace"
)

// OverflowLabelValue is the value of every label of a view's overflow
// series: once a view holds its maximum number of tag tuples (see
// WithMaxTimeSeries), measurements with a new tuple are aggregated there
// instead, and counted in the OverflowMetricName metric.
const OverflowLabelValue = "_overflow_"

// OverflowMetricName names the cumulative int64 metric, labelled by "view",
// that counts measurements diverted into each view's overflow series. It is
// exported only once some view has overflowed.
const OverflowMetricName = "gocensus.io/stats/overflow_count"

// Key bytes that end a present tag value and mark an absent one. Tag
// values are printable ASCII, so neither can occur inside a value.
const (
	keyAbsent  = 0x00
	keyPresent = 0x01
)

// series is the aggregate of one tag tuple. Every field is updated with
// atomics, so recorders on different cores never take a lock.
type series struct {
	labels []LabelValue
	i      atomic.Int64  // count, int64 sum or int64 last value
	f      atomic.Uint64 // float64 bits of the sum or last value
	set    atomic.Bool   // a last value has been stored
	dist   *distSeries
}

type distSeries struct {
	buckets []atomic.Int64
	sum     atomic.Uint64 // float64 bits
	// sumSq is the sum of (x-shift)², with shift the series' first value:
	// near the mean, it keeps the sum of squared deviation precise when
	// the variance is small against the mean (the shifted-data method).
	sumSq     atomic.Uint64 // float64 bits
	shift     float64
	exemplars []atomic.Pointer[exemplar]
}

// exemplar is the compact form kept per bucket; the attachment map is
// built when the metric is read.
type exemplar struct {
	value  float64
	time   time.Time
	tid    trace.TraceID // zero unless recorded in a sampled span
	sid    trace.SpanID
	attach map[string]string
}

func addFloat(p *atomic.Uint64, v float64) {
	for {
		old := p.Load()
		if p.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return
		}
	}
}

// viewState is a registered view in one manager.
type viewState struct {
	def       viewDef
	mgr       *Manager
	start     time.Time
	maxSeries int

	read atomic.Pointer[map[string]*series] // immutable once published
	full atomic.Bool                        // read holds maxSeries tuples

	mu     sync.Mutex
	dirty  map[string]*series // superset of read, or nil when read is complete
	misses int
	n      int // distinct tuples stored

	overflow   *series
	overflowed atomic.Int64
}

func newViewState(m *Manager, def viewDef, start time.Time, maxSeries int) *viewState {
	v := &viewState{def: def, mgr: m, start: start, maxSeries: maxSeries}
	labels := make([]LabelValue, len(def.keys))
	for i := range labels {
		labels[i] = LabelValue{Value: OverflowLabelValue, Present: true}
	}
	v.overflow = v.newSeries(labels, 0)
	return v
}

// newSeries makes the aggregate for one tuple; first is the first value
// it will hold.
func (v *viewState) newSeries(labels []LabelValue, first float64) *series {
	s := &series{labels: labels}
	if v.def.agg == AggTypeDistribution {
		n := len(v.def.bounds) + 1
		s.dist = &distSeries{
			buckets:   make([]atomic.Int64, n),
			exemplars: make([]atomic.Pointer[exemplar], n),
		}
		if !math.IsInf(first, 0) && !math.IsNaN(first) {
			s.dist.shift = first
		}
	}
	return s
}

// exemplarSource gives distribution views the exemplar for the current
// recording, looking the span up at most once per Record call. Nothing is
// allocated unless the span is sampled or attachments were given.
type exemplarSource struct {
	ctx    context.Context
	attach map[string]string
	mgr    *Manager
	state  uint8 // exemplarUnknown, exemplarNone or exemplarKeep
	tid    trace.TraceID
	sid    trace.SpanID
	t      time.Time
}

const (
	exemplarUnknown = iota
	exemplarNone
	exemplarKeep
)

func (e *exemplarSource) get(value float64) *exemplar {
	switch e.state {
	case exemplarNone:
		return nil
	case exemplarUnknown:
		e.state = exemplarNone
		if e.ctx != nil {
			if sc := trace.SpanContextFromContext(e.ctx); sc.IsSampled() && sc.IsValid() {
				e.tid, e.sid = sc.TraceID, sc.SpanID
				e.state = exemplarKeep
			}
		}
		if len(e.attach) > 0 {
			e.state = exemplarKeep
		}
		if e.state == exemplarNone {
			return nil
		}
		e.t = e.mgr.now()
	}
	return &exemplar{value: value, time: e.t, tid: e.tid, sid: e.sid, attach: e.attach}
}

// record aggregates one measurement under the tuple of tags for v's keys.
func (v *viewState) record(tags *tag.Map, m Measurement, ex *exemplarSource) {
	var buf [256]byte
	key := buf[:0]
	for _, k := range v.def.keys {
		if val, ok := tags.Value(k); ok {
			key = append(key, val...)
			key = append(key, keyPresent)
		} else {
			key = append(key, keyAbsent)
		}
	}
	s := v.lookup(key, tags, m)
	switch v.def.agg {
	case AggTypeCount:
		s.i.Add(1)
	case AggTypeSum:
		if m.d.isInt {
			s.i.Add(int64(m.bits))
		} else {
			addFloat(&s.f, math.Float64frombits(m.bits))
		}
	case AggTypeLastValue:
		if m.d.isInt {
			s.i.Store(int64(m.bits))
		} else {
			s.f.Store(m.bits)
		}
		s.set.Store(true)
	case AggTypeDistribution:
		x := m.Value()
		d := s.dist
		b := bucketIndex(v.def.bounds, x)
		addFloat(&d.sum, x)
		dx := x - d.shift
		addFloat(&d.sumSq, dx*dx)
		d.buckets[b].Add(1)
		if e := ex.get(x); e != nil {
			d.exemplars[b].Store(e)
		}
	}
}

// bucketIndex returns the first i with x < bounds[i], or len(bounds).
func bucketIndex(bounds []float64, x float64) int {
	if len(bounds) <= 8 {
		for i, b := range bounds {
			if x < b {
				return i
			}
		}
		return len(bounds)
	}
	i, j := 0, len(bounds)
	for i < j {
		h := int(uint(i+j) >> 1)
		if !(x < bounds[h]) {
			i = h + 1
		} else {
			j = h
		}
	}
	return i
}

// lookup returns the series for key, creating it from tags or diverting to
// the overflow series when the view is full. The common case, a known
// tuple, is one atomic load and one map read with no lock.
func (v *viewState) lookup(key []byte, tags *tag.Map, m Measurement) *series {
	if rp := v.read.Load(); rp != nil {
		if s := (*rp)[string(key)]; s != nil {
			return s
		}
	}
	if v.full.Load() {
		v.overflowed.Add(1)
		return v.overflow
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	var read map[string]*series
	if rp := v.read.Load(); rp != nil {
		read = *rp
		if s := read[string(key)]; s != nil {
			return s
		}
	}
	if v.dirty != nil {
		if s := v.dirty[string(key)]; s != nil {
			v.missLocked()
			return s
		}
	}
	if v.n >= v.maxSeries {
		if v.dirty != nil {
			v.promoteLocked()
		}
		v.full.Store(true)
		v.overflowed.Add(1)
		return v.overflow
	}
	labels := make([]LabelValue, len(v.def.keys))
	for i, k := range v.def.keys {
		labels[i].Value, labels[i].Present = tags.Value(k)
	}
	s := v.newSeries(labels, m.Value())
	if v.dirty == nil {
		v.dirty = make(map[string]*series, len(read)+1)
		maps.Copy(v.dirty, read)
	}
	v.dirty[string(key)] = s
	v.n++
	v.missLocked()
	return s
}

// missLocked counts a lookup that needed the lock and publishes the dirty
// map once such lookups have cost about as much as copying it, so each
// tuple costs amortised O(1) and the read map soon holds every tuple.
func (v *viewState) missLocked() {
	v.misses++
	if v.misses >= len(v.dirty) {
		v.promoteLocked()
	}
}

func (v *viewState) promoteLocked() {
	m := v.dirty
	v.read.Store(&m)
	v.dirty = nil
	v.misses = 0
}

// snapshotSeries returns the stored series sorted by key, and the overflow
// series if it was used.
func (v *viewState) snapshotSeries() []*series {
	v.mu.Lock()
	m := v.dirty
	if m == nil {
		if rp := v.read.Load(); rp != nil {
			m = *rp
		}
	}
	keys := slices.Sorted(maps.Keys(m))
	out := make([]*series, 0, len(keys)+1)
	for _, k := range keys {
		out = append(out, m[k])
	}
	v.mu.Unlock()
	if v.overflowed.Load() > 0 {
		out = append(out, v.overflow)
	}
	return out
}

// metric builds the view's current state.
func (v *viewState) metric(now time.Time) *Metric {
	d := &v.def
	md := &Metric{Descriptor: Descriptor{Name: d.name, Description: d.description, Unit: d.measure.unit}}
	md.Descriptor.LabelKeys = make([]LabelKey, len(d.keys))
	for i, k := range d.keys {
		md.Descriptor.LabelKeys[i] = LabelKey{Key: k.Name()}
	}
	switch d.agg {
	case AggTypeCount:
		md.Descriptor.Type = TypeCumulativeInt64
		md.Descriptor.Unit = "1"
	case AggTypeSum:
		md.Descriptor.Type = TypeCumulativeFloat64
		if d.measure.isInt {
			md.Descriptor.Type = TypeCumulativeInt64
		}
	case AggTypeLastValue:
		md.Descriptor.Type = TypeGaugeFloat64
		if d.measure.isInt {
			md.Descriptor.Type = TypeGaugeInt64
		}
	case AggTypeDistribution:
		md.Descriptor.Type = TypeCumulativeDistribution
	}
	all := v.snapshotSeries()
	md.TimeSeries = make([]*TimeSeries, 0, len(all))
	for _, s := range all {
		ts := &TimeSeries{LabelValues: slices.Clone(s.labels)}
		if md.Descriptor.Type.IsCumulative() {
			ts.StartTime = v.start
		}
		p := Point{Time: now}
		switch md.Descriptor.Type {
		case TypeCumulativeInt64:
			p.Int64Value = s.i.Load()
		case TypeCumulativeFloat64:
			p.Float64Value = math.Float64frombits(s.f.Load())
		case TypeGaugeInt64:
			if !s.set.Load() {
				continue
			}
			p.Int64Value = s.i.Load()
		case TypeGaugeFloat64:
			if !s.set.Load() {
				continue
			}
			p.Float64Value = math.Float64frombits(s.f.Load())
		case TypeCumulativeDistribution:
			p.Distribution = s.dist.snapshot(d.bounds)
		}
		ts.Points = []Point{p}
		md.TimeSeries = append(md.TimeSeries, ts)
	}
	return md
}

func (d *distSeries) snapshot(bounds []float64) *DistributionValue {
	out := &DistributionValue{
		BucketBounds: slices.Clone(bounds),
		Buckets:      make([]Bucket, len(d.buckets)),
	}
	for i := range d.buckets {
		c := d.buckets[i].Load()
		out.Buckets[i].Count = c
		out.Count += c
		if e := d.exemplars[i].Load(); e != nil {
			out.Buckets[i].Exemplar = e.export()
		}
	}
	out.Sum = math.Float64frombits(d.sum.Load())
	if out.Count > 0 {
		n := float64(out.Count)
		dev := out.Sum - n*d.shift
		sq := math.Float64frombits(d.sumSq.Load())
		out.SumOfSquaredDeviation = max(0, sq-dev*dev/n)
	}
	return out
}

func (e *exemplar) export() *Exemplar {
	x := &Exemplar{Value: e.value, Time: e.time}
	n := len(e.attach)
	if e.tid.IsValid() {
		n += 2
	}
	if n == 0 {
		return x
	}
	x.Attachments = make(map[string]string, n)
	maps.Copy(x.Attachments, e.attach)
	if e.tid.IsValid() {
		x.Attachments[AttachmentKeyTraceID] = e.tid.String()
		x.Attachments[AttachmentKeySpanID] = e.sid.String()
	}
	return x
}

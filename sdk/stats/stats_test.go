package stats_test

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gocensus/gocensus/internal/testkit"
	"github.com/gocensus/gocensus/sdk/resource"
	"github.com/gocensus/gocensus/sdk/stats"
	"github.com/gocensus/gocensus/sdk/stats/statstest"
	"github.com/gocensus/gocensus/sdk/tag"
	"github.com/gocensus/gocensus/sdk/trace"
)

var (
	t0      = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	keyA    = tag.MustNewKey("a")
	keyB    = tag.MustNewKey("b")
	present = func(v string) stats.LabelValue { return stats.LabelValue{Value: v, Present: true} }
)

// fixedClock returns a clock that reads t0 plus the given offset.
type fixedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fixedClock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fixedClock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func newManager(t *testing.T, opts ...stats.Option) (*stats.Manager, *fixedClock) {
	t.Helper()
	clk := &fixedClock{t: t0}
	m := stats.NewManager(append([]stats.Option{stats.WithClock(clk.now)}, opts...)...)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := m.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return m, clk
}

func tagCtx(t testing.TB, muts ...tag.Mutator) context.Context {
	t.Helper()
	ctx, err := tag.New(context.Background(), muts...)
	if err != nil {
		t.Fatal(err)
	}
	return ctx
}

func TestMeasureNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ok   bool
	}{
		{"grpc.io/client/roundtrip_latency", true},
		{"a", true},
		{strings.Repeat("x", stats.MaxNameLen), true},
		{"", false},
		{strings.Repeat("x", stats.MaxNameLen+1), false},
		{"tab\there", false},
		{"caf\u00e9", false},
	}
	for _, tt := range tests {
		_, err1 := stats.NewInt64(tt.name, "d", "1")
		_, err2 := stats.NewFloat64(tt.name, "d", "ms")
		for _, err := range []error{err1, err2} {
			if tt.ok && err != nil {
				t.Errorf("%q: unexpected error %v", tt.name, err)
			}
			if !tt.ok && !errors.Is(err, stats.ErrInvalidName) {
				t.Errorf("%q: error %v, want ErrInvalidName", tt.name, err)
			}
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("Int64 with an empty name did not panic")
		}
	}()
	stats.Int64("", "", "")
}

func TestMeasureAccessors(t *testing.T) {
	t.Parallel()
	i := stats.Int64("i", "an int", "By")
	f := stats.Float64("f", "a float", "ms")
	if i.Name() != "i" || i.Description() != "an int" || i.Unit() != "By" {
		t.Errorf("int measure accessors: %q %q %q", i.Name(), i.Description(), i.Unit())
	}
	if f.Name() != "f" || f.Description() != "a float" || f.Unit() != "ms" {
		t.Errorf("float measure accessors: %q %q %q", f.Name(), f.Description(), f.Unit())
	}
	if got := i.M(-7); got.Value() != -7 || got.Measure() != stats.Measure(i) {
		t.Errorf("i.M(-7) = %v of %v", got.Value(), got.Measure())
	}
	if got := f.M(2.5); got.Value() != 2.5 || got.Measure() != stats.Measure(f) {
		t.Errorf("f.M(2.5) = %v of %v", got.Value(), got.Measure())
	}
	if (stats.Measurement{}).Measure() != nil {
		t.Error("zero Measurement has a measure")
	}
}

func TestRegisterErrors(t *testing.T) {
	t.Parallel()
	lat := stats.Float64("lat", "latency", "ms")
	tests := []struct {
		name string
		view *stats.View
		want error
	}{
		{"nil view", nil, stats.ErrInvalidView},
		{"no measure", &stats.View{Name: "v", Aggregation: stats.Count()}, stats.ErrInvalidView},
		{"no aggregation", &stats.View{Name: "v", Measure: lat}, stats.ErrInvalidView},
		{"bad aggregation type", &stats.View{Name: "v", Measure: lat, Aggregation: &stats.Aggregation{Type: 99}}, stats.ErrInvalidView},
		{"bad name", &stats.View{Name: "bad\nname", Measure: lat, Aggregation: stats.Count()}, stats.ErrInvalidName},
		{"decreasing bounds", &stats.View{Name: "v", Measure: lat, Aggregation: stats.Distribution(1, 3, 2)}, stats.ErrInvalidView},
		{"repeated bound", &stats.View{Name: "v", Measure: lat, Aggregation: stats.Distribution(1, 1)}, stats.ErrInvalidView},
		{"negative bound", &stats.View{Name: "v", Measure: lat, Aggregation: stats.Distribution(-1, 1)}, stats.ErrInvalidView},
		{"zero after first", &stats.View{Name: "v", Measure: lat, Aggregation: stats.Distribution(0, 0, 1)}, stats.ErrInvalidView},
		{"NaN bound", &stats.View{Name: "v", Measure: lat, Aggregation: stats.Distribution(1, math.NaN())}, stats.ErrInvalidView},
		{"infinite bound", &stats.View{Name: "v", Measure: lat, Aggregation: stats.Distribution(1, math.Inf(1))}, stats.ErrInvalidView},
		{"repeated key", &stats.View{Name: "v", Measure: lat, TagKeys: []tag.Key{keyA, keyA}, Aggregation: stats.Count()}, stats.ErrInvalidView},
		{"zero key", &stats.View{Name: "v", Measure: lat, TagKeys: []tag.Key{{}}, Aggregation: stats.Count()}, stats.ErrInvalidView},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, _ := newManager(t)
			good := &stats.View{Name: "good", Measure: lat, Aggregation: stats.Count()}
			err := m.Register(good, tt.view)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Register error = %v, want %v", err, tt.want)
			}
			if got := m.Read(); len(got) != 0 {
				t.Errorf("a failed Register left %d views registered", len(got))
			}
		})
	}
}

func TestRegisterDuplicates(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	lat := stats.Float64("lat", "latency", "ms")
	v := &stats.View{Name: "v", Measure: lat, TagKeys: []tag.Key{keyA}, Aggregation: stats.Distribution(0, 1, 2)}
	if err := m.Register(v); err != nil {
		t.Fatal(err)
	}
	m.Record(tagCtx(t, tag.Insert(keyA, "x")), lat.M(1.5))
	same := &stats.View{Name: "v", Measure: lat, TagKeys: []tag.Key{keyA}, Aggregation: stats.Distribution(1, 2)}
	if err := m.Register(same); err != nil {
		t.Errorf("re-registering the same definition: %v", err)
	}
	for _, other := range []*stats.View{
		{Name: "v", Measure: lat, TagKeys: []tag.Key{keyA}, Aggregation: stats.Distribution(1, 3)},
		{Name: "v", Measure: lat, TagKeys: []tag.Key{keyB}, Aggregation: stats.Distribution(1, 2)},
		{Name: "v", Measure: lat, TagKeys: []tag.Key{keyA}, Aggregation: stats.Count()},
		{Name: "v", Measure: stats.Float64("lat", "latency", "ms"), TagKeys: []tag.Key{keyA}, Aggregation: stats.Distribution(1, 2)},
	} {
		if err := m.Register(other); !errors.Is(err, stats.ErrDuplicateView) {
			t.Errorf("Register(%+v) = %v, want ErrDuplicateView", other, err)
		}
	}
	// Two different definitions in one call are rejected too.
	err := m.Register(&stats.View{Name: "w", Measure: lat, Aggregation: stats.Count()}, &stats.View{Name: "w", Measure: lat, Aggregation: stats.Sum()})
	if !errors.Is(err, stats.ErrDuplicateView) {
		t.Errorf("conflicting views in one call: %v", err)
	}
	// The bad calls left the registered view and its data untouched.
	got := m.Read()
	if len(got) != 1 || got[0].TimeSeries[0].Points[0].Distribution.Count != 1 {
		t.Errorf("after bad registrations, Read = %+v", got)
	}
	if b := got[0].TimeSeries[0].Points[0].Distribution.BucketBounds; !slices.Equal(b, []float64{1, 2}) {
		t.Errorf("bounds = %v, want the leading 0 dropped", b)
	}
}

func TestAggregations(t *testing.T) {
	t.Parallel()
	m, clk := newManager(t, stats.WithResource(&resource.Resource{Type: "host"}))
	ib := stats.Int64("bytes", "size", "By")
	fl := stats.Float64("lat", "latency", "ms")
	views := []*stats.View{
		{Name: "count", Measure: ib, TagKeys: []tag.Key{keyA, keyB}, Aggregation: stats.Count()},
		{Name: "isum", Measure: ib, TagKeys: []tag.Key{keyA}, Aggregation: stats.Sum()},
		{Name: "fsum", Measure: fl, Aggregation: stats.Sum(), Description: "own description"},
		{Name: "ilast", Measure: ib, Aggregation: stats.LastValue()},
		{Name: "flast", Measure: fl, Aggregation: stats.LastValue()},
		{Name: "dist", Measure: fl, TagKeys: []tag.Key{keyA}, Aggregation: stats.Distribution(1, 10)},
	}
	if err := m.Register(views...); err != nil {
		t.Fatal(err)
	}
	ctxX := tagCtx(t, tag.Insert(keyA, "x"))
	ctxXY := tagCtx(t, tag.Insert(keyA, "x"), tag.Insert(keyB, "y"))
	m.Record(ctxX, ib.M(10), fl.M(0.5))
	m.Record(ctxXY, ib.M(20), fl.M(5))
	m.Record(context.Background(), ib.M(3), fl.M(50), fl.M(-1))
	//lint:ignore SA1012 a nil ctx is documented to mean Background
	m.Record(nil, stats.Measurement{})

	later := t0.Add(time.Minute)
	clk.set(later)
	got := m.Read()
	names := make([]string, len(got))
	for i, md := range got {
		names[i] = md.Descriptor.Name
		if md.Resource == nil || md.Resource.Type != "host" {
			t.Errorf("%s: resource = %+v", md.Descriptor.Name, md.Resource)
		}
	}
	if want := []string{"count", "dist", "flast", "fsum", "ilast", "isum"}; !slices.Equal(names, want) {
		t.Fatalf("metric names = %v, want %v", names, want)
	}
	abs := stats.LabelValue{}
	cum := func(labels []stats.LabelValue, p stats.Point) *stats.TimeSeries {
		p.Time = later
		return &stats.TimeSeries{LabelValues: labels, StartTime: t0, Points: []stats.Point{p}}
	}
	gauge := func(p stats.Point) *stats.TimeSeries {
		p.Time = later
		return &stats.TimeSeries{LabelValues: []stats.LabelValue{}, Points: []stats.Point{p}}
	}
	want := map[string]stats.Metric{
		"count": {
			Descriptor: stats.Descriptor{Name: "count", Description: "size", Unit: "1", Type: stats.TypeCumulativeInt64, LabelKeys: []stats.LabelKey{{Key: "a"}, {Key: "b"}}},
			TimeSeries: []*stats.TimeSeries{
				cum([]stats.LabelValue{abs, abs}, stats.Point{Int64Value: 1}),
				cum([]stats.LabelValue{present("x"), abs}, stats.Point{Int64Value: 1}),
				cum([]stats.LabelValue{present("x"), present("y")}, stats.Point{Int64Value: 1}),
			},
		},
		"isum": {
			Descriptor: stats.Descriptor{Name: "isum", Description: "size", Unit: "By", Type: stats.TypeCumulativeInt64, LabelKeys: []stats.LabelKey{{Key: "a"}}},
			TimeSeries: []*stats.TimeSeries{
				cum([]stats.LabelValue{abs}, stats.Point{Int64Value: 3}),
				cum([]stats.LabelValue{present("x")}, stats.Point{Int64Value: 30}),
			},
		},
		"fsum": {
			Descriptor: stats.Descriptor{Name: "fsum", Description: "own description", Unit: "ms", Type: stats.TypeCumulativeFloat64, LabelKeys: []stats.LabelKey{}},
			TimeSeries: []*stats.TimeSeries{cum([]stats.LabelValue{}, stats.Point{Float64Value: 54.5})},
		},
		"ilast": {
			Descriptor: stats.Descriptor{Name: "ilast", Description: "size", Unit: "By", Type: stats.TypeGaugeInt64, LabelKeys: []stats.LabelKey{}},
			TimeSeries: []*stats.TimeSeries{gauge(stats.Point{Int64Value: 3})},
		},
		"flast": {
			Descriptor: stats.Descriptor{Name: "flast", Description: "latency", Unit: "ms", Type: stats.TypeGaugeFloat64, LabelKeys: []stats.LabelKey{}},
			TimeSeries: []*stats.TimeSeries{gauge(stats.Point{Float64Value: -1})},
		},
		"dist": {
			Descriptor: stats.Descriptor{Name: "dist", Description: "latency", Unit: "ms", Type: stats.TypeCumulativeDistribution, LabelKeys: []stats.LabelKey{{Key: "a"}}},
			TimeSeries: []*stats.TimeSeries{
				cum([]stats.LabelValue{abs}, stats.Point{Distribution: &stats.DistributionValue{
					Count: 2, Sum: 49, SumOfSquaredDeviation: 1300.5, BucketBounds: []float64{1, 10},
					Buckets: []stats.Bucket{{Count: 1}, {Count: 0}, {Count: 1}},
				}}),
				cum([]stats.LabelValue{present("x")}, stats.Point{Distribution: &stats.DistributionValue{
					Count: 2, Sum: 5.5, SumOfSquaredDeviation: 10.125, BucketBounds: []float64{1, 10},
					Buckets: []stats.Bucket{{Count: 1}, {Count: 1}, {Count: 0}},
				}}),
			},
		},
	}
	for _, md := range got {
		w := want[md.Descriptor.Name]
		w.Resource = md.Resource
		if diff := cmp.Diff(&w, md); diff != "" {
			t.Errorf("%s (-want +got):\n%s", md.Descriptor.Name, diff)
		}
	}
}

func sampledCtx(t *testing.T) (context.Context, trace.SpanContext) {
	t.Helper()
	tid, _ := trace.TraceIDFromHex("0102030405060708090a0b0c0d0e0f10")
	sid, _ := trace.SpanIDFromHex("1112131415161718")
	sc := trace.SpanContext{TraceID: tid, SpanID: sid, TraceOptions: trace.FlagSampled}
	return trace.ContextWithRemoteSpanContext(context.Background(), sc), sc
}

func TestExemplars(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	fl := stats.Float64("lat", "latency", "ms")
	if err := m.Register(&stats.View{Name: "dist", Measure: fl, Aggregation: stats.Distribution(1, 10)}); err != nil {
		t.Fatal(err)
	}
	ctx, sc := sampledCtx(t)
	m.Record(ctx, fl.M(0.5))
	unsampled := trace.ContextWithRemoteSpanContext(context.Background(), trace.SpanContext{TraceID: sc.TraceID, SpanID: sc.SpanID})
	m.Record(unsampled, fl.M(5))
	if err := m.RecordWithOptions(context.Background(), stats.WithMeasurements(fl.M(20)), stats.WithAttachments(map[string]string{"req": "42"})); err != nil {
		t.Fatal(err)
	}
	d := m.Read()[0].TimeSeries[0].Points[0].Distribution
	want := []stats.Bucket{
		{Count: 1, Exemplar: &stats.Exemplar{Value: 0.5, Time: t0, Attachments: map[string]string{
			stats.AttachmentKeyTraceID: "0102030405060708090a0b0c0d0e0f10",
			stats.AttachmentKeySpanID:  "1112131415161718",
		}}},
		{Count: 1},
		{Count: 1, Exemplar: &stats.Exemplar{Value: 20, Time: t0, Attachments: map[string]string{"req": "42"}}},
	}
	if diff := cmp.Diff(want, d.Buckets); diff != "" {
		t.Errorf("buckets (-want +got):\n%s", diff)
	}
}

func TestRecordWithOptions(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	ib := stats.Int64("n", "", "1")
	if err := m.Register(&stats.View{Name: "n", Measure: ib, TagKeys: []tag.Key{keyA, keyB}, Aggregation: stats.Sum()}); err != nil {
		t.Fatal(err)
	}
	ctx := tagCtx(t, tag.Insert(keyA, "x"))
	if err := m.RecordWithOptions(ctx, stats.WithTags(tag.Upsert(keyB, "extra")), stats.WithMeasurements(ib.M(4))); err != nil {
		t.Fatal(err)
	}
	err := m.RecordWithOptions(ctx, stats.WithTags(tag.Upsert(keyB, "bad\x01value")), stats.WithMeasurements(ib.M(100)))
	if !errors.Is(err, tag.ErrInvalidValue) {
		t.Errorf("invalid tag value: error %v, want tag.ErrInvalidValue", err)
	}
	if err := m.RecordWithOptions(ctx, stats.RecordOption{}); err != nil {
		t.Errorf("zero option: %v", err)
	}
	unused := stats.Int64("unused", "", "1")
	if err := m.RecordWithOptions(ctx, stats.WithTags(tag.Upsert(keyB, "bad\x01value")), stats.WithMeasurements(unused.M(1))); err != nil {
		t.Errorf("mutators were applied although no view uses the measure: %v", err)
	}
	ts := m.Read()[0].TimeSeries
	if len(ts) != 1 || !slices.Equal(statstest.Labels(ts[0]), []string{"x", "extra"}) || ts[0].Points[0].Int64Value != 4 {
		t.Errorf("time series after RecordWithOptions: %+v", ts)
	}
}

func TestOverflowBoundsMemory(t *testing.T) {
	t.Parallel()
	const limit, distinct = 50, 100_000
	m, _ := newManager(t, stats.WithMaxTimeSeries(limit))
	ib := stats.Int64("req", "", "1")
	if err := m.Register(
		&stats.View{Name: "by_user", Measure: ib, TagKeys: []tag.Key{keyA}, Aggregation: stats.Distribution(1, 2)},
		&stats.View{Name: "total", Measure: ib, Aggregation: stats.Count()},
	); err != nil {
		t.Fatal(err)
	}
	for i := range distinct {
		m.Record(tagCtx(t, tag.Insert(keyA, "user"+strconv.Itoa(i))), ib.M(1))
	}
	got := m.Read()
	byUser := statstest.Find(got, "by_user")
	if n := len(byUser.TimeSeries); n != limit+1 {
		t.Fatalf("by_user has %d time series, want %d plus the overflow series", n, limit)
	}
	last := byUser.TimeSeries[limit]
	if !slices.Equal(statstest.Labels(last), []string{stats.OverflowLabelValue}) || last.Points[0].Distribution.Count != distinct-limit {
		t.Errorf("overflow series = %v with count %d", statstest.Labels(last), last.Points[0].Distribution.Count)
	}
	var total int64
	for _, ts := range byUser.TimeSeries {
		total += ts.Points[0].Distribution.Count
	}
	if total != distinct {
		t.Errorf("sum over series = %d, want %d (nothing lost)", total, distinct)
	}
	over := statstest.Find(got, stats.OverflowMetricName)
	if over == nil {
		t.Fatal("no overflow metric exported")
	}
	if len(over.TimeSeries) != 1 || !slices.Equal(statstest.Labels(over.TimeSeries[0]), []string{"by_user"}) ||
		over.TimeSeries[0].Points[0].Int64Value != distinct-limit || over.Descriptor.Type != stats.TypeCumulativeInt64 {
		t.Errorf("overflow metric = %+v", over.TimeSeries)
	}
	if n := statstest.Find(got, "total").TimeSeries[0].Points[0].Int64Value; n != distinct {
		t.Errorf("unaffected view counted %d, want %d", n, distinct)
	}
}

func TestConcurrentRecordingIsExact(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	fl := stats.Float64("lat", "", "ms")
	if err := m.Register(
		&stats.View{Name: "dist", Measure: fl, TagKeys: []tag.Key{keyA}, Aggregation: stats.Distribution(1, 2)},
		&stats.View{Name: "sum", Measure: fl, TagKeys: []tag.Key{keyA}, Aggregation: stats.Sum()},
	); err != nil {
		t.Fatal(err)
	}
	const workers, each = 8, 2000
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			ctx := tagCtx(t, tag.Insert(keyA, "k"+strconv.Itoa(w%3)))
			for range each {
				m.Record(ctx, fl.M(1.5))
			}
		})
	}
	wg.Wait()
	var count int64
	var sum float64
	for _, ts := range statstest.Find(m.Read(), "dist").TimeSeries {
		count += ts.Points[0].Distribution.Count
	}
	for _, ts := range statstest.Find(m.Read(), "sum").TimeSeries {
		sum += ts.Points[0].Float64Value
	}
	if count != workers*each || sum != 1.5*workers*each {
		t.Errorf("count %d sum %v, want %d and %v", count, sum, workers*each, 1.5*workers*each)
	}
}

func TestUnregisterWhileRecording(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	fl := stats.Float64("lat", "", "ms")
	churn := &stats.View{Name: "churn", Measure: fl, TagKeys: []tag.Key{keyA}, Aggregation: stats.Distribution(1, 2)}
	stable := &stats.View{Name: "stable", Measure: fl, Aggregation: stats.Count()}
	if err := m.Register(stable); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	const recorders, each = 4, 5000
	for w := range recorders {
		wg.Go(func() {
			rctx := tagCtx(t, tag.Insert(keyA, "w"+strconv.Itoa(w)))
			for range each {
				m.Record(rctx, fl.M(1))
			}
		})
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			case <-ctx.Done():
				return
			default:
			}
			if err := m.Register(churn); err != nil {
				t.Error(err)
				return
			}
			_ = m.Read()
			m.Unregister(churn)
		}
	}()
	wg.Wait()
	close(stop)
	<-done
	if n := statstest.Find(m.Read(), "stable").TimeSeries[0].Points[0].Int64Value; n != recorders*each {
		t.Errorf("stable view counted %d, want %d", n, recorders*each)
	}
}

func TestUnregister(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	fl := stats.Float64("lat", "", "ms")
	v := &stats.View{Measure: fl, Aggregation: stats.Count()} // named after the measure
	if err := m.Register(v); err != nil {
		t.Fatal(err)
	}
	m.Record(context.Background(), fl.M(1))
	if got := m.Read(); len(got) != 1 || got[0].Descriptor.Name != "lat" {
		t.Fatalf("Read = %+v", got)
	}
	m.Unregister(v, nil, &stats.View{Name: "unknown"})
	m.Record(context.Background(), fl.M(1))
	if got := m.Read(); len(got) != 0 {
		t.Errorf("after Unregister, Read = %+v", got)
	}
	// Registering again starts afresh.
	if err := m.Register(v); err != nil {
		t.Fatal(err)
	}
	if got := m.Read(); len(got) != 1 || len(got[0].TimeSeries) != 0 {
		t.Errorf("re-registered view = %+v", got)
	}
}

func TestManagersAreIndependent(t *testing.T) {
	t.Parallel()
	m1, _ := newManager(t)
	m2, _ := newManager(t)
	ib := stats.Int64("shared", "", "1")
	for _, m := range []*stats.Manager{m1, m2} {
		if err := m.Register(&stats.View{Measure: ib, Aggregation: stats.Sum()}); err != nil {
			t.Fatal(err)
		}
	}
	m1.Record(context.Background(), ib.M(1))
	m2.Record(context.Background(), ib.M(10))
	if a, b := m1.Read()[0].TimeSeries[0].Points[0].Int64Value, m2.Read()[0].TimeSeries[0].Points[0].Int64Value; a != 1 || b != 10 {
		t.Errorf("sums %d and %d, want 1 and 10", a, b)
	}
}

func TestPeriodicExportAndShutdown(t *testing.T) {
	t.Parallel()
	exp := statstest.NewExporter()
	m := stats.NewManager(stats.WithExporter(exp), stats.WithReportingPeriod(5*time.Millisecond))
	ib := stats.Int64("n", "", "1")
	if err := m.Register(&stats.View{Measure: ib, Aggregation: stats.Count()}); err != nil {
		t.Fatal(err)
	}
	m.Record(context.Background(), ib.M(1))
	select {
	case <-exp.Exported():
	case <-time.After(5 * time.Second):
		t.Fatal("no periodic export")
	}
	m.Record(context.Background(), ib.M(1))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := m.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	last := statstest.Find(exp.Last(), "n")
	if last == nil || last.TimeSeries[0].Points[0].Int64Value != 2 {
		t.Errorf("final export = %+v, want count 2", last)
	}
	if exp.ShutdownCalls() != 1 {
		t.Errorf("exporter shut down %d times", exp.ShutdownCalls())
	}
	if err := m.Shutdown(ctx); err != nil {
		t.Errorf("second Shutdown: %v", err)
	}
	if err := m.Register(&stats.View{Name: "late", Measure: ib, Aggregation: stats.Count()}); !errors.Is(err, stats.ErrShutdown) {
		t.Errorf("Register after Shutdown: %v", err)
	}
	if err := m.AddExporter(exp); !errors.Is(err, stats.ErrShutdown) {
		t.Errorf("AddExporter after Shutdown: %v", err)
	}
	if err := m.Flush(ctx); !errors.Is(err, stats.ErrShutdown) {
		t.Errorf("Flush after Shutdown: %v", err)
	}
	m.Record(context.Background(), ib.M(1)) // a no-op, not a panic
	if got := m.Read(); len(got) != 0 {
		t.Errorf("views survive Shutdown: %+v", got)
	}
}

// failingExporter fails every export, and blocks until ctx is done when
// block is set.
type failingExporter struct {
	block bool
}

func (e failingExporter) ExportMetrics(ctx context.Context, _ []*stats.Metric) error {
	if e.block {
		<-ctx.Done()
		return ctx.Err()
	}
	return errors.New("backend down")
}

func (failingExporter) Shutdown(context.Context) error { return nil }

func TestExportErrorsGoToHandler(t *testing.T) {
	t.Parallel()
	errs := make(chan error, 10)
	m := stats.NewManager(stats.WithReportingPeriod(time.Millisecond), stats.WithErrorHandler(func(err error) {
		select {
		case errs <- err:
		default:
		}
	}))
	if err := m.AddExporter(nil); err == nil {
		t.Error("AddExporter(nil) succeeded")
	}
	if err := m.AddExporter(failingExporter{}); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errs:
		if !strings.Contains(err.Error(), "backend down") {
			t.Errorf("handler got %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("export error never reached the handler")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := m.Shutdown(ctx); err == nil || !strings.Contains(err.Error(), "backend down") {
		t.Errorf("Shutdown = %v, want the final export's error", err)
	}
}

func TestShutdownHonoursDeadline(t *testing.T) {
	t.Parallel()
	m := stats.NewManager(stats.WithExporter(failingExporter{block: true}), stats.WithReportingPeriod(time.Hour))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := m.Shutdown(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown = %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Shutdown took %v", d)
	}
}

func TestFlush(t *testing.T) {
	t.Parallel()
	exp := statstest.NewExporter()
	m, _ := newManager(t, stats.WithExporter(exp), stats.WithReportingPeriod(time.Hour))
	ib := stats.Int64("n", "", "1")
	if err := m.Register(&stats.View{Measure: ib, Aggregation: stats.Sum()}); err != nil {
		t.Fatal(err)
	}
	m.Record(context.Background(), ib.M(5))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := m.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if b := exp.Batches(); len(b) != 1 || b[0][0].TimeSeries[0].Points[0].Int64Value != 5 {
		t.Errorf("batches after Flush = %+v", b)
	}
}

func TestZeroManager(t *testing.T) {
	t.Parallel()
	var m stats.Manager
	ib := stats.Int64("n", "", "1")
	if err := m.Register(&stats.View{Measure: ib, Aggregation: stats.Count()}); err != nil {
		t.Fatal(err)
	}
	m.Record(context.Background(), ib.M(1))
	if got := m.Read(); len(got) != 1 || got[0].TimeSeries[0].Points[0].Int64Value != 1 {
		t.Errorf("zero Manager Read = %+v", got)
	}
	if err := m.Shutdown(context.Background()); err != nil {
		t.Error(err)
	}
}

// TestDefault is not parallel: it replaces the package-level manager.
func TestDefault(t *testing.T) {
	m := stats.NewManager()
	stats.SetDefault(m)
	defer stats.SetDefault(nil)
	if stats.Default() != m {
		t.Fatal("Default did not return the manager given to SetDefault")
	}
	ib := stats.Int64("n", "", "1")
	v := &stats.View{Measure: ib, Aggregation: stats.Count()}
	if err := stats.Register(v); err != nil {
		t.Fatal(err)
	}
	stats.Record(context.Background(), ib.M(1))
	if err := stats.RecordWithOptions(context.Background(), stats.WithMeasurements(ib.M(1))); err != nil {
		t.Fatal(err)
	}
	if got := m.Read()[0].TimeSeries[0].Points[0].Int64Value; got != 2 {
		t.Errorf("count = %d, want 2", got)
	}
	stats.Unregister(v)
	if len(m.Read()) != 0 {
		t.Error("package-level Unregister did not reach the default manager")
	}
	stats.SetDefault(nil)
	if d := stats.Default(); d == nil || d == m {
		t.Errorf("Default after SetDefault(nil) = %p", d)
	}
}

func TestMetricTypeString(t *testing.T) {
	t.Parallel()
	for typ, want := range map[stats.MetricType]string{
		stats.TypeCumulativeDistribution: "CUMULATIVE_DISTRIBUTION",
		stats.TypeGaugeFloat64:           "GAUGE_DOUBLE",
		stats.MetricType(42):             "TYPE_42",
	} {
		if got := typ.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", typ, got, want)
		}
	}
	for agg, want := range map[stats.AggType]string{stats.AggTypeCount: "Count", stats.AggTypeNone: "None", stats.AggTypeDistribution: "Distribution"} {
		if agg.String() != want {
			t.Errorf("%d.String() = %q", agg, agg.String())
		}
	}
}

func TestRecordDoesNotAllocate(t *testing.T) {
	m, _ := newManager(t)
	fl := stats.Float64("lat", "", "ms")
	unused := stats.Int64("unused", "", "1")
	if err := m.Register(
		&stats.View{Name: "dist", Measure: fl, TagKeys: []tag.Key{keyA, keyB}, Aggregation: stats.Distribution(1, 2, 5, 10)},
		&stats.View{Name: "count", Measure: fl, TagKeys: []tag.Key{keyA}, Aggregation: stats.Count()},
		&stats.View{Name: "sum", Measure: fl, TagKeys: []tag.Key{keyB}, Aggregation: stats.Sum()},
		&stats.View{Name: "last", Measure: fl, Aggregation: stats.LastValue()},
	); err != nil {
		t.Fatal(err)
	}
	ctx := tagCtx(t, tag.Insert(keyA, "x"), tag.Insert(keyB, "y"))
	for range 100 { // publish the tuples to the read map
		m.Record(ctx, fl.M(3))
	}
	if n := testing.AllocsPerRun(1000, func() { m.Record(ctx, fl.M(3), unused.M(1)) }); n != 0 {
		t.Errorf("Record allocates %v times per call, want 0", n)
	}
}

// contractExporter fails the test if the manager calls it concurrently or
// after Shutdown.
type contractExporter struct {
	t        *testing.T
	inFlight atomic.Int32
	shut     atomic.Bool
	exports  atomic.Int32
}

func (e *contractExporter) ExportMetrics(ctx context.Context, _ []*stats.Metric) error {
	if e.shut.Load() {
		e.t.Error("ExportMetrics after Shutdown")
	}
	if e.inFlight.Add(1) > 1 {
		e.t.Error("concurrent ExportMetrics")
	}
	e.exports.Add(1)
	time.Sleep(100 * time.Microsecond)
	e.inFlight.Add(-1)
	return nil
}

func (e *contractExporter) Shutdown(context.Context) error {
	if e.inFlight.Load() != 0 {
		e.t.Error("Shutdown during ExportMetrics")
	}
	e.shut.Store(true)
	return nil
}

func TestExporterNeverCalledConcurrently(t *testing.T) {
	t.Parallel()
	exp := &contractExporter{t: t}
	m := stats.NewManager(stats.WithExporter(exp), stats.WithReportingPeriod(time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for {
				if err := m.Flush(ctx); errors.Is(err, stats.ErrShutdown) {
					return
				} else if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	time.Sleep(20 * time.Millisecond)
	if err := m.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if exp.exports.Load() < 2 {
		t.Errorf("only %d exports", exp.exports.Load())
	}
}

func TestSumOfSquaredDeviationIsPrecise(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	fl := stats.Float64("ts", "", "s")
	if err := m.Register(&stats.View{Measure: fl, Aggregation: stats.Distribution(1)}); err != nil {
		t.Fatal(err)
	}
	// Large values with a tiny spread: a plain sum of squares (≈3e18,
	// whose float64 spacing is 512) would lose the answer, 0.02, entirely.
	for _, x := range []float64{1e9 + 0.1, 1e9 + 0.2, 1e9 + 0.3} {
		m.Record(context.Background(), fl.M(x))
	}
	d := m.Read()[0].TimeSeries[0].Points[0].Distribution
	if math.Abs(d.SumOfSquaredDeviation-0.02) > 1e-6 {
		t.Errorf("SumOfSquaredDeviation = %v, want 0.02", d.SumOfSquaredDeviation)
	}
}

func TestRecordWithSeveralOptions(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	ib := stats.Int64("n", "", "1")
	if err := m.Register(&stats.View{Name: "n", Measure: ib, TagKeys: []tag.Key{keyA, keyB}, Aggregation: stats.Sum()}); err != nil {
		t.Fatal(err)
	}
	first := []stats.Measurement{ib.M(1)}
	err := m.RecordWithOptions(context.Background(),
		stats.WithTags(tag.Insert(keyA, "a")), stats.WithMeasurements(first...),
		stats.WithTags(tag.Insert(keyB, "b")), stats.WithMeasurements(ib.M(2), ib.M(3)),
		stats.WithMeasurements(ib.M(4)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if first[0].Value() != 1 || len(first) != 1 {
		t.Errorf("caller's slice changed: %v", first)
	}
	ts := m.Read()[0].TimeSeries
	if len(ts) != 1 || !slices.Equal(statstest.Labels(ts[0]), []string{"a", "b"}) || ts[0].Points[0].Int64Value != 10 {
		t.Errorf("time series = %v %+v", statstest.Labels(ts[0]), ts[0].Points)
	}
}

func TestViewKeepsItsOwnBounds(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	fl := stats.Float64("x", "", "1")
	agg := stats.Distribution(1, 2)
	if err := m.Register(&stats.View{Measure: fl, Aggregation: agg}); err != nil {
		t.Fatal(err)
	}
	agg.Buckets[0] = 100 // changing the aggregation afterwards has no effect
	m.Record(context.Background(), fl.M(1.5))
	d := m.Read()[0].TimeSeries[0].Points[0].Distribution
	if !slices.Equal(d.BucketBounds, []float64{1, 2}) || d.Buckets[1].Count != 1 {
		t.Errorf("bounds %v buckets %+v", d.BucketBounds, d.Buckets)
	}
}

// flakyExporter fails while fail is set.
type flakyExporter struct{ fail atomic.Bool }

func (e *flakyExporter) ExportMetrics(context.Context, []*stats.Metric) error {
	if e.fail.Load() {
		return errors.New("backend down")
	}
	return nil
}

func (e *flakyExporter) Shutdown(context.Context) error { return nil }

// TestDefaultErrorLogging is not parallel: it replaces slog's default.
func TestDefaultErrorLogging(t *testing.T) {
	var logs testkit.SyncBuffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, nil)))
	defer slog.SetDefault(prev)

	exp := &flakyExporter{}
	exp.fail.Store(true)
	m := stats.NewManager(stats.WithExporter(exp), stats.WithReportingPeriod(time.Millisecond))
	waitFor := func(what string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for !strings.Contains(logs.String(), what) {
			if time.Now().After(deadline) {
				t.Fatalf("log never contained %q:\n%s", what, logs.String())
			}
			time.Sleep(time.Millisecond)
		}
	}
	waitFor("export failing")
	time.Sleep(20 * time.Millisecond) // many more failed periods
	exp.fail.Store(false)
	waitFor("export recovered")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := m.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(logs.String(), "export failing"); n != 1 {
		t.Errorf("failure logged %d times, want once:\n%s", n, logs.String())
	}
}

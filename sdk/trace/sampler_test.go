package trace_test

import (
	"context"
	"encoding/binary"
	"math"
	"testing"
	"time"

	"github.com/gocensus/gocensus/sdk/trace"
)

// traceIDWithHigh returns a trace id whose first 8 bytes are hi (big-endian)
// and whose last 8 bytes are lo.
func traceIDWithHigh(hi, lo uint64) trace.TraceID {
	var t trace.TraceID
	binary.BigEndian.PutUint64(t[:8], hi)
	binary.BigEndian.PutUint64(t[8:], lo)
	return t
}

// TestProbabilitySamplerMatchesOpenCensus checks decisions against
// opencensus-go's rule, worked out by hand: bound = uint64(f * 2^63), sampled
// when BigEndian(traceID[0:8]) >> 1 < bound. The last 8 bytes never matter.
func TestProbabilitySamplerMatchesOpenCensus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fraction float64
		hi       uint64
		want     bool
	}{
		{0.5, 0, true},
		{0.5, 0x7fffffffffffffff, true},  // >>1 = 0x3fff..ff < 2^62
		{0.5, 0x8000000000000000, false}, // >>1 = 2^62, not < 2^62
		{0.5, 0x8000000000000001, false}, // the low bit is shifted away
		{0.5, 0xffffffffffffffff, false},
		{0.25, 0x3fffffffffffffff, true}, // >>1 < 2^61
		{0.25, 0x4000000000000000, false},
		{1e-4, 0, true},
		{1e-4, 1 << 50, true},  // >>1 = 2^49 ≈ 5.6e14 < 9.2e14
		{1e-4, 1 << 51, false}, // >>1 = 2^50 ≈ 1.1e15
		{0, 0, false},
		{-1, 0, false},
		{math.NaN(), 0, false},
		{1, 0xffffffffffffffff, true},
		{2, 0xffffffffffffffff, true},
	}
	for _, tt := range tests {
		s := trace.ProbabilitySampler(tt.fraction)
		for _, lo := range []uint64{0, 1, math.MaxUint64} {
			p := trace.SamplingParameters{TraceID: traceIDWithHigh(tt.hi, lo)}
			if got := s.ShouldSample(p).Sample; got != tt.want {
				t.Errorf("ProbabilitySampler(%g) on %v = %v, want %v", tt.fraction, p.TraceID, got, tt.want)
			}
		}
	}
	// A sampled parent is always followed, as in opencensus-go.
	p := trace.SamplingParameters{
		TraceID:       traceIDWithHigh(math.MaxUint64, 0),
		ParentContext: trace.SpanContext{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{1}, TraceOptions: trace.FlagSampled},
	}
	if !trace.ProbabilitySampler(0).ShouldSample(p).Sample {
		t.Error("sampled parent not followed")
	}
}

func TestProbabilitySamplerRate(t *testing.T) {
	t.Parallel()
	s := trace.ProbabilitySampler(0.25)
	g := trace.RandomIDGenerator()
	n := 0
	const total = 40000
	for range total {
		tid, _ := g.NewIDs()
		if s.ShouldSample(trace.SamplingParameters{TraceID: tid}).Sample {
			n++
		}
	}
	// 0.25 ± 6 standard deviations (sd ≈ 87): fails by chance ~1e-9.
	if n < 10000-520 || n > 10000+520 {
		t.Errorf("sampled %d of %d, want about 10000", n, total)
	}
}

func TestParentBased(t *testing.T) {
	t.Parallel()
	valid := trace.SpanContext{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{1}}
	sampled := valid
	sampled.TraceOptions = trace.FlagSampled
	params := map[string]trace.SamplingParameters{
		"root":               {TraceID: trace.TraceID{2}},
		"remote sampled":     {ParentContext: sampled, HasRemoteParent: true},
		"remote not sampled": {ParentContext: valid, HasRemoteParent: true},
		"local sampled":      {ParentContext: sampled},
		"local not sampled":  {ParentContext: valid},
		"remote deferred":    {ParentContext: valid, HasRemoteParent: true, ParentDeferred: true, TraceID: trace.TraceID{1}},
	}
	tests := []struct {
		name    string
		sampler trace.Sampler
		want    map[string]bool
	}{
		{"defaults", trace.ParentBased(trace.AlwaysSample()), map[string]bool{
			"root": true, "remote sampled": true, "remote not sampled": false, "local sampled": true, "local not sampled": false,
			"remote deferred": true}},
		{"nil root", trace.ParentBased(nil), map[string]bool{
			"root": false, "remote sampled": true, "remote not sampled": false, "local sampled": true, "local not sampled": false,
			"remote deferred": false}},
		{"all inverted", trace.ParentBased(trace.NeverSample(),
			trace.WithRemoteParentSampled(trace.NeverSample()),
			trace.WithRemoteParentNotSampled(trace.AlwaysSample()),
			trace.WithLocalParentSampled(trace.NeverSample()),
			trace.WithLocalParentNotSampled(trace.AlwaysSample()),
			nil,
		), map[string]bool{
			"root": false, "remote sampled": false, "remote not sampled": true, "local sampled": false, "local not sampled": true,
			"remote deferred": false}},
		{"nil option sampler means never", trace.ParentBased(trace.AlwaysSample(), trace.WithRemoteParentSampled(nil)),
			map[string]bool{"root": true, "remote sampled": false, "remote not sampled": false, "local sampled": true, "local not sampled": false,
				"remote deferred": true}},
	}
	for _, tt := range tests {
		for name, p := range params {
			if got := tt.sampler.ShouldSample(p).Sample; got != tt.want[name] {
				t.Errorf("%s: %s = %v, want %v", tt.name, name, got, tt.want[name])
			}
		}
	}
	const want = "ParentBased{root:AlwaysSample,remoteParentSampled:AlwaysSample,remoteParentNotSampled:NeverSample," +
		"localParentSampled:AlwaysSample,localParentNotSampled:NeverSample}"
	if got := trace.ParentBased(trace.AlwaysSample()).Description(); got != want {
		t.Errorf("Description = %s", got)
	}
}

// TestDeferredRemoteParent starts spans under a remote parent whose sender
// did not decide: the sampler sees ParentDeferred, and ParentBased decides
// with its root sampler instead of treating the clear sampled bit as a
// "do not sample". The span still joins the caller's trace.
func TestDeferredRemoteParent(t *testing.T) {
	t.Parallel()
	remote := trace.SpanContext{TraceID: trace.TraceID{7}, SpanID: trace.SpanID{8}}
	var seen trace.SamplingParameters
	spy := samplerFunc(func(p trace.SamplingParameters) trace.SamplingDecision {
		seen = p
		return trace.ParentBased(trace.AlwaysSample()).ShouldSample(p)
	})
	tr := trace.NewTracer(trace.WithSampler(spy))
	for _, tt := range []struct {
		name     string
		opt      trace.StartOption
		deferred bool
	}{
		{"deferred", trace.WithDeferredRemoteParent(remote), true},
		{"not sampled", trace.WithRemoteParent(remote), false},
	} {
		_, s := tr.Start(context.Background(), "server", tt.opt)
		sc, recording := s.SpanContext(), s.IsRecordingEvents()
		s.End()
		if seen.ParentDeferred != tt.deferred || !seen.HasRemoteParent {
			t.Errorf("%s: sampler saw ParentDeferred=%v HasRemoteParent=%v", tt.name, seen.ParentDeferred, seen.HasRemoteParent)
		}
		if recording != tt.deferred || sc.IsSampled() != tt.deferred {
			t.Errorf("%s: recording %v, sampled %v; want %v", tt.name, recording, sc.IsSampled(), tt.deferred)
		}
		if sc.TraceID != remote.TraceID {
			t.Errorf("%s: trace id %v, want the caller's %v", tt.name, sc.TraceID, remote.TraceID)
		}
	}
	// A deferred parent that is invalid makes a root, which is not deferred.
	_, s := tr.Start(context.Background(), "root", trace.WithDeferredRemoteParent(trace.SpanContext{}))
	s.End()
	if seen.ParentDeferred || seen.HasRemoteParent {
		t.Errorf("invalid deferred parent: sampler saw ParentDeferred=%v HasRemoteParent=%v", seen.ParentDeferred, seen.HasRemoteParent)
	}
}

// samplerFunc is a Sampler made of a function.
type samplerFunc func(trace.SamplingParameters) trace.SamplingDecision

func (f samplerFunc) ShouldSample(p trace.SamplingParameters) trace.SamplingDecision { return f(p) }
func (samplerFunc) Description() string                                              { return "samplerFunc" }

func TestRateLimitingSampler(t *testing.T) {
	t.Parallel()
	s := trace.RateLimitingSampler(5)
	start := time.Now()
	n := 0
	for range 10000 {
		if s.ShouldSample(trace.SamplingParameters{}).Sample {
			n++
		}
	}
	// A full bucket holds 5 tokens; one more accrues every 200 ms.
	allowed := 5 + int(time.Since(start)/(200*time.Millisecond)) + 1
	if n < 5 || n > allowed {
		t.Errorf("sampled %d, want 5..%d", n, allowed)
	}
	for _, qps := range []float64{0, -1, math.NaN()} {
		if trace.RateLimitingSampler(qps).ShouldSample(trace.SamplingParameters{}).Sample {
			t.Errorf("RateLimitingSampler(%g) sampled", qps)
		}
	}
	if got := s.Description(); got != "RateLimitingSampler{5}" {
		t.Errorf("Description = %s", got)
	}
}

func TestSamplerDescriptions(t *testing.T) {
	t.Parallel()
	for s, want := range map[trace.Sampler]string{
		trace.AlwaysSample():            "AlwaysSample",
		trace.NeverSample():             "NeverSample",
		trace.ProbabilitySampler(0.125): "ProbabilitySampler{0.125}",
		trace.ProbabilitySampler(3):     "ProbabilitySampler{1}",
	} {
		if got := s.Description(); got != want {
			t.Errorf("Description = %s, want %s", got, want)
		}
	}
}

func BenchmarkSamplers(b *testing.B) {
	p := trace.SamplingParameters{TraceID: trace.TraceID{1, 2, 3}, Name: "op"}
	for _, bc := range []struct {
		name string
		s    trace.Sampler
	}{
		{"AlwaysSample", trace.AlwaysSample()},
		{"NeverSample", trace.NeverSample()},
		{"ProbabilitySampler", trace.ProbabilitySampler(1e-4)},
		{"ParentBased", trace.ParentBased(trace.ProbabilitySampler(0.5))},
		{"RateLimitingSampler", trace.RateLimitingSampler(1e9)},
	} {
		s := bc.s
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s.ShouldSample(p)
			}
		})
	}
}

func BenchmarkIDGenerator(b *testing.B) {
	g := trace.RandomIDGenerator()
	b.Run("NewIDs", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			g.NewIDs()
		}
	})
	b.Run("NewSpanID", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			g.NewSpanID(trace.TraceID{1})
		}
	})
	b.Run("NewIDs/parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				g.NewIDs()
			}
		})
	})
}

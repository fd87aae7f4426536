package agentexporter

import (
	"context"
	"math"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	agenttracepb "github.com/gocensus/gocensus/proto/gocensus/agent/trace/v1"
	tracepb "github.com/gocensus/gocensus/proto/gocensus/trace/v1"
	"github.com/gocensus/gocensus/sdk/trace"
)

// configLoop keeps the Config stream open for the exporter's lifetime,
// reconnecting with backoff. An agent that does not implement Config (the
// OpenTelemetry Collector's receiver) ends it for good.
func (e *Exporter) configLoop() {
	defer e.bg.Done()
	attempt := 0
	for e.life.Err() == nil {
		healthy, err := e.runConfigStream()
		if st, ok := status.FromError(err); ok && st.Code() == codes.Unimplemented {
			e.cfg.logger.Debug("agent does not implement the Config stream", "exporter", "agentexporter")
			return
		}
		if healthy {
			attempt = 0
		}
		t := time.NewTimer(e.cfg.backoff.Delay(attempt, randFloat()))
		attempt++
		select {
		case <-t.C:
		case <-e.life.Done():
			t.Stop()
			return
		}
	}
}

// runConfigStream runs one Config stream until it ends; healthy reports
// whether the agent answered at least once.
func (e *Exporter) runConfigStream() (healthy bool, err error) {
	ctx, cancel := context.WithCancel(e.life)
	defer cancel()
	if len(e.cfg.headers) > 0 {
		ctx = metadata.NewOutgoingContext(ctx, metadata.New(e.cfg.headers))
	}
	client := agenttracepb.NewOpenCensusTraceServiceClient(e.conn)
	stream, err := client.Config(ctx, e.callOpts...)
	if err != nil {
		return false, err
	}
	if err := stream.Send(&agenttracepb.CurrentLibraryConfig{Node: e.node, Config: currentConfig(e.cfg.tracer)}); err != nil {
		_, rerr := stream.Recv()
		return false, rerr
	}
	return e.serveConfig(stream)
}

func (e *Exporter) serveConfig(stream grpc.BidiStreamingClient[agenttracepb.CurrentLibraryConfig, agenttracepb.UpdatedLibraryConfig]) (bool, error) {
	healthy := false
	for {
		upd, err := stream.Recv()
		if err != nil {
			return healthy, err
		}
		healthy = true
		applied := applyConfig(e.cfg.tracer, upd.GetConfig())
		e.configsApplied.Add(1)
		if err := stream.Send(&agenttracepb.CurrentLibraryConfig{Config: applied}); err != nil {
			_, rerr := stream.Recv()
			return healthy, rerr
		}
	}
}

// maxConfigLimit caps limits pushed by an agent, so a hostile or broken agent
// cannot make every span grow without bound.
const maxConfigLimit = 1 << 16

// applyConfig sets t's sampler and limits from cfg and returns the config as
// applied (limits clamped, unknown samplers left as they were). Zero or
// negative limits leave that limit unchanged.
func applyConfig(t *trace.Tracer, cfg *tracepb.TraceConfig) *tracepb.TraceConfig {
	if cfg == nil {
		return currentConfig(t)
	}
	switch s := cfg.GetSampler().(type) {
	case *tracepb.TraceConfig_ProbabilitySampler:
		p := s.ProbabilitySampler.GetSamplingProbability()
		if !math.IsNaN(p) {
			t.SetSampler(trace.ProbabilitySampler(min(max(p, 0), 1)))
		}
	case *tracepb.TraceConfig_ConstantSampler:
		switch s.ConstantSampler.GetDecision() {
		case tracepb.ConstantSampler_ALWAYS_ON:
			t.SetSampler(trace.AlwaysSample())
		case tracepb.ConstantSampler_ALWAYS_PARENT:
			t.SetSampler(trace.ParentBased(trace.NeverSample()))
		default:
			t.SetSampler(trace.NeverSample())
		}
	case *tracepb.TraceConfig_RateLimitingSampler:
		if q := s.RateLimitingSampler.GetQps(); q >= 0 {
			t.SetSampler(trace.RateLimitingSampler(float64(q)))
		}
	}
	l := t.Limits()
	set := func(dst *int, v int64) {
		if v > 0 {
			*dst = int(min(v, maxConfigLimit))
		}
	}
	set(&l.MaxAttributes, cfg.GetMaxNumberOfAttributes())
	set(&l.MaxAnnotations, cfg.GetMaxNumberOfAnnotations())
	set(&l.MaxMessageEvents, cfg.GetMaxNumberOfMessageEvents())
	set(&l.MaxLinks, cfg.GetMaxNumberOfLinks())
	t.SetLimits(l)
	return currentConfig(t)
}

// currentConfig describes t's sampler and limits as a TraceConfig. Samplers
// the protocol cannot express (ParentBased with a non-constant root, custom
// samplers) are reported without a sampler.
func currentConfig(t *trace.Tracer) *tracepb.TraceConfig {
	l := t.Limits()
	cfg := &tracepb.TraceConfig{
		MaxNumberOfAttributes:    int64(l.MaxAttributes),
		MaxNumberOfAnnotations:   int64(l.MaxAnnotations),
		MaxNumberOfMessageEvents: int64(l.MaxMessageEvents),
		MaxNumberOfLinks:         int64(l.MaxLinks),
	}
	desc := t.Sampler().Description()
	constant := func(d tracepb.ConstantSampler_ConstantDecision) {
		cfg.Sampler = &tracepb.TraceConfig_ConstantSampler{ConstantSampler: &tracepb.ConstantSampler{Decision: d}}
	}
	switch {
	case desc == "AlwaysSample":
		constant(tracepb.ConstantSampler_ALWAYS_ON)
	case desc == "NeverSample":
		constant(tracepb.ConstantSampler_ALWAYS_OFF)
	case strings.HasPrefix(desc, "ParentBased{root:NeverSample,"):
		constant(tracepb.ConstantSampler_ALWAYS_PARENT)
	case strings.HasPrefix(desc, "ProbabilitySampler{"):
		if p, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimPrefix(desc, "ProbabilitySampler{"), "}"), 64); err == nil {
			cfg.Sampler = &tracepb.TraceConfig_ProbabilitySampler{ProbabilitySampler: &tracepb.ProbabilitySampler{SamplingProbability: p}}
		}
	case strings.HasPrefix(desc, "RateLimitingSampler{"):
		if q, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimPrefix(desc, "RateLimitingSampler{"), "}"), 64); err == nil {
			cfg.Sampler = &tracepb.TraceConfig_RateLimitingSampler{RateLimitingSampler: &tracepb.RateLimitingSampler{Qps: int64(q)}}
		}
	}
	return cfg
}

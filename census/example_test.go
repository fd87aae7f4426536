package census_test

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/gocensus/gocensus/census"
	"github.com/gocensus/gocensus/sdk/resource"
	"github.com/gocensus/gocensus/sdk/trace"
)

// names is an exporter that remembers span names, standing in for an
// exporter from another module.
type names struct {
	mu  sync.Mutex
	got []string
}

func (n *names) ExportSpans(_ context.Context, spans []*trace.SpanData) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, s := range spans {
		n.got = append(n.got, s.Name)
	}
	return nil
}

func (n *names) Shutdown(context.Context) error { return nil }

func Example() {
	ctx := context.Background()
	cfg, err := census.ParseYAML([]byte(`
sampler: always
exporters: [names]
propagators: [tracecontext, b3]
exclude_paths: [/healthz]
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	// Environment variables win over the file, as census.Load applies them.
	if err := cfg.ApplyEnv([]string{"OTEL_TRACES_SAMPLER=parentbased_always_on"}); err != nil {
		fmt.Println(err)
		return
	}

	exp := &names{}
	c, err := census.New(ctx, cfg,
		census.WithExporterFactory("names", func(context.Context, string) (census.Exporter, error) { return exp, nil }),
		census.WithResource(&resource.Resource{}))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, parent := c.Tracer().Start(ctx, "checkout")
	_, child := c.Tracer().Start(ctx, "charge card")
	child.End()
	parent.End()
	if err := c.Shutdown(ctx); err != nil {
		fmt.Println(err)
	}

	sort.Strings(exp.got)
	fmt.Println("sampler:", cfg.Sampler)
	fmt.Println("spans:", exp.got)
	fmt.Println("propagators:", c.HTTPPropagator().Fields())
	// Output:
	// sampler: parent:always
	// spans: [charge card checkout]
	// propagators: [traceparent tracestate x-b3-traceid x-b3-spanid x-b3-sampled]
}

// Errors name the key and the values it accepts.
func ExampleParseJSON() {
	_, err := census.ParseJSON([]byte(`{"sampler": "probability:2", "exporter": "print"}`))
	fmt.Println(err)
	// Output:
	// census: sampler: invalid value "probability:2": probability needs a number from 0 to 1; allowed: always, never, probability:P (0 ≤ P ≤ 1), ratelimit:N (traces per second, N > 0), parent:SAMPLER (SAMPLER one of the others)
	// census: unknown key "exporter"; allowed keys: service_name, sampler, exporters, propagators, exclude_paths, exclude_hosts, exclude_methods, views, reporting_period
}

// The OpenTelemetry variables map onto the same keys.
func ExampleConfig_ApplyEnv() {
	var cfg census.Config
	err := cfg.ApplyEnv([]string{
		"OTEL_TRACES_SAMPLER=parentbased_traceidratio",
		"OTEL_TRACES_SAMPLER_ARG=0.05",
		"OTEL_PROPAGATORS=tracecontext,baggage,b3",
		"GOCENSUS_EXCLUDE_PATHS=/healthz,/metrics",
	})
	fmt.Println(err)
	fmt.Println(cfg.Sampler)
	fmt.Println(cfg.Propagators)
	fmt.Println(cfg.ExcludePaths)
	// Output:
	// <nil>
	// parent:probability:0.05
	// [tracecontext b3single]
	// [/healthz /metrics]
}

func ExampleParseSampler() {
	s, err := census.ParseSampler("ratelimit:100")
	fmt.Println(s.Description(), err)
	_, err = census.ParseSampler("parent:sometimes")
	fmt.Println(err)
	// Output:
	// RateLimitingSampler{100} <nil>
	// census: sampler: invalid value "parent:sometimes": unknown sampler; allowed: always, never, probability:P (0 ≤ P ≤ 1), ratelimit:N (traces per second, N > 0), parent:SAMPLER (SAMPLER one of the others)
}

package census_test

import (
	"context"
	"testing"

	"github.com/gocensus/gocensus/census"
)

// Loading runs once per process, but a slow or allocation-heavy loader
// would still show up in start-up time of short-lived tools.
func BenchmarkParseJSON(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := census.ParseJSON([]byte(fullJSON)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseYAML(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := census.ParseYAML([]byte(fullYAML)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNewShutdown(b *testing.B) {
	b.ReportAllocs()
	ctx := context.Background()
	cfg := census.Config{Sampler: "parent:probability:0.5", Propagators: []string{"tracecontext", "b3"}}
	for b.Loop() {
		c, err := census.New(ctx, cfg, census.WithResource(testResource))
		if err != nil {
			b.Fatal(err)
		}
		if err := c.Shutdown(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

package census_test

import (
	"strings"
	"testing"

	"github.com/gocensus/gocensus/census"
)

// Parsed configurations are always valid: whatever the loaders accept,
// Validate accepts too.
func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{fullJSON, `{}`, `{"sampler": null}`, `{"exporters": "print,log"}`, `{"a":1}`, `[`, `{"sampler":"parent:probability:1e-3"}`, `{"reporting_period":"1h"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := census.ParseJSON(b)
		if err != nil {
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("ParseJSON(%q) accepted a config Validate rejects: %v", b, err)
		}
	})
}

func FuzzParseYAML(f *testing.F) {
	for _, s := range []string{fullYAML, ``, "sampler:\n", "exporters: [print]\n", "a: &x [1]\nb: *x\n", "- x\n", "propagators: none\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := census.ParseYAML(b)
		if err != nil {
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("ParseYAML(%q) accepted a config Validate rejects: %v", b, err)
		}
	})
}

func FuzzApplyEnv(f *testing.F) {
	f.Add("GOCENSUS_SAMPLER=always\nOTEL_PROPAGATORS=b3")
	f.Add("OTEL_TRACES_SAMPLER=traceidratio\nOTEL_TRACES_SAMPLER_ARG=0.5")
	f.Add("GOCENSUS_EXCLUDE_PATHS=/a,/b\nGOCENSUS_REPORTING_PERIOD=5s")
	f.Add("GOCENSUS_X=1")
	f.Fuzz(func(t *testing.T, env string) {
		var c census.Config
		if err := c.ApplyEnv(strings.Split(env, "\n")); err != nil {
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("ApplyEnv(%q) accepted a config Validate rejects: %v", env, err)
		}
	})
}

func FuzzParseSampler(f *testing.F) {
	for _, s := range []string{"", "always", "never", "probability:0.5", "ratelimit:10", "parent:always", "parent:parent:never", "probability:1e309", "ratelimit:0x10"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sm, err := census.ParseSampler(s)
		if err == nil && sm == nil {
			t.Fatalf("ParseSampler(%q) returned neither a sampler nor an error", s)
		}
	})
}

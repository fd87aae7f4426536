package census_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gocensus/gocensus/census"
)

// badValues has, for every key, malformed values and a fragment of the
// allowed-values text each error must carry.
var badValues = []struct {
	key, env string
	values   []string
	allowed  string
}{
	{"service_name", "GOCENSUS_SERVICE_NAME", []string{"caf\u00e9", strings.Repeat("s", 257)}, "printable ASCII"},
	{"sampler", "GOCENSUS_SAMPLER", []string{"probabilty:0.5", "probability:1.5", "probability:", "ratelimit:0", "ratelimit:x", "always:1", "parent:parent:always", "parent:", "Always"}, "probability:P"},
	{"exporters", "GOCENSUS_EXPORTERS", []string{"print:stdout", "file", "file:", "agent:nohostport", "Print", "1x", "print,print", "print,none"}, "file:PATH"},
	{"propagators", "GOCENSUS_PROPAGATORS", []string{"w3c", "baggage", "b3,b3", "TRACECONTEXT", "none,b3"}, "tracecontext, binary, b3"},
	{"exclude_paths", "GOCENSUS_EXCLUDE_PATHS", []string{"healthz", "/a[", "*"}, `starting with "/"`},
	{"exclude_hosts", "GOCENSUS_EXCLUDE_HOSTS", []string{"a/b", "a b", "h[", "none,x"}, "host names"},
	{"exclude_methods", "GOCENSUS_EXCLUDE_METHODS", []string{"pkg.Service/Method", "/pkg.S/[", "/a,none"}, "full gRPC method names"},
	{"views", "GOCENSUS_VIEWS", []string{"grpc", "http_server,http_server", "HTTP_SERVER"}, "grpc_client, grpc_server"},
	{"reporting_period", "GOCENSUS_REPORTING_PERIOD", []string{"10", "-5s", "0s", "soon"}, "positive Go duration"},
}

func isList(key string) bool {
	return strings.HasPrefix(key, "exclude_") || key == "exporters" || key == "propagators" || key == "views"
}

func checkKeyErr(t *testing.T, err error, key, allowed string) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	var ke *census.KeyError
	if !errors.As(err, &ke) {
		t.Fatalf("error %v is not a *KeyError", err)
	}
	if ke.Key != key {
		t.Errorf("KeyError.Key = %q, want %q (error: %v)", ke.Key, key, err)
	}
	msg := err.Error()
	if !strings.Contains(msg, key) || !strings.Contains(msg, allowed) {
		t.Errorf("error %q does not name %q and the allowed values (%q)", msg, key, allowed)
	}
}

func TestBadValuePerKey(t *testing.T) {
	t.Parallel()
	for _, tc := range badValues {
		for _, v := range tc.values {
			t.Run(tc.key+"/"+v, func(t *testing.T) {
				t.Parallel()
				jsonVal := fmt.Sprintf("%q", v)
				yamlVal := fmt.Sprintf("%q", v)
				if isList(tc.key) {
					b, err := json.Marshal(strings.Split(v, ","))
					if err != nil {
						t.Fatal(err)
					}
					jsonVal, yamlVal = string(b), string(b)
				}
				_, err := census.ParseJSON([]byte(fmt.Sprintf(`{%q: %s}`, tc.key, jsonVal)))
				checkKeyErr(t, err, tc.key, tc.allowed)

				_, err = census.ParseYAML([]byte(fmt.Sprintf("%s: %s\n", tc.key, yamlVal)))
				checkKeyErr(t, err, tc.key, tc.allowed)

				var c census.Config
				err = c.ApplyEnv([]string{tc.env + "=" + v})
				checkKeyErr(t, err, tc.env, tc.allowed)
				if !cmp.Equal(c, census.Config{}) {
					t.Errorf("ApplyEnv changed the Config on error: %+v", c)
				}
			})
		}
	}
}

func TestValidatePerKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key     string
		cfg     census.Config
		allowed string
	}{
		{"service_name", census.Config{ServiceName: "a\nb"}, "printable ASCII"},
		{"sampler", census.Config{Sampler: "sometimes"}, "ratelimit:N"},
		{"exporters", census.Config{Exporters: []string{"log:x"}}, "file:PATH"},
		{"propagators", census.Config{Propagators: []string{"jaeger"}}, "b3single"},
		{"exclude_paths", census.Config{ExcludePaths: []string{"x"}}, `starting with "/"`},
		{"exclude_hosts", census.Config{ExcludeHosts: []string{""}}, "host names"},
		{"exclude_methods", census.Config{ExcludeMethods: []string{"Method"}}, "gRPC method"},
		{"views", census.Config{Views: []string{"rpc"}}, "http_server"},
		{"reporting_period", census.Config{ReportingPeriod: census.Duration(-time.Second)}, "positive"},
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			t.Parallel()
			checkKeyErr(t, tc.cfg.Validate(), tc.key, tc.allowed)
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	t.Parallel()
	c := census.Config{Sampler: "x", Exporters: []string{"file:"}, ExcludePaths: []string{"y"}}
	err := c.Validate()
	for _, k := range []string{"sampler", "exporters", "exclude_paths"} {
		if err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("Validate() = %v, want it to mention %s", err, k)
		}
	}
}

func TestValidConfigs(t *testing.T) {
	t.Parallel()
	tests := []census.Config{
		{},
		{
			ServiceName:     "checkout",
			Sampler:         "parent:ratelimit:100",
			Exporters:       []string{"print", "log", "file:/tmp/spans.jsonl", "agent", "agent:localhost:55678", "otlp:[::1]:4317", "custom-1:anything"},
			Propagators:     []string{"tracecontext", "binary", "b3", "b3single", "cloud", "text"},
			ExcludePaths:    []string{"/healthz", "/static/*", "/users/*/avatar", "/"},
			ExcludeHosts:    []string{"collector:4317", "*.internal"},
			ExcludeMethods:  []string{"/grpc.health.v1.Health/*", "/pkg.Service/", "/pkg.Service/Method"},
			Views:           []string{"grpc_client", "grpc_server", "http_client", "http_server"},
			ReportingPeriod: census.Duration(30 * time.Second),
		},
		{Exporters: []string{"none"}, Propagators: []string{"none"}, ExcludePaths: []string{}},
	}
	for i, c := range tests {
		if err := c.Validate(); err != nil {
			t.Errorf("%d: Validate() = %v", i, err)
		}
	}
}

func TestParseSampler(t *testing.T) {
	t.Parallel()
	tests := []struct {
		spec string
		want string // the sampler's description, or "" for an error
	}{
		{"", "ProbabilitySampler{0.0001}"},
		{"always", "AlwaysSample"},
		{"never", "NeverSample"},
		{"probability:0", "ProbabilitySampler{0}"},
		{"probability:1", "ProbabilitySampler{1}"},
		{"probability:0.25", "ProbabilitySampler{0.25}"},
		{"ratelimit:100", "RateLimitingSampler{100}"},
		{"parent:always", "ParentBased{root:AlwaysSample"},
		{"parent:probability:0.01", "ParentBased{root:ProbabilitySampler{0.01}"},
		{"probability:NaN", ""},
		{"probability:-0.1", ""},
		{"ratelimit:-1", ""},
		{"ratelimit:Inf", ""},
		{"parent:parent:never", ""},
		{"never:", ""},
		{" always", ""},
	}
	for _, tc := range tests {
		t.Run(tc.spec, func(t *testing.T) {
			t.Parallel()
			s, err := census.ParseSampler(tc.spec)
			if tc.want == "" {
				checkKeyErr(t, err, "sampler", "parent:SAMPLER")
				return
			}
			if err != nil {
				t.Fatalf("ParseSampler(%q): %v", tc.spec, err)
			}
			if got := s.Description(); !strings.HasPrefix(got, tc.want) {
				t.Errorf("ParseSampler(%q) = %s, want %s", tc.spec, got, tc.want)
			}
		})
	}
}

func TestDurationText(t *testing.T) {
	t.Parallel()
	var d census.Duration
	if err := d.UnmarshalText([]byte("1m30s")); err != nil || time.Duration(d) != 90*time.Second {
		t.Fatalf("UnmarshalText(1m30s) = %v, %v", time.Duration(d), err)
	}
	if b, _ := d.MarshalText(); string(b) != "1m30s" {
		t.Errorf("MarshalText = %s", b)
	}
	if err := d.UnmarshalText([]byte("90")); err == nil {
		t.Error("UnmarshalText(90) succeeded")
	}
}

// TestEveryKeyHasBadValues keeps badValues in step with the keys: the
// unknown-key error lists them all.
func TestEveryKeyHasBadValues(t *testing.T) {
	t.Parallel()
	_, err := census.ParseJSON([]byte(`{"?": 1}`))
	var ke *census.KeyError
	if !errors.As(err, &ke) {
		t.Fatalf("ParseJSON unknown key: %v", err)
	}
	covered := map[string]bool{}
	for _, tc := range badValues {
		covered[tc.key] = true
		if want := "GOCENSUS_" + strings.ToUpper(tc.key); tc.env != want {
			t.Errorf("key %s: variable %s, want %s", tc.key, tc.env, want)
		}
	}
	for _, k := range strings.Split(ke.Allowed, ", ") {
		if !covered[k] {
			t.Errorf("key %s has no malformed values in badValues", k)
		}
	}
}

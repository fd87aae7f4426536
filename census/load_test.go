package census_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"

	"github.com/gocensus/gocensus/census"
)

var full = census.Config{
	ServiceName:     "checkout",
	Sampler:         "parent:probability:0.5",
	Exporters:       []string{"print", "file:/var/log/spans.jsonl"},
	Propagators:     []string{"tracecontext", "b3"},
	ExcludePaths:    []string{"/healthz", "/static/*"},
	ExcludeHosts:    []string{"collector.internal"},
	ExcludeMethods:  []string{"/grpc.health.v1.Health/*"},
	Views:           []string{"http_server", "grpc_server"},
	ReportingPeriod: census.Duration(30 * time.Second),
}

const fullJSON = `{
  "service_name": "checkout",
  "sampler": "parent:probability:0.5",
  "exporters": ["print", "file:/var/log/spans.jsonl"],
  "propagators": "tracecontext, b3",
  "exclude_paths": ["/healthz", "/static/*"],
  "exclude_hosts": ["collector.internal"],
  "exclude_methods": ["/grpc.health.v1.Health/*"],
  "views": ["http_server", "grpc_server"],
  "reporting_period": "30s"
}`

const fullYAML = `
service_name: checkout
sampler: parent:probability:0.5
exporters: [print, "file:/var/log/spans.jsonl"]
propagators: tracecontext,b3
exclude_paths:
  - /healthz
  - /static/*
exclude_hosts: [collector.internal]
exclude_methods: ["/grpc.health.v1.Health/*"]
views: [http_server, grpc_server]
reporting_period: 30s
`

func TestParseFull(t *testing.T) {
	t.Parallel()
	for name, parse := range map[string]func() (census.Config, error){
		"json": func() (census.Config, error) { return census.ParseJSON([]byte(fullJSON)) },
		"yaml": func() (census.Config, error) { return census.ParseYAML([]byte(fullYAML)) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := parse()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(full, got); diff != "" {
				t.Errorf("config (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMarshalRoundTrip checks that the struct tags and the loaders agree:
// a Config written by encoding/json or YAML reads back the same.
func TestMarshalRoundTrip(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(full)
	if err != nil {
		t.Fatal(err)
	}
	got, err := census.ParseJSON(b)
	if err != nil {
		t.Fatalf("ParseJSON(%s): %v", b, err)
	}
	if diff := cmp.Diff(full, got); diff != "" {
		t.Errorf("JSON round trip (-want +got):\n%s", diff)
	}
	y, err := yaml.Marshal(full)
	if err != nil {
		t.Fatal(err)
	}
	got, err = census.ParseYAML(y)
	if err != nil {
		t.Fatalf("ParseYAML(%s): %v", y, err)
	}
	if diff := cmp.Diff(full, got); diff != "" {
		t.Errorf("YAML round trip (-want +got):\n%s", diff)
	}
}

func TestParseEmptyAndNone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		parse func([]byte) (census.Config, error)
		in    string
		want  census.Config
	}{
		{"json empty object", census.ParseJSON, `{}`, census.Config{}},
		{"json null values", census.ParseJSON, `{"sampler": null, "exporters": null}`, census.Config{}},
		{"json empty list", census.ParseJSON, `{"exclude_paths": []}`, census.Config{ExcludePaths: []string{}}},
		{"json none", census.ParseJSON, `{"exclude_paths": "none"}`, census.Config{ExcludePaths: []string{"none"}}},
		{"yaml empty document", census.ParseYAML, ``, census.Config{}},
		{"yaml comment only", census.ParseYAML, "# nothing\n", census.Config{}},
		{"yaml key without value", census.ParseYAML, "sampler:\n", census.Config{}},
		{"yaml empty list", census.ParseYAML, "exclude_methods: []\n", census.Config{ExcludeMethods: []string{}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := tc.parse([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseMalformed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		parse func([]byte) (census.Config, error)
		in    string
		want  string
	}{
		{"json unknown key", census.ParseJSON, `{"sampeler": "always"}`, `unknown key "sampeler"; allowed keys: service_name, sampler,`},
		{"json repeated key", census.ParseJSON, `{"sampler": "always", "sampler": "never"}`, "key repeated"},
		{"json not an object", census.ParseJSON, `["sampler"]`, "one object"},
		{"json null", census.ParseJSON, `null`, "one object"},
		{"json trailing data", census.ParseJSON, `{} {}`, "data after the object"},
		{"json truncated", census.ParseJSON, `{"sampler": "always"`, "malformed JSON"},
		{"json number for string", census.ParseJSON, `{"sampler": 1}`, "sampler: invalid value \"1\": want a string"},
		{"json object for list", census.ParseJSON, `{"exporters": {"print": true}}`, "want a list of strings"},
		{"json number for duration", census.ParseJSON, `{"reporting_period": 10}`, "reporting_period"},
		{"json empty list element", census.ParseJSON, `{"exporters": "print,,log"}`, "empty element"},
		{"yaml unknown key", census.ParseYAML, "exporter: print\n", `unknown key "exporter"`},
		{"yaml unknown null key", census.ParseYAML, "exporter:\n", `unknown key "exporter"`},
		{"yaml repeated key", census.ParseYAML, "sampler: always\nsampler: never\n", "key repeated"},
		{"yaml not a mapping", census.ParseYAML, "- sampler\n", "one mapping"},
		{"yaml syntax", census.ParseYAML, "sampler: [always\n", "malformed YAML"},
		{"yaml mapping for list", census.ParseYAML, "exclude_paths: {a: b}\n", "want a list of strings"},
		{"yaml list for string", census.ParseYAML, "sampler: [always]\n", "want a string"},
		{"yaml complex key", census.ParseYAML, "? [a]\n: b\n", "unknown key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := tc.parse([]byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestParseReportsEveryKey(t *testing.T) {
	t.Parallel()
	_, err := census.ParseJSON([]byte(`{"sampler": "x", "typo": 1, "exclude_paths": ["y"]}`))
	for _, want := range []string{"sampler", `"typo"`, "exclude_paths"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not mention %s", err, want)
		}
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadFile(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"census.json", "census.yaml", "CENSUS.YML"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			content := fullYAML
			if strings.HasSuffix(name, ".json") {
				content = fullJSON
			}
			got, err := census.ReadFile(writeFile(t, name, content))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(full, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadFileErrors(t *testing.T) {
	t.Parallel()
	p := writeFile(t, "census.json", `{"sampler": "sometimes"}`)
	_, err := census.ReadFile(p)
	var ke *census.KeyError
	if !errors.As(err, &ke) || ke.Source != p || !strings.Contains(err.Error(), p+": sampler") {
		t.Errorf("ReadFile bad sampler: %v, want a KeyError naming %s", err, p)
	}
	if _, err := census.ReadFile(writeFile(t, "census.toml", ``)); err == nil || !strings.Contains(err.Error(), ".json, .yaml, .yml") {
		t.Errorf("ReadFile(.toml) = %v, want the allowed extensions", err)
	}
	if _, err := census.ReadFile(filepath.Join(t.TempDir(), "missing.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ReadFile(missing) = %v, want ErrNotExist", err)
	}
}

func TestApplyEnv(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		base census.Config
		env  []string
		want census.Config
	}{
		{"nothing set", full, nil, full},
		{"empty values change nothing", full, []string{"GOCENSUS_SAMPLER=", "OTEL_TRACES_SAMPLER=", "GOCENSUS_EXPORTERS= "}, full},
		{"every key", census.Config{}, []string{
			"GOCENSUS_SERVICE_NAME=checkout",
			"GOCENSUS_SAMPLER=parent:probability:0.5",
			"GOCENSUS_EXPORTERS=print, file:/var/log/spans.jsonl",
			"GOCENSUS_PROPAGATORS=tracecontext,b3",
			"GOCENSUS_EXCLUDE_PATHS=/healthz,/static/*",
			"GOCENSUS_EXCLUDE_HOSTS=collector.internal",
			"GOCENSUS_EXCLUDE_METHODS=/grpc.health.v1.Health/*",
			"GOCENSUS_VIEWS=http_server,grpc_server",
			"GOCENSUS_REPORTING_PERIOD=30s",
		}, full},
		{"lists replace", full, []string{"GOCENSUS_EXPORTERS=log"}, func() census.Config {
			c := full
			c.Exporters = []string{"log"}
			return c
		}()},
		{"none empties a list", census.Config{}, []string{"GOCENSUS_EXCLUDE_PATHS=none"}, census.Config{ExcludePaths: []string{"none"}}},
		{"other variables ignored", census.Config{}, []string{"PATH=/bin", "OTEL_RESOURCE_ATTRIBUTES=a=b", "NOEQUALS"}, census.Config{}},
		{"otel service name", census.Config{ServiceName: "file"}, []string{"OTEL_SERVICE_NAME=otel"}, census.Config{ServiceName: "otel"}},
		{"gocensus beats otel service name", census.Config{}, []string{"OTEL_SERVICE_NAME=otel", "GOCENSUS_SERVICE_NAME=ours"}, census.Config{ServiceName: "ours"}},
		{"gocensus beats otel sampler", census.Config{}, []string{"OTEL_TRACES_SAMPLER=always_off", "GOCENSUS_SAMPLER=always"}, census.Config{Sampler: "always"}},
		{"gocensus beats otel propagators", census.Config{}, []string{"OTEL_PROPAGATORS=b3", "GOCENSUS_PROPAGATORS=text"}, census.Config{Propagators: []string{"text"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := tc.base
			if err := c.ApplyEnv(tc.env); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, c); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestApplyEnvOTel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env         []string
		sampler     string
		propagators []string
	}{
		{[]string{"OTEL_TRACES_SAMPLER=always_on"}, "always", nil},
		{[]string{"OTEL_TRACES_SAMPLER=ALWAYS_OFF"}, "never", nil},
		{[]string{"OTEL_TRACES_SAMPLER=traceidratio"}, "probability:1", nil},
		{[]string{"OTEL_TRACES_SAMPLER=traceidratio", "OTEL_TRACES_SAMPLER_ARG=0.25"}, "probability:0.25", nil},
		{[]string{"OTEL_TRACES_SAMPLER=parentbased_always_on"}, "parent:always", nil},
		{[]string{"OTEL_TRACES_SAMPLER=parentbased_always_off"}, "parent:never", nil},
		{[]string{"OTEL_TRACES_SAMPLER=parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG=0.01"}, "parent:probability:0.01", nil},
		{[]string{"OTEL_PROPAGATORS=tracecontext,baggage"}, "", []string{"tracecontext"}},
		{[]string{"OTEL_PROPAGATORS=b3"}, "", []string{"b3single"}},
		{[]string{"OTEL_PROPAGATORS=b3multi, tracecontext"}, "", []string{"b3", "tracecontext"}},
		{[]string{"OTEL_PROPAGATORS=none"}, "", []string{}},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.env, " "), func(t *testing.T) {
			t.Parallel()
			var c census.Config
			if err := c.ApplyEnv(tc.env); err != nil {
				t.Fatal(err)
			}
			if c.Sampler != tc.sampler || !cmp.Equal(c.Propagators, tc.propagators) {
				t.Errorf("sampler %q propagators %q, want %q %q", c.Sampler, c.Propagators, tc.sampler, tc.propagators)
			}
		})
	}
}

func TestApplyEnvErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env     []string
		key     string
		allowed string
	}{
		{[]string{"GOCENSUS_SAMPLR=always"}, "GOCENSUS_SAMPLR", "GOCENSUS_SAMPLER"},
		{[]string{"OTEL_TRACES_SAMPLER=sometimes"}, "OTEL_TRACES_SAMPLER", "parentbased_traceidratio"},
		{[]string{"OTEL_TRACES_SAMPLER=jaeger_remote"}, "OTEL_TRACES_SAMPLER", "always_on"},
		{[]string{"OTEL_TRACES_SAMPLER=xray"}, "OTEL_TRACES_SAMPLER", "unsupported"},
		{[]string{"OTEL_TRACES_SAMPLER=traceidratio", "OTEL_TRACES_SAMPLER_ARG=2"}, "OTEL_TRACES_SAMPLER_ARG", "from 0 to 1"},
		{[]string{"OTEL_TRACES_SAMPLER=traceidratio", "OTEL_TRACES_SAMPLER_ARG=half"}, "OTEL_TRACES_SAMPLER_ARG", "from 0 to 1"},
		{[]string{"OTEL_TRACES_SAMPLER=always_on", "OTEL_TRACES_SAMPLER_ARG=0.5"}, "OTEL_TRACES_SAMPLER_ARG", "only with traceidratio"},
		{[]string{"OTEL_TRACES_SAMPLER_ARG=0.5"}, "OTEL_TRACES_SAMPLER_ARG", "only with traceidratio"},
		{[]string{"OTEL_PROPAGATORS=jaeger"}, "OTEL_PROPAGATORS", "unsupported"},
		{[]string{"OTEL_PROPAGATORS=w3c"}, "OTEL_PROPAGATORS", "tracecontext, baggage"},
		{[]string{"OTEL_PROPAGATORS=b3,b3"}, "OTEL_PROPAGATORS", "listed twice"},
		{[]string{"OTEL_PROPAGATORS=none,b3"}, "OTEL_PROPAGATORS", "stand alone"},
		{[]string{"OTEL_PROPAGATORS=b3,,tracecontext"}, "OTEL_PROPAGATORS", "empty element"},
		{[]string{"OTEL_SERVICE_NAME=caf\u00e9"}, "OTEL_SERVICE_NAME", "printable ASCII"},
		// A shadowed OpenTelemetry variable is still checked.
		{[]string{"GOCENSUS_SAMPLER=always", "OTEL_TRACES_SAMPLER=bogus"}, "OTEL_TRACES_SAMPLER", "always_on"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.env, " "), func(t *testing.T) {
			t.Parallel()
			var c census.Config
			checkKeyErr(t, c.ApplyEnv(tc.env), tc.key, tc.allowed)
		})
	}
}

// TestLoadPrecedence checks environment over file over defaults, through
// the process environment as a service sees it.
func TestLoadPrecedence(t *testing.T) {
	p := writeFile(t, "census.yaml", "sampler: never\nexporters: [print]\nservice_name: fromfile\n")
	t.Setenv("GOCENSUS_SAMPLER", "always")
	t.Setenv("OTEL_SERVICE_NAME", "fromenv")
	got, err := census.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	want := census.Config{Sampler: "always", Exporters: []string{"print"}, ServiceName: "fromenv"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Load (-want +got):\n%s", diff)
	}

	got, err = census.FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if want := (census.Config{Sampler: "always", ServiceName: "fromenv"}); !cmp.Equal(want, got) {
		t.Errorf("FromEnv() = %+v, want %+v", got, want)
	}

	t.Setenv("GOCENSUS_EXPORTER", "print")
	if _, err := census.Load(p); err == nil || !strings.Contains(err.Error(), "GOCENSUS_EXPORTER") {
		t.Errorf("Load with a misspelt variable = %v, want an error naming it", err)
	}
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// metric is the part of a printed metric line the tests read.
type metric struct {
	Name       string `json:"name"`
	TimeSeries []struct {
		Labels map[string]string `json:"labels"`
		Points []struct {
			Int64 int64 `json:"int64"`
		} `json:"points"`
	} `json:"timeseries"`
}

type span struct {
	TraceID      string `json:"trace_id"`
	SpanID       string `json:"span_id"`
	ParentSpanID string `json:"parent_span_id"`
	Name         string `json:"name"`
	Kind         string `json:"kind"`
}

func runDemo(t *testing.T, args, environ []string) []span {
	t.Helper()
	spans, _ := runDemoAll(t, args, environ)
	return spans
}

func runDemoAll(t *testing.T, args, environ []string) ([]span, []metric) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, args, environ, &out); err != nil {
		t.Fatalf("run: %v", err)
	}
	var spans []span
	var metrics []metric
	sc := bufio.NewScanner(&out)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var s span
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		if s.SpanID != "" {
			spans = append(spans, s)
			continue
		}
		var m metric
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		metrics = append(metrics, m)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return spans, metrics
}

func TestDemoExcludesConfiguredPaths(t *testing.T) {
	t.Parallel()
	spans, metrics := runDemoAll(t, nil, nil)
	// The configured http_server views count requests by route; excluded
	// requests record no stats either.
	completed := map[string]int64{}
	for _, m := range metrics {
		if m.Name != "opencensus.io/http/server/completed_count" {
			continue
		}
		for _, ts := range m.TimeSeries {
			for _, p := range ts.Points {
				completed[ts.Labels["http_server_route"]] += p.Int64
			}
		}
	}
	if want := map[string]int64{"/hello": 2, "/quote": 2}; !maps.Equal(completed, want) {
		t.Errorf("completed requests by route %v, want %v", completed, want)
	}
	count := map[string]int{}
	byID := map[string]span{}
	for _, s := range spans {
		count[s.Kind+" "+s.Name]++
		byID[s.SpanID] = s
	}
	want := map[string]int{
		"CLIENT /hello":           2,
		"SERVER /hello":           2,
		"CLIENT /quote":           2,
		"SERVER /quote":           2,
		"CLIENT /static/site.css": 1, // the client traces it; the server excludes it
	}
	for k, n := range want {
		if count[k] != n {
			t.Errorf("%d spans %q, want %d (all: %v)", count[k], k, n, count)
		}
	}
	for k := range count {
		if strings.Contains(k, "/healthz") || strings.HasPrefix(k, "SERVER /static/") {
			t.Errorf("excluded request made span %q", k)
		}
	}
	// Each /quote server span descends, through the handler's outgoing
	// call, from a /hello server span in the same trace.
	for _, s := range spans {
		if s.Kind != "SERVER" || s.Name != "/quote" {
			continue
		}
		call := byID[s.ParentSpanID]
		hello := byID[call.ParentSpanID]
		if call.Name != "/quote" || hello.Name != "/hello" || hello.Kind != "SERVER" || hello.TraceID != s.TraceID {
			t.Errorf("/quote server span %s is not under a /hello server span", s.SpanID)
		}
	}
}

func TestEnvironmentOverridesConfig(t *testing.T) {
	t.Parallel()
	if n := len(runDemo(t, nil, []string{"GOCENSUS_SAMPLER=never"})); n != 0 {
		t.Errorf("GOCENSUS_SAMPLER=never: %d spans, want 0", n)
	}
	spans := runDemo(t, nil, []string{"GOCENSUS_EXCLUDE_PATHS=none"})
	for _, s := range spans {
		// ServeMux names the span after its route, "/static/".
		if s.Kind == "SERVER" && strings.HasPrefix(s.Name, "/static/") {
			return
		}
	}
	t.Error("with the excludelist emptied, /static/site.css made no server span")
}

func TestConfigFlag(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "census.yaml")
	if err := os.WriteFile(p, []byte("sampler: always\nexporters: [print]\nexclude_paths: [/hello]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, s := range runDemo(t, []string{"-config", p}, nil) {
		if s.Kind == "SERVER" && s.Name == "/hello" {
			t.Error("/hello is excluded by the -config file but made a server span")
		}
	}
}

func TestBadConfig(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out bytes.Buffer
	err := run(ctx, nil, []string{"GOCENSUS_PROPAGATORS=w3c"}, &out)
	if err == nil || !strings.Contains(err.Error(), "GOCENSUS_PROPAGATORS") {
		t.Errorf("run with a bad propagator = %v, want an error naming GOCENSUS_PROPAGATORS", err)
	}
	if err := run(ctx, []string{"extra"}, nil, &out); err == nil {
		t.Error("run with an extra argument succeeded")
	}
}

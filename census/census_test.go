package census_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gocensus/gocensus/census"
	"github.com/gocensus/gocensus/propagation"
	"github.com/gocensus/gocensus/sdk/resource"
	"github.com/gocensus/gocensus/sdk/stats"
	"github.com/gocensus/gocensus/sdk/trace"
	"github.com/gocensus/gocensus/sdk/trace/tracetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// memory is an exporter factory collecting spans in memory and counting
// shutdowns.
type memory struct {
	spans     *tracetest.InMemoryExporter
	mu        sync.Mutex
	arg       string
	shutdowns int
	metrics   int
}

func newMemory() *memory { return &memory{spans: tracetest.NewInMemoryExporter()} }

func (m *memory) factory(_ context.Context, arg string) (census.Exporter, error) {
	m.mu.Lock()
	m.arg = arg
	m.mu.Unlock()
	return m, nil
}

func (m *memory) ExportSpans(ctx context.Context, s []*trace.SpanData) error {
	return m.spans.ExportSpans(ctx, s)
}

func (m *memory) ExportMetrics(context.Context, []*stats.Metric) error {
	m.mu.Lock()
	m.metrics++
	m.mu.Unlock()
	return nil
}

func (m *memory) Shutdown(ctx context.Context) error {
	m.mu.Lock()
	m.shutdowns++
	m.mu.Unlock()
	return m.spans.Shutdown(ctx)
}

var testResource = &resource.Resource{Labels: map[string]string{"host.name": "test"}}

func TestNewExportsThroughFactory(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	mem := newMemory()
	cfg := census.Config{Sampler: "always", Exporters: []string{"memory:xyz"}, ServiceName: "svc"}
	c, err := census.New(ctx, cfg, census.WithExporterFactory("memory", mem.factory), census.WithResource(testResource))
	if err != nil {
		t.Fatal(err)
	}
	_, span := c.Tracer().Start(ctx, "work")
	span.End()
	if err := c.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Shutdown(ctx); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
	spans := mem.spans.GetSpans()
	if len(spans) != 1 || spans[0].Name != "work" {
		t.Fatalf("exported %d spans, want the one named work", len(spans))
	}
	if got := spans[0].Resource.Labels[resource.ServiceNameKey]; got != "svc" {
		t.Errorf("service.name = %q, want svc", got)
	}
	if got := spans[0].Resource.Labels["host.name"]; got != "test" {
		t.Errorf("host.name = %q, want the WithResource label", got)
	}
	mem.mu.Lock()
	defer mem.mu.Unlock()
	if mem.arg != "xyz" {
		t.Errorf("factory arg = %q, want xyz", mem.arg)
	}
	if mem.shutdowns != 1 {
		t.Errorf("exporter shut down %d times, want once", mem.shutdowns)
	}
	if mem.metrics == 0 {
		t.Error("the stats manager did not export to the exporter at Shutdown")
	}
}

func TestNewSampler(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cfg  census.Config
		opts []census.Option
		want string
	}{
		{census.Config{}, nil, "ProbabilitySampler{0.0001}"},
		{census.Config{Sampler: "ratelimit:5"}, nil, "RateLimitingSampler{5}"},
		{census.Config{Sampler: "parent:never"}, nil, "ParentBased{root:NeverSample"},
		{census.Config{Sampler: "never"}, []census.Option{census.WithSampler(trace.AlwaysSample())}, "AlwaysSample"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			t.Parallel()
			ctx := testCtx(t)
			c, err := census.New(ctx, tc.cfg, append(tc.opts, census.WithResource(testResource))...)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Shutdown(ctx)
			if got := c.Tracer().Sampler().Description(); !strings.HasPrefix(got, tc.want) {
				t.Errorf("sampler %s, want %s", got, tc.want)
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	t.Parallel()
	notExporter := func(context.Context, string) (census.Exporter, error) { return shutdownOnly{}, nil }
	failing := func(context.Context, string) (census.Exporter, error) { return nil, errors.New("dial failed") }
	tests := []struct {
		name string
		cfg  census.Config
		opts []census.Option
		want string
	}{
		{"invalid config", census.Config{Sampler: "maybe"}, nil, "sampler"},
		{"unknown scheme", census.Config{Exporters: []string{"zipkin:host:9411"}}, nil, "unknown exporter scheme"},
		{"factory fails", census.Config{Exporters: []string{"x"}}, []census.Option{census.WithExporterFactory("x", failing)}, `exporter "x": dial failed`},
		{"nil factory", census.Config{Exporters: []string{"x"}}, []census.Option{census.WithExporterFactory("x", nil)}, "nil factory"},
		{"not an exporter", census.Config{Exporters: []string{"x"}}, []census.Option{census.WithExporterFactory("x", notExporter)}, "neither spans nor metrics"},
		{"file in missing directory", census.Config{Exporters: []string{"file:/nonexistent/dir/spans.jsonl"}}, nil, `exporter "file:/nonexistent/dir/spans.jsonl"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := census.New(testCtx(t), tc.cfg, append(tc.opts, census.WithResource(testResource))...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New error = %v, want it to contain %q", err, tc.want)
			}
			if c != nil {
				t.Error("New returned a Census with an error")
			}
		})
	}
}

// TestNewShutsDownBuiltExportersOnError checks nothing is left open when a
// later exporter fails.
func TestNewShutsDownBuiltExportersOnError(t *testing.T) {
	t.Parallel()
	mem := newMemory()
	_, err := census.New(testCtx(t), census.Config{Exporters: []string{"mem", "zipkin:host:9411"}},
		census.WithExporterFactory("mem", mem.factory), census.WithResource(testResource))
	if err == nil {
		t.Fatal("New succeeded")
	}
	mem.mu.Lock()
	defer mem.mu.Unlock()
	if mem.shutdowns != 1 {
		t.Errorf("first exporter shut down %d times, want once", mem.shutdowns)
	}
}

func TestBuiltinExporters(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	var printed, logged bytes.Buffer
	path := filepath.Join(t.TempDir(), "spans.jsonl")
	c, err := census.New(ctx, census.Config{Sampler: "always", Exporters: []string{"print", "log", "file:" + path}},
		census.WithWriter(&printed), census.WithLogger(slogTo(&logged)), census.WithResource(testResource))
	if err != nil {
		t.Fatal(err)
	}
	_, span := c.Tracer().Start(ctx, "op")
	span.End()
	if err := c.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	filed, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"print": printed.String(), "file": string(filed)} {
		if n := countSpanLines(t, out, "op"); n != 1 {
			t.Errorf("%s exporter wrote %d spans named op, want 1:\n%s", name, n, out)
		}
	}
	if !strings.Contains(logged.String(), "op") {
		t.Errorf("log exporter wrote no span named op:\n%s", logged.String())
	}
}

func countSpanLines(t *testing.T, out, name string) int {
	t.Helper()
	n := 0
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var line struct {
			Name   string `json:"name"`
			SpanID string `json:"span_id"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		if line.Name == name && line.SpanID != "" {
			n++
		}
	}
	return n
}

func TestPropagators(t *testing.T) {
	t.Parallel()
	sc := trace.SpanContext{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}, TraceOptions: trace.FlagSampled}
	tests := []struct {
		name        string
		propagators []string
		all, http   []string // header fields written
	}{
		{"default", nil, []string{"grpc-trace-bin", "traceparent"}, []string{"traceparent"}},
		{"none", []string{"none"}, nil, nil},
		{"b3 and cloud", []string{"b3", "cloud"}, []string{"x-b3-traceid", "x-cloud-trace-context"}, []string{"x-b3-traceid", "x-cloud-trace-context"}},
		{"b3single and text", []string{"b3single", "text"}, []string{"b3", "opencensus-trace-traceid"}, []string{"b3", "opencensus-trace-traceid"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := testCtx(t)
			c, err := census.New(ctx, census.Config{Propagators: tc.propagators}, census.WithResource(testResource))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Shutdown(ctx)
			for _, side := range []struct {
				p    propagation.TextMapPropagator
				want []string
			}{{c.Propagator(), tc.all}, {c.HTTPPropagator(), tc.http}} {
				m := propagation.MapCarrier{}
				side.p.Inject(sc, m)
				for _, f := range side.want {
					if _, ok := m[f]; !ok {
						t.Errorf("injected %v, want field %s", m, f)
					}
				}
				if len(side.want) == 0 && len(m) != 0 {
					t.Errorf("injected %v, want nothing", m)
				}
			}
		})
	}
}

// TestHTTPExcludelist runs a traced server and client built from a Config
// and checks which requests made spans.
func TestHTTPExcludelist(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	mem := newMemory()
	cfg := census.Config{
		Sampler:      "always",
		Exporters:    []string{"mem"},
		Propagators:  []string{"b3"},
		ExcludePaths: []string{"/skip", "/static/*"},
		Views:        []string{"http_server"},
	}
	c, err := census.New(ctx, cfg, census.WithExporterFactory("mem", mem.factory), census.WithResource(testResource))
	if err != nil {
		t.Fatal(err)
	}
	var sawB3 sync.Map
	srv := httptest.NewServer(c.HTTPHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sawB3.Store(r.URL.Path, r.Header.Get("X-B3-TraceId") != "")
		io.WriteString(w, "ok")
	})))
	defer srv.Close()
	client := &http.Client{Transport: c.HTTPTransport(nil)}
	defer client.CloseIdleConnections()
	for _, p := range []string{"/work", "/skip", "/static/app.js", "/healthz"} {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+p, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	var viewNames []string
	for _, m := range c.Manager().Read() {
		viewNames = append(viewNames, m.Descriptor.Name)
	}
	if !slices.Contains(viewNames, "opencensus.io/http/server/completed_count") {
		t.Errorf("registered views %v, want the HTTP server views", viewNames)
	}
	if err := c.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	server := map[string]int{}
	clientSpans := 0
	for _, s := range mem.spans.GetSpans() {
		switch s.Kind {
		case trace.SpanKindServer:
			server[s.Name]++
		case trace.SpanKindClient:
			clientSpans++
		}
	}
	// The configured list replaced the default, so /healthz is traced.
	for _, p := range []string{"/work", "/healthz"} {
		if server[p] != 1 {
			t.Errorf("server spans for %s: %d, want 1 (all: %v)", p, server[p], server)
		}
	}
	for _, p := range []string{"/skip", "/static/app.js"} {
		if server[p] != 0 {
			t.Errorf("excluded path %s has a server span", p)
		}
	}
	if clientSpans != 4 {
		t.Errorf("client spans: %d, want 4", clientSpans)
	}
	if v, _ := sawB3.Load("/work"); v != true {
		t.Error("the client did not send B3 headers")
	}
}

func TestHTTPExcludedHosts(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	mem := newMemory()
	c, err := census.New(ctx, census.Config{Sampler: "always", Exporters: []string{"mem"}, ExcludeHosts: []string{"127.0.0.1"}, ExcludePaths: []string{"/"}},
		census.WithExporterFactory("mem", mem.factory), census.WithResource(testResource))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	client := &http.Client{Transport: c.HTTPTransport(nil)}
	defer client.CloseIdleConnections()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/x", nil)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := c.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(mem.spans.GetSpans()); n != 0 {
		t.Errorf("%d spans for a call to an excluded host, want 0", n)
	}
}

func TestGRPCOptions(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	cfg := census.Config{ExcludeMethods: []string{"/pkg.S/"}}
	c, err := census.New(ctx, cfg, census.WithResource(testResource))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Shutdown(ctx)
	cfg.ExcludeMethods[0] = "/changed/" // the Census keeps its own copy
	c.Config().ExcludeMethods[0] = "/changed/"
	if n := len(c.GRPCOptions()); n != 4 {
		t.Errorf("GRPCOptions: %d options, want tracer, manager, propagation and excludelist", n)
	}
	if len(c.GRPCServerOptions()) == 0 || len(c.GRPCClientOptions()) == 0 {
		t.Error("no gRPC server or client options")
	}
	if got := c.Config().ExcludeMethods; len(got) != 1 || got[0] != "/pkg.S/" {
		t.Errorf("Config().ExcludeMethods = %v, want [/pkg.S/]", got)
	}
}

func slogTo(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// shutdownOnly has Shutdown but exports nothing.
type shutdownOnly struct{}

func (shutdownOnly) Shutdown(context.Context) error { return nil }

func TestCodeOptions(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	spans := tracetest.NewInMemoryExporter()
	metrics := newMemory()
	c, err := census.New(ctx, census.Config{Sampler: "always", Views: []string{"grpc_client", "grpc_server", "http_client", "http_server"}},
		census.WithResource(testResource),
		census.WithTracerOptions(trace.WithSyncer(spans)),
		census.WithStatsOptions(stats.WithExporter(metrics)))
	if err != nil {
		t.Fatal(err)
	}
	_, span := c.Tracer().Start(ctx, "sync")
	span.End()
	if n := len(spans.GetSpans()); n != 1 {
		t.Errorf("WithSyncer exporter holds %d spans right after End, want 1", n)
	}
	prefixes := map[string]bool{}
	for _, m := range c.Manager().Read() {
		name := m.Descriptor.Name
		for _, p := range []string{"grpc.io/client/", "grpc.io/server/", "opencensus.io/http/client/", "opencensus.io/http/server/"} {
			if strings.HasPrefix(name, p) {
				prefixes[p] = true
			}
		}
	}
	if len(prefixes) != 4 {
		t.Errorf("views registered for %v, want gRPC and HTTP, client and server", prefixes)
	}
	if err := c.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	metrics.mu.Lock()
	defer metrics.mu.Unlock()
	if metrics.metrics == 0 || metrics.shutdowns != 1 {
		t.Errorf("WithStatsOptions exporter: %d exports, %d shutdowns; want some and one", metrics.metrics, metrics.shutdowns)
	}
}

// TestResourceFromEnvironment cannot run in parallel: it sets variables.
func TestResourceFromEnvironment(t *testing.T) {
	ctx := testCtx(t)
	mem := newMemory()
	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=staging")
	t.Setenv("OTEL_SERVICE_NAME", "from-env")
	c, err := census.New(ctx, census.Config{Sampler: "always", Exporters: []string{"mem"}, ServiceName: "from-config"},
		census.WithExporterFactory("mem", mem.factory))
	if err != nil {
		t.Fatal(err)
	}
	_, span := c.Tracer().Start(ctx, "x")
	span.End()
	if err := c.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	labels := mem.spans.GetSpans()[0].Resource.Labels
	if labels["deployment.environment"] != "staging" || labels[resource.ServiceNameKey] != "from-config" {
		t.Errorf("resource labels %v, want the environment's attributes and the configured service name", labels)
	}

	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "novalue")
	if _, err := census.New(ctx, census.Config{}); err == nil || !strings.Contains(err.Error(), "resource") {
		t.Errorf("New with malformed OTEL_RESOURCE_ATTRIBUTES = %v, want a resource error", err)
	}
}

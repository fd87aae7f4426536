package censushttp_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gocensus/gocensus/interceptors/censushttp"
	"github.com/gocensus/gocensus/propagation"
	"github.com/gocensus/gocensus/sdk/trace"
)

// FuzzHandler sends arbitrary paths, queries and trace headers through the
// handler: it must never panic, must always run the wrapped handler, and
// must never put a query value into a span.
func FuzzHandler(f *testing.F) {
	f.Add("/users/42", "token=secret&x", "00-4bf92f3577b34da6a3ce929d000e4736-00f067aa0ba902b7-01", "a=b")
	f.Add("", "", "", "")
	f.Add("/%zz", "=&&==", "00-zz", "=,=")
	f.Add("/a b/ü", "k=v;w", strings.Repeat("f", 600), strings.Repeat("x=y,", 40))
	tracer, mem := newTracer()
	mux := http.NewServeMux()
	mux.HandleFunc("/users/{id}", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "u") })
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {})
	h := censushttp.NewHandler(mux, censushttp.WithTracer(tracer),
		censushttp.WithPropagator(propagation.Composite{propagation.TraceContext{}, propagation.B3{}}))
	f.Fuzz(func(t *testing.T, path, query, traceparent, tracestate string) {
		mem.Reset()
		u := &url.URL{Scheme: "http", Host: "example.com", Path: path, RawQuery: query}
		req := httptest.NewRequest("GET", "http://example.com/", nil)
		req.URL = u
		req.Header.Set("traceparent", traceparent)
		req.Header.Set("tracestate", tracestate)
		req.Header.Set("b3", traceparent)
		h.ServeHTTP(httptest.NewRecorder(), req)
		for _, s := range mem.GetSpans() {
			for _, a := range s.Attributes {
				if a.Key != "http.url" {
					continue
				}
				if _, q, ok := strings.Cut(a.Value.AsString(), "?"); ok {
					for _, kv := range strings.Split(q, "&") {
						if _, v, ok := strings.Cut(kv, "="); ok && v != "REDACTED" {
							t.Fatalf("query value %q leaked into http.url %q", v, a.Value.AsString())
						}
					}
				}
			}
		}
	})
}

func TestB3Propagator(t *testing.T) {
	t.Parallel()
	tracer, mem := newTracer()
	var got trace.SpanContext
	h := censushttp.NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = trace.SpanContextFromContext(r.Context())
	}), censushttp.WithTracer(tracer), censushttp.WithPropagator(propagation.B3{}))
	req := httptest.NewRequest("GET", "/x", nil)
	req.Header.Set("X-B3-TraceId", "4bf92f3577b34da6a3ce929d000e4736")
	req.Header.Set("X-B3-SpanId", "00f067aa0ba902b7")
	req.Header.Set("X-B3-Sampled", "1")
	h.ServeHTTP(httptest.NewRecorder(), req)
	spans := mem.GetSpans()
	if len(spans) != 1 || spans[0].ParentSpanID.String() != "00f067aa0ba902b7" || got.SpanID != spans[0].SpanID {
		t.Errorf("B3 parent not used: %+v", spans)
	}
}

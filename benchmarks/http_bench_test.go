package benchmarks_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.opencensus.io/plugin/ochttp"
	"go.opencensus.io/plugin/ochttp/propagation/tracecontext"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/propagation"

	"github.com/gocensus/gocensus/interceptors/censushttp"
)

// roundTripFunc serves requests in memory, so the HTTP benchmark measures
// the instrumentation of both sides and not a network.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// inMemory returns a transport that runs h for every request.
func inMemory(h http.Handler) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec.Result(), nil
	})
}

// BenchmarkHTTP is one GET through an instrumented client transport and an
// instrumented server handler, in memory, each library with W3C trace
// context propagation.
func BenchmarkHTTP(b *testing.B) {
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") })
	libs := []struct {
		name  string
		setup func(b *testing.B, sampled bool) http.RoundTripper
	}{
		{"none", func(*testing.B, bool) http.RoundTripper { return inMemory(app) }},
		{"gocensus", func(b *testing.B, sampled bool) http.RoundTripper {
			opts := []censushttp.Option{censushttp.WithTracer(gcRPCTracer(b, sampled)), censushttp.WithStats(false)}
			return censushttp.NewTransport(inMemory(censushttp.NewHandler(app, opts...)), opts...)
		}},
		{"opencensus", func(b *testing.B, sampled bool) http.RoundTripper {
			configureOpenCensus(b, sampled)
			prop := &tracecontext.HTTPFormat{}
			return &ochttp.Transport{Base: inMemory(&ochttp.Handler{Handler: app, Propagation: prop}), Propagation: prop}
		}},
		{"otel", func(b *testing.B, sampled bool) http.RoundTripper {
			tp := otelProvider(b, sampled)
			opts := []otelhttp.Option{otelhttp.WithTracerProvider(tp), otelhttp.WithPropagators(propagation.TraceContext{})}
			return otelhttp.NewTransport(inMemory(otelhttp.NewHandler(app, "server", opts...)), opts...)
		}},
	}
	for _, lib := range libs {
		for _, sampled := range []bool{true, false} {
			name := "lib=" + lib.name + "/unsampled"
			if sampled {
				name = "lib=" + lib.name + "/sampled"
			}
			b.Run(name, func(b *testing.B) {
				client := &http.Client{Transport: lib.setup(b, sampled)}
				req, err := http.NewRequest("GET", "http://example.com/items/1?q=x", nil)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				for b.Loop() {
					resp, err := client.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			})
		}
	}
}

package censushttp_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gocensus/gocensus/interceptors/censushttp"
	"github.com/gocensus/gocensus/sdk/trace"
)

type discard struct{}

func (discard) OnStart(context.Context, *trace.Span) {}
func (discard) OnEnd(*trace.SpanData)                {}
func (discard) ForceFlush(context.Context) error     { return nil }
func (discard) Shutdown(context.Context) error       { return nil }

// roundTripFunc serves requests in memory, so the benchmark measures the
// instrumentation, not a network.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// BenchmarkHandlerTransport is one request through both the client
// transport and the server handler, in memory.
func BenchmarkHandlerTransport(b *testing.B) {
	for _, sampled := range []bool{true, false} {
		name := "unsampled"
		s := trace.NeverSample()
		if sampled {
			name, s = "sampled", trace.AlwaysSample()
		}
		b.Run(name, func(b *testing.B) {
			tracer := trace.NewTracer(trace.WithSampler(s), trace.WithSpanProcessor(discard{}))
			opts := []censushttp.Option{censushttp.WithTracer(tracer), censushttp.WithStats(false)}
			h := censushttp.NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.WriteString(w, "ok")
			}), opts...)
			base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, r)
				return rec.Result(), nil
			})
			client := &http.Client{Transport: censushttp.NewTransport(base, opts...)}
			req, _ := http.NewRequest("GET", "http://example.com/items/1", nil)
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

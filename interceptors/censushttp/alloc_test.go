package censushttp_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gocensus/gocensus/interceptors/censushttp"
	"github.com/gocensus/gocensus/sdk/trace"
)

// nopWriter is a ResponseWriter that allocates nothing.
type nopWriter struct{ h http.Header }

func (w nopWriter) Header() http.Header       { return w.h }
func (nopWriter) Write(p []byte) (int, error) { return len(p), nil }
func (nopWriter) WriteHeader(int)             {}

// TestServerAllocations pins what the handler allocates for an unsampled
// request with a traceparent: the request copy that carries the new
// context (net/http's WithContext) and the per-request state. (A writer
// with optional interfaces such as http.Flusher costs one wrapper more.)
func TestServerAllocations(t *testing.T) {
	// Not parallel: AllocsPerRun counts every goroutine's allocations.
	tr := trace.NewTracer(trace.WithSampler(trace.NeverSample()))
	h := censushttp.NewHandler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}),
		censushttp.WithTracer(tr), censushttp.WithStats(false))
	req := httptest.NewRequest("GET", "http://example.com/users/42", nil)
	req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d000e4736-00f067aa0ba902b7-00")
	w := nopWriter{h: http.Header{}}
	if got := testing.AllocsPerRun(200, func() { h.ServeHTTP(w, req) }); got > 2 {
		t.Errorf("%v allocations per request, want <= 2", got)
	}
}

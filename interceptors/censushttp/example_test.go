package censushttp_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/gocensus/gocensus/interceptors/censushttp"
	"github.com/gocensus/gocensus/sdk/trace"
	"github.com/gocensus/gocensus/sdk/trace/tracetest"
)

// Wrap a ServeMux so spans are named after its route patterns, and trace
// the client side with a Transport.
func Example() {
	mem := tracetest.NewInMemoryExporter()
	tracer := trace.NewTracer(trace.WithSampler(trace.AlwaysSample()), trace.WithSyncer(mem))

	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "user %s", r.PathValue("id"))
	})
	srv := httptest.NewServer(censushttp.NewHandler(mux, censushttp.WithTracer(tracer)))
	defer srv.Close()

	client := &http.Client{Transport: censushttp.NewTransport(srv.Client().Transport, censushttp.WithTracer(tracer))}
	resp, err := client.Get(srv.URL + "/users/42?session=abc")
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(string(body))

	for _, s := range mem.GetSpans() {
		fmt.Println(s.Kind == trace.SpanKindServer, s.Name, s.Status.Code)
	}
	// Output:
	// user 42
	// true /users/{id} 0
	// false /users/42 0
}

func ExampleTraceStatus() {
	for _, code := range []int{200, 404, 409, 503} {
		fmt.Println(code, censushttp.TraceStatus(code).Code)
	}
	// Output:
	// 200 0
	// 404 5
	// 409 6
	// 503 14
}

func ExampleNewMatcher() {
	m := censushttp.NewMatcher("/", "/static/*", "/users/*/avatar")
	for _, p := range []string{"/", "/index.html", "/static/a/b.css", "/users/7/avatar"} {
		fmt.Println(p, m.Match(p))
	}
	// Output:
	// / true
	// /index.html false
	// /static/a/b.css true
	// /users/7/avatar true
}

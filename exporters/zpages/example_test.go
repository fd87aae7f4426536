package zpages_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/gocensus/gocensus/exporters/zpages"
	"github.com/gocensus/gocensus/sdk/stats"
	"github.com/gocensus/gocensus/sdk/trace"
)

func ExampleNew() {
	mgr := stats.NewManager()
	defer mgr.Shutdown(context.Background())
	z, err := zpages.New(zpages.WithStatsManager(mgr))
	if err != nil {
		fmt.Println(err)
		return
	}
	tracer := trace.NewTracer(trace.WithSampler(trace.AlwaysSample()), trace.WithSpanProcessor(z))
	defer tracer.Shutdown(context.Background()) // shuts z down too

	_, span := tracer.Start(context.Background(), "checkout")
	span.End()

	mux := http.NewServeMux()
	mux.Handle("/debug/", z)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/debug/tracez", nil))
	fmt.Println(rec.Code, strings.Contains(rec.Body.String(), `<tr data-name="checkout">`))
	// Output: 200 true
}

package censushttp_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gocensus/gocensus/interceptors/censushttp"
	"github.com/gocensus/gocensus/propagation"
	"github.com/gocensus/gocensus/sdk/stats"
	"github.com/gocensus/gocensus/sdk/trace"
	"github.com/gocensus/gocensus/sdk/trace/tracetest"
)

func newTracer() (*trace.Tracer, *tracetest.InMemoryExporter) {
	mem := tracetest.NewInMemoryExporter()
	return trace.NewTracer(trace.WithSampler(trace.AlwaysSample()), trace.WithSyncer(mem)), mem
}

func attrs(s *trace.SpanData) map[string]any {
	out := map[string]any{}
	for _, a := range s.Attributes {
		switch a.Value.Type() {
		case trace.Int64Attribute("", 0).Value.Type():
			out[a.Key] = a.Value.AsInt64()
		default:
			out[a.Key] = a.Value.AsString()
		}
	}
	return out
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestServerSpan(t *testing.T) {
	t.Parallel()
	tracer, mem := newTracer()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.WriteHeader(http.StatusConflict)
		_, _ = w.Write(append([]byte("dup:"), body...))
	})
	h := censushttp.NewHandler(mux, censushttp.WithTracer(tracer))
	parent := "00-4bf92f3577b34da6a3ce929d000e4736-00f067aa0ba902b7-01"
	req := httptest.NewRequest("POST", "http://example.com:8080/users/42?token=secret&x", strings.NewReader("hello"))
	req.Header.Set("traceparent", parent)
	req.Header.Set("User-Agent", "test-agent")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	spans := mem.GetSpans()
	if len(spans) != 1 {
		t.Fatalf("%d spans", len(spans))
	}
	s := spans[0]
	if s.Name != "/users/{id}" || s.Kind != trace.SpanKindServer {
		t.Errorf("span %q kind %v", s.Name, s.Kind)
	}
	if s.TraceID.String() != "4bf92f3577b34da6a3ce929d000e4736" || s.ParentSpanID.String() != "00f067aa0ba902b7" {
		t.Errorf("parent %v/%v", s.TraceID, s.ParentSpanID)
	}
	if s.Status.Code != 6 {
		t.Errorf("status %v, want ALREADY_EXISTS", s.Status)
	}
	want := map[string]any{
		"http.host":        "example.com:8080",
		"http.method":      "POST",
		"http.path":        "/users/42",
		"http.route":       "/users/{id}",
		"http.url":         "http://example.com:8080/users/42?token=REDACTED&x",
		"http.user_agent":  "test-agent",
		"http.status_code": int64(409),
	}
	got := attrs(s)
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if len(s.MessageEvents) != 2 || s.MessageEvents[0].UncompressedSize != 5 || s.MessageEvents[1].UncompressedSize != 9 {
		t.Errorf("message events %+v", s.MessageEvents)
	}
}

func TestTraceStatus(t *testing.T) {
	t.Parallel()
	cases := map[int]int32{
		100: 2, 200: 0, 204: 0, 302: 0, 400: 3, 401: 16, 403: 7, 404: 5, 409: 6,
		422: 3, 429: 8, 499: 1, 500: 2, 501: 12, 503: 14, 504: 4, 418: 2, 599: 2,
	}
	for code, want := range cases {
		if got := censushttp.TraceStatus(code); got.Code != want || got.Message != "" {
			t.Errorf("TraceStatus(%d) = %+v, want code %d", code, got, want)
		}
	}
}

func TestExcludedPaths(t *testing.T) {
	t.Parallel()
	cases := []struct {
		patterns []string
		path     string
		traced   bool
	}{
		{nil, "/healthz", false},
		{nil, "/readyz", false},
		{nil, "/_ah/health", false},
		{nil, "/healthz/deep", true},
		{nil, "/", true},
		{[]string{"/"}, "/", false},
		{[]string{"/"}, "/anything", true},
		{[]string{"/static/*"}, "/static/css/site.css", false},
		{[]string{"/static/*"}, "/staticx", true},
		{[]string{"/users/*/avatar"}, "/users/7/avatar", false},
		{[]string{"/users/*/avatar"}, "/users/7/8/avatar", true},
		{[]string{}, "/healthz", true},
	}
	for _, tc := range cases {
		tracer, mem := newTracer()
		opts := []censushttp.Option{censushttp.WithTracer(tracer)}
		if tc.patterns != nil {
			opts = append(opts, censushttp.WithExcludedPaths(tc.patterns...))
		}
		var seen trace.SpanContext
		h := censushttp.NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			seen = trace.SpanContextFromContext(r.Context())
		}), opts...)
		req := httptest.NewRequest("GET", tc.path, nil)
		req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d000e4736-00f067aa0ba902b7-01")
		h.ServeHTTP(httptest.NewRecorder(), req)
		if traced := len(mem.GetSpans()) == 1; traced != tc.traced {
			t.Errorf("patterns %q path %q: traced %v, want %v", tc.patterns, tc.path, traced, tc.traced)
		}
		if seen.TraceID.String() != "4bf92f3577b34da6a3ce929d000e4736" {
			t.Errorf("patterns %q path %q: handler lost the caller's trace", tc.patterns, tc.path)
		}
	}
}

func TestPanicRecordedAndReraised(t *testing.T) {
	t.Parallel()
	tracer, mem := newTracer()
	h := censushttp.NewHandler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("boom")
	}), censushttp.WithTracer(tracer))
	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Errorf("recovered %v, want the original panic", p)
			}
		}()
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/x", nil))
	}()
	spans := mem.GetSpans()
	if len(spans) != 1 || spans[0].Status.Code != 2 || len(spans[0].Annotations) != 1 {
		t.Fatalf("spans %+v", spans)
	}
	if got := attrs(spans[0])["http.status_code"]; got != int64(500) {
		t.Errorf("status code attribute %v", got)
	}
}

// TestResponseWriterInterfaces checks the wrapper exposes exactly the
// optional interfaces of the writer underneath, and that
// http.ResponseController reaches through it.
func TestResponseWriterInterfaces(t *testing.T) {
	t.Parallel()
	type caps struct{ flusher, hijacker, readerFrom, controllerFlush bool }
	probe := func(w http.ResponseWriter) caps {
		var c caps
		_, c.flusher = w.(http.Flusher)
		_, c.hijacker = w.(http.Hijacker)
		_, c.readerFrom = w.(io.ReaderFrom)
		c.controllerFlush = http.NewResponseController(w).Flush() == nil
		return c
	}
	// The probe flushes, so the client may see the response before the
	// handler returns; results travel over a channel.
	results := make(chan caps, 1)
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { results <- probe(w) })
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/plain" {
			inner.ServeHTTP(w, r)
			return
		}
		censushttp.NewHandler(inner, censushttp.WithTracer(trace.NewTracer())).ServeHTTP(w, r)
	}))
	defer srv.Close()
	var got [2]caps
	for i, p := range []string{"/plain", "/wrapped"} {
		resp, err := srv.Client().Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		got[i] = <-results
	}
	plain, wrapped := got[0], got[1]
	if plain != wrapped || !wrapped.flusher || !wrapped.hijacker || !wrapped.readerFrom {
		t.Errorf("wrapped %+v, plain %+v", wrapped, plain)
	}
	// A recorder is only a Flusher.
	rec := httptest.NewRecorder()
	censushttp.NewHandler(inner, censushttp.WithTracer(trace.NewTracer())).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if wrapped, want := <-results, probe(httptest.NewRecorder()); wrapped != want {
		t.Errorf("over a recorder: %+v, want %+v", wrapped, want)
	}
}

func TestHijackedConnection(t *testing.T) {
	t.Parallel()
	tracer, mem := newTracer()
	srv := httptest.NewServer(censushttp.NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		_, _ = buf.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n")
		_ = buf.Flush()
		c.Close()
	}), censushttp.WithTracer(tracer)))
	defer srv.Close()
	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, _ = io.WriteString(c, "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\n")
	line, _ := bufio.NewReader(c).ReadString('\n')
	if !strings.Contains(line, "101") {
		t.Fatalf("response %q", line)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(mem.GetSpans()) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if spans := mem.GetSpans(); len(spans) != 1 || spans[0].Status.Code != 2 {
		t.Errorf("spans %+v, want one with the 101 status (UNKNOWN)", spans)
	}
}

func TestClientServer(t *testing.T) {
	t.Parallel()
	tracer, mem := newTracer()
	srv := httptest.NewServer(censushttp.NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		_, _ = io.WriteString(w, "pong")
	}), censushttp.WithTracer(tracer)))
	defer srv.Close()
	client := &http.Client{Transport: censushttp.NewTransport(srv.Client().Transport, censushttp.WithTracer(tracer))}
	ctx, parent := tracer.Start(testCtx(t), "caller")
	for _, p := range []string{"/ping", "/missing"} {
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+p+"?q=1", nil)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if req.Header.Get("traceparent") != "" {
			t.Error("the caller's request was modified")
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	parent.End()
	var clients, servers []*trace.SpanData
	for _, s := range mem.GetSpans() {
		switch s.Kind {
		case trace.SpanKindClient:
			clients = append(clients, s)
		case trace.SpanKindServer:
			servers = append(servers, s)
		}
	}
	if len(clients) != 2 || len(servers) != 2 {
		t.Fatalf("%d client, %d server spans", len(clients), len(servers))
	}
	for i, c := range clients {
		s := servers[i]
		if c.ParentSpanID != parent.SpanContext().SpanID || s.ParentSpanID != c.SpanID || s.TraceID != c.TraceID {
			t.Errorf("request %d: spans not linked", i)
		}
		if c.Name != s.Name || c.Status.Code != s.Status.Code {
			t.Errorf("request %d: client %q/%v, server %q/%v", i, c.Name, c.Status, s.Name, s.Status)
		}
	}
	if clients[1].Status.Code != 5 || clients[0].MessageEvents[1].UncompressedSize != 4 {
		t.Errorf("client spans %+v", clients)
	}
}

func TestClientErrors(t *testing.T) {
	t.Parallel()
	tracer, mem := newTracer()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close() // nothing listens: connection refused
	client := &http.Client{Transport: censushttp.NewTransport(nil, censushttp.WithTracer(tracer))}
	if _, err := client.Get("http://" + addr + "/x"); err == nil {
		t.Fatal("want an error")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+addr+"/y", nil)
	if _, err := client.Do(req); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
	client.CloseIdleConnections()
	spans := mem.GetSpans()
	if len(spans) != 2 || spans[0].Status.Code != 2 || spans[1].Status.Code != 1 {
		t.Errorf("statuses %v", spans)
	}
}

func TestExcludedHostStillPropagates(t *testing.T) {
	t.Parallel()
	tracer, mem := newTracer()
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Get("traceparent")
	}))
	defer srv.Close()
	client := &http.Client{Transport: censushttp.NewTransport(srv.Client().Transport,
		censushttp.WithTracer(tracer), censushttp.WithExcludedHosts("127.0.0.1"))}
	ctx, parent := tracer.Start(testCtx(t), "caller")
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	parent.End()
	sc, _ := propagation.ParseTraceparent(got)
	if sc.SpanID != parent.SpanContext().SpanID {
		t.Errorf("traceparent %q does not name the caller", got)
	}
	if n := len(mem.GetSpans()); n != 1 {
		t.Errorf("%d spans, want the caller's only", n)
	}
}

func TestViews(t *testing.T) {
	t.Parallel()
	mgr := stats.NewManager()
	defer mgr.Shutdown(context.Background())
	if err := mgr.Register(append(append([]*stats.View{}, censushttp.DefaultServerViews...), censushttp.DefaultClientViews...)...); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "item") })
	srv := httptest.NewServer(censushttp.NewHandler(mux, censushttp.WithStatsManager(mgr), censushttp.WithTracer(trace.NewTracer())))
	defer srv.Close()
	client := &http.Client{Transport: censushttp.NewTransport(srv.Client().Transport, censushttp.WithStatsManager(mgr), censushttp.WithTracer(trace.NewTracer()))}
	for _, id := range []string{"1", "2", "3"} {
		resp, err := client.Get(srv.URL + "/items/" + id)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	counts := map[string]int64{}
	for _, m := range mgr.Read() {
		for _, ts := range m.TimeSeries {
			var labels []string
			for _, lv := range ts.LabelValues {
				labels = append(labels, lv.Value)
			}
			counts[m.Descriptor.Name+"{"+strings.Join(labels, ",")+"}"] = ts.Points[len(ts.Points)-1].Int64Value
		}
	}
	if got := counts["opencensus.io/http/server/completed_count{GET,/items/{id},200}"]; got != 3 {
		t.Errorf("server completed_count = %d; have %v", got, counts)
	}
	if got := counts["opencensus.io/http/client/completed_count{GET,200}"]; got != 3 {
		t.Errorf("client completed_count = %d; have %v", got, counts)
	}
}

// TestURLRedaction checks http.url for query shapes: keys kept, values
// replaced, separators as sent.
func TestURLRedaction(t *testing.T) {
	t.Parallel()
	tracer, mem := newTracer()
	h := censushttp.NewHandler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), censushttp.WithTracer(tracer))
	for query, want := range map[string]string{
		"":             "http://example.com/p",
		"a=1&b=2":      "http://example.com/p?a=REDACTED&b=REDACTED",
		"a&b=":         "http://example.com/p?a&b=REDACTED",
		"=x":           "http://example.com/p?=REDACTED",
		"a=1&&b":       "http://example.com/p?a=REDACTED&&b",
		"x=a=b&token=": "http://example.com/p?x=REDACTED&token=REDACTED",
		"&":            "http://example.com/p?&",
	} {
		mem.Reset()
		req := httptest.NewRequest("GET", "http://example.com/p", nil)
		req.URL.RawQuery = query
		h.ServeHTTP(httptest.NewRecorder(), req)
		spans := mem.GetSpans()
		if len(spans) != 1 {
			t.Fatalf("%q: %d spans", query, len(spans))
		}
		if got := attrs(spans[0])["http.url"]; got != want {
			t.Errorf("query %q: http.url %q, want %q", query, got, want)
		}
	}
}

// TestB3DecisionWithoutIDs sends B3 headers that carry only a sampling
// decision: the handler's new root follows it over the tracer's sampler, and
// an outgoing call from the handler passes it on.
func TestB3DecisionWithoutIDs(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		headers map[string]string
		sampler trace.Sampler
		want    bool
	}{
		{"deny under AlwaysSample", map[string]string{"b3": "0"}, trace.AlwaysSample(), false},
		{"multi-header deny", map[string]string{"X-B3-Sampled": "0"}, trace.AlwaysSample(), false},
		{"accept under NeverSample", map[string]string{"b3": "1"}, trace.NeverSample(), true},
		{"debug under NeverSample", map[string]string{"b3": "d"}, trace.NeverSample(), true},
		{"no decision: the tracer decides", map[string]string{}, trace.AlwaysSample(), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mem := tracetest.NewInMemoryExporter()
			tracer := trace.NewTracer(trace.WithSampler(tt.sampler), trace.WithSyncer(mem))
			b3 := censushttp.WithPropagator(propagation.B3{SingleHeader: true})
			var sent http.Header
			client := &http.Client{Transport: censushttp.NewTransport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
				sent = r.Header
				return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Request: r}, nil
			}), censushttp.WithTracer(tracer), b3)}
			h := censushttp.NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				req, _ := http.NewRequestWithContext(r.Context(), "GET", "http://downstream/", nil)
				if resp, err := client.Do(req); err == nil {
					_ = resp.Body.Close()
				}
			}), censushttp.WithTracer(tracer), b3)
			req := httptest.NewRequest("GET", "/x", nil)
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			h.ServeHTTP(httptest.NewRecorder(), req)
			if got := len(mem.GetSpans()) > 0; got != tt.want {
				t.Errorf("spans recorded: %v, want %v", got, tt.want)
			}
			down, err := propagation.ParseB3Single(sent.Get("b3"))
			if err != nil || !down.SpanContext.IsValid() || down.SpanContext.IsSampled() != tt.want {
				t.Errorf("downstream b3 %q (%v): sampled %v, want %v", sent.Get("b3"), err, down.SpanContext.IsSampled(), tt.want)
			}
		})
	}
}

// TestB3DeferredIDs sends B3 ids without a sampling state to a handler whose
// tracer honours callers' decisions (ParentBased): the handler's sampler
// decides for the caller's trace, where ids with "do not sample" are
// followed.
func TestB3DeferredIDs(t *testing.T) {
	t.Parallel()
	const traceID, spanID = "463ac35c9f6413ad48485a3953bb6124", "a2fb4a1d1a96d312"
	for _, tt := range []struct {
		name    string
		b3      string
		sampler trace.Sampler
		want    bool
	}{
		{"deferred: root sampler samples", traceID + "-" + spanID, trace.ParentBased(trace.AlwaysSample()), true},
		{"deferred: root sampler drops", traceID + "-" + spanID, trace.ParentBased(trace.NeverSample()), false},
		{"denied: followed", traceID + "-" + spanID + "-0", trace.ParentBased(trace.AlwaysSample()), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mem := tracetest.NewInMemoryExporter()
			tracer := trace.NewTracer(trace.WithSampler(tt.sampler), trace.WithSyncer(mem))
			var inside trace.SpanContext
			h := censushttp.NewHandler(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
				inside = trace.SpanContextFromContext(r.Context())
			}), censushttp.WithTracer(tracer), censushttp.WithPropagator(propagation.B3{}))
			req := httptest.NewRequest("GET", "/x", nil)
			req.Header.Set("b3", tt.b3)
			h.ServeHTTP(httptest.NewRecorder(), req)
			if inside.TraceID.String() != traceID || inside.IsSampled() != tt.want {
				t.Errorf("handler context: trace %v sampled %v; want trace %s sampled %v", inside.TraceID, inside.IsSampled(), traceID, tt.want)
			}
			spans := mem.GetSpans()
			if got := len(spans) > 0; got != tt.want {
				t.Fatalf("spans recorded: %v, want %v", got, tt.want)
			}
			if tt.want && (spans[0].ParentSpanID.String() != spanID || !spans[0].HasRemoteParent) {
				t.Errorf("server span parent %v (remote %v), want %s", spans[0].ParentSpanID, spans[0].HasRemoteParent, spanID)
			}
		})
	}
}

package promexporter_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/goleak"

	"github.com/gocensus/gocensus/exporters/promexporter"
	"github.com/gocensus/gocensus/sdk/stats"
	"github.com/gocensus/gocensus/sdk/tag"
	"github.com/gocensus/gocensus/sdk/trace"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var (
	methodKey = tag.MustNewKey("grpc_client_method")
	statusKey = tag.MustNewKey("grpc.status") // needs sanitising
)

func newManager(t *testing.T, opts ...stats.Option) *stats.Manager {
	t.Helper()
	m := stats.NewManager(opts...)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := m.Shutdown(ctx); err != nil {
			t.Error(err)
		}
	})
	return m
}

func tagCtx(t *testing.T, muts ...tag.Mutator) context.Context {
	t.Helper()
	ctx, err := tag.New(context.Background(), muts...)
	if err != nil {
		t.Fatal(err)
	}
	return ctx
}

func TestCollectAllAggregations(t *testing.T) {
	t.Parallel()
	m := newManager(t)
	lat := stats.Float64("grpc.io/client/roundtrip_latency", "Round-trip latency", "ms")
	size := stats.Int64("grpc.io/client/sent_bytes_per_rpc", "Bytes sent", "By")
	temp := stats.Float64("room/temperature", "", "Cel")
	delta := stats.Int64("balance/delta", "Balance changes", "1")
	if err := m.Register(
		&stats.View{Measure: lat, TagKeys: []tag.Key{methodKey, statusKey}, Aggregation: stats.Distribution(0, 1, 10)},
		&stats.View{Name: "grpc.io/client/completed_rpcs", Measure: lat, TagKeys: []tag.Key{methodKey}, Aggregation: stats.Count()},
		&stats.View{Measure: size, Aggregation: stats.Sum()},
		&stats.View{Measure: temp, Aggregation: stats.LastValue()},
		&stats.View{Measure: delta, Aggregation: stats.Sum()},
		&stats.View{Name: "9lives", Measure: size, Aggregation: stats.Count()},
	); err != nil {
		t.Fatal(err)
	}
	ctx := tagCtx(t, tag.Insert(methodKey, "pkg.S/M"), tag.Insert(statusKey, "OK"))
	m.Record(ctx, lat.M(0.5), lat.M(5), lat.M(50), size.M(100), size.M(28), temp.M(21.5), delta.M(-3))
	m.Record(tagCtx(t, tag.Insert(methodKey, "pkg.S/Other")), lat.M(1))

	exp, err := promexporter.New(m, promexporter.WithConstLabels(prometheus.Labels{"service": "test"}))
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(exp)
	want := `
# HELP balance_delta Balance changes
# TYPE balance_delta untyped
balance_delta{service="test"} -3
# HELP grpc_io_client_completed_rpcs Round-trip latency
# TYPE grpc_io_client_completed_rpcs counter
grpc_io_client_completed_rpcs{grpc_client_method="pkg.S/M",service="test"} 3
grpc_io_client_completed_rpcs{grpc_client_method="pkg.S/Other",service="test"} 1
# HELP grpc_io_client_roundtrip_latency Round-trip latency
# TYPE grpc_io_client_roundtrip_latency histogram
grpc_io_client_roundtrip_latency_bucket{grpc_client_method="pkg.S/M",grpc_status="OK",service="test",le="1"} 1
grpc_io_client_roundtrip_latency_bucket{grpc_client_method="pkg.S/M",grpc_status="OK",service="test",le="10"} 2
grpc_io_client_roundtrip_latency_bucket{grpc_client_method="pkg.S/M",grpc_status="OK",service="test",le="+Inf"} 3
grpc_io_client_roundtrip_latency_sum{grpc_client_method="pkg.S/M",grpc_status="OK",service="test"} 55.5
grpc_io_client_roundtrip_latency_count{grpc_client_method="pkg.S/M",grpc_status="OK",service="test"} 3
grpc_io_client_roundtrip_latency_bucket{grpc_client_method="pkg.S/Other",grpc_status="",service="test",le="1"} 0
grpc_io_client_roundtrip_latency_bucket{grpc_client_method="pkg.S/Other",grpc_status="",service="test",le="10"} 1
grpc_io_client_roundtrip_latency_bucket{grpc_client_method="pkg.S/Other",grpc_status="",service="test",le="+Inf"} 1
grpc_io_client_roundtrip_latency_sum{grpc_client_method="pkg.S/Other",grpc_status="",service="test"} 1
grpc_io_client_roundtrip_latency_count{grpc_client_method="pkg.S/Other",grpc_status="",service="test"} 1
# HELP grpc_io_client_sent_bytes_per_rpc Bytes sent
# TYPE grpc_io_client_sent_bytes_per_rpc counter
grpc_io_client_sent_bytes_per_rpc{service="test"} 128
# HELP key_9lives Bytes sent
# TYPE key_9lives counter
key_9lives{service="test"} 2
# HELP room_temperature room/temperature
# TYPE room_temperature gauge
room_temperature{service="test"} 21.5
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
}

func TestNamespaceAndOverflowOverHTTP(t *testing.T) {
	t.Parallel()
	m := newManager(t, stats.WithMaxTimeSeries(2))
	reqs := stats.Int64("requests", "Requests", "1")
	if err := m.Register(&stats.View{Measure: reqs, TagKeys: []tag.Key{methodKey}, Aggregation: stats.Count()}); err != nil {
		t.Fatal(err)
	}
	for _, method := range []string{"a", "b", "c", "d"} {
		m.Record(tagCtx(t, tag.Insert(methodKey, method)), reqs.M(1))
	}
	exp, err := promexporter.New(m, promexporter.WithNamespace("my-app"))
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(exp)
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`my_app_requests{grpc_client_method="a"} 1`,
		`my_app_requests{grpc_client_method="b"} 1`,
		`my_app_requests{grpc_client_method="_overflow_"} 2`,
		`my_app_gocensus_io_stats_overflow_count{view="requests"} 2`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("scrape lacks %q:\n%s", want, body)
		}
	}
}

func TestNameCollisionFailsScrape(t *testing.T) {
	t.Parallel()
	m := newManager(t)
	reqs := stats.Int64("requests", "", "1")
	if err := m.Register(
		&stats.View{Name: "a.b", Measure: reqs, Aggregation: stats.Count()},
		&stats.View{Name: "a/b", Measure: reqs, Aggregation: stats.Count()},
	); err != nil {
		t.Fatal(err)
	}
	exp, _ := promexporter.New(m)
	reg := prometheus.NewRegistry()
	reg.MustRegister(exp)
	if _, err := reg.Gather(); err == nil || !strings.Contains(err.Error(), `"a/b"`) {
		t.Errorf("Gather error = %v, want one naming the colliding view", err)
	}
}

func TestExemplars(t *testing.T) {
	t.Parallel()
	m := newManager(t)
	lat := stats.Float64("latency", "", "ms")
	if err := m.Register(&stats.View{Measure: lat, Aggregation: stats.Distribution(10)}); err != nil {
		t.Fatal(err)
	}
	tid, _ := trace.TraceIDFromHex("0102030405060708090a0b0c0d0e0f10")
	sid, _ := trace.SpanIDFromHex("1112131415161718")
	ctx := trace.ContextWithRemoteSpanContext(context.Background(), trace.SpanContext{TraceID: tid, SpanID: sid, TraceOptions: trace.FlagSampled})
	m.Record(ctx, lat.M(3))

	for _, on := range []bool{false, true} {
		exp, _ := promexporter.New(m, promexporter.WithExemplars(on))
		reg := prometheus.NewRegistry()
		reg.MustRegister(exp)
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		ex := mfs[0].GetMetric()[0].GetHistogram().GetBucket()[0].GetExemplar()
		if !on {
			if ex != nil {
				t.Errorf("exemplar served while off: %v", ex)
			}
			continue
		}
		labels := map[string]string{}
		for _, l := range ex.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		if ex.GetValue() != 3 || labels["trace_id"] != tid.String() || labels["span_id"] != sid.String() {
			t.Errorf("exemplar = %v", ex)
		}
	}
}

func TestNewErrors(t *testing.T) {
	t.Parallel()
	if _, err := promexporter.New(nil); err == nil {
		t.Error("New(nil) succeeded")
	}
	m := newManager(t)
	for _, name := range []string{"", "bad-name", "__reserved", "1x"} {
		if _, err := promexporter.New(m, promexporter.WithConstLabels(prometheus.Labels{name: "v"})); err == nil {
			t.Errorf("constant label %q accepted", name)
		}
	}
}

func BenchmarkCollect(b *testing.B) {
	m := stats.NewManager()
	defer m.Shutdown(context.Background())
	lat := stats.Float64("latency", "", "ms")
	if err := m.Register(&stats.View{Measure: lat, TagKeys: []tag.Key{methodKey}, Aggregation: stats.Distribution(1, 2, 5, 10, 20, 50, 100)}); err != nil {
		b.Fatal(err)
	}
	for i := range 50 {
		ctx, _ := tag.New(context.Background(), tag.Insert(methodKey, "m"+string(rune('A'+i))))
		m.Record(ctx, lat.M(float64(i)))
	}
	exp, _ := promexporter.New(m)
	reg := prometheus.NewRegistry()
	reg.MustRegister(exp)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := reg.Gather(); err != nil {
			b.Fatal(err)
		}
	}
}

package censusgrpc_test

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gocensus/gocensus/interceptors/censusgrpc"
	"github.com/gocensus/gocensus/sdk/stats"
	"github.com/gocensus/gocensus/sdk/tag"
)

// series flattens a manager's metrics into "view{labels}" -> value.
func series(mgr *stats.Manager) map[string]float64 {
	out := map[string]float64{}
	for _, m := range mgr.Read() {
		for _, ts := range m.TimeSeries {
			var labels []string
			for _, lv := range ts.LabelValues {
				labels = append(labels, lv.Value)
			}
			key := m.Descriptor.Name + "{" + strings.Join(labels, ",") + "}"
			p := ts.Points[len(ts.Points)-1]
			switch {
			case p.Distribution != nil:
				out[key] = float64(p.Distribution.Count)
			case p.Int64Value != 0:
				out[key] = float64(p.Int64Value)
			default:
				out[key] = p.Float64Value
			}
		}
	}
	return out
}

func TestViews(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"interceptors", "handlers"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			mgr := stats.NewManager()
			defer mgr.Shutdown(context.Background())
			views := append(append([]*stats.View{}, censusgrpc.DefaultClientViews...), censusgrpc.DefaultServerViews...)
			views = append(views, censusgrpc.ClientSentMessagesPerRPCView, censusgrpc.ServerReceivedMessagesPerRPCView)
			if err := mgr.Register(views...); err != nil {
				t.Fatal(err)
			}
			tracer, _, _ := recordingTracer()
			so, do := withTracer(name, tracer, censusgrpc.WithStatsManager(mgr))
			e := newEnv(t, so, do)
			var handlerTags *tag.Map
			e.srv.onUnary = func(ctx context.Context) error {
				handlerTags = tag.FromContext(ctx)
				return nil
			}
			ctx := testCtx(t)
			for range 3 {
				if _, err := e.unary(ctx, "hi"); err != nil {
					t.Fatal(err)
				}
			}
			_, _ = e.unary(ctx, "fail:status")
			if err := streamEndings[0].run(ctx, e.conn); err != nil {
				t.Fatal(err)
			}
			want := map[string]float64{
				"grpc.io/client/completed_rpcs{test.Echo/Unary,OK}":         3,
				"grpc.io/client/completed_rpcs{test.Echo/Unary,NOT_FOUND}":  1,
				"grpc.io/server/completed_rpcs{test.Echo/Unary,OK}":         3,
				"grpc.io/server/completed_rpcs{test.Echo/Unary,NOT_FOUND}":  1,
				"grpc.io/client/completed_rpcs{test.Echo/Stream,OK}":        1,
				"grpc.io/server/completed_rpcs{test.Echo/Stream,OK}":        1,
				"grpc.io/client/started_rpcs{test.Echo/Unary}":              4,
				"grpc.io/server/started_rpcs{test.Echo/Unary}":              4,
				"grpc.io/client/roundtrip_latency{test.Echo/Unary}":         4,
				"grpc.io/server/server_latency{test.Echo/Stream}":           1,
				"grpc.io/client/sent_bytes_per_rpc{test.Echo/Unary}":        4,
				"grpc.io/server/received_bytes_per_rpc{test.Echo/Stream}":   1,
				"grpc.io/client/sent_messages_per_rpc{test.Echo/Stream}":    1,
				"grpc.io/server/received_messages_per_rpc{test.Echo/Unary}": 4,
			}
			// The stats handler records a server call when gRPC reports its
			// end, which can come after the client's call has returned.
			got := series(mgr)
			for deadline := time.Now().Add(10 * time.Second); !hasAll(got, want) && time.Now().Before(deadline); got = series(mgr) {
				time.Sleep(time.Millisecond)
			}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s = %v, want %v", k, got[k], v)
				}
			}
			if t.Failed() {
				keys := make([]string, 0, len(got))
				for k := range got {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				t.Logf("have: %s", strings.Join(keys, "\n"))
			}
			if v, ok := handlerTags.Value(censusgrpc.KeyServerMethod); !ok || v != "test.Echo/Unary" {
				t.Errorf("handler context tag grpc_server_method = %q, %v", v, ok)
			}
		})
	}
}

// TestMethodTagsNotPropagated: the method tag the server adds to the
// handler's context must not travel to the next service.
func TestMethodTagsNotPropagated(t *testing.T) {
	t.Parallel()
	tracer, _, _ := recordingTracer()
	opts := []censusgrpc.Option{censusgrpc.WithTracer(tracer), censusgrpc.WithTagPropagation(true), censusgrpc.WithStatsManager(stats.NewManager())}
	e := newEnv(t, censusgrpc.ServerOptions(opts...), censusgrpc.ClientOptions(opts...))
	var got *tag.Map
	e.srv.onUnary = func(ctx context.Context) error {
		got = tag.FromContext(ctx)
		return nil
	}
	user := tag.MustNewKey("user_tag")
	ctx, err := tag.New(testCtx(t), tag.Upsert(user, "u"), tag.Upsert(censusgrpc.KeyServerMethod, "spoofed", tag.WithTTL(tag.TTLNoPropagation)))
	if err != nil {
		t.Fatal(err)
	}
	// A client call from inside a handler carries the handler's tags.
	ctx, err = tag.New(ctx, tag.Upsert(censusgrpc.KeyClientMethod, "x", tag.WithTTL(tag.TTLNoPropagation)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.unary(ctx, "x"); err != nil {
		t.Fatal(err)
	}
	if v, _ := got.Value(user); v != "u" {
		t.Errorf("user tag %q not propagated", v)
	}
	if _, ok := got.Value(censusgrpc.KeyClientMethod); ok {
		t.Errorf("grpc_client_method travelled to the server")
	}
	if v, _ := got.Value(censusgrpc.KeyServerMethod); v != "test.Echo/Unary" {
		t.Errorf("grpc_server_method = %q", v)
	}
}

// hasAll reports whether got holds every value in want.
func hasAll(got, want map[string]float64) bool {
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

package zpages_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/gocensus/gocensus/exporters/zpages"
	"github.com/gocensus/gocensus/interceptors/censusgrpc"
	"github.com/gocensus/gocensus/sdk/stats"
	"github.com/gocensus/gocensus/sdk/tag"
)

// fakeClock is a settable clock for the rpcz windows.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// serverCall records one server RPC as censusgrpc would.
func serverCall(t *testing.T, m *stats.Manager, method, status string, latencyMS float64, in, out int64) {
	t.Helper()
	err := m.RecordWithOptions(context.Background(),
		stats.WithTags(tag.Upsert(censusgrpc.KeyServerMethod, method), tag.Upsert(censusgrpc.KeyServerStatus, status)),
		stats.WithMeasurements(censusgrpc.ServerLatency.M(latencyMS),
			censusgrpc.ServerReceivedBytesPerRPC.M(in), censusgrpc.ServerSentBytesPerRPC.M(out)))
	if err != nil {
		t.Fatal(err)
	}
}

func clientCall(t *testing.T, m *stats.Manager, method, status string) {
	t.Helper()
	err := m.RecordWithOptions(context.Background(),
		stats.WithTags(tag.Upsert(censusgrpc.KeyClientMethod, method), tag.Upsert(censusgrpc.KeyClientStatus, status)),
		stats.WithMeasurements(censusgrpc.ClientRoundtripLatency.M(1),
			censusgrpc.ClientSentBytesPerRPC.M(7), censusgrpc.ClientReceivedBytesPerRPC.M(9)))
	if err != nil {
		t.Fatal(err)
	}
}

func TestRPCWindows(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := &fakeClock{now: t0}
	mgr := stats.NewManager()
	defer mgr.Shutdown(context.Background())
	z := newZ(t, zpages.WithStatsManager(mgr), zpages.WithClock(clock.Now))

	serverCall(t, mgr, "pkg.S/A", "OK", 10, 100, 1000)
	serverCall(t, mgr, "pkg.S/A", "OK", 20, 100, 1000)
	serverCall(t, mgr, "pkg.S/A", "NOT_FOUND", 30, 100, 0)
	clientCall(t, mgr, "pkg.S/B", "UNAVAILABLE")
	clock.Set(t0.Add(50 * time.Second))
	z.TakeSnapshot()
	clock.Set(t0.Add(2 * time.Minute))
	z.TakeSnapshot()
	serverCall(t, mgr, "pkg.S/A", "OK", 40, 100, 1000)
	clock.Set(t0.Add(2*time.Minute + 30*time.Second))

	server, client := z.RPCRows()
	if len(server) != 1 || len(client) != 1 {
		t.Fatalf("rows: server %+v client %+v", server, client)
	}
	a := server[0]
	type fig struct {
		count, errors    int64
		avg, rate        float64
		bytesIn, byteOut float64
	}
	figs := func(w interface {
		Count() int64
		Errors() int64
		AvgLatency() float64
		Rate() float64
		BytesIn() float64
		BytesOut() float64
	}) fig {
		return fig{w.Count(), w.Errors(), w.AvgLatency(), w.Rate(), w.BytesIn(), w.BytesOut()}
	}
	tests := []struct {
		name string
		got  fig
		want fig
	}{
		// The minute window starts at the snapshot 30 s ago.
		{"minute", figs(a.Minute), fig{1, 0, 40, 1.0 / 30, 100, 1000}},
		// The hour window starts at New, 150 s ago.
		{"hour", figs(a.Hour), fig{4, 1, 25, 4.0 / 150, 400, 3000}},
		{"total", figs(a.Total), fig{4, 1, 25, -1, 400, 3000}},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %+v, want %+v", tt.name, tt.got, tt.want)
		}
	}
	if a.Method != "pkg.S/A" || client[0].Method != "pkg.S/B" || client[0].Total.Errors() != 1 {
		t.Errorf("rows %+v / %+v", a, client[0])
	}

	// Two hours later, with a snapshot every minute or so, both windows
	// are empty and the total stays.
	for m := 3; m <= 120; m++ {
		clock.Set(t0.Add(time.Duration(m) * time.Minute))
		z.TakeSnapshot()
	}
	server, _ = z.RPCRows()
	if got := figs(server[0].Hour); got.count != 0 || got.avg != -1 {
		t.Errorf("hour after two idle hours: %+v", got)
	}
	if got := figs(server[0].Total); got.count != 4 {
		t.Errorf("total after two hours: %+v", got)
	}
}

func TestRPCViewsConflict(t *testing.T) {
	t.Parallel()
	mgr := stats.NewManager()
	defer mgr.Shutdown(context.Background())
	clash := &stats.View{Name: censusgrpc.ServerLatencyView.Name, Measure: censusgrpc.ServerLatency, Aggregation: stats.Count()}
	if err := mgr.Register(clash); err != nil {
		t.Fatal(err)
	}
	if z, err := zpages.New(zpages.WithStatsManager(mgr)); err == nil {
		z.Shutdown(context.Background())
		t.Fatal("New succeeded with a clashing view registered")
	}
}

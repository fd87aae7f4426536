package zpages

import (
	"sort"
	"sync"
	"time"

	"github.com/gocensus/gocensus/interceptors/censusgrpc"
	"github.com/gocensus/gocensus/sdk/stats"
)

// rpcViews are the views rpcz reads, from censusgrpc's defaults.
var rpcViews = []*stats.View{
	censusgrpc.ServerCompletedRPCsView, censusgrpc.ServerLatencyView,
	censusgrpc.ServerReceivedBytesPerRPCView, censusgrpc.ServerSentBytesPerRPCView,
	censusgrpc.ClientCompletedRPCsView, censusgrpc.ClientRoundtripLatencyView,
	censusgrpc.ClientReceivedBytesPerRPCView, censusgrpc.ClientSentBytesPerRPCView,
}

// side says whether an RPC row is served or called by this process.
type side uint8

const (
	sideServer side = iota
	sideClient
)

type rpcKey struct {
	side   side
	method string
}

// rpcTotals are the cumulative values of one method since its views were
// registered.
type rpcTotals struct {
	count, errors    int64
	latencyCount     int64
	latencySumMillis float64
	bytesIn          float64
	bytesOut         float64
}

func (a rpcTotals) minus(b rpcTotals) rpcTotals {
	d := rpcTotals{
		count: a.count - b.count, errors: a.errors - b.errors,
		latencyCount: a.latencyCount - b.latencyCount, latencySumMillis: a.latencySumMillis - b.latencySumMillis,
		bytesIn: a.bytesIn - b.bytesIn, bytesOut: a.bytesOut - b.bytesOut,
	}
	if d.count < 0 || d.latencyCount < 0 {
		// The views were registered again since b: their state restarted.
		return a
	}
	return d
}

// rpcSnapshot is the cumulative state of every method at one time.
type rpcSnapshot struct {
	at     time.Time
	totals map[rpcKey]rpcTotals
}

// What each view contributes to rpcTotals, and which label holds the
// method and the status.
type viewRole struct {
	side      side
	methodKey string
	statusKey string // completed_rpcs only
	apply     func(t *rpcTotals, p stats.Point, status string)
}

var viewRoles = map[string]viewRole{
	censusgrpc.ServerCompletedRPCsView.Name:    {sideServer, censusgrpc.KeyServerMethod.Name(), censusgrpc.KeyServerStatus.Name(), applyCompleted},
	censusgrpc.ClientCompletedRPCsView.Name:    {sideClient, censusgrpc.KeyClientMethod.Name(), censusgrpc.KeyClientStatus.Name(), applyCompleted},
	censusgrpc.ServerLatencyView.Name:          {sideServer, censusgrpc.KeyServerMethod.Name(), "", applyLatency},
	censusgrpc.ClientRoundtripLatencyView.Name: {sideClient, censusgrpc.KeyClientMethod.Name(), "", applyLatency},
	censusgrpc.ServerReceivedBytesPerRPCView.Name: {sideServer, censusgrpc.KeyServerMethod.Name(), "", func(t *rpcTotals, p stats.Point, _ string) {
		t.bytesIn += distSum(p)
	}},
	censusgrpc.ServerSentBytesPerRPCView.Name: {sideServer, censusgrpc.KeyServerMethod.Name(), "", func(t *rpcTotals, p stats.Point, _ string) {
		t.bytesOut += distSum(p)
	}},
	censusgrpc.ClientReceivedBytesPerRPCView.Name: {sideClient, censusgrpc.KeyClientMethod.Name(), "", func(t *rpcTotals, p stats.Point, _ string) {
		t.bytesIn += distSum(p)
	}},
	censusgrpc.ClientSentBytesPerRPCView.Name: {sideClient, censusgrpc.KeyClientMethod.Name(), "", func(t *rpcTotals, p stats.Point, _ string) {
		t.bytesOut += distSum(p)
	}},
}

func applyCompleted(t *rpcTotals, p stats.Point, status string) {
	t.count += p.Int64Value
	if status != "OK" {
		t.errors += p.Int64Value
	}
}

func applyLatency(t *rpcTotals, p stats.Point, _ string) {
	if p.Distribution != nil {
		t.latencyCount += p.Distribution.Count
		t.latencySumMillis += p.Distribution.Sum
	}
}

func distSum(p stats.Point) float64 {
	if p.Distribution == nil {
		return 0
	}
	return p.Distribution.Sum
}

// collect sums the rpc views of metrics per method.
func collect(metrics []*stats.Metric, at time.Time) rpcSnapshot {
	snap := rpcSnapshot{at: at, totals: make(map[rpcKey]rpcTotals)}
	for _, m := range metrics {
		role, ok := viewRoles[m.Descriptor.Name]
		if !ok {
			continue
		}
		mi, si := -1, -1
		for i, k := range m.Descriptor.LabelKeys {
			switch k.Key {
			case role.methodKey:
				mi = i
			case role.statusKey:
				si = i
			}
		}
		if mi < 0 {
			continue
		}
		for _, ts := range m.TimeSeries {
			if len(ts.Points) == 0 || mi >= len(ts.LabelValues) {
				continue
			}
			status := ""
			if si >= 0 && si < len(ts.LabelValues) {
				status = ts.LabelValues[si].Value
			}
			k := rpcKey{role.side, ts.LabelValues[mi].Value}
			t := snap.totals[k]
			role.apply(&t, ts.Points[len(ts.Points)-1], status)
			snap.totals[k] = t
		}
	}
	return snap
}

// Snapshot schedule: one every snapshotInterval, the last few kept for the
// minute window, one a minute kept for the hour window. That bounds memory
// to (minuteSnapshots + hourSnapshots) maps of the methods the views hold.
const (
	snapshotInterval = 10 * time.Second
	minuteSnapshots  = 7  // 60 s of 10 s steps, both ends included
	hourSnapshots    = 61 // 60 min of 1 min steps, both ends included
)

// rpcHistory keeps the snapshots of the minute and hour windows.
type rpcHistory struct {
	mu         sync.Mutex
	minute     []rpcSnapshot // oldest first, at most minuteSnapshots
	hour       []rpcSnapshot // oldest first, at most hourSnapshots
	lastHourAt time.Time
}

func (h *rpcHistory) add(s rpcSnapshot) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.minute = pushBounded(h.minute, s, minuteSnapshots)
	if len(h.hour) == 0 || s.at.Sub(h.lastHourAt) >= time.Minute-snapshotInterval/2 {
		h.hour = pushBounded(h.hour, s, hourSnapshots)
		h.lastHourAt = s.at
	}
}

func pushBounded(ring []rpcSnapshot, s rpcSnapshot, limit int) []rpcSnapshot {
	if len(ring) == limit {
		copy(ring, ring[1:])
		ring = ring[:limit-1]
	}
	return append(ring, s)
}

// base returns the oldest snapshot no older than window before now, the
// start of that window; ok is false when there is none.
func base(ring []rpcSnapshot, now time.Time, window time.Duration) (rpcSnapshot, bool) {
	for _, s := range ring {
		if now.Sub(s.at) <= window+snapshotInterval/2 {
			return s, true
		}
	}
	return rpcSnapshot{}, false
}

// rpcWindow is one column group value: totals over a window and its length.
type rpcWindow struct {
	rpcTotals
	seconds float64 // 0 for the total column, which has no rate
}

// rpcRow is one method on the rpcz page.
type rpcRow struct {
	Method              string
	Minute, Hour, Total rpcWindow
}

// rows builds the rpcz rows of both sides, sorted by method, from the
// current state cur.
func (h *rpcHistory) rows(cur rpcSnapshot) (server, client []rpcRow) {
	h.mu.Lock()
	minBase, minOK := base(h.minute, cur.at, time.Minute)
	hourBase, hourOK := base(h.hour, cur.at, time.Hour)
	h.mu.Unlock()
	window := func(t rpcTotals, k rpcKey, b rpcSnapshot, ok bool) rpcWindow {
		if !ok {
			return rpcWindow{}
		}
		return rpcWindow{rpcTotals: t.minus(b.totals[k]), seconds: max(cur.at.Sub(b.at).Seconds(), 1)}
	}
	for k, t := range cur.totals {
		r := rpcRow{
			Method: k.method,
			Minute: window(t, k, minBase, minOK),
			Hour:   window(t, k, hourBase, hourOK),
			Total:  rpcWindow{rpcTotals: t},
		}
		if k.side == sideServer {
			server = append(server, r)
		} else {
			client = append(client, r)
		}
	}
	byMethod := func(rs []rpcRow) {
		sort.Slice(rs, func(i, j int) bool { return rs[i].Method < rs[j].Method })
	}
	byMethod(server)
	byMethod(client)
	return server, client
}

// Figures the template shows.

// AvgLatency returns the mean latency in milliseconds, or -1 without data.
func (w rpcWindow) AvgLatency() float64 {
	if w.latencyCount == 0 {
		return -1
	}
	return w.latencySumMillis / float64(w.latencyCount)
}

// Rate returns RPCs per second over the window, or -1 for the total.
func (w rpcWindow) Rate() float64 {
	if w.seconds == 0 {
		return -1
	}
	return float64(w.count) / w.seconds
}

// Count returns the calls completed in the window.
func (w rpcWindow) Count() int64 { return w.count }

// Errors returns the calls that ended with a status other than OK.
func (w rpcWindow) Errors() int64 { return w.errors }

// BytesIn returns the message bytes received: requests on the server side,
// responses on the client side.
func (w rpcWindow) BytesIn() float64 { return w.bytesIn }

// BytesOut returns the message bytes sent.
func (w rpcWindow) BytesOut() float64 { return w.bytesOut }

package agentexporter

import (
	"context"
	"sync"

	"github.com/gocensus/gocensus/exporters/internal/delivery"
	"github.com/gocensus/gocensus/sdk/stats"
	"github.com/gocensus/gocensus/sdk/tag"
)

// Measures of the exporter's own health, recorded into the manager given
// with WithStatsManager. Counts are recorded as deltas, so Sum views give
// totals.
var (
	MeasureSentSpans      = stats.Int64("gocensus.io/exporter/agent/sent_spans", "Spans delivered to the agent", "1")
	MeasureDroppedSpans   = stats.Int64("gocensus.io/exporter/agent/dropped_spans", "Spans dropped, by reason", "1")
	MeasureSentMetrics    = stats.Int64("gocensus.io/exporter/agent/sent_metrics", "Metrics delivered to the agent", "1")
	MeasureDroppedMetrics = stats.Int64("gocensus.io/exporter/agent/dropped_metrics", "Metrics dropped, by reason", "1")
	MeasureRetries        = stats.Int64("gocensus.io/exporter/agent/retries", "Failed sends that were retried", "1")
	MeasureReconnects     = stats.Int64("gocensus.io/exporter/agent/reconnects", "Streams re-established", "1")
	MeasureQueuedSpans    = stats.Int64("gocensus.io/exporter/agent/queued_spans", "Spans waiting in the replay buffer", "1")
)

// KeyReason tags drop measures with the DropReason name (queue_full,
// oversize, permanent_error, retry_exhausted, shutdown).
var KeyReason = tag.MustNewKey("reason")

// Views returns views over the exporter's measures: sums of the counters
// (drops by reason) and the last queue depth. Register them on the manager
// given with WithStatsManager.
func Views() []*stats.View {
	sum := func(m stats.Measure, keys ...tag.Key) *stats.View {
		return &stats.View{Measure: m, TagKeys: keys, Aggregation: stats.Sum()}
	}
	return []*stats.View{
		sum(MeasureSentSpans),
		sum(MeasureDroppedSpans, KeyReason),
		sum(MeasureSentMetrics),
		sum(MeasureDroppedMetrics, KeyReason),
		sum(MeasureRetries),
		sum(MeasureReconnects),
		{Measure: MeasureQueuedSpans, Aggregation: stats.LastValue()},
	}
}

// viewRecorder records counter deltas since its previous call.
type viewRecorder struct {
	m        *stats.Manager
	mu       sync.Mutex
	lastSpan delivery.Stats
	lastMet  delivery.Stats
}

func newViewRecorder(m *stats.Manager) *viewRecorder { return &viewRecorder{m: m} }

func (v *viewRecorder) record(spans, metrics delivery.Stats) {
	v.mu.Lock()
	defer v.mu.Unlock()
	ctx := context.Background()
	var ms []stats.Measurement
	add := func(m *stats.Int64Measure, now, before uint64) {
		if now > before {
			ms = append(ms, m.M(int64(now-before)))
		}
	}
	add(MeasureSentSpans, spans.Sent, v.lastSpan.Sent)
	add(MeasureSentMetrics, metrics.Sent, v.lastMet.Sent)
	add(MeasureRetries, spans.Retries+metrics.Retries, v.lastSpan.Retries+v.lastMet.Retries)
	add(MeasureReconnects, spans.Reconnects+metrics.Reconnects, v.lastSpan.Reconnects+v.lastMet.Reconnects)
	ms = append(ms, MeasureQueuedSpans.M(int64(spans.Pending)))
	v.m.Record(ctx, ms...)
	for r := range delivery.NumReasons {
		reason := tag.Upsert(KeyReason, r.String())
		if d := spans.Dropped[r] - v.lastSpan.Dropped[r]; d > 0 {
			_ = v.m.RecordWithOptions(ctx, stats.WithTags(reason), stats.WithMeasurements(MeasureDroppedSpans.M(int64(d))))
		}
		if d := metrics.Dropped[r] - v.lastMet.Dropped[r]; d > 0 {
			_ = v.m.RecordWithOptions(ctx, stats.WithTags(reason), stats.WithMeasurements(MeasureDroppedMetrics.M(int64(d))))
		}
	}
	v.lastSpan, v.lastMet = spans, metrics
}

package otlpexporter

import "github.com/gocensus/gocensus/exporters/internal/delivery"

// Stats is a snapshot of the exporter's delivery counters, per signal.
type Stats struct {
	Traces  SignalStats
	Metrics SignalStats
}

// SignalStats counts one signal's items: spans for traces, data points for
// metrics. At every snapshot Enqueued == Sent + Dropped() + Pending.
// Rejected is the part of Sent that the collector acknowledged but dropped
// itself, as it reported in an OTLP partial success; Delivered excludes it.
type SignalStats struct {
	Enqueued     uint64 // items handed to the exporter
	Sent         uint64 // items in requests the collector acknowledged
	Pending      uint64 // items queued or in flight
	PendingBytes uint64 // encoded bytes of those items

	DroppedQueueFull      uint64 // evicted, oldest first, to stay within the queue budget
	DroppedOversize       uint64 // one export larger than the whole budget
	DroppedPermanent      uint64 // refused with a non-retryable status
	DroppedRetryExhausted uint64 // still failing after the maximum retry time
	DroppedShutdown       uint64 // undelivered at Shutdown's deadline, or exported after it

	Rejected    uint64 // refused by the collector in a partial success
	Unsupported uint64 // metric points with no OTLP form; not in Enqueued

	Retries   uint64 // failed attempts that were retried
	Failures  uint64 // failed attempts of any kind
	LastError string // the latest export error, "" if none
}

// Delivered is the number of items the collector took in.
func (s SignalStats) Delivered() uint64 { return s.Sent - min(s.Rejected, s.Sent) }

// Dropped sums the drop counters (not Rejected or Unsupported).
func (s SignalStats) Dropped() uint64 {
	return s.DroppedQueueFull + s.DroppedOversize + s.DroppedPermanent +
		s.DroppedRetryExhausted + s.DroppedShutdown
}

// Stats returns the current counters. It is safe to call at any time,
// including after Shutdown, which keeps the final values.
func (e *Exporter) Stats() Stats {
	return Stats{Traces: e.traces.stats(), Metrics: e.metricsSig.stats()}
}

func (s *signal) stats() SignalStats {
	s.mu.Lock()
	senders := s.senders
	s.mu.Unlock()
	var d delivery.Stats
	for _, sender := range senders {
		x := sender.Stats()
		d.Enqueued += x.Enqueued
		d.Sent += x.Sent
		d.Pending += x.Pending
		d.PendingBytes += x.PendingBytes
		for r := range d.Dropped {
			d.Dropped[r] += x.Dropped[r]
		}
		d.Retries += x.Retries
		d.Failures += x.Failures
		if x.LastError != "" {
			d.LastError = x.LastError
		}
	}
	return SignalStats{
		Enqueued:              d.Enqueued,
		Sent:                  d.Sent,
		Pending:               d.Pending,
		PendingBytes:          d.PendingBytes,
		DroppedQueueFull:      d.Dropped[delivery.DropQueueFull],
		DroppedOversize:       d.Dropped[delivery.DropOversize],
		DroppedPermanent:      d.Dropped[delivery.DropPermanent],
		DroppedRetryExhausted: d.Dropped[delivery.DropRetryExhausted],
		DroppedShutdown:       d.Dropped[delivery.DropShutdown],
		Rejected:              s.rejected.Load(),
		Unsupported:           s.unsupported.Load(),
		Retries:               d.Retries,
		Failures:              d.Failures,
		LastError:             d.LastError,
	}
}

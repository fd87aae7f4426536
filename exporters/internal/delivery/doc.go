// Package delivery is the machinery every network exporter in this module
// shares: a bounded replay buffer of encoded batches, one sender goroutine
// that retries with capped exponential backoff and jitter, exact accounting,
// and loss warnings logged once when loss starts and once when it ends.
//
// # Why
//
// An exporter that ships encoded batches to a collector has the same hard
// parts whatever its protocol: memory must stay bounded while the collector is
// away, the application must never block (unless it asked for backpressure),
// retries must back off, a server asking to slow down must be obeyed, and
// every item must be accounted for as sent, dropped (with a reason) or still
// pending. The agent exporter (OpenCensus agent protocol, bidi streams) and the
// OTLP exporter (unary RPCs) both build on this package so they behave alike.
//
// # Which API to pick
//
//   - New builds a Sender around a SendFunc, the one protocol-specific piece:
//     it ships one Batch and returns nil, a retryable error, or an error
//     wrapped by Permanent. Throttle attaches a server-requested delay.
//     WithClassifier replaces the default classification (GRPCClassifier
//     implements the OTLP rules for gRPC status codes, RetryInfo included).
//   - Sender.Enqueue hands a batch over. By default it never blocks: when the
//     budget (WithMaxItems, WithMaxBytes) is exceeded the OLDEST pending
//     batches are dropped and counted as DropQueueFull. WithBlocking turns on
//     backpressure: Enqueue waits up to a timeout for room first.
//   - Sender.Flush waits until everything enqueued before it has been sent or
//     dropped; Sender.Shutdown stops accepting, delivers what it can until the
//     deadline, then drops the rest (DropShutdown) and reports the count.
//   - Sender.Stats returns counters whose identity always holds:
//     Enqueued == Sent + Dropped() + Pending.
//   - Split cuts a slice of items into runs whose encoded size stays under a
//     byte limit (DefaultMaxMessageBytes by default), given a size function.
//   - Backoff computes capped exponential delays with jitter; exporters use
//     it for their own reconnect loops too.
//
// # Streams and the at-most-once window
//
// With a bidirectional stream, a successful Send only means the message was
// handed to the transport; if the stream breaks right after, the collector
// may never have seen it. WithResendWindow keeps the last few sent batches
// (still counted as pending, still within budget) for a short time; when a
// later Send fails they are put back at the head of the queue and sent again.
// That narrows the loss window at the price of possible duplicates. Without
// it a batch counts as sent as soon as SendFunc returns nil. An exporter that
// learns of a break outside SendFunc (its receiving side saw the stream end)
// calls Resend; one that gets proof of delivery (a clean end of stream) calls
// Confirm. Kept batches count against the budget, and are counted as sent
// rather than dropped when room is needed.
//
// # Concurrency
//
// All Sender methods are safe for concurrent use. SendFunc is called from the
// sender goroutine only, never concurrently with itself.
//
// # Stability
//
// Beta: the API may still change in a minor release before gocensus 1.0;
// the README explains the versioning promise.
package delivery

package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Batch is one unit of delivery: an encoded (or ready-to-encode) payload and
// its weight in the budget.
type Batch[T any] struct {
	// Payload is what SendFunc ships.
	Payload T
	// Items is how many spans, metrics or records Payload holds; Stats counts
	// items, not batches.
	Items int
	// Bytes is Payload's encoded size, counted against WithMaxBytes.
	Bytes int
}

// SendFunc ships one batch. It is called from the sender goroutine only,
// never concurrently with itself. It must return promptly once ctx is done
// (ctx carries the per-attempt timeout and is cancelled when Shutdown gives
// up). It returns nil on success, an error wrapped by Permanent to drop the
// batch, or any other error to retry it (see Classifier).
type SendFunc[T any] func(ctx context.Context, b Batch[T]) error

// Reason says why items were dropped.
type Reason int

// Drop reasons.
const (
	// DropQueueFull: evicted as the oldest pending batch to stay within the
	// budget (or refused because in-flight data alone filled it).
	DropQueueFull Reason = iota
	// DropOversize: a single batch larger than the whole budget.
	DropOversize
	// DropPermanent: SendFunc returned a permanent error.
	DropPermanent
	// DropRetryExhausted: still failing after WithMaxRetryTime.
	DropRetryExhausted
	// DropShutdown: undelivered when Shutdown's deadline passed, or enqueued
	// after Shutdown.
	DropShutdown
	// NumReasons is the number of reasons, for sizing arrays.
	NumReasons
)

var reasonNames = [NumReasons]string{"queue_full", "oversize", "permanent_error", "retry_exhausted", "shutdown"}

// String returns the reason as a metric label value, e.g. "queue_full".
func (r Reason) String() string {
	if r < 0 || r >= NumReasons {
		return fmt.Sprintf("reason(%d)", int(r))
	}
	return reasonNames[r]
}

// Stats is a snapshot of a Sender's counters. Item counts satisfy
// Enqueued == Sent + DroppedTotal() + Pending at every snapshot.
type Stats struct {
	Enqueued       uint64             // items offered to Enqueue
	Sent           uint64             // items delivered (confirmed, see WithResendWindow)
	Dropped        [NumReasons]uint64 // items dropped, by reason
	Pending        uint64             // items queued, in flight or awaiting confirmation
	PendingBytes   uint64             // bytes of those items
	PendingBatches int                // batches of those items
	SentBatches    uint64             // batches delivered
	Retries        uint64             // failed attempts that were retried
	Resent         uint64             // items sent again by the resend window
	Failures       uint64             // SendFunc errors of any kind
	Reconnects     uint64             // reported through CountReconnect
	LastError      string             // the latest SendFunc error, "" if none yet
}

// DroppedTotal sums Dropped.
func (s Stats) DroppedTotal() uint64 {
	var n uint64
	for _, d := range s.Dropped {
		n += d
	}
	return n
}

// Errors returned by Enqueue.
var (
	// ErrClosed: Enqueue after Shutdown; the batch is counted as DropShutdown.
	ErrClosed = errors.New("delivery: sender is shut down")
	// ErrOversize: the batch alone exceeds the budget; counted as DropOversize.
	ErrOversize = errors.New("delivery: batch larger than the queue budget")
)

type entry[T any] struct {
	b        Batch[T]
	seq      uint64
	failedAt time.Time // first failure, zero if none
	sentAt   time.Time
}

// Sender owns a bounded queue of batches and one goroutine that ships them
// through a SendFunc. Build it with New; all methods are safe for concurrent
// use.
type Sender[T any] struct {
	cfg  config
	send SendFunc[T]

	runCtx    context.Context
	runCancel context.CancelFunc
	done      chan struct{}
	wake      chan struct{}

	mu         sync.Mutex
	q          []entry[T] // q[head:] is pending, oldest first, seq ascending
	head       int
	inflight   *entry[T]
	unconfirm  []entry[T]
	nextSeq    uint64
	closed     bool
	progress   chan struct{} // closed and replaced when something resolves or room frees
	st         Stats
	losing     bool
	lostInLoss uint64
	failStreak int
	hold       bool // back off before the next attempt (after a Resend)

	shutOnce sync.Once
	shutErr  error
}

// New starts a Sender that ships batches with send. The goroutine it starts
// ends in Shutdown.
func New[T any](send SendFunc[T], opts ...Option) (*Sender[T], error) {
	if send == nil {
		return nil, errors.New("delivery: nil SendFunc")
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Sender[T]{
		cfg:       cfg,
		send:      send,
		runCtx:    ctx,
		runCancel: cancel,
		done:      make(chan struct{}),
		wake:      make(chan struct{}, 1),
		progress:  make(chan struct{}),
		nextSeq:   1,
	}
	go s.run()
	return s, nil
}

// Enqueue hands b to the sender. Without WithBlocking it never blocks: when
// b does not fit the budget, the oldest pending batches are dropped
// (DropQueueFull) to make room. With WithBlocking it first waits for room
// until the blocking timeout or ctx ends. It returns ErrClosed after Shutdown
// and ErrOversize for a batch larger than the budget; both are counted as
// drops. Eviction of older batches is not an error (see Stats).
func (s *Sender[T]) Enqueue(ctx context.Context, b Batch[T]) error {
	if b.Items < 0 {
		b.Items = 0
	}
	if b.Bytes < 0 {
		b.Bytes = 0
	}
	s.mu.Lock()
	s.st.Enqueued += uint64(b.Items)
	if s.closed {
		s.dropLocked(DropShutdown, b.Items)
		s.mu.Unlock()
		s.logLoss()
		return ErrClosed
	}
	if b.Items > s.cfg.maxItems || b.Bytes > s.cfg.maxBytes {
		s.dropLocked(DropOversize, b.Items)
		s.mu.Unlock()
		s.logLoss()
		return fmt.Errorf("%w: %d items, %d bytes", ErrOversize, b.Items, b.Bytes)
	}
	s.confirmForRoomLocked(b)
	if s.cfg.blocking && !s.fitsLocked(b) {
		if err := s.waitRoomLocked(ctx, b); err != nil {
			return err
		}
	}
	s.makeRoomLocked(b)
	if !s.fitsLocked(b) {
		// In-flight data alone fills the budget: the newest batch goes.
		s.dropLocked(DropQueueFull, b.Items)
		s.mu.Unlock()
		s.logLoss()
		return nil
	}
	s.q = append(s.q, entry[T]{b: b, seq: s.nextSeq})
	s.nextSeq++
	s.st.Pending += uint64(b.Items)
	s.st.PendingBytes += uint64(b.Bytes)
	s.st.PendingBatches++
	evicted := !s.losing && s.lostInLoss > 0
	s.mu.Unlock()
	if evicted {
		s.logLoss()
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return nil
}

// waitRoomLocked waits, with s.mu held on entry and on a nil return, until b
// fits, the blocking timeout passes or ctx ends. On a non-nil return s.mu is
// released.
func (s *Sender[T]) waitRoomLocked(ctx context.Context, b Batch[T]) error {
	var timeout <-chan time.Time
	if s.cfg.blockTimeout > 0 {
		c, stop := s.cfg.clock.NewTimer(s.cfg.blockTimeout)
		defer stop()
		timeout = c
	}
	for !s.fitsLocked(b) && !s.closed {
		s.confirmForRoomLocked(b)
		if s.fitsLocked(b) {
			break
		}
		ch := s.progress
		s.mu.Unlock()
		select {
		case <-ch:
		case <-timeout:
			s.mu.Lock()
			return nil
		case <-ctx.Done():
			s.mu.Lock()
			return nil
		}
		s.mu.Lock()
	}
	if s.closed {
		s.dropLocked(DropShutdown, b.Items)
		s.mu.Unlock()
		s.logLoss()
		return ErrClosed
	}
	return nil
}

func (s *Sender[T]) fitsLocked(b Batch[T]) bool {
	return s.st.Pending+uint64(b.Items) <= uint64(s.cfg.maxItems) &&
		s.st.PendingBytes+uint64(b.Bytes) <= uint64(s.cfg.maxBytes)
}

// confirmForRoomLocked counts the oldest unconfirmed batches as sent (they
// most likely arrived) until b fits: the resend window never costs data or
// backpressure.
func (s *Sender[T]) confirmForRoomLocked(b Batch[T]) {
	for !s.fitsLocked(b) && len(s.unconfirm) > 0 {
		s.confirmOldestLocked()
	}
}

// makeRoomLocked evicts the oldest queued batches until b fits.
func (s *Sender[T]) makeRoomLocked(b Batch[T]) {
	s.confirmForRoomLocked(b)
	for !s.fitsLocked(b) && s.head < len(s.q) {
		e := s.popLocked()
		s.releaseLocked(e.b)
		s.dropLocked(DropQueueFull, e.b.Items)
	}
}

func (s *Sender[T]) popLocked() entry[T] {
	e := s.q[s.head]
	s.q[s.head] = entry[T]{}
	s.head++
	if s.head == len(s.q) {
		s.q, s.head = s.q[:0], 0
	} else if s.head > 64 && s.head*2 > len(s.q) {
		n := copy(s.q, s.q[s.head:])
		clear(s.q[n:])
		s.q, s.head = s.q[:n], 0
	}
	return e
}

func (s *Sender[T]) pushFrontLocked(es ...entry[T]) {
	if len(es) == 0 {
		return
	}
	if s.head >= len(es) {
		s.head -= len(es)
		copy(s.q[s.head:], es)
		return
	}
	rest := s.q[s.head:]
	q := make([]entry[T], 0, len(es)+len(rest)+8)
	q = append(q, es...)
	q = append(q, rest...)
	s.q, s.head = q, 0
}

// releaseLocked removes b from the pending gauges and signals waiters.
func (s *Sender[T]) releaseLocked(b Batch[T]) {
	s.st.Pending -= uint64(b.Items)
	s.st.PendingBytes -= uint64(b.Bytes)
	s.st.PendingBatches--
	close(s.progress)
	s.progress = make(chan struct{})
}

func (s *Sender[T]) dropLocked(r Reason, items int) {
	s.st.Dropped[r] += uint64(items)
	if items > 0 {
		s.lostInLoss += uint64(items)
	}
}

func (s *Sender[T]) confirmOldestLocked() {
	e := s.unconfirm[0]
	s.unconfirm[0] = entry[T]{}
	s.unconfirm = s.unconfirm[1:]
	if len(s.unconfirm) == 0 {
		s.unconfirm = nil
	}
	s.releaseLocked(e.b)
	s.st.Sent += uint64(e.b.Items)
	s.st.SentBatches++
}

// logLoss logs the start of a loss episode once. It must be called without
// s.mu held.
func (s *Sender[T]) logLoss() {
	s.mu.Lock()
	if s.losing || s.lostInLoss == 0 {
		s.mu.Unlock()
		return
	}
	s.losing = true
	st := s.st
	s.mu.Unlock()
	s.cfg.logger.Warn("telemetry is being dropped",
		slog.String("exporter", s.cfg.name),
		slog.Uint64("dropped_total", st.DroppedTotal()),
		slog.Uint64("pending", st.Pending),
		slog.String("last_error", st.LastError))
}

// logRecovered logs the end of a loss episode once, with its count. It must
// be called without s.mu held.
func (s *Sender[T]) logRecovered() {
	s.mu.Lock()
	if !s.losing {
		s.mu.Unlock()
		return
	}
	lost := s.lostInLoss
	s.losing, s.lostInLoss = false, 0
	s.mu.Unlock()
	s.cfg.logger.Warn("telemetry delivery recovered",
		slog.String("exporter", s.cfg.name),
		slog.Uint64("dropped_during_outage", lost))
}

// Confirm counts every batch kept by the resend window as sent; an exporter
// calls it when the peer has proven it received them (e.g. a clean end of
// stream).
func (s *Sender[T]) Confirm() {
	s.mu.Lock()
	for len(s.unconfirm) > 0 {
		s.confirmOldestLocked()
	}
	s.failStreak = 0
	s.mu.Unlock()
}

// Resend puts every batch kept by the resend window back at the head of the
// queue; an exporter calls it when it learns that its stream broke outside a
// Send (e.g. from the receiving side). It counts as a failure: the sender
// backs off before sending again, so a peer that accepts and then breaks
// every stream is not hammered. The failure streak resets when a batch has
// stayed unchallenged for the window's age, or on Confirm.
func (s *Sender[T]) Resend() {
	s.mu.Lock()
	s.resendLocked()
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Sender[T]) resendLocked() {
	if len(s.unconfirm) == 0 {
		return
	}
	// The stream broke after accepting these: treat it as a failure so a
	// peer that keeps breaking streams is retried with backoff.
	s.failStreak++
	s.hold = true
	s.st.Retries++
	s.requeueUnconfirmedLocked()
}

// requeueUnconfirmedLocked puts the resend window back at the head of the
// queue.
func (s *Sender[T]) requeueUnconfirmedLocked() {
	if len(s.unconfirm) == 0 {
		return
	}
	for _, e := range s.unconfirm {
		s.st.Resent += uint64(e.b.Items)
	}
	s.pushFrontLocked(s.unconfirm...)
	s.unconfirm = nil
}

// CountReconnect adds one to Stats.Reconnects; exporters call it when they
// re-establish a connection or stream.
func (s *Sender[T]) CountReconnect() {
	s.mu.Lock()
	s.st.Reconnects++
	s.mu.Unlock()
}

// Stats returns a consistent snapshot of the counters.
func (s *Sender[T]) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st
}

// Flush waits until every batch enqueued before the call has been sent
// (handed to SendFunc successfully; the resend window may still hold it) or
// dropped. It returns ctx's error if ctx ends first; the batches stay queued.
func (s *Sender[T]) Flush(ctx context.Context) error {
	s.mu.Lock()
	target := s.nextSeq - 1
	s.mu.Unlock()
	if err := s.waitResolved(ctx, target); err != nil {
		return fmt.Errorf("delivery: flush: %w", err)
	}
	return nil
}

func (s *Sender[T]) waitResolved(ctx context.Context, target uint64) error {
	s.mu.Lock()
	for s.lowestUnresolvedLocked() <= target {
		ch := s.progress
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-s.done:
			return ErrClosed
		}
		s.mu.Lock()
	}
	s.mu.Unlock()
	return nil
}

func (s *Sender[T]) lowestUnresolvedLocked() uint64 {
	low := s.nextSeq
	if s.inflight != nil && s.inflight.seq < low {
		low = s.inflight.seq
	}
	if s.head < len(s.q) && s.q[s.head].seq < low {
		low = s.q[s.head].seq
	}
	return low
}

// Shutdown stops accepting batches, delivers what it can until ctx ends,
// then cancels the attempt in progress, drops what is left (DropShutdown)
// and returns an error naming the undelivered count. Batches held by the
// resend window count as sent. It waits for the sender goroutine to exit and
// is idempotent: later calls return the first call's result.
func (s *Sender[T]) Shutdown(ctx context.Context) error {
	s.shutOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		target := s.nextSeq - 1
		close(s.progress) // release blocked Enqueue calls
		s.progress = make(chan struct{})
		s.mu.Unlock()
		waitErr := s.waitResolved(ctx, target)
		s.runCancel()
		<-s.done
		s.mu.Lock()
		undelivered := 0
		if s.inflight != nil { // unreachable: run clears it before exiting
			s.pushFrontLocked(*s.inflight)
			s.inflight = nil
		}
		for s.head < len(s.q) {
			e := s.popLocked()
			s.releaseLocked(e.b)
			s.dropLocked(DropShutdown, e.b.Items)
			undelivered += e.b.Items
		}
		for len(s.unconfirm) > 0 {
			s.confirmOldestLocked()
		}
		s.mu.Unlock()
		if undelivered > 0 {
			s.logLoss()
			if waitErr == nil {
				waitErr = context.Canceled
			}
			s.shutErr = fmt.Errorf("delivery: shutdown: %d items undelivered: %w", undelivered, waitErr)
		}
	})
	return s.shutErr
}

func (s *Sender[T]) run() {
	defer close(s.done)
	for {
		e, ok := s.next()
		if !ok {
			return
		}
		s.attempt(e)
	}
}

// next waits for a batch to send, confirming aged unconfirmed batches on the
// way. It returns false when Shutdown cancelled the run.
func (s *Sender[T]) next() (entry[T], bool) {
	for {
		s.mu.Lock()
		var wait time.Duration
		if s.cfg.resendAge > 0 {
			now := s.cfg.clock.Now()
			for len(s.unconfirm) > 0 && now.Sub(s.unconfirm[0].sentAt) >= s.cfg.resendAge {
				s.confirmOldestLocked()
				s.failStreak = 0
			}
			if len(s.unconfirm) > 0 {
				wait = s.cfg.resendAge - now.Sub(s.unconfirm[0].sentAt)
			}
		}
		if s.runCtx.Err() != nil {
			s.mu.Unlock()
			return entry[T]{}, false
		}
		if s.hold && s.head < len(s.q) {
			s.hold = false
			delay := s.cfg.backoff.Delay(s.failStreak-1, s.cfg.rand())
			s.mu.Unlock()
			timer, stop := s.cfg.clock.NewTimer(delay)
			select {
			case <-timer:
			case <-s.runCtx.Done():
			}
			stop()
			continue
		}
		if s.head < len(s.q) {
			e := s.popLocked()
			s.inflight = &e
			s.mu.Unlock()
			return e, true
		}
		s.mu.Unlock()
		var timer <-chan time.Time
		stop := func() {}
		if wait > 0 {
			timer, stop = s.cfg.clock.NewTimer(wait)
		}
		select {
		case <-s.wake:
		case <-timer:
		case <-s.runCtx.Done():
		}
		stop()
	}
}

// attempt sends e once and settles the outcome: sent, dropped, or back at
// the head of the queue after a backoff wait.
func (s *Sender[T]) attempt(e entry[T]) {
	ctx, cancel := context.WithTimeout(s.runCtx, s.cfg.sendTimeout)
	err := s.send(ctx, e.b)
	cancel()
	now := s.cfg.clock.Now()

	s.mu.Lock()
	s.inflight = nil
	if err == nil {
		if s.cfg.resendBatches > 0 && s.cfg.resendAge > 0 {
			// The stream has not proven itself yet: the failure streak
			// resets when the window confirms a batch by age.
			e.sentAt, e.failedAt = now, time.Time{}
			s.unconfirm = append(s.unconfirm, e)
			for len(s.unconfirm) > s.cfg.resendBatches {
				s.confirmOldestLocked()
			}
			close(s.progress)
			s.progress = make(chan struct{})
		} else {
			s.failStreak = 0
			s.releaseLocked(e.b)
			s.st.Sent += uint64(e.b.Items)
			s.st.SentBatches++
		}
		recovered := s.losing
		s.mu.Unlock()
		if recovered {
			s.logRecovered()
		}
		return
	}
	s.st.Failures++
	s.st.LastError = err.Error()
	if s.runCtx.Err() != nil {
		// Shutdown gave up: leave the batch for Shutdown to count.
		s.pushFrontLocked(e)
		s.requeueUnconfirmedLocked()
		s.mu.Unlock()
		return
	}
	retry, throttle := s.cfg.classify(err)
	if e.failedAt.IsZero() {
		e.failedAt = now
	}
	delay := s.cfg.backoff.Delay(s.failStreak, s.cfg.rand())
	delay = max(delay, throttle)
	var reason Reason = -1
	switch {
	case !retry:
		reason = DropPermanent
	case s.cfg.maxRetryTime > 0 && now.Add(delay).Sub(e.failedAt) > s.cfg.maxRetryTime:
		reason = DropRetryExhausted
	}
	s.failStreak++
	if reason >= 0 {
		s.releaseLocked(e.b)
		s.dropLocked(reason, e.b.Items)
		s.requeueUnconfirmedLocked()
		s.mu.Unlock()
		s.logLoss()
		return
	}
	s.st.Retries++
	s.pushFrontLocked(e)
	s.requeueUnconfirmedLocked()
	close(s.progress)
	s.progress = make(chan struct{})
	s.mu.Unlock()

	timer, stop := s.cfg.clock.NewTimer(delay)
	defer stop()
	select {
	case <-timer:
	case <-s.runCtx.Done():
	}
}

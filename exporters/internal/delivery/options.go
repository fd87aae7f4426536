package delivery

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"time"
)

// Defaults used when an option is not given.
const (
	DefaultMaxItems     = 65536
	DefaultMaxBytes     = 16 << 20
	DefaultSendTimeout  = 10 * time.Second
	DefaultInitialDelay = 100 * time.Millisecond
	DefaultMaxDelay     = 5 * time.Second
)

// Backoff computes capped exponential delays with jitter. The zero value uses
// DefaultInitialDelay, DefaultMaxDelay, a multiplier of 2 and a jitter of 0.2.
type Backoff struct {
	// Initial is the delay before the first retry.
	Initial time.Duration
	// Max caps every delay, jitter included.
	Max time.Duration
	// Multiplier grows the delay after each consecutive failure (≥ 1).
	Multiplier float64
	// Jitter in [0, 1] shortens each delay by a random fraction up to Jitter,
	// so clients that failed together do not retry together.
	Jitter float64
}

func (b Backoff) withDefaults() Backoff {
	if b.Initial <= 0 {
		b.Initial = DefaultInitialDelay
	}
	if b.Max <= 0 {
		b.Max = DefaultMaxDelay
	}
	if b.Max < b.Initial {
		b.Max = b.Initial
	}
	if b.Multiplier < 1 {
		b.Multiplier = 2
	}
	if b.Jitter <= 0 || b.Jitter > 1 {
		b.Jitter = 0.2
	}
	return b
}

// Delay returns the wait before retry number attempt (0 for the first retry),
// given rnd, a random number in [0, 1). The result lies in
// [(1-Jitter)·d, d] where d = min(Max, Initial·Multiplier^attempt).
func (b Backoff) Delay(attempt int, rnd float64) time.Duration {
	b = b.withDefaults()
	if attempt < 0 {
		attempt = 0
	}
	d := float64(b.Initial) * math.Pow(b.Multiplier, float64(attempt))
	if d > float64(b.Max) || math.IsInf(d, 0) || math.IsNaN(d) {
		d = float64(b.Max)
	}
	if rnd < 0 || rnd >= 1 {
		rnd = 0
	}
	d *= 1 - b.Jitter*rnd
	return time.Duration(d)
}

// Clock abstracts time so tests can drive backoff without sleeping.
// Implementations must be safe for concurrent use.
type Clock interface {
	Now() time.Time
	// NewTimer returns a channel that receives once after d, and a function
	// that stops the timer and releases its resources.
	NewTimer(d time.Duration) (<-chan time.Time, func())
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) NewTimer(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTimer(d)
	return t.C, func() { t.Stop() }
}

// Classifier decides whether a SendFunc error is worth retrying, and how
// long the server asked the client to wait (0 when it did not). It is called
// from the sender goroutine only.
type Classifier func(err error) (retry bool, throttle time.Duration)

// DefaultClassifier retries every error except those wrapped by Permanent,
// and honours delays attached by Throttle.
func DefaultClassifier(err error) (retry bool, throttle time.Duration) {
	var pe *permanentError
	if errors.As(err, &pe) {
		return false, 0
	}
	var te *throttleError
	if errors.As(err, &te) {
		return true, te.delay
	}
	return true, 0
}

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as not worth retrying: the batch is dropped and counted
// as DropPermanent. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

type throttleError struct {
	err   error
	delay time.Duration
}

func (e *throttleError) Error() string {
	return fmt.Sprintf("%v (retry after %v)", e.err, e.delay)
}
func (e *throttleError) Unwrap() error { return e.err }

// Throttle marks err as retryable no sooner than delay, the way a server
// says "slow down" (OTLP RetryInfo). The sender waits max(delay, backoff).
// Throttle(nil, d) is nil.
func Throttle(err error, delay time.Duration) error {
	if err == nil {
		return nil
	}
	return &throttleError{err: err, delay: delay}
}

// Option configures a Sender.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	maxItems      int
	maxBytes      int
	sendTimeout   time.Duration
	maxRetryTime  time.Duration
	backoff       Backoff
	classify      Classifier
	blocking      bool
	blockTimeout  time.Duration
	logger        *slog.Logger
	name          string
	clock         Clock
	rand          func() float64
	resendBatches int
	resendAge     time.Duration
}

func newConfig(opts []Option) (config, error) {
	c := config{
		maxItems:    DefaultMaxItems,
		maxBytes:    DefaultMaxBytes,
		sendTimeout: DefaultSendTimeout,
		classify:    DefaultClassifier,
		logger:      slog.Default(),
		name:        "exporter",
		clock:       realClock{},
		rand:        rand.Float64,
	}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	c.backoff = c.backoff.withDefaults()
	switch {
	case c.maxItems <= 0:
		return c, fmt.Errorf("delivery: max items %d must be positive", c.maxItems)
	case c.maxBytes <= 0:
		return c, fmt.Errorf("delivery: max bytes %d must be positive", c.maxBytes)
	case c.sendTimeout <= 0:
		return c, fmt.Errorf("delivery: send timeout %v must be positive", c.sendTimeout)
	case c.maxRetryTime < 0:
		return c, fmt.Errorf("delivery: max retry time %v must not be negative", c.maxRetryTime)
	case c.blockTimeout < 0:
		return c, fmt.Errorf("delivery: blocking timeout %v must not be negative", c.blockTimeout)
	case c.resendBatches < 0 || c.resendAge < 0:
		return c, fmt.Errorf("delivery: resend window (%d, %v) must not be negative", c.resendBatches, c.resendAge)
	}
	if c.classify == nil {
		c.classify = DefaultClassifier
	}
	if c.logger == nil {
		c.logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.clock == nil {
		c.clock = realClock{}
	}
	if c.rand == nil {
		c.rand = rand.Float64
	}
	return c, nil
}

// WithMaxItems bounds the items (spans, metrics) held pending; default
// DefaultMaxItems. Past it the oldest batches are dropped.
func WithMaxItems(n int) Option { return optionFunc(func(c *config) { c.maxItems = n }) }

// WithMaxBytes bounds the encoded bytes held pending; default
// DefaultMaxBytes. Past it the oldest batches are dropped.
func WithMaxBytes(n int) Option { return optionFunc(func(c *config) { c.maxBytes = n }) }

// WithSendTimeout bounds each SendFunc call through its ctx; default
// DefaultSendTimeout.
func WithSendTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.sendTimeout = d })
}

// WithMaxRetryTime drops a batch (DropRetryExhausted) once it has been failing
// for longer than d. Zero, the default, retries until the budget evicts it,
// which is the replay-buffer behaviour a collector outage needs.
func WithMaxRetryTime(d time.Duration) Option {
	return optionFunc(func(c *config) { c.maxRetryTime = d })
}

// WithBackoff sets the delays between failed attempts. Consecutive failures
// grow the delay whichever batch failed; a success resets it.
func WithBackoff(b Backoff) Option { return optionFunc(func(c *config) { c.backoff = b }) }

// WithClassifier replaces DefaultClassifier.
func WithClassifier(f Classifier) Option { return optionFunc(func(c *config) { c.classify = f }) }

// WithBlocking makes Enqueue wait up to timeout for room before it drops the
// oldest batches: backpressure, for pipelines that prefer slowing the
// producer to losing data. A zero timeout waits until the Enqueue ctx ends.
func WithBlocking(timeout time.Duration) Option {
	return optionFunc(func(c *config) { c.blocking, c.blockTimeout = true, timeout })
}

// WithLogger sets where loss warnings go; default slog.Default(). nil
// silences them.
func WithLogger(l *slog.Logger) Option { return optionFunc(func(c *config) { c.logger = l }) }

// WithName labels log records (attribute "exporter").
func WithName(name string) Option { return optionFunc(func(c *config) { c.name = name }) }

// WithClock replaces the wall clock, for tests.
func WithClock(clk Clock) Option { return optionFunc(func(c *config) { c.clock = clk }) }

// WithRand replaces the jitter source, a function returning numbers in
// [0, 1); for tests. It is called from the sender goroutine only.
func WithRand(f func() float64) Option { return optionFunc(func(c *config) { c.rand = f }) }

// WithResendWindow keeps up to batches successfully sent batches for up to
// age before counting them as sent. If a Send fails (or Resend is called)
// meanwhile, they are sent again ahead of newer data. Meant for streams,
// where a successful Send does not prove delivery; see the package doc.
func WithResendWindow(batches int, age time.Duration) Option {
	return optionFunc(func(c *config) { c.resendBatches, c.resendAge = batches, age })
}

package zpages

import (
	"context"
	"fmt"
	"net/http"
	"path"
	"strconv"
	"sync"
	"time"

	"github.com/gocensus/gocensus/sdk/stats"
	"github.com/gocensus/gocensus/sdk/trace"
)

// Defaults of the span store's bounds.
const (
	DefaultMaxSpanNames      = 500
	DefaultSamplesPerBucket  = 10
	DefaultMaxRunningPerName = 10
)

type config struct {
	manager          *stats.Manager
	maxNames         int
	samplesPerBucket int
	runningPerName   int
	now              func() time.Time // tests set it; time.Now otherwise
	pipelines        []pipeline
}

// pipeline is a batch span processor shown on tracez under a name.
type pipeline struct {
	name string
	p    *trace.BatchSpanProcessor
}

// Option configures New.
type Option func(*config)

// WithStatsManager sets the manager whose gRPC views the rpcz page reads
// (default stats.Default(), where censusgrpc records unless told
// otherwise).
func WithStatsManager(m *stats.Manager) Option { return func(c *config) { c.manager = m } }

// WithMaxSpanNames bounds the span names tracked one by one (default 500).
// Spans with other names are counted together on one "other names" row, so
// a name that embeds an id cannot grow memory without bound.
func WithMaxSpanNames(n int) Option { return func(c *config) { c.maxNames = n } }

// WithSamplesPerBucket sets how many completed spans are kept per name, per
// latency bucket and for errors (default 10, as OpenCensus). Memory is at
// most names × 10 buckets × n spans; 0 keeps counts only.
func WithSamplesPerBucket(n int) Option { return func(c *config) { c.samplesPerBucket = n } }

// WithMaxRunningPerName sets how many running spans per name are kept for
// the details page (default 10); all running spans are counted. 0 keeps
// counts only.
func WithMaxRunningPerName(n int) Option { return func(c *config) { c.runningPerName = n } }

// WithBatchSpanProcessor shows the counters of p (spans queued, exported
// and dropped by reason) on tracez under name, so span loss is visible where
// spans are inspected. Calls accumulate.
func WithBatchSpanProcessor(name string, p *trace.BatchSpanProcessor) Option {
	return func(c *config) {
		if p != nil {
			c.pipelines = append(c.pipelines, pipeline{name, p})
		}
	}
}

// Handler serves the debug pages and is the trace.SpanProcessor that feeds
// /debug/tracez. Add it to a tracer with trace.WithSpanProcessor and mount
// it on a mux; it serves any path ending in "/tracez" or "/rpcz", and an
// index of both on other paths below where it is mounted:
//
//	mux.Handle("/debug/", z)
//
// A Handler runs one goroutine, which snapshots the gRPC views every 10 s for
// the rpcz minute and hour columns, until Shutdown. Its methods are safe for
// concurrent use. After Shutdown the pages still serve what was kept, but no
// new span or snapshot is recorded.
type Handler struct {
	spans   *spanStore
	manager *stats.Manager
	history rpcHistory
	now     func() time.Time
	pipes   []pipeline

	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
}

// New returns a running Handler. It registers the gRPC views rpcz reads
// (censusgrpc's default latency, completed RPC and byte views of both
// sides) with the stats manager, which is harmless if they already are,
// and fails if a different view holds one of their names.
func New(opts ...Option) (*Handler, error) {
	c := config{
		maxNames:         DefaultMaxSpanNames,
		samplesPerBucket: DefaultSamplesPerBucket,
		runningPerName:   DefaultMaxRunningPerName,
	}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.manager == nil {
		c.manager = stats.Default()
	}
	if c.maxNames < 1 {
		c.maxNames = DefaultMaxSpanNames
	}
	c.samplesPerBucket = max(c.samplesPerBucket, 0)
	c.runningPerName = max(c.runningPerName, 0)
	if err := c.manager.Register(rpcViews...); err != nil {
		return nil, fmt.Errorf("zpages: registering the gRPC views: %w", err)
	}
	h := &Handler{
		spans:   newSpanStore(c.maxNames, c.samplesPerBucket, c.runningPerName),
		manager: c.manager,
		now:     c.now,
		pipes:   c.pipelines,
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	h.snapshot()
	go h.run()
	return h, nil
}

func (h *Handler) run() {
	defer close(h.done)
	t := time.NewTicker(snapshotInterval)
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-t.C:
			h.snapshot()
		}
	}
}

// snapshot records the current cumulative RPC totals.
func (h *Handler) snapshot() {
	h.history.add(collect(h.manager.Read(), h.now()))
}

// Shutdown stops the snapshot goroutine and span recording, and lets go of
// running spans. It returns ctx's error if the goroutine has not stopped
// when ctx is done; it is idempotent. A tracer's Shutdown calls it.
func (h *Handler) Shutdown(ctx context.Context) error {
	h.stopOnce.Do(func() {
		close(h.stop)
		h.spans.shutdown()
	})
	select {
	case <-h.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("zpages: shutdown: %w", ctx.Err())
	}
}

var _ trace.SpanProcessor = (*Handler)(nil)

// ServeHTTP serves /tracez, /rpcz and the index, by the last element of the
// request path. Only GET and HEAD are allowed.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	switch path.Base(r.URL.Path) {
	case "tracez":
		h.serveTracez(w, r)
	case "rpcz":
		h.serveRpcz(w)
	default:
		if r.URL.Path != "" && r.URL.Path[len(r.URL.Path)-1] != '/' {
			http.NotFound(w, r)
			return
		}
		render(w, indexTemplate, pageData{Title: "zpages", Now: h.now()})
	}
}

func (h *Handler) serveTracez(w http.ResponseWriter, r *http.Request) {
	rows, overflow, overflowNames := h.spans.summaries()
	d := tracezData{
		pageData:      pageData{Title: "tracez", Now: h.now()},
		Rows:          rows,
		Overflow:      overflow,
		OverflowNames: overflowNames,
		MaxNames:      h.spans.maxNames,
		Buckets:       bucketLabels(),
	}
	for _, p := range h.pipes {
		d.Pipelines = append(d.Pipelines, pipelineRow{Name: p.name, Stats: p.p.Stats()})
	}
	q := r.URL.Query()
	if name, ok := q["name"]; ok && len(name) > 0 {
		d.Selected = true
		d.Name = name[0]
		switch q.Get("type") {
		case "running":
			d.Kind = "running"
			d.Spans = h.spans.samplesOf(d.Name, kindRunning, 0)
		case "error":
			d.Kind = "errors"
			d.Spans = h.spans.samplesOf(d.Name, kindError, 0)
		default:
			b, err := strconv.Atoi(q.Get("bucket"))
			if err != nil || b < 0 || b >= numBuckets {
				http.Error(w, "bucket must be a number from 0 to 8", http.StatusBadRequest)
				return
			}
			d.Kind = "latency " + d.Buckets[b]
			d.Spans = h.spans.samplesOf(d.Name, kindLatency, b)
		}
	}
	render(w, tracezTemplate, d)
}

func (h *Handler) serveRpcz(w http.ResponseWriter) {
	now := h.now()
	server, client := h.history.rows(collect(h.manager.Read(), now))
	render(w, rpczTemplate, rpczData{
		pageData: pageData{Title: "rpcz", Now: now},
		Server:   server,
		Client:   client,
	})
}

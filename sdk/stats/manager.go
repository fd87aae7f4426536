package stats

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/gocensus/gocensus/sdk/resource"
	"github.com/gocensus/gocensus/sdk/tag"
)

// Defaults for a Manager.
const (
	// DefaultReportingPeriod is how often metrics are pushed to exporters,
	// as in OpenCensus.
	DefaultReportingPeriod = 10 * time.Second
	// DefaultMaxTimeSeries is the default cap on distinct tag tuples per
	// view, the same as OpenTelemetry-Go's default cardinality limit.
	DefaultMaxTimeSeries = 2000
)

// Option configures a Manager.
type Option func(*config)

type config struct {
	period     time.Duration
	exporters  []MetricExporter
	maxSeries  int
	resource   *resource.Resource
	now        func() time.Time
	errHandler func(error)
}

// WithReportingPeriod sets how often metrics are pushed to the exporters.
// A period ≤ 0 means DefaultReportingPeriod.
func WithReportingPeriod(d time.Duration) Option {
	return func(c *config) { c.period = d }
}

// WithExporter adds a push exporter; it may be given several times. A nil e
// is ignored. The manager owns the exporter: Shutdown shuts it down.
func WithExporter(e MetricExporter) Option {
	return func(c *config) {
		if e != nil {
			c.exporters = append(c.exporters, e)
		}
	}
}

// WithMaxTimeSeries caps the distinct tag tuples kept per view, so that
// unbounded tag values cannot exhaust memory; later tuples go to the view's
// overflow series (see OverflowLabelValue). n ≤ 0 means
// DefaultMaxTimeSeries.
func WithMaxTimeSeries(n int) Option {
	return func(c *config) { c.maxSeries = n }
}

// WithResource sets the resource attached to every exported Metric.
func WithResource(r *resource.Resource) Option {
	return func(c *config) { c.resource = r }
}

// WithClock replaces time.Now for start times, point times and exemplar
// times; tests use it for deterministic output. A nil now means time.Now.
// The reporting period is still measured with a real ticker.
func WithClock(now func() time.Time) Option {
	return func(c *config) { c.now = now }
}

// WithErrorHandler receives every error of periodic exports, which have no
// caller to return them to. By default slog.Default logs a warning when
// exports start failing and a note when they recover, nothing in between.
// It is called from the reporting goroutine and must not block long.
func WithErrorHandler(h func(error)) Option {
	return func(c *config) { c.errHandler = h }
}

// Manager holds registered views, aggregates recorded measurements into
// them and hands the results to exporters. It is safe for concurrent use.
// The zero value is ready to use, with the defaults and no exporter.
//
// A reporting goroutine runs only while the manager has an exporter: it
// starts in NewManager when WithExporter is given, or at the first
// AddExporter, and stops in Shutdown. A manager used only through Read (for
// example by a Prometheus collector) starts no goroutine.
type Manager struct {
	cfg config

	mu        sync.Mutex
	views     map[string]*viewState
	exporters []MetricExporter
	running   bool
	stop      chan struct{}
	done      chan struct{}
	cancel    context.CancelFunc
	shutdown  bool

	exportMu sync.Mutex // one export at a time, so no exporter is called concurrently
}

// NewManager returns a Manager configured by opts, with its reporting
// goroutine running if an exporter was given.
func NewManager(opts ...Option) *Manager {
	m := &Manager{}
	for _, o := range opts {
		if o != nil {
			o(&m.cfg)
		}
	}
	if m.cfg.period <= 0 {
		m.cfg.period = DefaultReportingPeriod
	}
	if m.cfg.maxSeries <= 0 {
		m.cfg.maxSeries = DefaultMaxTimeSeries
	}
	m.exporters = slices.Clone(m.cfg.exporters)
	if len(m.exporters) > 0 {
		m.mu.Lock()
		m.startLocked()
		m.mu.Unlock()
	}
	return m
}

func (m *Manager) now() time.Time {
	if m.cfg.now != nil {
		return m.cfg.now()
	}
	return time.Now()
}

func (m *Manager) period() time.Duration {
	if m.cfg.period <= 0 {
		return DefaultReportingPeriod
	}
	return m.cfg.period
}

func (m *Manager) maxSeries() int {
	if m.cfg.maxSeries <= 0 {
		return DefaultMaxTimeSeries
	}
	return m.cfg.maxSeries
}

// reportExport hands the result of a periodic export to the error handler
// or, by default, logs a warning when exports start failing and a note
// when they recover, so a long outage does not flood the log. It returns
// whether exports are now failing.
func (m *Manager) reportExport(err error, failing bool) bool {
	if m.cfg.errHandler != nil {
		if err != nil {
			m.cfg.errHandler(err)
		}
		return err != nil
	}
	switch {
	case err != nil && !failing:
		slog.Warn("stats: periodic metric export failing; further failures are not logged until it recovers", "error", err)
	case err == nil && failing:
		slog.Info("stats: periodic metric export recovered")
	}
	return err != nil
}

// Register validates views and starts aggregating them. Registering a view
// whose name is already registered with the same definition does nothing;
// with a different definition it fails with ErrDuplicateView. Either every
// view is registered or, on error, none is. Views registered later start
// their cumulative time series at their registration time.
func (m *Manager) Register(views ...*View) error {
	defs := make([]viewDef, 0, len(views))
	var errs []error
	for _, v := range views {
		d, err := v.normalize()
		if err != nil {
			errs = append(errs, fmt.Errorf("stats: register: %w", err))
			continue
		}
		defs = append(defs, d)
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.shutdown {
		return fmt.Errorf("stats: register: %w", ErrShutdown)
	}
	var add []viewDef
	for i := range defs {
		d := &defs[i]
		cur, ok := m.views[d.name]
		if !ok {
			// Also compare with views earlier in this same call.
			if j := slices.IndexFunc(add, func(o viewDef) bool { return o.name == d.name }); j >= 0 {
				if !add[j].equal(d) {
					errs = append(errs, fmt.Errorf("stats: register: %w: %q given twice", ErrDuplicateView, d.name))
				}
				continue
			}
			add = append(add, *d)
			continue
		}
		if !cur.def.equal(d) {
			errs = append(errs, fmt.Errorf("stats: register: %w: %q", ErrDuplicateView, d.name))
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	if m.views == nil {
		m.views = make(map[string]*viewState)
	}
	start := m.now()
	for _, d := range add {
		vs := newViewState(m, d, start, m.maxSeries())
		m.views[d.name] = vs
		d.measure.subscribe(vs)
	}
	return nil
}

// Unregister stops aggregating the named views and drops their data. Views
// not registered are ignored. It is safe while other goroutines record:
// recordings already in flight land in the discarded state.
func (m *Manager) Unregister(views ...*View) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, v := range views {
		if v == nil {
			continue
		}
		name := v.Name
		if name == "" && v.Measure != nil {
			name = v.Measure.Name()
		}
		if vs, ok := m.views[name]; ok {
			vs.def.measure.unsubscribe(vs)
			delete(m.views, name)
		}
	}
}

// Record aggregates measurements into every view of this manager that uses
// their measures, under the tags of ctx (tag.FromContext). When ctx holds a
// sampled span, distribution buckets keep the value as an exemplar with the
// span's ids. A measurement whose measure no view uses costs one atomic
// load. Record never blocks on I/O and allocates nothing for known tag
// tuples (apart from exemplars of sampled spans). A nil ctx is treated as
// context.Background().
func (m *Manager) Record(ctx context.Context, ms ...Measurement) {
	m.record(ctx, nil, false, nil, ms)
}

// record aggregates ms under tags, or under the tags of ctx unless
// haveTags; ctx also supplies the span for exemplars.
func (m *Manager) record(ctx context.Context, tags *tag.Map, haveTags bool, attach map[string]string, ms []Measurement) {
	var (
		loaded bool
		ex     exemplarSource
	)
	for _, meas := range ms {
		if meas.d == nil {
			continue
		}
		p := meas.d.subs.Load()
		if p == nil {
			continue
		}
		for _, v := range *p {
			if v.mgr != m {
				continue
			}
			if !loaded {
				loaded = true
				if !haveTags {
					tags = tag.FromContext(ctx)
				}
				ex = exemplarSource{ctx: ctx, attach: attach, mgr: m}
			}
			v.record(tags, meas, &ex)
		}
	}
}

// RecordWithOptions is Record with per-call options: extra tags
// (WithTags), the measurements (WithMeasurements) and exemplar attachments
// (WithAttachments). It returns an error, and records nothing, if a tag
// mutator is invalid. As in OpenCensus, when no view of the manager uses
// any of the measurements it returns at once, without applying (or
// checking) the mutators, so unused instrumentation stays cheap.
func (m *Manager) RecordWithOptions(ctx context.Context, opts ...RecordOption) error {
	var (
		muts       []tag.Mutator
		ms         []Measurement
		attach     map[string]string
		copiedMuts bool
		copiedMs   bool
	)
	for _, o := range opts {
		switch o.kind {
		case recordKindTags:
			muts, copiedMuts = appendOpt(muts, o.muts, copiedMuts)
		case recordKindMeasurements:
			ms, copiedMs = appendOpt(ms, o.ms, copiedMs)
		case recordKindAttachments:
			if attach == nil {
				attach = make(map[string]string, len(o.attach))
			}
			maps.Copy(attach, o.attach)
		}
	}
	if len(muts) == 0 {
		m.record(ctx, nil, false, attach, ms)
		return nil
	}
	if !m.usesAny(ms) {
		return nil
	}
	tags, err := tag.FromContext(ctx).With(muts...)
	if err != nil {
		return fmt.Errorf("stats: record: %w", err)
	}
	m.record(ctx, tags, true, attach, ms)
	return nil
}

// usesAny reports whether a view of m aggregates one of ms.
func (m *Manager) usesAny(ms []Measurement) bool {
	for _, meas := range ms {
		if meas.d == nil {
			continue
		}
		if p := meas.d.subs.Load(); p != nil {
			for _, v := range *p {
				if v.mgr == m {
					return true
				}
			}
		}
	}
	return false
}

// appendOpt concatenates option slices, using the first one as it is and
// copying only when a second one arrives, so the common single option
// costs nothing.
func appendOpt[T any](dst, src []T, copied bool) ([]T, bool) {
	if dst == nil {
		return src, false
	}
	if !copied {
		dst = append(make([]T, 0, len(dst)+len(src)), dst...)
	}
	return append(dst, src...), true
}

type recordKind uint8

const (
	recordKindNone recordKind = iota
	recordKindTags
	recordKindMeasurements
	recordKindAttachments
)

// RecordOption is one option of RecordWithOptions. The zero value does
// nothing.
type RecordOption struct {
	kind   recordKind
	muts   []tag.Mutator
	ms     []Measurement
	attach map[string]string
}

// WithTags applies muts to the context's tags for this recording only.
func WithTags(muts ...tag.Mutator) RecordOption {
	return RecordOption{kind: recordKindTags, muts: muts}
}

// WithMeasurements gives the measurements to record.
func WithMeasurements(ms ...Measurement) RecordOption {
	return RecordOption{kind: recordKindMeasurements, ms: ms}
}

// WithAttachments adds attachments to the exemplars this recording leaves
// in distribution buckets, for example a request id. The map is copied.
func WithAttachments(attach map[string]string) RecordOption {
	return RecordOption{kind: recordKindAttachments, attach: attach}
}

// Read returns the current state of every registered view, sorted by name,
// followed by the OverflowMetricName metric when some view has overflowed.
// It is the pull API used by scraping exporters; it may be called
// concurrently with everything else. The metrics are fresh copies.
func (m *Manager) Read() []*Metric {
	m.mu.Lock()
	views := slices.Collect(maps.Values(m.views))
	m.mu.Unlock()
	slices.SortFunc(views, func(a, b *viewState) int { return cmp.Compare(a.def.name, b.def.name) })
	now := m.now()
	out := make([]*Metric, 0, len(views)+1)
	var over *Metric
	for _, v := range views {
		md := v.metric(now)
		md.Resource = m.cfg.resource
		out = append(out, md)
		if n := v.overflowed.Load(); n > 0 {
			if over == nil {
				over = &Metric{
					Descriptor: Descriptor{
						Name:        OverflowMetricName,
						Description: "Measurements aggregated into a view's overflow series because the view reached its tag tuple limit",
						Unit:        "1",
						Type:        TypeCumulativeInt64,
						LabelKeys:   []LabelKey{{Key: "view"}},
					},
					Resource: m.cfg.resource,
				}
			}
			over.TimeSeries = append(over.TimeSeries, &TimeSeries{
				LabelValues: []LabelValue{{Value: v.def.name, Present: true}},
				StartTime:   v.start,
				Points:      []Point{{Time: now, Int64Value: n}},
			})
		}
	}
	if over != nil {
		out = append(out, over)
	}
	return out
}

// AddExporter adds a push exporter and starts the reporting goroutine if it
// is not running yet. The manager owns e from now on.
func (m *Manager) AddExporter(e MetricExporter) error {
	if e == nil {
		return errors.New("stats: add exporter: nil exporter")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.shutdown {
		return fmt.Errorf("stats: add exporter: %w", ErrShutdown)
	}
	m.exporters = append(m.exporters, e)
	m.startLocked()
	return nil
}

func (m *Manager) startLocked() {
	if m.running {
		return
	}
	m.running = true
	m.stop = make(chan struct{})
	m.done = make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	go m.run(ctx, m.stop, m.done, m.period())
}

func (m *Manager) run(ctx context.Context, stop, done chan struct{}, period time.Duration) {
	defer close(done)
	t := time.NewTicker(period)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			ectx, cancel := context.WithTimeout(ctx, period)
			failing = m.reportExport(m.export(ectx), failing)
			cancel()
		}
	}
}

// Flush exports the current state to every exporter now, in the calling
// goroutine, and returns their errors joined. It waits for a periodic
// export in progress.
func (m *Manager) Flush(ctx context.Context) error {
	m.mu.Lock()
	down := m.shutdown
	m.mu.Unlock()
	if down {
		return fmt.Errorf("stats: flush: %w", ErrShutdown)
	}
	return m.export(ctx)
}

func (m *Manager) export(ctx context.Context) error {
	m.exportMu.Lock()
	defer m.exportMu.Unlock()
	return m.exportLocked(ctx)
}

// exportLocked pushes the current state to every exporter; the caller holds
// exportMu.
func (m *Manager) exportLocked(ctx context.Context) error {
	m.mu.Lock()
	exps := slices.Clone(m.exporters)
	m.mu.Unlock()
	if len(exps) == 0 {
		return nil
	}
	metrics := m.Read()
	var errs []error
	for _, e := range exps {
		if err := ctx.Err(); err != nil {
			errs = append(errs, fmt.Errorf("stats: export: %w", err))
			break
		}
		if err := e.ExportMetrics(ctx, metrics); err != nil {
			errs = append(errs, fmt.Errorf("stats: export: %w", err))
		}
	}
	return errors.Join(errs...)
}

// Shutdown stops the reporting goroutine, exports the final state, shuts
// the exporters down and unregisters every view, so later recordings cost
// nothing. It returns when all that is done or ctx is done, whichever comes
// first; an export in progress is cancelled through its ctx, so an exporter
// that ignores its ctx delays Shutdown. Errors are joined. Calling it again
// returns nil.
func (m *Manager) Shutdown(ctx context.Context) error {
	m.mu.Lock()
	if m.shutdown {
		m.mu.Unlock()
		return nil
	}
	m.shutdown = true
	running, stop, done, cancel := m.running, m.stop, m.done, m.cancel
	m.running = false
	m.mu.Unlock()

	var errs []error
	if running {
		close(stop)
		select {
		case <-done:
		case <-ctx.Done():
			cancel() // abort the export in progress
			<-done
			errs = append(errs, fmt.Errorf("stats: shutdown: %w", ctx.Err()))
		}
		cancel()
	}
	// Holding exportMu keeps a concurrent Flush from calling an exporter
	// while, or after, it is shut down.
	m.exportMu.Lock()
	defer m.exportMu.Unlock()
	if len(errs) == 0 {
		if err := m.exportLocked(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	m.mu.Lock()
	exps := m.exporters
	m.exporters = nil
	for name, vs := range m.views {
		vs.def.measure.unsubscribe(vs)
		delete(m.views, name)
	}
	m.mu.Unlock()
	for _, e := range exps {
		if err := e.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("stats: shutdown exporter: %w", err))
		}
	}
	return errors.Join(errs...)
}

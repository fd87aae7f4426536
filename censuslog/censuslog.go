package censuslog

import (
	"context"
	"encoding/hex"
	"log/slog"
	"strings"

	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/logging"

	"github.com/gocensus/gocensus/sdk/trace"
)

// Default attribute keys, the names Cloud Logging, Loki and most log
// pipelines recognise for trace correlation.
const (
	DefaultTraceIDKey = "trace_id"
	DefaultSpanIDKey  = "span_id"
	DefaultSampledKey = "trace_sampled"
)

// config holds the attribute keys; an empty key leaves that attribute out.
type config struct {
	traceIDKey string
	spanIDKey  string
	sampledKey string
}

// Option configures NewHandler and NewGRPCLoggingFields.
type Option func(*config)

// WithTraceIDKey names the trace id attribute (default "trace_id"); an empty
// key leaves it out.
func WithTraceIDKey(key string) Option { return func(c *config) { c.traceIDKey = key } }

// WithSpanIDKey names the span id attribute (default "span_id"); an empty
// key leaves it out.
func WithSpanIDKey(key string) Option { return func(c *config) { c.spanIDKey = key } }

// WithSampledKey names the boolean sampled attribute (default
// "trace_sampled"); an empty key leaves it out.
func WithSampledKey(key string) Option { return func(c *config) { c.sampledKey = key } }

func newConfig(opts []Option) *config {
	c := &config{traceIDKey: DefaultTraceIDKey, spanIDKey: DefaultSpanIDKey, sampledKey: DefaultSampledKey}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	return c
}

// hexIDs returns the trace id and span id in lowercase hex, sharing one
// string allocation.
func hexIDs(sc trace.SpanContext) (traceID, spanID string) {
	var buf [48]byte
	hex.Encode(buf[:32], sc.TraceID[:])
	hex.Encode(buf[32:], sc.SpanID[:])
	var b strings.Builder
	b.Write(buf[:])
	ids := b.String()
	return ids[:32], ids[32:]
}

// appendAttrs appends the correlation attributes for sc to dst.
func (c *config) appendAttrs(dst []slog.Attr, sc trace.SpanContext) []slog.Attr {
	if c.traceIDKey != "" || c.spanIDKey != "" {
		tid, sid := hexIDs(sc)
		if c.traceIDKey != "" {
			dst = append(dst, slog.String(c.traceIDKey, tid))
		}
		if c.spanIDKey != "" {
			dst = append(dst, slog.String(c.spanIDKey, sid))
		}
	}
	if c.sampledKey != "" {
		dst = append(dst, slog.Bool(c.sampledKey, sc.IsSampled()))
	}
	return dst
}

// Handler is an slog.Handler that adds the trace id, span id and sampled
// flag of the context's span to every record logged with a context, then
// passes the record on to the handler it wraps. A record whose context holds
// no valid span context (local span or remote parent) is passed on
// untouched, at the cost of one context lookup.
//
// The correlation attributes always sit at the top level of the record, even
// under Logger.WithGroup, because log pipelines look for them there. Attributes
// added with Logger.With keep their place.
//
// A Handler is immutable and safe for concurrent use, as slog requires.
type Handler struct {
	cfg *config
	// next is the wrapped handler with every WithAttrs and WithGroup applied:
	// what handles records without a span, exactly as if unwrapped.
	next slog.Handler
	// root is the wrapped handler with only the attributes added before the
	// first group; groups holds the groups opened since, with their
	// attributes, so records with a span can be rebuilt with the
	// correlation attributes outside every group.
	root   slog.Handler
	groups []group
}

type group struct {
	name  string
	attrs []slog.Attr
}

// NewHandler returns a Handler that wraps next. A nil next discards every
// record.
func NewHandler(next slog.Handler, opts ...Option) *Handler {
	if next == nil {
		next = slog.DiscardHandler
	}
	return &Handler{cfg: newConfig(opts), next: next, root: next}
}

// Enabled reports whether the wrapped handler handles records at level.
func (h *Handler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

// Handle adds the correlation attributes, when ctx holds a span context, and
// hands the record to the wrapped handler, returning its error.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return h.next.Handle(ctx, r)
	}
	var buf [3]slog.Attr
	ids := h.cfg.appendAttrs(buf[:0], sc)
	if len(h.groups) == 0 {
		r = r.Clone() // never write into the caller's attribute storage
		r.AddAttrs(ids...)
		return h.next.Handle(ctx, r)
	}
	// Rebuild the record for root: the ids, then the open groups nested
	// with their attributes, the record's own attributes innermost.
	inner := make([]slog.Attr, 0, r.NumAttrs())
	r.Attrs(func(a slog.Attr) bool {
		inner = append(inner, a)
		return true
	})
	for i := len(h.groups) - 1; i >= 0; i-- {
		g := h.groups[i]
		attrs := make([]slog.Attr, 0, len(g.attrs)+len(inner))
		attrs = append(append(attrs, g.attrs...), inner...)
		inner = []slog.Attr{{Key: g.name, Value: slog.GroupValue(attrs...)}}
	}
	nr := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	nr.AddAttrs(ids...)
	nr.AddAttrs(inner...)
	return h.root.Handle(ctx, nr)
}

// WithAttrs returns a Handler whose records also carry attrs, in the group
// currently open.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	h2 := *h
	h2.next = h.next.WithAttrs(attrs)
	if len(h.groups) == 0 {
		h2.root = h.root.WithAttrs(attrs)
		return &h2
	}
	h2.groups = append([]group(nil), h.groups...)
	last := &h2.groups[len(h2.groups)-1]
	last.attrs = append(append([]slog.Attr(nil), last.attrs...), attrs...)
	return &h2
}

// WithGroup returns a Handler that puts later attributes in the group name;
// the correlation attributes stay at the top level.
func (h *Handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.next = h.next.WithGroup(name)
	h2.groups = append(append([]group(nil), h.groups...), group{name: name})
	return &h2
}

// GRPCLoggingFields returns the correlation fields, with the default keys,
// for go-grpc-middleware's logging interceptors:
//
//	logging.UnaryServerInterceptor(logger, logging.WithFieldsFromContext(censuslog.GRPCLoggingFields))
//
// It returns nil when ctx holds no valid span context. On a server, put the
// logging interceptor after censusgrpc's (or use censusgrpc's stats handler)
// so that ctx holds the server span.
func GRPCLoggingFields(ctx context.Context) logging.Fields {
	return defaultFields(ctx)
}

var defaultFields = NewGRPCLoggingFields()

// NewGRPCLoggingFields returns a GRPCLoggingFields with the keys set by opts.
func NewGRPCLoggingFields(opts ...Option) func(ctx context.Context) logging.Fields {
	c := newConfig(opts)
	// Keys boxed once, not on every call.
	traceKey, spanKey, sampledKey := any(c.traceIDKey), any(c.spanIDKey), any(c.sampledKey)
	return func(ctx context.Context) logging.Fields {
		sc := trace.SpanContextFromContext(ctx)
		if !sc.IsValid() {
			return nil
		}
		f := make(logging.Fields, 0, 6)
		if c.traceIDKey != "" || c.spanIDKey != "" {
			tid, sid := hexIDs(sc)
			if c.traceIDKey != "" {
				f = append(f, traceKey, tid)
			}
			if c.spanIDKey != "" {
				f = append(f, spanKey, sid)
			}
		}
		if c.sampledKey != "" {
			f = append(f, sampledKey, sc.IsSampled())
		}
		return f
	}
}

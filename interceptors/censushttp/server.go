package censushttp

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gocensus/gocensus/propagation"
	"github.com/gocensus/gocensus/sdk/trace"
)

// NewHandler returns h wrapped so that every request not excluded runs in a
// SERVER span: the caller's context is extracted from the headers, the
// span is named after the route or path, and the response status, sizes and
// latency are recorded when h returns. A panic in h is recorded on the span
// (status UNKNOWN, an annotation with the value) and then re-raised.
//
// To name spans after routes, wrap the http.ServeMux itself
// (NewHandler(mux)): the mux sets Request.Pattern on the request it is
// given, and the span is renamed to that pattern's path once the handler
// returns. Other routers call SetRoute.
func NewHandler(h http.Handler, opts ...Option) http.Handler {
	return &handler{next: h, cfg: newConfig(opts)}
}

type handler struct {
	next http.Handler
	cfg  *config
}

// routeKey finds the request state in a context, for SetRoute.
type routeKey struct{}

// serverState is what one request carries through the handler, in one
// allocation: it is the context handed on (holding the span, and answering
// for routeKey itself), the response writer and the body counter.
type serverState struct {
	trace.SpanNode
	route string
	rw    responseWriter
	body  countingBody
}

// Value implements context.Context.
func (st *serverState) Value(key any) any {
	if _, ok := key.(routeKey); ok {
		return st
	}
	return st.SpanNode.Value(key)
}

// SetRoute records the route template (for example "/users/{id}") of the
// request whose context is ctx, for routers other than http.ServeMux; the
// span is renamed to it and it becomes http.route and the http_server_route
// tag. It does nothing outside a traced request.
func SetRoute(ctx context.Context, route string) {
	if st, ok := ctx.Value(routeKey{}).(*serverState); ok {
		st.route = route
	}
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cfg := h.cfg
	var (
		sc       trace.SpanContext
		deferred bool
	)
	if cfg.deferrals != nil {
		sc, deferred, _ = cfg.deferrals.ExtractDeferred(propagation.HeaderCarrier(r.Header))
	} else {
		sc, _ = cfg.prop.Extract(propagation.HeaderCarrier(r.Header))
	}
	if cfg.paths.Match(requestPath(r.URL)) {
		if sc.IsValid() {
			r = r.WithContext(trace.ContextWithRemoteSpanContext(r.Context(), sc))
		}
		h.next.ServeHTTP(w, r)
		return
	}
	name := requestPath(r.URL)
	if cfg.nameFn != nil {
		name = cfg.nameFn(r)
	}
	st := &serverState{}
	tr := cfg.tracerOrDefault()
	var span *trace.Span
	switch {
	case sc.IsValid() && cfg.publicFn != nil && cfg.publicFn(r):
		span = tr.StartIn(&st.SpanNode, r.Context(), name, trace.WithSpanKind(trace.SpanKindServer), trace.WithNewRoot(),
			trace.WithLinks(trace.Link{TraceID: sc.TraceID, SpanID: sc.SpanID, Type: trace.LinkTypeChild, Tracestate: sc.Tracestate}))
	case !sc.IsValid() && cfg.decisions != nil:
		// A caller's decision without ids (B3's "b3: 0") replaces the
		// sampler for the new root; without one the tracer's decides.
		var sampler trace.Sampler
		if sampled, ok := cfg.decisions.ExtractDecision(propagation.HeaderCarrier(r.Header)); ok {
			sampler = trace.NeverSample()
			if sampled {
				sampler = trace.AlwaysSample()
			}
		}
		span = tr.StartIn(&st.SpanNode, r.Context(), name, trace.WithSpanKind(trace.SpanKindServer),
			trace.WithRemoteParent(sc), trace.WithSpanSampler(sampler))
	case deferred:
		// Ids without a decision (B3 with no sampled state): the tracer's
		// sampler decides for the caller's trace.
		span = tr.StartIn(&st.SpanNode, r.Context(), name, trace.WithSpanKind(trace.SpanKindServer), trace.WithDeferredRemoteParent(sc))
	default:
		span = tr.StartIn(&st.SpanNode, r.Context(), name, trace.WithSpanKind(trace.SpanKindServer), trace.WithRemoteParent(sc))
	}
	// One clock read serves the span's start and the latency's.
	start := span.StartTime()
	if start.IsZero() && cfg.stats {
		start = time.Now()
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if span.IsRecordingEvents() {
		setRequestAttributes(span, r, scheme, r.Host, cfg.attrs)
	}
	st.rw.w = w
	rw := &st.rw
	var body *countingBody
	if r.Body != nil && r.Body != http.NoBody {
		st.body.ReadCloser = r.Body
		body = &st.body
	}
	r2 := r.WithContext(st)
	if body != nil {
		r2.Body = body
	}
	finished := false
	defer func() {
		if finished {
			return
		}
		p := recover()
		span.Annotate("panic", trace.StringAttribute("panic.value", fmt.Sprint(p)))
		span.SetStatus(trace.Status{Code: codeUnknown, Message: fmt.Sprint(p)})
		h.finish(span, r2, st, rw, body, http.StatusInternalServerError, start)
		panic(p)
	}()
	h.next.ServeHTTP(wrap(rw), r2)
	finished = true
	code := rw.status
	if code == 0 {
		code = http.StatusOK
	}
	span.SetStatus(TraceStatus(code))
	h.finish(span, r2, st, rw, body, code, start)
}

// finish renames the span after the route, records the response and ends
// the span.
func (h *handler) finish(span *trace.Span, r *http.Request, st *serverState, rw *responseWriter, body *countingBody, code int, start time.Time) {
	cfg := h.cfg
	route := st.route
	if route == "" && r.Pattern != "" {
		route = patternPath(r.Pattern)
	}
	var in int64
	if body != nil {
		in = body.n
	}
	recording := span.IsRecordingEvents()
	// One clock read serves the message events, the span's end and the
	// latency.
	var now time.Time
	if recording || cfg.stats {
		now = time.Now()
	}
	if recording {
		if route != "" {
			if cfg.nameFn == nil {
				span.SetName(route)
			}
			span.SetAttributes(trace.StringAttribute("http.route", route))
		}
		span.SetAttributes(trace.Int64Attribute("http.status_code", int64(code)))
		if cfg.msgEvents {
			span.AddMessageEvent(trace.MessageEvent{Time: now, EventType: trace.MessageEventTypeRecv, MessageID: 1, UncompressedSize: in})
			span.AddMessageEvent(trace.MessageEvent{Time: now, EventType: trace.MessageEventTypeSent, MessageID: 1, UncompressedSize: rw.written})
		}
		span.End(trace.WithEndTime(now))
	}
	if cfg.stats {
		recordServer(cfg, r, route, code, in, rw.written, now.Sub(start))
	}
}

// patternPath is the path part of a ServeMux pattern "[METHOD ][HOST]/PATH".
func patternPath(p string) string {
	if i := strings.IndexByte(p, ' '); i >= 0 {
		p = strings.TrimLeft(p[i+1:], " \t")
	}
	if i := strings.IndexByte(p, '/'); i > 0 {
		p = p[i:]
	}
	return p
}

// countingBody counts the request body bytes the handler reads.
type countingBody struct {
	io.ReadCloser
	n int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	return n, err
}

// responseWriter remembers the status and counts the body bytes. Unwrap
// lets http.ResponseController reach the underlying writer; wrap adds the
// optional interfaces the underlying writer has.
type responseWriter struct {
	w       http.ResponseWriter
	status  int
	written int64
}

func (rw *responseWriter) Header() http.Header { return rw.w.Header() }

func (rw *responseWriter) WriteHeader(code int) {
	if rw.status == 0 && code >= 200 {
		rw.status = code
	}
	if code == http.StatusSwitchingProtocols {
		rw.status = code
	}
	rw.w.WriteHeader(code)
}

func (rw *responseWriter) Write(p []byte) (int, error) {
	if rw.status == 0 {
		rw.status = http.StatusOK
	}
	n, err := rw.w.Write(p)
	rw.written += int64(n)
	return n, err
}

// Unwrap returns the underlying writer, for http.ResponseController.
func (rw *responseWriter) Unwrap() http.ResponseWriter { return rw.w }

type flusher struct{ rw *responseWriter }

func (f flusher) Flush() {
	if f.rw.status == 0 {
		f.rw.status = http.StatusOK
	}
	f.rw.w.(http.Flusher).Flush()
}

type hijacker struct{ rw *responseWriter }

func (h hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, b, err := h.rw.w.(http.Hijacker).Hijack()
	if err == nil && h.rw.status == 0 {
		h.rw.status = http.StatusSwitchingProtocols
	}
	return c, b, err
}

type readerFrom struct{ rw *responseWriter }

func (r readerFrom) ReadFrom(src io.Reader) (int64, error) {
	if r.rw.status == 0 {
		r.rw.status = http.StatusOK
	}
	n, err := r.rw.w.(io.ReaderFrom).ReadFrom(src)
	r.rw.written += n
	return n, err
}

// wrap returns rw with exactly the optional interfaces (http.Flusher,
// http.Hijacker, io.ReaderFrom) of the writer it wraps, so type assertions
// in handlers behave as without the middleware.
func wrap(rw *responseWriter) http.ResponseWriter {
	_, f := rw.w.(http.Flusher)
	_, h := rw.w.(http.Hijacker)
	_, r := rw.w.(io.ReaderFrom)
	switch {
	case f && h && r:
		return struct {
			*responseWriter
			flusher
			hijacker
			readerFrom
		}{rw, flusher{rw}, hijacker{rw}, readerFrom{rw}}
	case f && h:
		return struct {
			*responseWriter
			flusher
			hijacker
		}{rw, flusher{rw}, hijacker{rw}}
	case f && r:
		return struct {
			*responseWriter
			flusher
			readerFrom
		}{rw, flusher{rw}, readerFrom{rw}}
	case h && r:
		return struct {
			*responseWriter
			hijacker
			readerFrom
		}{rw, hijacker{rw}, readerFrom{rw}}
	case f:
		return struct {
			*responseWriter
			flusher
		}{rw, flusher{rw}}
	case h:
		return struct {
			*responseWriter
			hijacker
		}{rw, hijacker{rw}}
	case r:
		return struct {
			*responseWriter
			readerFrom
		}{rw, readerFrom{rw}}
	}
	return rw
}

package censushttp

import (
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gocensus/gocensus/propagation"
	"github.com/gocensus/gocensus/sdk/trace"
)

// NewTransport returns a RoundTripper that traces requests made through
// base (http.DefaultTransport when nil): a CLIENT span named after the URL
// path, the trace context injected into a copy of the request's headers,
// and the status, sizes and latency recorded. The span ends when the
// response body is read to the end or closed (or at once on an error), so
// always close response bodies, as net/http requires anyway.
func NewTransport(base http.RoundTripper, opts ...Option) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{base: base, cfg: newConfig(opts)}
}

type transport struct {
	base http.RoundTripper
	cfg  *config
}

// RoundTrip implements http.RoundTripper. The request is not modified;
// the headers go on a clone.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	cfg := t.cfg
	ctx := req.Context()
	if req.URL != nil && cfg.hosts != nil && (cfg.hosts.Match(strings.ToLower(req.URL.Hostname())) || cfg.hosts.Match(strings.ToLower(req.URL.Host))) {
		if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
			req = req.Clone(ctx)
			cfg.prop.Inject(sc, propagation.HeaderCarrier(req.Header))
		}
		return t.base.RoundTrip(req)
	}
	name := requestPath(req.URL)
	if cfg.nameFn != nil {
		name = cfg.nameFn(req)
	}
	c := &clientCall{cfg: cfg}
	span := cfg.tracerOrDefault().StartIn(&c.SpanNode, ctx, name, trace.WithSpanKind(trace.SpanKindClient))
	c.span = span
	// One clock read serves the span's start and the latency's.
	c.start = span.StartTime()
	if c.start.IsZero() && cfg.stats {
		c.start = time.Now()
	}
	host := req.Host
	if host == "" && req.URL != nil {
		host = req.URL.Host
	}
	if span.IsRecordingEvents() && req.URL != nil {
		setRequestAttributes(span, req, req.URL.Scheme, host, cfg.attrs)
	}
	req = req.Clone(c)
	cfg.prop.Inject(span.SpanContext(), propagation.HeaderCarrier(req.Header))
	c.req = req
	c.sent = max(req.ContentLength, 0)
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		span.SetStatus(errorStatus(err))
		c.end(0)
		return resp, err
	}
	c.code = resp.StatusCode
	span.SetStatus(TraceStatus(resp.StatusCode))
	if span.IsRecordingEvents() {
		span.SetAttributes(trace.Int64Attribute("http.status_code", int64(resp.StatusCode)))
	}
	if resp.Body == nil || resp.Body == http.NoBody || resp.StatusCode == http.StatusSwitchingProtocols {
		c.end(0)
		return resp, nil
	}
	c.body = clientBody{ReadCloser: resp.Body, c: c}
	resp.Body = &c.body
	return resp, nil
}

// clientCall is one traced request, ended once by whichever of error,
// body EOF or body Close comes first. It is also the request's context
// (holding the span) and its response body wrapper, in one allocation.
type clientCall struct {
	trace.SpanNode
	cfg   *config
	span  *trace.Span
	req   *http.Request
	start time.Time
	sent  int64
	code  int
	ended atomic.Bool
	body  clientBody
}

func (c *clientCall) end(received int64) {
	if !c.ended.CompareAndSwap(false, true) {
		return
	}
	recording := c.span.IsRecordingEvents()
	// One clock read serves the message events, the span's end and the
	// latency.
	var now time.Time
	if recording || c.cfg.stats {
		now = time.Now()
	}
	if recording {
		if c.cfg.msgEvents {
			c.span.AddMessageEvent(trace.MessageEvent{Time: now, EventType: trace.MessageEventTypeSent, MessageID: 1, UncompressedSize: c.sent})
			c.span.AddMessageEvent(trace.MessageEvent{Time: now, EventType: trace.MessageEventTypeRecv, MessageID: 1, UncompressedSize: received})
		}
		c.span.End(trace.WithEndTime(now))
	}
	if c.cfg.stats {
		recordClient(c.cfg, c.req, c.code, c.sent, received, now.Sub(c.start))
	}
}

// clientBody ends the span when the body is exhausted or closed.
type clientBody struct {
	io.ReadCloser
	c *clientCall
	n int64
}

func (b *clientBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	if err == io.EOF {
		b.c.end(b.n)
	}
	return n, err
}

func (b *clientBody) Close() error {
	err := b.ReadCloser.Close()
	b.c.end(b.n)
	return err
}

package censusgrpc

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/gocensus/gocensus/propagation"
	"github.com/gocensus/gocensus/sdk/tag"
	"github.com/gocensus/gocensus/sdk/trace"
)

// Metadata keys of the W3C format; gRPC metadata keys are lowercase.
const (
	traceparentKey = "traceparent"
	tracestateKey  = "tracestate"
)

// Bounds on incoming values beyond which they are refused unread: no valid
// encoding comes near them, and a hostile peer must not make a server parse
// or keep arbitrary amounts of header.
const (
	maxBinaryLen      = 128
	maxTraceparentLen = 512
	maxTracestateLen  = 8192
)

// clientKey and serverKey mark a context as carrying the call of one side,
// so that a second instrumentation of the same RPC (interceptor plus stats
// handler, or an interceptor chained twice) steps aside.
type (
	clientKey struct{}
	serverKey struct{}
)

// call is the per-RPC state machine shared by the interceptors and the stats
// handlers: begin (startClient/startServer), any number of sent and received
// messages (possibly from two goroutines at once, as gRPC allows one sender
// and one receiver), then exactly one end, whichever path gets there first.
type call struct {
	// The call is also the context it returns: the span node holds the
	// span and the parent context, and the call answers Value for its own
	// key, so marking the context and carrying the span cost no allocation
	// beyond the call (and a sampled span's record).
	trace.SpanNode
	cfg        *config
	span       *trace.Span
	fullMethod string
	name       string
	start      time.Time
	client     bool
	recording  bool // span sampled at start
	needSize   bool // message sizes are used (events or stats)
	byHandler  bool
	peer       atomic.Pointer[peer.Peer]

	userTags *tag.Map                // the caller's tags
	mt       *methodTags             // cached tag maps, nil when userTags is set
	tags     atomic.Pointer[tag.Map] // what the context answers for tags

	binBuf [propagation.BinaryLen]byte // grpc-trace-bin value, never changed once sent

	ended                atomic.Bool
	sentMsgs, recvMsgs   atomic.Int64
	sentBytes, recvBytes atomic.Int64
	segs                 *segments // nil unless stream segments are on
}

// startClient begins a client call. It returns a nil call when the RPC is
// not to be instrumented here (excluded, or already instrumented), in which
// case the returned context is still the one to use.
func (cfg *config) startClient(ctx context.Context, fullMethod string) (context.Context, *call) {
	if c, ok := ctx.Value(clientKey{}).(*call); ok && c.fullMethod == fullMethod && !c.ended.Load() {
		return ctx, nil
	}
	if cfg.exclude.Match(fullMethod) {
		return cfg.inject(ctx, trace.SpanContextFromContext(ctx), nil), nil
	}
	t := cfg.tracerOrDefault()
	name := cfg.spanName(fullMethod)
	c := &call{cfg: cfg, fullMethod: fullMethod, name: name, client: true}
	c.span = t.StartIn(&c.SpanNode, ctx, name, trace.WithSpanKind(trace.SpanKindClient))
	c.begin()
	return cfg.inject(c, c.span.SpanContext(), &c.binBuf), c
}

// startServer begins a server call; see startClient for the nil call.
func (cfg *config) startServer(ctx context.Context, fullMethod string) (context.Context, *call) {
	if c, ok := ctx.Value(serverKey{}).(*call); ok && c.fullMethod == fullMethod && !c.ended.Load() {
		return ctx, nil
	}
	sc := cfg.extract(ctx)
	if cfg.tags {
		ctx = cfg.extractTags(ctx)
	}
	if cfg.exclude.Match(fullMethod) {
		if sc.IsValid() {
			ctx = trace.ContextWithRemoteSpanContext(ctx, sc)
		}
		return ctx, nil
	}
	t := cfg.tracerOrDefault()
	name := cfg.spanName(fullMethod)
	c := &call{cfg: cfg, fullMethod: fullMethod, name: name}
	if sc.IsValid() && cfg.isPublic(ctx, fullMethod) {
		c.span = t.StartIn(&c.SpanNode, ctx, name, trace.WithSpanKind(trace.SpanKindServer), trace.WithNewRoot(),
			trace.WithLinks(trace.Link{TraceID: sc.TraceID, SpanID: sc.SpanID, Type: trace.LinkTypeChild, Tracestate: sc.Tracestate}))
	} else {
		c.span = t.StartIn(&c.SpanNode, ctx, name, trace.WithSpanKind(trace.SpanKindServer), trace.WithRemoteParent(sc))
	}
	c.begin()
	if c.recording {
		if p, ok := peer.FromContext(ctx); ok {
			c.peer.Store(p)
		}
	}
	return c, c
}

// Value implements context.Context: the call answers for its side's key.
func (c *call) Value(key any) any {
	switch key.(type) {
	case clientKey:
		if c.client {
			return c
		}
	case serverKey:
		if !c.client {
			return c
		}
	default:
		if m := c.tags.Load(); m != nil && key == tagContextKey() {
			return m
		}
	}
	return c.SpanNode.Value(key)
}

// begin sets what the rest of the call needs from the configuration.
func (c *call) begin() {
	c.recording = c.span.IsRecordingEvents()
	c.needSize = c.cfg.stats || (c.recording && c.cfg.msgEvents)
	if c.recording && c.cfg.msgEvents && (c.cfg.segMsgs > 0 || c.cfg.segEvery > 0) {
		c.segs = new(segments)
	}
	// The call's start: the span's when it records, so that one clock
	// read serves the span, the first message event and the latency.
	if c.recording {
		c.start = c.span.StartTime()
	} else if c.cfg.stats {
		c.start = time.Now()
	}
	if c.cfg.stats {
		c.statsStart()
	}
	if c.recording {
		c.span.SetAttributes(trace.StringAttribute("grpc.method", strings.TrimPrefix(c.fullMethod, "/")))
		if len(c.cfg.attrs) > 0 {
			c.span.SetAttributes(c.cfg.attrs...)
		}
	}
}

// sentMsg and recvMsg record one message the interceptors saw at instant
// at; a zero at means now.
func (c *call) sentMsg(m any, at time.Time) {
	var n int64
	if c.needSize {
		n = msgSize(m)
	}
	c.sent(n, 0, at)
}

func (c *call) recvMsg(m any, at time.Time) {
	var n int64
	if c.needSize {
		n = msgSize(m)
	}
	c.received(n, 0, at)
}

// sent records a sent message of n bytes (wire bytes after compression, 0
// when unknown or uncompressed) at instant at (zero: now).
func (c *call) sent(n, wire int64, at time.Time) {
	id := c.sentMsgs.Add(1)
	c.sentBytes.Add(n)
	if c.recording && c.cfg.msgEvents {
		if c.segs != nil {
			at = time.Time{} // a segment span starts at its first event
		}
		c.eventSpan().AddMessageEvent(trace.MessageEvent{Time: at, EventType: trace.MessageEventTypeSent,
			MessageID: id, UncompressedSize: n, CompressedSize: wire})
	}
}

func (c *call) received(n, wire int64, at time.Time) {
	id := c.recvMsgs.Add(1)
	c.recvBytes.Add(n)
	if c.recording && c.cfg.msgEvents {
		if c.segs != nil {
			at = time.Time{} // a segment span starts at its first event
		}
		c.eventSpan().AddMessageEvent(trace.MessageEvent{Time: at, EventType: trace.MessageEventTypeRecv,
			MessageID: id, UncompressedSize: n, CompressedSize: wire})
	}
}

// now reads the clock when the span or the stats need the time, and
// returns the zero time otherwise. A unary call reads it once at its end,
// for the last message event, the span's end and the latency.
func (c *call) now() time.Time {
	if c.recording || c.cfg.stats {
		return time.Now()
	}
	return time.Time{}
}

// segments is the state of WithStreamSegments, kept out of call so calls
// without it stay small.
type segments struct {
	mu    sync.Mutex
	cur   *trace.Span
	count int64
	start time.Time
}

// eventSpan returns the span message events go to: the RPC span, or with
// stream segments the current segment, rotated when full or old.
func (c *call) eventSpan() *trace.Span {
	cfg := c.cfg
	if c.segs == nil {
		return c.span
	}
	sg := c.segs
	sg.mu.Lock()
	defer sg.mu.Unlock()
	if c.ended.Load() {
		return c.span
	}
	var now time.Time
	if cfg.segEvery > 0 {
		now = time.Now()
	}
	if sg.cur != nil && ((cfg.segMsgs > 0 && sg.count >= cfg.segMsgs) || (cfg.segEvery > 0 && now.Sub(sg.start) >= cfg.segEvery)) {
		sg.cur.End()
		sg.cur = nil
	}
	if sg.cur == nil {
		sg.cur = cfg.tracerOrDefault().StartSpan(c.span, c.name+"/segment", trace.WithSpanKind(trace.SpanKindInternal))
		sg.count, sg.start = 0, now
	}
	sg.count++
	return sg.cur
}

// end finishes the call: status, span end, stats. Only the first call has an
// effect, so every path (handler return, EOF, error, cancel, OnFinish,
// stats.End) may call it.
func (c *call) end(err error, latency time.Duration) { c.endAt(err, latency, time.Time{}) }

// endAt is end at instant at, which also ends the span (zero: now).
func (c *call) endAt(err error, latency time.Duration, at time.Time) {
	if !c.ended.CompareAndSwap(false, true) {
		return
	}
	code, msg := statusOf(err)
	if c.recording {
		if code != codes.OK {
			c.span.SetStatus(trace.Status{Code: int32(code), Message: msg})
		}
		if p := c.peer.Load(); p != nil && p.Addr != nil {
			c.span.SetAttributes(trace.StringAttribute("peer.address", p.Addr.String()))
		}
	}
	if sg := c.segs; sg != nil {
		sg.mu.Lock()
		if sg.cur != nil {
			sg.cur.End()
			sg.cur = nil
		}
		sg.mu.Unlock()
	}
	if at.IsZero() {
		c.span.End()
	} else {
		c.span.End(trace.WithEndTime(at))
	}
	if c.cfg.stats {
		c.statsEnd(uint32(code), latency)
	}
}

// since returns the time since the call began, or 0 when nobody needs it.
func (c *call) since() time.Duration {
	if c.start.IsZero() || !c.cfg.stats {
		return 0
	}
	return time.Since(c.start)
}

// sinceAt is since for a call that ended at instant at.
func (c *call) sinceAt(at time.Time) time.Duration {
	if c.start.IsZero() || at.IsZero() || !c.cfg.stats {
		return 0
	}
	return at.Sub(c.start)
}

// statusOf maps an RPC's error to a canonical code and message. gRPC status
// errors keep their code; context errors become CANCELLED or
// DEADLINE_EXCEEDED; any other error is UNKNOWN, which is also the code
// grpc-go sends a client when a handler returns such an error, so client
// and server spans agree (opencensus-go uses INTERNAL here).
func statusOf(err error) (codes.Code, string) {
	if err == nil {
		return codes.OK, ""
	}
	if s, ok := status.FromError(err); ok {
		return s.Code(), s.Message()
	}
	switch {
	case errors.Is(err, context.Canceled):
		return codes.Canceled, err.Error()
	case errors.Is(err, context.DeadlineExceeded):
		return codes.DeadlineExceeded, err.Error()
	}
	return codes.Unknown, err.Error()
}

// msgSize is the encoded size of a protobuf message, 0 for anything else.
func msgSize(m any) int64 {
	if pm, ok := m.(proto.Message); ok {
		return int64(proto.Size(pm))
	}
	return 0
}

// inject adds the configured trace context formats (and tags) for sc to the
// outgoing metadata of ctx, in one metadata append.
//
// A non-nil bin is where the binary value is encoded; the metadata string
// then points into it, sparing an allocation, so bin must never change
// afterwards (a call's own buffer, written once).
func (cfg *config) inject(ctx context.Context, sc trace.SpanContext, bin *[propagation.BinaryLen]byte) context.Context {
	var kv [8]string
	n := 0
	if sc.IsValid() {
		if cfg.injectBinary {
			if bin != nil {
				propagation.PutBinary(bin, sc)
				kv[n], kv[n+1] = propagation.BinaryKey, unsafe.String(&bin[0], len(bin))
			} else {
				var b [propagation.BinaryLen]byte
				propagation.PutBinary(&b, sc)
				kv[n], kv[n+1] = propagation.BinaryKey, string(b[:])
			}
			n += 2
		}
		if cfg.injectW3C {
			var b [55]byte
			kv[n], kv[n+1] = traceparentKey, string(propagation.AppendTraceparent(b[:0], sc))
			n += 2
			if ts := sc.Tracestate.String(); ts != "" {
				kv[n], kv[n+1] = tracestateKey, ts
				n += 2
			}
		}
	}
	if cfg.tags {
		if m := tag.FromContext(ctx); m != nil {
			var buf [256]byte
			if b, err := tag.AppendBinary(buf[:0], m); err == nil && len(b) > 1 {
				kv[n], kv[n+1] = tag.GRPCMetadataKey, string(b)
				n += 2
			}
		}
	}
	if n == 0 {
		return ctx
	}
	return metadata.AppendToOutgoingContext(ctx, kv[:n]...)
}

// extract returns the first valid span context found in the incoming
// metadata, trying the formats in the configured order. Malformed values are
// skipped (and reported, rate-limited); the zero SpanContext means "start a
// new trace".
func (cfg *config) extract(ctx context.Context) trace.SpanContext {
	for _, f := range cfg.formats {
		switch f {
		case FormatBinary:
			v := incomingValues(ctx, propagation.BinaryKey)
			if len(v) == 0 {
				continue
			}
			if len(v[0]) > maxBinaryLen {
				cfg.badInput(propagation.BinaryKey, errOversized)
				continue
			}
			// FromBinary only reads its argument, so a read-only view of
			// the string spares a copy (which escapes through the generic
			// decoder).
			sc, err := propagation.FromBinary(unsafe.Slice(unsafe.StringData(v[0]), len(v[0])))
			if err != nil {
				cfg.badInput(propagation.BinaryKey, err)
				continue
			}
			return sc
		case FormatTraceContext:
			v := incomingValues(ctx, traceparentKey)
			if len(v) == 0 {
				continue
			}
			if len(v) > 1 {
				cfg.badInput(traceparentKey, propagation.ErrTraceparentDuplicate)
				continue
			}
			if len(v[0]) > maxTraceparentLen {
				cfg.badInput(traceparentKey, errOversized)
				continue
			}
			sc, err := propagation.ParseTraceparent(v[0])
			if err != nil {
				cfg.badInput(traceparentKey, err)
				continue
			}
			if ts := incomingValues(ctx, tracestateKey); len(ts) > 0 {
				joined := strings.Join(ts, ",")
				if len(joined) <= maxTracestateLen {
					if st, err := trace.ParseTracestate(joined); err == nil {
						sc.Tracestate = st
					}
				}
			}
			return sc
		}
	}
	return trace.SpanContext{}
}

// extractTags puts the tags of an incoming grpc-tags-bin entry into ctx,
// merged over (replacing) any tag map already there. Of repeated entries the
// last is used, as grpc-go (and so opencensus-go's ocgrpc) does.
func (cfg *config) extractTags(ctx context.Context) context.Context {
	v := incomingValues(ctx, tag.GRPCMetadataKey)
	if len(v) == 0 {
		return ctx
	}
	m, err := tag.Decode([]byte(v[len(v)-1]))
	if err != nil {
		cfg.badInput(tag.GRPCMetadataKey, err)
		return ctx
	}
	return tag.NewContext(ctx, m)
}

// incomingKey is the context key grpc keeps incoming metadata under,
// learned once by letting metadata.ValueFromIncomingContext ask a probe
// context for it (see tagContextKey). Reading the metadata.MD stored there
// spares the copy ValueFromIncomingContext makes of every value it returns.
var incomingKey = sync.OnceValue(func() any {
	p := &keyProbe{Context: context.Background()}
	metadata.ValueFromIncomingContext(p, traceparentKey)
	return p.key
})

// incomingValues returns the values of key (lowercase) in the incoming
// metadata of ctx, without copying; callers must not modify them.
func incomingValues(ctx context.Context, key string) []string {
	if md, ok := ctx.Value(incomingKey()).(metadata.MD); ok {
		return md[key]
	}
	return metadata.ValueFromIncomingContext(ctx, key)
}

var errOversized = errors.New("censusgrpc: value too long")

// badInput reports malformed incoming context at debug level, at most once
// a minute per configuration, so a misbehaving peer cannot flood the logs.
func (cfg *config) badInput(key string, err error) {
	if cfg.limiter.allow() {
		cfg.log().Debug("censusgrpc: ignoring malformed incoming metadata; starting a new trace",
			slog.String("key", key), slog.Any("error", err))
	}
}

// logLimiter lets one event through per minute.
type logLimiter struct{ last atomic.Int64 }

func (l *logLimiter) allow() bool {
	now := time.Now().UnixNano()
	last := l.last.Load()
	if last != 0 && now-last < int64(time.Minute) {
		return false
	}
	return l.last.CompareAndSwap(last, now)
}

package censusgrpc

import (
	"context"
	"time"

	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/stats"
)

// Handler is a grpc stats.Handler that traces RPCs with the same core as the
// interceptors: install NewClientHandler with grpc.WithStatsHandler and
// NewServerHandler with grpc.StatsHandler. gRPC calls its methods from the
// goroutines of each RPC, concurrently; they never block.
//
// Message sizes come from gRPC itself (no re-encoding), and the span covers
// the whole RPC as the transport sees it, including time spent in other
// interceptors. When an interceptor of this package also instruments the
// same RPC, whichever runs first wins (the client interceptor, the server
// handler) and the other steps aside.
type Handler struct {
	cfg    *config
	client bool
}

var _ stats.Handler = (*Handler)(nil)

// NewClientHandler returns a Handler for client connections.
func NewClientHandler(opts ...Option) *Handler {
	return &Handler{cfg: newConfig(opts), client: true}
}

// NewServerHandler returns a Handler for servers.
func NewServerHandler(opts ...Option) *Handler {
	return &Handler{cfg: newConfig(opts)}
}

// TagRPC starts the call: on the client it starts the span and injects the
// trace context into the outgoing metadata; on the server it extracts the
// caller's context and starts the span the handler will see.
func (h *Handler) TagRPC(ctx context.Context, info *stats.RPCTagInfo) context.Context {
	var c *call
	if h.client {
		ctx, c = h.cfg.startClient(ctx, info.FullMethodName)
	} else {
		ctx, c = h.cfg.startServer(ctx, info.FullMethodName)
	}
	if c != nil {
		c.byHandler = true
	}
	return ctx
}

// HandleRPC records messages and ends the call on stats.End.
func (h *Handler) HandleRPC(ctx context.Context, s stats.RPCStats) {
	var c *call
	if h.client {
		c, _ = ctx.Value(clientKey{}).(*call)
	} else {
		c, _ = ctx.Value(serverKey{}).(*call)
	}
	if c == nil || !c.byHandler {
		return
	}
	switch s := s.(type) {
	case *stats.OutPayload:
		c.sent(int64(s.Length), int64(s.CompressedLength), time.Time{})
	case *stats.InPayload:
		c.received(int64(s.Length), int64(s.CompressedLength), time.Time{})
	case *stats.OutHeader:
		if h.client && c.recording && s.RemoteAddr != nil {
			c.peer.Store(&peer.Peer{Addr: s.RemoteAddr})
		}
	case *stats.End:
		latency := s.EndTime.Sub(s.BeginTime)
		c.end(s.Error, latency)
	}
}

// TagConn returns ctx unchanged.
func (h *Handler) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context { return ctx }

// HandleConn does nothing.
func (h *Handler) HandleConn(context.Context, stats.ConnStats) {}

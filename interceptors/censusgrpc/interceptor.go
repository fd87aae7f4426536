package censusgrpc

import (
	"context"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
)

// errPanicked ends the span of a call whose handler panicked; the panic
// itself continues up the stack untouched, for a recovery interceptor or the
// runtime to deal with.
var errPanicked = status.Error(codes.Internal, "censusgrpc: handler panicked")

// UnaryClientInterceptor returns an interceptor that traces unary calls:
// a CLIENT span per call, trace context injected into the outgoing metadata,
// one SENT and one RECEIVED message event, and the status from the call's
// error. Build it once per process (or per ClientConn); it holds no
// resources. It composes with grpc.WithChainUnaryInterceptor in any order.
func UnaryClientInterceptor(opts ...Option) grpc.UnaryClientInterceptor {
	cfg := newConfig(opts)
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, callOpts ...grpc.CallOption) error {
		ctx, c := cfg.startClient(ctx, method)
		if c == nil {
			return invoker(ctx, method, req, reply, cc, callOpts...)
		}
		if c.recording {
			p := new(peer.Peer)
			c.peer.Store(p)
			callOpts = append(callOpts, grpc.Peer(p))
		}
		c.sentMsg(req, c.start)
		err := invoker(ctx, method, req, reply, cc, callOpts...)
		now := c.now()
		if err == nil {
			c.recvMsg(reply, now)
		}
		c.endAt(err, c.sinceAt(now), now)
		return err
	}
}

// StreamClientInterceptor returns an interceptor that traces streaming
// calls. The span ends when gRPC finishes the stream, however that happens
// (the final RecvMsg, an error, cancellation of the stream's context, or
// a deadline): the interceptor adds a grpc.OnFinish call option, so a stream
// that is never read to EOF still ends its span once its context is
// cancelled, as gRPC requires of such streams anyway.
func StreamClientInterceptor(opts ...Option) grpc.StreamClientInterceptor {
	cfg := newConfig(opts)
	return func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, callOpts ...grpc.CallOption) (grpc.ClientStream, error) {
		ctx, c := cfg.startClient(ctx, method)
		if c == nil {
			return streamer(ctx, desc, cc, method, callOpts...)
		}
		extra := 1
		if c.recording {
			extra++
		}
		all := make([]grpc.CallOption, 0, len(callOpts)+extra)
		all = append(all, callOpts...)
		all = append(all, grpc.OnFinish(c.finish))
		if c.recording {
			p := new(peer.Peer)
			c.peer.Store(p)
			all = append(all, grpc.Peer(p))
		}
		cs, err := streamer(ctx, desc, cc, method, all...)
		if err != nil {
			c.end(err, c.since())
			return nil, err
		}
		return &clientStream{ClientStream: cs, c: c}, nil
	}
}

// finish is the grpc.OnFinish callback.
func (c *call) finish(err error) { c.end(err, c.since()) }

// clientStream records the messages of a client stream; it does not end the
// span itself (OnFinish does), so it never needs to know which RecvMsg is the
// last.
type clientStream struct {
	grpc.ClientStream
	c *call
}

func (s *clientStream) SendMsg(m any) error {
	err := s.ClientStream.SendMsg(m)
	if err == nil {
		s.c.sentMsg(m, time.Time{})
	}
	return err
}

func (s *clientStream) RecvMsg(m any) error {
	err := s.ClientStream.RecvMsg(m)
	if err == nil {
		s.c.recvMsg(m, time.Time{})
	}
	return err
}

// UnaryServerInterceptor returns an interceptor that traces unary calls:
// trace context extracted from the incoming metadata, a SERVER span (a
// child of the caller's span, or a linked root for public endpoints) in the
// handler's context, message events and the status of the handler's error.
// Excluded methods get no span but still the caller's span context.
func UnaryServerInterceptor(opts ...Option) grpc.UnaryServerInterceptor {
	cfg := newConfig(opts)
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		ctx, c := cfg.startServer(ctx, info.FullMethod)
		if c == nil {
			return handler(ctx, req)
		}
		returned := false
		defer func() {
			if !returned {
				c.end(errPanicked, c.since())
			}
		}()
		c.recvMsg(req, c.start)
		resp, err = handler(ctx, req)
		returned = true
		now := c.now()
		if err == nil {
			c.sentMsg(resp, now)
		}
		c.endAt(err, c.sinceAt(now), now)
		return resp, err
	}
}

// StreamServerInterceptor returns an interceptor that traces streaming calls;
// the span ends when the handler returns (or panics).
func StreamServerInterceptor(opts ...Option) grpc.StreamServerInterceptor {
	cfg := newConfig(opts)
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
		ctx, c := cfg.startServer(ss.Context(), info.FullMethod)
		if c == nil {
			if ctx == ss.Context() {
				return handler(srv, ss)
			}
			return handler(srv, &serverStream{ServerStream: ss, ctx: ctx})
		}
		returned := false
		defer func() {
			if !returned {
				c.end(errPanicked, c.since())
			}
		}()
		err = handler(srv, &serverStream{ServerStream: ss, ctx: ctx, c: c})
		returned = true
		c.end(err, c.since())
		return err
	}
}

// serverStream gives the handler the traced context and records messages
// (c is nil for excluded calls, which only need the context).
type serverStream struct {
	grpc.ServerStream
	ctx context.Context
	c   *call
}

func (s *serverStream) Context() context.Context { return s.ctx }

func (s *serverStream) SendMsg(m any) error {
	err := s.ServerStream.SendMsg(m)
	if err == nil && s.c != nil {
		s.c.sentMsg(m, time.Time{})
	}
	return err
}

func (s *serverStream) RecvMsg(m any) error {
	err := s.ServerStream.RecvMsg(m)
	if err == nil && s.c != nil {
		s.c.recvMsg(m, time.Time{})
	}
	return err
}

// ClientOptions returns the dial options installing both client
// interceptors with one configuration, after any interceptors already
// chained.
func ClientOptions(opts ...Option) []grpc.DialOption {
	return []grpc.DialOption{
		grpc.WithChainUnaryInterceptor(UnaryClientInterceptor(opts...)),
		grpc.WithChainStreamInterceptor(StreamClientInterceptor(opts...)),
	}
}

// ServerOptions returns the server options installing both server
// interceptors with one configuration.
func ServerOptions(opts ...Option) []grpc.ServerOption {
	return []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(UnaryServerInterceptor(opts...)),
		grpc.ChainStreamInterceptor(StreamServerInterceptor(opts...)),
	}
}

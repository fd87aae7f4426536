package censusgrpc

import (
	"context"
	"time"

	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors"
)

// Reportable returns the call core as a go-grpc-middleware reporter
// factory, for programs that build their middleware from that module's
// generic interceptors:
//
//	r := censusgrpc.Reportable(censusgrpc.WithTracer(tracer))
//	grpc.ChainUnaryInterceptor(interceptors.UnaryServerInterceptor(r), ...)
//
// Spans and stats are those of this package's own interceptors, with two
// differences that come from the generic interceptors: their CallMeta
// rebuilds the full method with fmt.Sprintf on every call, and their client
// stream reporter ends a call only from RecvMsg, so a client stream that is
// never read to the end never ends its span. Prefer ClientOptions and
// ServerOptions unless the generic interceptors are a requirement.
func Reportable(opts ...Option) interceptors.CommonReportableFunc {
	cfg := newConfig(opts)
	return func(ctx context.Context, meta interceptors.CallMeta) (interceptors.Reporter, context.Context) {
		var c *call
		if meta.IsClient {
			ctx, c = cfg.startClient(ctx, meta.FullMethod())
		} else {
			ctx, c = cfg.startServer(ctx, meta.FullMethod())
		}
		if c == nil {
			return interceptors.NoopReporter{}, ctx
		}
		return c, ctx
	}
}

// PostCall implements interceptors.Reporter: it ends the call.
func (c *call) PostCall(err error, rpcDuration time.Duration) { c.end(err, rpcDuration) }

// PostMsgSend implements interceptors.Reporter: a message sent without
// error is recorded.
func (c *call) PostMsgSend(msg any, err error, _ time.Duration) {
	if err == nil && msg != nil {
		c.sentMsg(msg, time.Time{})
	}
}

// PostMsgReceive implements interceptors.Reporter, as PostMsgSend.
func (c *call) PostMsgReceive(msg any, err error, _ time.Duration) {
	if err == nil && msg != nil {
		c.recvMsg(msg, time.Time{})
	}
}

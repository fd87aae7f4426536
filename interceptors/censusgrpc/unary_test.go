package censusgrpc_test

import (
	"context"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/gocensus/gocensus/interceptors/censusgrpc"
	"github.com/gocensus/gocensus/propagation"
	"github.com/gocensus/gocensus/sdk/tag"
	"github.com/gocensus/gocensus/sdk/trace"
)

// installs lists the ways to instrument both sides; "both" installs the
// interceptors and the handlers, which must not double the spans.
func installs(opts ...censusgrpc.Option) map[string]func() ([]grpc.ServerOption, []grpc.DialOption) {
	return map[string]func() ([]grpc.ServerOption, []grpc.DialOption){
		"interceptors": func() ([]grpc.ServerOption, []grpc.DialOption) {
			return censusgrpc.ServerOptions(opts...), censusgrpc.ClientOptions(opts...)
		},
		"handlers": func() ([]grpc.ServerOption, []grpc.DialOption) {
			return []grpc.ServerOption{grpc.StatsHandler(censusgrpc.NewServerHandler(opts...))},
				[]grpc.DialOption{grpc.WithStatsHandler(censusgrpc.NewClientHandler(opts...))}
		},
		"both": func() ([]grpc.ServerOption, []grpc.DialOption) {
			return append(censusgrpc.ServerOptions(opts...), grpc.StatsHandler(censusgrpc.NewServerHandler(opts...))),
				append(censusgrpc.ClientOptions(opts...), grpc.WithStatsHandler(censusgrpc.NewClientHandler(opts...)))
		},
		"interceptor chained twice": func() ([]grpc.ServerOption, []grpc.DialOption) {
			return append(censusgrpc.ServerOptions(opts...), censusgrpc.ServerOptions(opts...)...),
				append(censusgrpc.ClientOptions(opts...), censusgrpc.ClientOptions(opts...)...)
		},
	}
}

func TestUnary(t *testing.T) {
	t.Parallel()
	cases := []struct {
		req      string
		wantCode codes.Code
	}{
		{"hello", codes.OK},
		{"fail:status", codes.NotFound},
		{"fail:plain", codes.Unknown},
	}
	for name := range installs() {
		for _, tc := range cases {
			t.Run(name+"/"+tc.req, func(t *testing.T) {
				t.Parallel()
				tracer, mem, _ := recordingTracer()
				srvOpts, dialOpts := withTracer(name, tracer, censusgrpc.WithMessageEvents(true))
				e := newEnv(t, srvOpts, dialOpts)
				ctx := testCtx(t)
				ctx, parent := tracer.Start(ctx, "caller")
				_, err := e.unary(ctx, tc.req)
				parent.End()
				if got := status.Code(err); got != tc.wantCode {
					t.Fatalf("code = %v, want %v (err %v)", got, tc.wantCode, err)
				}
				client, server := spansByKind(endedSpans(t, mem, 3)) // and the caller's
				if len(client) != 1 || len(server) != 1 {
					t.Fatalf("got %d client and %d server spans, want 1 and 1", len(client), len(server))
				}
				c, s := client[0], server[0]
				if c.Name != "test.Echo/Unary" || s.Name != "test.Echo/Unary" {
					t.Errorf("names %q, %q", c.Name, s.Name)
				}
				if c.TraceID != parent.SpanContext().TraceID || c.ParentSpanID != parent.SpanContext().SpanID {
					t.Errorf("client span is not the caller's child")
				}
				if s.TraceID != c.TraceID || s.ParentSpanID != c.SpanID || !s.HasRemoteParent {
					t.Errorf("server span parent = %v/%v remote %v, want client %v/%v", s.TraceID, s.ParentSpanID, s.HasRemoteParent, c.TraceID, c.SpanID)
				}
				for _, sp := range []*trace.SpanData{c, s} {
					if codes.Code(sp.Status.Code) != tc.wantCode {
						t.Errorf("%v span status %v, want %v", sp.Kind, sp.Status.Code, tc.wantCode)
					}
					if v, _ := attr(sp, "grpc.method"); v.AsString() != "test.Echo/Unary" {
						t.Errorf("%v grpc.method = %q", sp.Kind, v.AsString())
					}
				}
				wantEvents := 2
				if tc.wantCode != codes.OK {
					wantEvents = 1
				}
				if len(c.MessageEvents) != wantEvents || len(s.MessageEvents) != wantEvents {
					t.Errorf("message events: client %d, server %d, want %d", len(c.MessageEvents), len(s.MessageEvents), wantEvents)
				}
				if len(c.MessageEvents) > 0 {
					ev := c.MessageEvents[0]
					if ev.EventType != trace.MessageEventTypeSent || ev.MessageID != 1 || ev.UncompressedSize != int64(len(tc.req)+2) {
						t.Errorf("first client event %+v", ev)
					}
				}
				if _, ok := attr(s, "peer.address"); !ok {
					t.Errorf("server span has no peer.address")
				}
				for _, sp := range []*trace.SpanData{c, s} {
					for _, ev := range sp.MessageEvents {
						if ev.Time.Before(sp.StartTime) || ev.Time.After(sp.EndTime) {
							t.Errorf("%v event at %v outside the span's %v..%v", sp.Kind, ev.Time, sp.StartTime, sp.EndTime)
						}
					}
				}
				if s.StartTime.Before(c.StartTime) || s.EndTime.After(c.EndTime) {
					t.Errorf("server span %v..%v not within client span %v..%v", s.StartTime, s.EndTime, c.StartTime, c.EndTime)
				}
			})
		}
	}
}

// TestNoMessageEventsByDefault checks that spans carry no message events
// unless WithMessageEvents(true) asks for them, on unary calls and streams,
// through every install.
func TestNoMessageEventsByDefault(t *testing.T) {
	t.Parallel()
	for name := range installs() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tracer, mem, _ := recordingTracer()
			srvOpts, dialOpts := withTracer(name, tracer)
			e := newEnv(t, srvOpts, dialOpts)
			ctx := testCtx(t)
			if _, err := e.unary(ctx, "hello"); err != nil {
				t.Fatal(err)
			}
			if err := streamEndings[0].run(ctx, e.conn); err != nil {
				t.Fatal(err)
			}
			spans := endedSpans(t, mem, 4) // a client and a server span for each call
			for _, s := range spans {
				if len(s.MessageEvents) != 0 || s.DroppedMessageEventCount != 0 {
					t.Errorf("%v span %q has %d message events", s.Kind, s.Name, len(s.MessageEvents))
				}
			}
		})
	}
}

// withTracer builds the install named name with tracer.
func withTracer(name string, tracer *trace.Tracer, extra ...censusgrpc.Option) ([]grpc.ServerOption, []grpc.DialOption) {
	return installs(append([]censusgrpc.Option{censusgrpc.WithTracer(tracer)}, extra...)...)[name]()
}

func TestUnsampledPropagates(t *testing.T) {
	t.Parallel()
	mem := newMem()
	tracer := trace.NewTracer(trace.WithSampler(trace.NeverSample()), trace.WithSyncer(mem))
	srvOpts, dialOpts := withTracer("interceptors", tracer)
	e := newEnv(t, srvOpts, dialOpts)
	var got trace.SpanContext
	e.srv.onUnary = func(ctx context.Context) error {
		got = trace.SpanContextFromContext(ctx)
		return nil
	}
	ctx, parent := tracer.Start(testCtx(t), "caller")
	if _, err := e.unary(ctx, "x"); err != nil {
		t.Fatal(err)
	}
	if got.TraceID != parent.SpanContext().TraceID || got.IsSampled() {
		t.Errorf("server saw %v sampled %v, want trace %v unsampled", got.TraceID, got.IsSampled(), parent.SpanContext().TraceID)
	}
	if n := len(mem.GetSpans()); n != 0 {
		t.Errorf("%d spans exported", n)
	}
}

func TestExcludedMethodStillPropagates(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"interceptors", "handlers"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tracer, mem, _ := recordingTracer()
			srvOpts, dialOpts := withTracer(name, tracer)
			e := newEnv(t, srvOpts, dialOpts)
			var got trace.SpanContext
			e.srv.onUnary = func(ctx context.Context) error {
				got = trace.SpanContextFromContext(ctx)
				return nil
			}
			ctx, parent := tracer.Start(testCtx(t), "caller")
			if err := e.conn.Invoke(ctx, methodHealth, wrapString("x"), newString()); err != nil {
				t.Fatal(err)
			}
			parent.End()
			if got.SpanID != parent.SpanContext().SpanID || !got.Remote {
				t.Errorf("handler saw %+v, want the caller's span context", got)
			}
			if spans := mem.GetSpans(); len(spans) != 1 {
				t.Errorf("%d spans, want only the caller's", len(spans))
			}
		})
	}
}

func TestPropagationFormats(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name             string
		client, server   []censusgrpc.Format
		wantKeys, noKeys []string
		wantJoined       bool
	}{
		{"binary default", nil, nil, []string{propagation.BinaryKey}, []string{"traceparent"}, true},
		{"tracecontext only", []censusgrpc.Format{censusgrpc.FormatTraceContext}, []censusgrpc.Format{censusgrpc.FormatTraceContext}, []string{"traceparent", "tracestate"}, []string{propagation.BinaryKey}, true},
		{"both", []censusgrpc.Format{censusgrpc.FormatBinary, censusgrpc.FormatTraceContext}, []censusgrpc.Format{censusgrpc.FormatTraceContext, censusgrpc.FormatBinary}, []string{propagation.BinaryKey, "traceparent"}, nil, true},
		{"mismatch", []censusgrpc.Format{censusgrpc.FormatTraceContext}, []censusgrpc.Format{censusgrpc.FormatBinary}, []string{"traceparent"}, []string{propagation.BinaryKey}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tracer, mem, _ := recordingTracer()
			cliOpts := []censusgrpc.Option{censusgrpc.WithTracer(tracer)}
			if tc.client != nil {
				cliOpts = append(cliOpts, censusgrpc.WithPropagation(tc.client...))
			}
			srvOpts := []censusgrpc.Option{censusgrpc.WithTracer(tracer)}
			if tc.server != nil {
				srvOpts = append(srvOpts, censusgrpc.WithPropagation(tc.server...))
			}
			e := newEnv(t, censusgrpc.ServerOptions(srvOpts...), censusgrpc.ClientOptions(cliOpts...))
			var md metadata.MD
			e.srv.onUnary = func(ctx context.Context) error {
				md, _ = metadata.FromIncomingContext(ctx)
				return nil
			}
			ctx := trace.ContextWithRemoteSpanContext(testCtx(t), remoteWithState(t))
			if _, err := e.unary(ctx, "x"); err != nil {
				t.Fatal(err)
			}
			for _, k := range tc.wantKeys {
				if len(md.Get(k)) != 1 {
					t.Errorf("metadata %q = %q, want one value", k, md.Get(k))
				}
			}
			for _, k := range tc.noKeys {
				if len(md.Get(k)) != 0 {
					t.Errorf("metadata %q present", k)
				}
			}
			client, server := spansByKind(mem.GetSpans())
			joined := server[0].TraceID == client[0].TraceID && server[0].ParentSpanID == client[0].SpanID
			if joined != tc.wantJoined {
				t.Errorf("server joined client trace = %v, want %v", joined, tc.wantJoined)
			}
			if tc.wantJoined && len(tc.server) > 0 && tc.server[0] == censusgrpc.FormatTraceContext && server[0].Tracestate.String() != "vendor=opaque" {
				t.Errorf("tracestate %q not carried", server[0].Tracestate.String())
			}
		})
	}
}

func remoteWithState(t testing.TB) trace.SpanContext {
	sc, err := propagation.ParseTraceparent("00-4bf92f3577b34da6a3ce929d000e4736-00f067aa0ba902b7-01")
	if err != nil {
		t.Fatal(err)
	}
	sc.Tracestate, err = trace.ParseTracestate("vendor=opaque")
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func TestPublicEndpoint(t *testing.T) {
	t.Parallel()
	cases := map[string]censusgrpc.Option{
		"by method": censusgrpc.WithPublicEndpoint(methodUnary),
		"by func": censusgrpc.WithPublicEndpointFunc(func(_ context.Context, m string) bool {
			return m == methodUnary
		}),
	}
	for name, opt := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tracer, mem, _ := recordingTracer()
			e := newEnv(t, censusgrpc.ServerOptions(censusgrpc.WithTracer(tracer), opt), censusgrpc.ClientOptions(censusgrpc.WithTracer(tracer)))
			if _, err := e.unary(testCtx(t), "x"); err != nil {
				t.Fatal(err)
			}
			client, server := spansByKind(mem.GetSpans())
			s := server[0]
			if s.TraceID == client[0].TraceID || s.ParentSpanID.IsValid() {
				t.Errorf("public endpoint joined the caller's trace")
			}
			if len(s.Links) != 1 || s.Links[0].SpanID != client[0].SpanID || s.Links[0].Type != trace.LinkTypeChild {
				t.Errorf("links %+v, want one CHILD link to the client span", s.Links)
			}
		})
	}
}

func TestTagPropagation(t *testing.T) {
	t.Parallel()
	tracer, _, _ := recordingTracer()
	opts := []censusgrpc.Option{censusgrpc.WithTracer(tracer), censusgrpc.WithTagPropagation(true)}
	e := newEnv(t, censusgrpc.ServerOptions(opts...), censusgrpc.ClientOptions(opts...))
	kept, local := tag.MustNewKey("tenant"), tag.MustNewKey("local")
	var got *tag.Map
	e.srv.onUnary = func(ctx context.Context) error {
		got = tag.FromContext(ctx)
		return nil
	}
	ctx, err := tag.New(testCtx(t), tag.Upsert(kept, "acme"), tag.Upsert(local, "x", tag.WithTTL(tag.TTLNoPropagation)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.unary(ctx, "x"); err != nil {
		t.Fatal(err)
	}
	if v, ok := got.Value(kept); !ok || v != "acme" {
		t.Errorf("tenant = %q, %v", v, ok)
	}
	if _, ok := got.Value(local); ok {
		t.Errorf("TTL-0 tag was propagated")
	}
}

// TestRepeatedTagsHeaderLastWins sends grpc-tags-bin twice: the server uses
// the last value, as grpc-go's own reader (and so ocgrpc) does.
func TestRepeatedTagsHeaderLastWins(t *testing.T) {
	t.Parallel()
	tracer, _, _ := recordingTracer()
	opts := []censusgrpc.Option{censusgrpc.WithTracer(tracer), censusgrpc.WithTagPropagation(true)}
	e := newEnv(t, censusgrpc.ServerOptions(opts...), nil)
	key := tag.MustNewKey("tenant")
	var got *tag.Map
	e.srv.onUnary = func(ctx context.Context) error {
		got = tag.FromContext(ctx)
		return nil
	}
	encode := func(v string) string {
		m, err := tag.NewMap(tag.Upsert(key, v))
		if err != nil {
			t.Fatal(err)
		}
		b, err := tag.Encode(m)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	ctx := metadata.AppendToOutgoingContext(testCtx(t),
		tag.GRPCMetadataKey, encode("first"), tag.GRPCMetadataKey, encode("last"))
	if _, err := e.unary(ctx, "x"); err != nil {
		t.Fatal(err)
	}
	if v, ok := got.Value(key); !ok || v != "last" {
		t.Errorf("tenant = %q, %v; want the last header's value", v, ok)
	}
}

package censusgrpc_test

import (
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/gocensus/gocensus/interceptors/censusgrpc"
	"github.com/gocensus/gocensus/sdk/trace"
)

// streamEnding is one way for a client to end a stream.
type streamEnding struct {
	name string
	run  func(ctx context.Context, conn *grpc.ClientConn) error
}

var streamEndings = []streamEnding{
	{"read to EOF", func(ctx context.Context, conn *grpc.ClientConn) error {
		cs, err := conn.NewStream(ctx, streamDesc, methodStream)
		if err != nil {
			return err
		}
		for _, v := range []string{"echo", "a", "b"} {
			if err := cs.SendMsg(wrapperspb.String(v)); err != nil {
				return err
			}
		}
		if err := cs.CloseSend(); err != nil {
			return err
		}
		return drain(cs)
	}},
	{"server error", func(ctx context.Context, conn *grpc.ClientConn) error {
		cs, err := conn.NewStream(ctx, streamDesc, methodStream)
		if err != nil {
			return err
		}
		if err := cs.SendMsg(wrapperspb.String("fail")); err != nil {
			return err
		}
		if err := cs.RecvMsg(new(wrapperspb.StringValue)); status.Code(err) != codes.FailedPrecondition {
			return errors.New("want FailedPrecondition, got " + status.Code(err).String())
		}
		return nil
	}},
	{"cancel mid-stream", func(ctx context.Context, conn *grpc.ClientConn) error {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		cs, err := conn.NewStream(ctx, streamDesc, methodStream)
		if err != nil {
			return err
		}
		if err := cs.SendMsg(wrapperspb.String("echo")); err != nil {
			return err
		}
		if err := cs.RecvMsg(new(wrapperspb.StringValue)); err != nil {
			return err
		}
		cancel()
		return nil
	}},
	{"never read to EOF", func(ctx context.Context, conn *grpc.ClientConn) error {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel() // what gRPC requires of a stream not read to the end
		cs, err := conn.NewStream(ctx, streamDesc, methodStream)
		if err != nil {
			return err
		}
		if err := cs.SendMsg(wrapperspb.String("flood")); err != nil {
			return err
		}
		return cs.RecvMsg(new(wrapperspb.StringValue))
	}},
	{"CloseSend then trailer", func(ctx context.Context, conn *grpc.ClientConn) error {
		cs, err := conn.NewStream(ctx, streamDesc, methodStream)
		if err != nil {
			return err
		}
		if err := cs.SendMsg(wrapperspb.String("echo")); err != nil {
			return err
		}
		if err := cs.CloseSend(); err != nil {
			return err
		}
		if err := drain(cs); err != nil {
			return err
		}
		_ = cs.Trailer()
		return nil
	}},
	{"deadline", func(ctx context.Context, conn *grpc.ClientConn) error {
		ctx, cancel := context.WithTimeout(ctx, time.Millisecond)
		defer cancel()
		cs, err := conn.NewStream(ctx, streamDesc, methodStream)
		if err != nil {
			return nil // the deadline may pass before the stream exists
		}
		if err := cs.SendMsg(wrapperspb.String("flood")); err != nil {
			return nil
		}
		for cs.RecvMsg(new(wrapperspb.StringValue)) == nil {
		}
		return nil
	}},
	{"server returns without reading", func(ctx context.Context, conn *grpc.ClientConn) error {
		cs, err := conn.NewStream(ctx, streamDesc, methodStream)
		if err != nil {
			return err
		}
		if err := cs.SendMsg(wrapperspb.String("quit")); err != nil {
			return err
		}
		return drain(cs)
	}},
}

func drain(cs grpc.ClientStream) error {
	for {
		err := cs.RecvMsg(new(wrapperspb.StringValue))
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// TestStreamsEndExactlyOnce runs 10k streams, spread over every way of
// ending one and over interceptors and handlers, and then finds every span
// that started also ended, once.
func TestStreamsEndExactlyOnce(t *testing.T) {
	n := 10000
	if testing.Short() {
		n = 700
	}
	tracer, _, rec := recordingTracer()
	var envs []*env
	for _, name := range []string{"interceptors", "handlers"} {
		srvOpts, dialOpts := withTracer(name, tracer, censusgrpc.WithMessageEvents(true), censusgrpc.WithStreamSegments(2, 0))
		envs = append(envs, newEnv(t, srvOpts, dialOpts))
	}
	// 10k streams under -race on two busy cores can take well over the
	// usual test context; the bound only has to catch a hang.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var (
		wg     sync.WaitGroup
		next   atomic.Int64
		failed atomic.Int64
		first  sync.Once
	)
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				way := streamEndings[i%len(streamEndings)]
				if err := way.run(ctx, envs[(i/len(streamEndings))%len(envs)].conn); err != nil {
					failed.Add(1)
					first.Do(func() { t.Errorf("%s: %v", way.name, err) })
				}
			}
		}()
	}
	wg.Wait()
	if failed.Load() > 0 {
		t.Fatalf("%d streams failed", failed.Load())
	}
	// Spans of cancelled streams end on gRPC's goroutines shortly after.
	deadline := time.Now().Add(20 * time.Second)
	for {
		started, ended := len(rec.Started()), len(rec.Ended())
		if started == ended || time.Now().After(deadline) {
			if started != ended {
				t.Fatalf("%d spans started, %d ended", started, ended)
			}
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	seen := make(map[trace.SpanID]bool, len(rec.Ended()))
	clients, servers := 0, 0
	for _, s := range rec.Ended() {
		if seen[s.SpanID] {
			t.Fatalf("span %v ended twice", s.SpanID)
		}
		seen[s.SpanID] = true
		switch s.Kind {
		case trace.SpanKindClient:
			clients++
		case trace.SpanKindServer:
			servers++
		}
	}
	// A stream whose deadline passes before its headers leave never
	// reaches the server, and with the stats handler, which gRPC calls only
	// once it attempts the RPC, may not even have a client span; every
	// other stream has both.
	deadlined := n/len(streamEndings) + 1
	if clients > n || clients < n-deadlined || servers > clients || servers < n-deadlined {
		t.Errorf("%d client and %d server spans, want %d (at least %d) of each", clients, servers, n, n-deadlined)
	}
}

func TestStreamSpans(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"interceptors", "handlers"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tracer, mem, _ := recordingTracer()
			srvOpts, dialOpts := withTracer(name, tracer, censusgrpc.WithMessageEvents(true))
			e := newEnv(t, srvOpts, dialOpts)
			if err := streamEndings[0].run(testCtx(t), e.conn); err != nil {
				t.Fatal(err)
			}
			client, server := spansByKind(endedSpans(t, mem, 2))
			if len(client) != 1 || len(server) != 1 {
				t.Fatalf("%d client, %d server spans", len(client), len(server))
			}
			for _, s := range []*trace.SpanData{client[0], server[0]} {
				if s.Name != "test.Echo/Stream" || s.Status.Code != 0 {
					t.Errorf("%v span %q status %v", s.Kind, s.Name, s.Status)
				}
				var sent, recv int64
				for _, ev := range s.MessageEvents {
					switch ev.EventType {
					case trace.MessageEventTypeSent:
						sent++
						if ev.MessageID != sent {
							t.Errorf("sent id %d, want %d", ev.MessageID, sent)
						}
					case trace.MessageEventTypeRecv:
						recv++
						if ev.MessageID != recv {
							t.Errorf("received id %d, want %d", ev.MessageID, recv)
						}
					}
				}
				if sent != 3 || recv != 3 {
					t.Errorf("%v: %d sent, %d received, want 3 and 3", s.Kind, sent, recv)
				}
			}
			if server[0].ParentSpanID != client[0].SpanID {
				t.Errorf("server span is not the client span's child")
			}
		})
	}
}

func TestStreamSegments(t *testing.T) {
	t.Parallel()
	tracer, mem, _ := recordingTracer()
	e := newEnv(t, censusgrpc.ServerOptions(censusgrpc.WithTracer(tracer), censusgrpc.WithMessageEvents(true), censusgrpc.WithStreamSegments(2, 0)), nil)
	if err := streamEndings[0].run(testCtx(t), e.conn); err != nil {
		t.Fatal(err)
	}
	var rpc *trace.SpanData
	var segs []*trace.SpanData
	for _, s := range mem.GetSpans() {
		if s.Kind == trace.SpanKindServer {
			rpc = s
		} else {
			segs = append(segs, s)
		}
	}
	if rpc == nil || len(rpc.MessageEvents) != 0 {
		t.Fatalf("RPC span missing or holding events: %+v", rpc)
	}
	// 6 messages, 2 per segment.
	if len(segs) != 3 {
		t.Fatalf("%d segments, want 3", len(segs))
	}
	for _, s := range segs {
		if s.ParentSpanID != rpc.SpanID || s.Name != "test.Echo/Stream/segment" || len(s.MessageEvents) != 2 {
			t.Errorf("segment %q parent %v with %d events", s.Name, s.ParentSpanID, len(s.MessageEvents))
		}
	}
}

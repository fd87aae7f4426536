package agentexporter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// rawMessage is an export request already encoded: its parts (node,
// resource, items) are concatenated on the wire, which is a valid protobuf
// message because the parts are whole fields.
type rawMessage struct {
	parts [3][]byte
}

// rawCodec sends rawMessage bytes as they are and everything else (config
// messages, responses) through the standard protobuf codec. It is named
// "proto" so the content-type stays application/grpc+proto.
type rawCodec struct{}

func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	if r, ok := v.(*rawMessage); ok {
		out := make(mem.BufferSlice, 0, 3)
		for _, p := range r.parts {
			if len(p) > 0 {
				out = append(out, mem.SliceBuffer(p))
			}
		}
		return out, nil
	}
	return encoding.GetCodecV2(proto.Name).Marshal(v)
}

func (rawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	return encoding.GetCodecV2(proto.Name).Unmarshal(data, v)
}

func (rawCodec) Name() string { return proto.Name }

var exportStreamDesc = grpc.StreamDesc{ClientStreams: true, ServerStreams: true}

var errStalled = errors.New("stream stalled: send blocked past the stall timeout")

// exportStream is one long-lived Export stream (trace or metrics), opened on
// first use and reopened after a break. Its methods are called by the one
// delivery goroutine of its signal and by Shutdown, serialised by mu.
type exportStream struct {
	e        *Exporter
	method   string
	newResp  func() any
	envelope func() (node, res []byte)
	onBreak  func() // the stream broke on its own: resend the unconfirmed window
	onOpen   func(reconnect bool)

	mu       sync.Mutex
	cs       grpc.ClientStream
	cancel   context.CancelFunc
	recvDone chan struct{}
	recvErr  error // set before recvDone closes
	broken   atomic.Bool
	closing  atomic.Bool
	opened   bool
	stalls   atomic.Uint64
}

func (s *exportStream) open(attempt context.Context) error {
	ctx, cancel := context.WithCancel(s.e.life)
	if len(s.e.cfg.headers) > 0 {
		ctx = metadata.NewOutgoingContext(ctx, metadata.New(s.e.cfg.headers))
	}
	stop := context.AfterFunc(attempt, cancel)
	cs, err := s.e.conn.NewStream(ctx, &exportStreamDesc, s.method, s.e.callOpts...)
	stop()
	if err != nil {
		cancel()
		return fmt.Errorf("open %s: %w", s.method, err)
	}
	s.cs, s.cancel = cs, cancel
	s.broken.Store(false)
	done := make(chan struct{})
	s.recvDone = done
	go s.recvLoop(cs, done)
	s.onOpen(s.opened)
	s.opened = true
	return nil
}

// recvLoop drains responses (OpenCensus receivers send none) so that a
// stream ended by the server is noticed even when nothing is being sent.
func (s *exportStream) recvLoop(cs grpc.ClientStream, done chan struct{}) {
	defer close(done)
	for {
		if err := cs.RecvMsg(s.newResp()); err != nil {
			s.recvErr = err
			s.broken.Store(true)
			if !s.closing.Load() {
				s.onBreak()
			}
			return
		}
	}
}

// teardownLocked cancels the stream and waits for its receive goroutine,
// returning the error the server ended it with, if any.
func (s *exportStream) teardownLocked(wait time.Duration) error {
	if s.cs == nil {
		return nil
	}
	if wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-s.recvDone:
		case <-t.C:
		}
		t.Stop()
	}
	s.cancel()
	<-s.recvDone
	err := s.recvErr
	s.cs, s.cancel, s.recvDone = nil, nil, nil
	return err
}

// send ships one encoded batch of items, opening the stream (with node and
// resource in its first message) when needed.
func (s *exportStream) send(attempt context.Context, items []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cs != nil && s.broken.Load() {
		_ = s.teardownLocked(0)
	}
	msg := &rawMessage{}
	msg.parts[2] = items
	if s.cs == nil {
		if err := s.open(attempt); err != nil {
			return err
		}
		msg.parts[0], msg.parts[1] = s.envelope()
	}
	var stalled atomic.Bool
	cancel := s.cancel
	watchdog := time.AfterFunc(s.e.cfg.stallTimeout, func() {
		stalled.Store(true)
		cancel()
	})
	stopAttempt := context.AfterFunc(attempt, cancel)
	err := s.cs.SendMsg(msg)
	watchdog.Stop()
	stopAttempt()
	if err == nil {
		return nil
	}
	wait := time.Duration(0)
	if errors.Is(err, io.EOF) {
		wait = s.e.cfg.stallTimeout // the real status comes from the receive side
	}
	if rerr := s.teardownLocked(wait); rerr != nil && !errors.Is(rerr, io.EOF) && errors.Is(err, io.EOF) {
		err = rerr
	}
	if stalled.Load() {
		s.stalls.Add(1)
		err = fmt.Errorf("%w (%v): %w", errStalled, s.e.cfg.stallTimeout, err)
	}
	return fmt.Errorf("send on %s: %w", s.method, err)
}

// close half-closes the stream and waits, until ctx ends, for the server to
// end it; a clean end (io.EOF) proves everything sent was received.
func (s *exportStream) close(ctx context.Context) (clean bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cs == nil {
		return true
	}
	s.closing.Store(true)
	if err := s.cs.CloseSend(); err == nil {
		select {
		case <-s.recvDone:
		case <-ctx.Done():
		}
	}
	err := s.teardownLocked(0)
	return errors.Is(err, io.EOF)
}

// classify decides which stream errors are worth a retry. The agent protocol
// has no per-message status, so almost everything that ends a stream is a
// transport event worth reconnecting for; only errors that will recur
// identically drop the batch.
func classify(err error) (retry bool, throttle time.Duration) {
	if st, ok := status.FromError(err); ok {
		switch st.Code() {
		case codes.InvalidArgument, codes.Unimplemented, codes.Unauthenticated,
			codes.PermissionDenied, codes.FailedPrecondition:
			return false, 0
		}
	}
	return true, 0
}

// rotate ends the current stream cleanly because its connection is going
// away (GOAWAY, a lost connection): it half-closes so the server can finish,
// and resends the unconfirmed window unless the server ended the stream
// cleanly. The next send opens a stream on the new connection.
func (s *exportStream) rotate(confirm, resend func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cs == nil {
		return
	}
	s.closing.Store(true)
	defer s.closing.Store(false)
	wait := time.Duration(0)
	if err := s.cs.CloseSend(); err == nil {
		wait = s.e.cfg.stallTimeout
	}
	if err := s.teardownLocked(wait); errors.Is(err, io.EOF) {
		confirm()
	} else {
		resend()
	}
}

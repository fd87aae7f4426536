package censuslog_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gocensus/gocensus/censuslog"
	"github.com/gocensus/gocensus/sdk/trace"
)

const (
	traceHex = "4bf92f3577b34da6a3ce929d0e0e4736"
	spanHex  = "00f067aa0ba902b7"
)

func remoteContext(t testing.TB, sampled bool) context.Context {
	t.Helper()
	tid, err := trace.TraceIDFromHex(traceHex)
	if err != nil {
		t.Fatal(err)
	}
	sid, err := trace.SpanIDFromHex(spanHex)
	if err != nil {
		t.Fatal(err)
	}
	sc := trace.SpanContext{TraceID: tid, SpanID: sid, Remote: true}
	sc.TraceOptions = sc.TraceOptions.WithSampled(sampled)
	return trace.ContextWithRemoteSpanContext(context.Background(), sc)
}

// logJSON logs through a JSON handler wrapped by censuslog and returns the
// record without its time.
func logJSON(t *testing.T, opts []censuslog.Option, log func(*slog.Logger)) map[string]any {
	t.Helper()
	var buf bytes.Buffer
	jh := slog.NewJSONHandler(&buf, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	})
	log(slog.New(censuslog.NewHandler(jh, opts...)))
	if strings.Count(buf.String(), "\n") != 1 {
		t.Fatalf("want one line, got %q", buf.String())
	}
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatalf("output is not JSON: %v: %q", err, buf.String())
	}
	return m
}

func TestHandlerAddsIDs(t *testing.T) {
	t.Parallel()
	sampled := remoteContext(t, true)
	tests := []struct {
		name string
		opts []censuslog.Option
		log  func(*slog.Logger)
		want map[string]any
	}{{
		name: "no span",
		log:  func(l *slog.Logger) { l.InfoContext(context.Background(), "hi", "k", 1) },
		want: map[string]any{"level": "INFO", "msg": "hi", "k": 1.0},
	}, {
		name: "no context",
		log:  func(l *slog.Logger) { l.Info("hi") },
		want: map[string]any{"level": "INFO", "msg": "hi"},
	}, {
		name: "remote span context",
		log:  func(l *slog.Logger) { l.WarnContext(sampled, "hi", "k", 1) },
		want: map[string]any{"level": "WARN", "msg": "hi", "k": 1.0,
			"trace_id": traceHex, "span_id": spanHex, "trace_sampled": true},
	}, {
		name: "not sampled",
		log:  func(l *slog.Logger) { l.InfoContext(remoteContext(t, false), "hi") },
		want: map[string]any{"level": "INFO", "msg": "hi",
			"trace_id": traceHex, "span_id": spanHex, "trace_sampled": false},
	}, {
		name: "custom keys, sampled left out",
		opts: []censuslog.Option{censuslog.WithTraceIDKey("logging.googleapis.com/trace"),
			censuslog.WithSpanIDKey("logging.googleapis.com/spanId"), censuslog.WithSampledKey("")},
		log: func(l *slog.Logger) { l.InfoContext(sampled, "hi") },
		want: map[string]any{"level": "INFO", "msg": "hi",
			"logging.googleapis.com/trace": traceHex, "logging.googleapis.com/spanId": spanHex},
	}, {
		name: "all keys empty",
		opts: []censuslog.Option{censuslog.WithTraceIDKey(""), censuslog.WithSpanIDKey(""), censuslog.WithSampledKey("")},
		log:  func(l *slog.Logger) { l.InfoContext(sampled, "hi") },
		want: map[string]any{"level": "INFO", "msg": "hi"},
	}, {
		name: "With attrs keep their place",
		log:  func(l *slog.Logger) { l.With("service", "users").InfoContext(sampled, "hi", "k", 1) },
		want: map[string]any{"level": "INFO", "msg": "hi", "service": "users", "k": 1.0,
			"trace_id": traceHex, "span_id": spanHex, "trace_sampled": true},
	}, {
		name: "ids stay out of groups",
		log: func(l *slog.Logger) {
			l.With("service", "users").WithGroup("req").With("method", "GET").WithGroup("user").
				InfoContext(sampled, "hi", "id", 7)
		},
		want: map[string]any{"level": "INFO", "msg": "hi", "service": "users",
			"trace_id": traceHex, "span_id": spanHex, "trace_sampled": true,
			"req": map[string]any{"method": "GET", "user": map[string]any{"id": 7.0}}},
	}, {
		name: "groups without a span are the wrapped handler's",
		log: func(l *slog.Logger) {
			l.WithGroup("req").With("method", "GET").InfoContext(context.Background(), "hi", "id", 7)
		},
		want: map[string]any{"level": "INFO", "msg": "hi", "req": map[string]any{"method": "GET", "id": 7.0}},
	}, {
		name: "empty groups are dropped as slog drops them",
		log:  func(l *slog.Logger) { l.WithGroup("req").WithGroup("inner").InfoContext(sampled, "hi") },
		want: map[string]any{"level": "INFO", "msg": "hi",
			"trace_id": traceHex, "span_id": spanHex, "trace_sampled": true},
	}, {
		name: "empty group name and empty attrs change nothing",
		log:  func(l *slog.Logger) { l.WithGroup("").With().InfoContext(sampled, "hi", "k", "v") },
		want: map[string]any{"level": "INFO", "msg": "hi", "k": "v",
			"trace_id": traceHex, "span_id": spanHex, "trace_sampled": true},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := logJSON(t, tt.opts, tt.log)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("record (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHandlerUsesTheLocalSpan(t *testing.T) {
	t.Parallel()
	tr := trace.NewTracer(trace.WithSampler(trace.AlwaysSample()))
	ctx, span := tr.Start(context.Background(), "op")
	defer span.End()
	got := logJSON(t, nil, func(l *slog.Logger) { l.InfoContext(ctx, "in span") })
	sc := span.SpanContext()
	if got["trace_id"] != sc.TraceID.String() || got["span_id"] != sc.SpanID.String() || got["trace_sampled"] != true {
		t.Errorf("record %v does not carry span %v", got, sc)
	}
}

// TestRecordNotModified checks that adding the ids never writes into the
// caller's record, which another handler may also be handling.
func TestRecordNotModified(t *testing.T) {
	t.Parallel()
	ctx := remoteContext(t, true)
	var buf bytes.Buffer
	h := censuslog.NewHandler(slog.NewJSONHandler(&buf, nil))
	r := slog.NewRecord(testTime, slog.LevelInfo, "m", 0)
	r.AddAttrs(slog.Int("a", 1), slog.Int("b", 2), slog.Int("c", 3), slog.Int("d", 4), slog.Int("e", 5), slog.Int("f", 6))
	for range 2 {
		if err := h.Handle(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if r.NumAttrs() != 6 {
		t.Errorf("caller's record now has %d attrs, want 6", r.NumAttrs())
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 || lines[0] != lines[1] || strings.Count(lines[0], "trace_id") != 1 {
		t.Errorf("two handles of one record differ or repeat ids:\n%s", buf.String())
	}
}

func TestNilNextDiscards(t *testing.T) {
	t.Parallel()
	h := censuslog.NewHandler(nil)
	if h.Enabled(context.Background(), slog.LevelError) {
		t.Error("a handler wrapping nil is enabled")
	}
	if err := h.Handle(remoteContext(t, true), slog.NewRecord(testTime, slog.LevelInfo, "m", 0)); err != nil {
		t.Error(err)
	}
}

func TestEnabledFollowsTheWrappedHandler(t *testing.T) {
	t.Parallel()
	h := censuslog.NewHandler(slog.NewJSONHandler(&bytes.Buffer{}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx := context.Background()
	if h.Enabled(ctx, slog.LevelInfo) || !h.Enabled(ctx, slog.LevelWarn) {
		t.Error("Enabled does not follow the wrapped handler's level")
	}
	if g := h.WithGroup("g").WithAttrs([]slog.Attr{slog.Int("a", 1)}); g.Enabled(ctx, slog.LevelInfo) {
		t.Error("derived handler changed level")
	}
}

func TestGRPCLoggingFields(t *testing.T) {
	t.Parallel()
	if f := censuslog.GRPCLoggingFields(context.Background()); f != nil {
		t.Errorf("fields without a span = %v, want nil", f)
	}
	got := censuslog.GRPCLoggingFields(remoteContext(t, false))
	want := []any{"trace_id", traceHex, "span_id", spanHex, "trace_sampled", false}
	if diff := cmp.Diff(want, []any(got)); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	custom := censuslog.NewGRPCLoggingFields(censuslog.WithTraceIDKey("traceId"), censuslog.WithSpanIDKey(""))
	want = []any{"traceId", traceHex, "trace_sampled", true}
	if diff := cmp.Diff(want, []any(custom(remoteContext(t, true)))); diff != "" {
		t.Errorf("custom fields (-want +got):\n%s", diff)
	}
}

var testTime = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// TestAllocs pins the hot-path costs: nothing without a span, one string
// for both ids with one.
func TestAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes allocation counts")
	}
	h := censuslog.NewHandler(slog.NewJSONHandler(io.Discard, nil))
	r := slog.NewRecord(testTime, slog.LevelInfo, "m", 0)
	r.AddAttrs(slog.Int("status", 200))
	span := remoteContext(t, true)
	for _, tt := range []struct {
		name string
		ctx  context.Context
		want float64
	}{{"no span", context.Background(), 0}, {"span", span, 1}} {
		got := testing.AllocsPerRun(100, func() {
			if err := h.Handle(tt.ctx, r); err != nil {
				t.Fatal(err)
			}
		})
		if got != tt.want {
			t.Errorf("%s: %v allocs per Handle, want %v", tt.name, got, tt.want)
		}
	}
}

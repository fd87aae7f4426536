package logexporter_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/gocensus/gocensus/exporters/logexporter"
	"github.com/gocensus/gocensus/sdk/trace"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

var (
	start     = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	traceID   = trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36}
	rootID    = trace.SpanID{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7}
	childID   = trace.SpanID{0x53, 0x99, 0x5c, 0x3f, 0x42, 0xcd, 0x8a, 0xd8}
	okSpan    = &trace.SpanData{SpanContext: trace.SpanContext{TraceID: traceID, SpanID: rootID}, Name: "GET /users", Kind: trace.SpanKindServer, StartTime: start, EndTime: start.Add(5 * time.Millisecond)}
	errorSpan = &trace.SpanData{
		SpanContext:  trace.SpanContext{TraceID: traceID, SpanID: childID},
		ParentSpanID: rootID,
		Name:         "db.query",
		Kind:         trace.SpanKindClient,
		StartTime:    start.Add(time.Millisecond),
		EndTime:      start.Add(3 * time.Millisecond),
		Attributes: []trace.Attribute{
			trace.StringAttribute("db.system", "postgresql"),
			trace.Int64Attribute("rows", 12),
			trace.BoolAttribute("cached", false),
			trace.Float64Attribute("ratio", 0.5),
			trace.Float64Attribute("nan", math.NaN()),
			trace.Float64Attribute("inf", math.Inf(1)),
			trace.Float64Attribute("-inf", math.Inf(-1)),
			{Key: "none"},
		},
		Annotations:           []trace.Annotation{{Time: start, Message: "retrying"}, {Time: start, Message: "connected"}},
		MessageEvents:         []trace.MessageEvent{{EventType: trace.MessageEventTypeSent}},
		Links:                 []trace.Link{{TraceID: traceID, SpanID: rootID}},
		DroppedAttributeCount: 2,
		DroppedLinkCount:      1,
		Status:                trace.Status{Code: 14, Message: "connection refused"},
	}
)

func decodeRecords(t *testing.T, b []byte) []map[string]any {
	t.Helper()
	var recs []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("record %q: %v", sc.Bytes(), err)
		}
		recs = append(recs, m)
	}
	return recs
}

func TestRecords(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil)).With("service", "users")
	e, err := logexporter.New(logger)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.ExportSpans(testContext(t), []*trace.SpanData{okSpan, nil, errorSpan}); err != nil {
		t.Fatalf("ExportSpans: %v", err)
	}
	want := []map[string]any{
		{
			"time":        "2026-05-01T12:00:00.005Z",
			"level":       "INFO",
			"msg":         "GET /users",
			"service":     "users",
			"trace_id":    "4bf92f3577b34da6a3ce929d0e0e4736",
			"span_id":     "00f067aa0ba902b7",
			"kind":        "SERVER",
			"start_time":  "2026-05-01T12:00:00Z",
			"duration":    float64(5 * time.Millisecond),
			"status_code": float64(0),
			"status_name": "OK",
		},
		{
			"time":           "2026-05-01T12:00:00.003Z",
			"level":          "ERROR",
			"msg":            "db.query",
			"service":        "users",
			"trace_id":       "4bf92f3577b34da6a3ce929d0e0e4736",
			"span_id":        "53995c3f42cd8ad8",
			"parent_span_id": "00f067aa0ba902b7",
			"kind":           "CLIENT",
			"start_time":     "2026-05-01T12:00:00.001Z",
			"duration":       float64(2 * time.Millisecond),
			"status_code":    float64(14),
			"status_name":    "UNAVAILABLE",
			"status_message": "connection refused",
			"attributes": map[string]any{
				"db.system": "postgresql",
				"rows":      float64(12),
				"cached":    false,
				"ratio":     0.5,
				"nan":       "NaN",
				"inf":       "+Inf",
				"-inf":      "-Inf",
				"none":      nil,
			},
			"annotations":    []any{"retrying", "connected"},
			"message_events": float64(1),
			"links":          float64(1),
			"dropped":        map[string]any{"attributes": float64(2), "links": float64(1)},
		},
	}
	if diff := cmp.Diff(want, decodeRecords(t, buf.Bytes())); diff != "" {
		t.Errorf("records mismatch (-want +got):\n%s", diff)
	}
}

func TestLevels(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		handlerAt slog.Level
		opts      []logexporter.Option
		want      []string // levels of the records written for okSpan, errorSpan
	}{
		{"defaults", slog.LevelInfo, nil, []string{"INFO", "ERROR"}},
		{"warn for errors", slog.LevelInfo, []logexporter.Option{logexporter.WithErrorLevel(slog.LevelWarn)}, []string{"INFO", "WARN"}},
		{"debug spans filtered", slog.LevelInfo, []logexporter.Option{logexporter.WithLevel(slog.LevelDebug)}, []string{"ERROR"}},
		{"debug spans enabled", slog.LevelDebug, []logexporter.Option{logexporter.WithLevel(slog.LevelDebug)}, []string{"DEBUG", "ERROR"}},
		{"only errors pass", slog.LevelError, nil, []string{"ERROR"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: tt.handlerAt}))
			e, err := logexporter.New(logger, tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if err := e.ExportSpans(testContext(t), []*trace.SpanData{okSpan, errorSpan}); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range decodeRecords(t, buf.Bytes()) {
				got = append(got, r["level"].(string))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("levels (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNilLogger(t *testing.T) {
	t.Parallel()
	if e, err := logexporter.New(nil); err == nil || e != nil {
		t.Fatalf("New(nil) = %v, %v; want an error", e, err)
	}
}

func TestShutdown(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	e, err := logexporter.New(slog.New(slog.NewJSONHandler(&buf, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx := testContext(t)
	for range 2 {
		if err := e.Shutdown(ctx); err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
	}
	if err := e.ExportSpans(ctx, []*trace.SpanData{okSpan}); !errors.Is(err, logexporter.ErrShutdown) {
		t.Fatalf("ExportSpans after Shutdown = %v, want ErrShutdown", err)
	}
	if buf.Len() != 0 {
		t.Errorf("logged after Shutdown: %s", buf.Bytes())
	}
}

func TestCancelledContext(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	e, err := logexporter.New(slog.New(slog.NewJSONHandler(&buf, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := e.ExportSpans(ctx, []*trace.SpanData{okSpan}); !errors.Is(err, context.Canceled) {
		t.Fatalf("ExportSpans = %v, want context.Canceled", err)
	}
	if buf.Len() != 0 {
		t.Errorf("logged with a cancelled context: %s", buf.Bytes())
	}
}

// failingHandler fails for spans named "bad" and records the rest.
type failingHandler struct {
	mu    sync.Mutex
	names []string
}

var errHandler = errors.New("handler broke")

func (h *failingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *failingHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *failingHandler) WithGroup(string) slog.Handler            { return h }
func (h *failingHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "bad" {
		return errHandler
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.names = append(h.names, r.Message)
	return nil
}

func TestHandlerErrorsAreReturnedAndOthersStillLogged(t *testing.T) {
	t.Parallel()
	h := &failingHandler{}
	e, err := logexporter.New(slog.New(h))
	if err != nil {
		t.Fatal(err)
	}
	bad := &trace.SpanData{Name: "bad"}
	err = e.ExportSpans(testContext(t), []*trace.SpanData{bad, okSpan, bad, errorSpan})
	if !errors.Is(err, errHandler) {
		t.Fatalf("ExportSpans = %v, want the handler's error", err)
	}
	if diff := cmp.Diff([]string{"GET /users", "db.query"}, h.names); diff != "" {
		t.Errorf("logged spans (-want +got):\n%s", diff)
	}
}

func TestConcurrentExports(t *testing.T) {
	t.Parallel()
	var (
		mu  sync.Mutex
		buf bytes.Buffer
	)
	w := writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return buf.Write(p)
	})
	e, err := logexporter.New(slog.New(slog.NewJSONHandler(w, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx := testContext(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 25 {
				if err := e.ExportSpans(ctx, []*trace.SpanData{okSpan, errorSpan}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if n := len(decodeRecords(t, buf.Bytes())); n != 8*25*2 {
		t.Errorf("%d records, want %d", n, 8*25*2)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func BenchmarkExportSpans(b *testing.B) {
	spans := make([]*trace.SpanData, 64)
	for i := range spans {
		if i%2 == 0 {
			spans[i] = okSpan
		} else {
			spans[i] = errorSpan
		}
	}
	for _, bc := range []struct {
		name  string
		level slog.Level
	}{
		{"handler=json", slog.LevelInfo},
		{"handler=json/disabled", slog.LevelError + 1},
	} {
		b.Run(bc.name, func(b *testing.B) {
			e, err := logexporter.New(slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: bc.level})))
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if err := e.ExportSpans(ctx, spans); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(spans)), "ns/span")
		})
	}
}

func Example() {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	exp, err := logexporter.New(logger, logexporter.WithErrorLevel(slog.LevelWarn))
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	span := &trace.SpanData{
		SpanContext: trace.SpanContext{TraceID: traceID, SpanID: rootID, TraceOptions: trace.FlagSampled},
		Name:        "GET /users/42",
		Kind:        trace.SpanKindServer,
		StartTime:   start,
		EndTime:     start.Add(1500 * time.Microsecond),
		Attributes:  []trace.Attribute{trace.StringAttribute("http.route", "/users/{id}")},
		Status:      trace.Status{Code: 5, Message: "no such user"},
	}
	if err := exp.ExportSpans(ctx, []*trace.SpanData{span}); err != nil {
		fmt.Println(err)
	}
	// Output:
	// {"time":"2026-05-01T12:00:00.0015Z","level":"WARN","msg":"GET /users/42","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7","kind":"SERVER","start_time":"2026-05-01T12:00:00Z","duration":1500000,"status_code":5,"status_name":"NOT_FOUND","status_message":"no such user","attributes":{"http.route":"/users/{id}"}}
}

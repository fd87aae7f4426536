package censuslog_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"testing/slogtest"

	"github.com/gocensus/gocensus/censuslog"
)

// withContext makes every record look as if logged with ctx, so slogtest's
// cases, which log without a context, run through the span path too.
type withContext struct {
	slog.Handler
	ctx context.Context
}

func (h withContext) Handle(_ context.Context, r slog.Record) error {
	return h.Handler.Handle(h.ctx, r)
}
func (h withContext) WithAttrs(as []slog.Attr) slog.Handler {
	return withContext{h.Handler.WithAttrs(as), h.ctx}
}
func (h withContext) WithGroup(name string) slog.Handler {
	return withContext{h.Handler.WithGroup(name), h.ctx}
}

// TestSlogtest runs the standard handler conformance tests, without a span
// and with one.
func TestSlogtest(t *testing.T) {
	for name, ctx := range map[string]context.Context{
		"no span": context.Background(),
		"span":    remoteContext(t, true),
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			newHandler := func(*testing.T) slog.Handler {
				buf.Reset()
				return withContext{censuslog.NewHandler(slog.NewJSONHandler(&buf, nil)), ctx}
			}
			result := func(t *testing.T) map[string]any {
				var m map[string]any
				if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
					t.Fatal(err)
				}
				if name == "span" {
					if m["trace_id"] != traceHex || m["span_id"] != spanHex {
						t.Errorf("record without top-level ids: %v", m)
					}
					delete(m, "trace_id")
					delete(m, "span_id")
					delete(m, "trace_sampled")
				}
				return m
			}
			slogtest.Run(t, newHandler, result)
		})
	}
}

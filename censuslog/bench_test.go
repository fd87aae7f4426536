package censuslog_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/gocensus/gocensus/censuslog"
)

// BenchmarkHandle measures Handle on the path every log line takes, with a
// discarding JSON handler underneath so the wrapper's cost shows.
func BenchmarkHandle(b *testing.B) {
	base := slog.NewJSONHandler(io.Discard, nil)
	span := remoteContext(b, true)
	cases := []struct {
		name    string
		handler slog.Handler
		ctx     context.Context
	}{
		{"unwrapped", base, span},
		{"no-span", censuslog.NewHandler(base), context.Background()},
		{"span", censuslog.NewHandler(base), span},
		{"span-in-group", censuslog.NewHandler(base).WithGroup("req").WithAttrs([]slog.Attr{slog.String("method", "GET")}), span},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			logger := slog.New(c.handler)
			b.ReportAllocs()
			for b.Loop() {
				logger.InfoContext(c.ctx, "request", "status", 200)
			}
		})
	}
}

func BenchmarkGRPCLoggingFields(b *testing.B) {
	ctx := remoteContext(b, true)
	b.ReportAllocs()
	for b.Loop() {
		_ = censuslog.GRPCLoggingFields(ctx)
	}
}

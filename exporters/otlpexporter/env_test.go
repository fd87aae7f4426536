package otlpexporter_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/metadata"

	"github.com/gocensus/gocensus/exporters/otlpexporter"
)

// exportOnce sends one span and reports whether the collector got it
// within a short time.
func exportOnce(t *testing.T, exp *otlpexporter.Exporter) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := exp.ExportSpans(ctx, makeSpans(1, 0)); err != nil {
		t.Fatal(err)
	}
	_ = exp.Flush(ctx)
	return exp.Stats().Traces.Sent == 1
}

func newQuiet(t *testing.T, opts ...otlpexporter.Option) (*otlpexporter.Exporter, error) {
	t.Helper()
	exp, err := otlpexporter.New(append([]otlpexporter.Option{
		fastRetry, otlpexporter.WithLogger(slog.New(slog.DiscardHandler)),
	}, opts...)...)
	if err == nil {
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			_ = exp.Shutdown(ctx)
		})
	}
	return exp, err
}

// Environment tests use t.Setenv and so cannot run in parallel.

func TestEnvEndpoint(t *testing.T) {
	c := startCollector(t)
	dead := freeAddr(t)
	tests := []struct {
		name string
		env  map[string]string
		opts []otlpexporter.Option
		ok   bool
	}{
		{"http URL means insecure", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://" + c.addr}, nil, true},
		{"https URL means TLS", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "https://" + c.addr}, nil, false},
		{"host:port with INSECURE", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": c.addr, "OTEL_EXPORTER_OTLP_INSECURE": "true"}, nil, true},
		{"host:port defaults to TLS", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": c.addr}, nil, false},
		{"TRACES_ENDPOINT wins", map[string]string{
			"OTEL_EXPORTER_OTLP_ENDPOINT":        "http://" + dead,
			"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://" + c.addr,
		}, nil, true},
		{"TRACES_INSECURE wins", map[string]string{
			"OTEL_EXPORTER_OTLP_ENDPOINT":        c.addr,
			"OTEL_EXPORTER_OTLP_INSECURE":        "false",
			"OTEL_EXPORTER_OTLP_TRACES_INSECURE": "true",
		}, nil, true},
		{"METRICS_ENDPOINT does not apply to traces", map[string]string{
			"OTEL_EXPORTER_OTLP_ENDPOINT":         "http://" + dead,
			"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "http://" + c.addr,
		}, nil, false},
		{"option wins over environment", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://" + dead},
			[]otlpexporter.Option{otlpexporter.WithEndpoint(c.addr), otlpexporter.WithInsecure()}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			exp, err := newQuiet(t, tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if tt.ok {
				if !exportOnce(t, exp) {
					t.Fatalf("span not delivered; stats %+v", exp.Stats().Traces)
				}
				return
			}
			// Expect no delivery: give it a few attempts, then check.
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			if err := exp.ExportSpans(ctx, makeSpans(1, 0)); err != nil {
				t.Fatal(err)
			}
			_ = exp.Flush(ctx)
			if st := exp.Stats().Traces; st.Sent != 0 {
				t.Fatalf("span delivered, want failure; stats %+v", st)
			}
		})
	}
}

func TestEnvHeaders(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		opts []otlpexporter.Option
		want metadata.MD
	}{
		{"general", map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "Api-Key=a%20b, tenant=t1"}, nil,
			metadata.Pairs("api-key", "a b", "tenant", "t1")},
		{"traces replaces general", map[string]string{
			"OTEL_EXPORTER_OTLP_HEADERS":        "api-key=general",
			"OTEL_EXPORTER_OTLP_TRACES_HEADERS": "x=1",
		}, nil, metadata.Pairs("x", "1")},
		{"option merges over environment", map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "api-key=env,tenant=t1"},
			[]otlpexporter.Option{otlpexporter.WithHeaders(map[string]string{"api-key": "opt"})},
			metadata.Pairs("api-key", "opt", "tenant", "t1")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := startCollector(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			exp, err := newQuiet(t, append([]otlpexporter.Option{otlpexporter.WithEndpoint(c.addr), otlpexporter.WithInsecure()}, tt.opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			if !exportOnce(t, exp) {
				t.Fatalf("not delivered: %+v", exp.Stats().Traces)
			}
			got := c.metadata()[0]
			for k, v := range tt.want {
				if g := got.Get(k); strings.Join(g, ",") != strings.Join(v, ",") {
					t.Errorf("header %s = %v, want %v", k, g, v)
				}
			}
			for _, k := range []string{"api-key", "tenant", "x"} {
				if _, want := tt.want[k]; !want && len(got.Get(k)) > 0 {
					t.Errorf("unexpected header %s = %v", k, got.Get(k))
				}
			}
		})
	}
}

func TestEnvInvalid(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		opts    []otlpexporter.Option
		wantErr string // "" means New succeeds
	}{
		{"bad timeout", map[string]string{"OTEL_EXPORTER_OTLP_TIMEOUT": "soon"}, nil, "timeout"},
		{"negative traces timeout", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT": "-5"}, nil, "timeout"},
		{"timeout option wins", map[string]string{"OTEL_EXPORTER_OTLP_TIMEOUT": "soon"},
			[]otlpexporter.Option{otlpexporter.WithTimeout(time.Second)}, ""},
		{"good timeout", map[string]string{"OTEL_EXPORTER_OTLP_TIMEOUT": "2500"}, nil, ""},
		{"bad compression", map[string]string{"OTEL_EXPORTER_OTLP_COMPRESSION": "zstd"}, nil, "compression"},
		{"compression option wins", map[string]string{"OTEL_EXPORTER_OTLP_COMPRESSION": "zstd"},
			[]otlpexporter.Option{otlpexporter.WithCompression("gzip")}, ""},
		{"bad insecure", map[string]string{"OTEL_EXPORTER_OTLP_INSECURE": "maybe"}, nil, "INSECURE"},
		{"bad scheme", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "ftp://host:4317"}, nil, "scheme"},
		{"bad headers", map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "novalue"}, nil, "key=value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			_, err := newQuiet(t, tt.opts...)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("New: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("New error = %v, want one mentioning %q", err, tt.wantErr)
			}
		})
	}
}

func TestEnvCertificate(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_CERTIFICATE", filepath.Join(t.TempDir(), "missing.pem"))
	exp, err := newQuiet(t)
	if err != nil {
		t.Fatal(err)
	}
	err = exp.ExportSpans(testCtx(t), makeSpans(1, 0))
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("ExportSpans = %v, want a certificate error", err)
	}
}

package census_test

import (
	"context"
	"net"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/test/bufconn"

	"github.com/gocensus/gocensus/census"
	"github.com/gocensus/gocensus/sdk/trace"
)

// TestGRPCFromConfig calls the standard health service through a server
// and a client built from one Config, checking the method excludelist and
// that client and server spans share a trace over the configured format.
func TestGRPCFromConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		cfg       census.Config
		wantSpans int
	}{
		{"default excludes health", census.Config{Sampler: "always"}, 0},
		{"none traces health", census.Config{Sampler: "always", ExcludeMethods: []string{"none"}}, 2},
		{"other method excluded", census.Config{Sampler: "always", ExcludeMethods: []string{"/grpc.health.v1.Health/Watch"}, Propagators: []string{"tracecontext"}}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := testCtx(t)
			mem := newMemory()
			tc.cfg.Exporters = []string{"mem"}
			c, err := census.New(ctx, tc.cfg, census.WithExporterFactory("mem", mem.factory), census.WithResource(testResource))
			if err != nil {
				t.Fatal(err)
			}
			lis := bufconn.Listen(1 << 16)
			srv := grpc.NewServer(c.GRPCServerOptions()...)
			healthpb.RegisterHealthServer(srv, health.NewServer())
			done := make(chan error, 1)
			go func() { done <- srv.Serve(lis) }()
			conn, err := grpc.NewClient("passthrough:///bufnet",
				append(c.GRPCClientOptions(),
					grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
					grpc.WithTransportCredentials(insecure.NewCredentials()))...)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
				t.Fatal(err)
			}
			conn.Close()
			srv.GracefulStop()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if err := c.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
			spans := mem.spans.GetSpans()
			if len(spans) != tc.wantSpans {
				t.Fatalf("%d spans, want %d", len(spans), tc.wantSpans)
			}
			if tc.wantSpans == 2 {
				var client, server *trace.SpanData
				for _, s := range spans {
					switch s.Kind {
					case trace.SpanKindClient:
						client = s
					case trace.SpanKindServer:
						server = s
					}
				}
				if client == nil || server == nil {
					t.Fatalf("want a client and a server span, got %d spans", len(spans))
				}
				if server.SpanContext.TraceID != client.SpanContext.TraceID || server.ParentSpanID != client.SpanContext.SpanID {
					t.Error("the server span is not the child of the client span")
				}
			}
		})
	}
}

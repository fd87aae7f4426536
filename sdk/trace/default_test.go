package trace_test

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/gocensus/gocensus/sdk/trace"
)

// Not parallel: it swaps os.Stdout and the package default.
func TestDefaultTracer(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = w
	trace.SetDefault(nil)
	def := trace.Default()
	os.Stdout = stdout
	t.Cleanup(func() {
		trace.SetDefault(nil)
		r.Close()
		w.Close()
	})

	if def != trace.Default() {
		t.Fatal("Default built twice")
	}
	if got := def.Sampler().Description(); got != "ProbabilitySampler{0.0001}" {
		t.Errorf("default sampler %s", got)
	}
	_, s := trace.Start(context.Background(), "printed", trace.WithSpanSampler(trace.AlwaysSample()))
	s.End()
	line, err := bufio.NewReader(r).ReadBytes('\n')
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(line, &got); err != nil {
		t.Fatalf("default exporter wrote %q: %v", line, err)
	}
	if got["name"] != "printed" || got["span_id"] != s.SpanContext().SpanID.String() {
		t.Errorf("line %s", line)
	}

	custom := trace.NewTracer(trace.WithSampler(trace.NeverSample()))
	trace.SetDefault(custom)
	if trace.Default() != custom {
		t.Error("SetDefault did not replace the default")
	}
	if _, s := trace.Start(context.Background(), "x"); s.SpanContext().IsSampled() {
		t.Error("package Start did not use the new default")
	}
	if err := def.Shutdown(context.Background()); err != nil {
		t.Error(err)
	}
}

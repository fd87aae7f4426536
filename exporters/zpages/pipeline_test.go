package zpages_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/gocensus/gocensus/exporters/zpages"
	"github.com/gocensus/gocensus/sdk/trace"
	"github.com/gocensus/gocensus/sdk/trace/tracetest"
)

func TestPipelineCounters(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	bsp := trace.NewBatchSpanProcessor(tracetest.NewInMemoryExporter(), trace.WithMaxQueueSize(2))
	z := newZ(t, zpages.WithBatchSpanProcessor("agent <exporter>", bsp), zpages.WithBatchSpanProcessor("nil", nil))
	tr := trace.NewTracer(trace.WithSampler(trace.AlwaysSample()), trace.WithSpanProcessor(bsp), trace.WithSpanProcessor(z))
	defer tr.Shutdown(ctx)
	for range 3 {
		_, s := tr.Start(ctx, "op")
		s.End()
	}
	if err := bsp.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	st := bsp.Stats()
	rec := httptest.NewRecorder()
	z.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/debug/tracez", nil))
	cells := row(t, rec.Body.String(), "pipelines", "data-name", "agent <exporter>")
	want := []string{"agent <exporter>", "3", itoa(st.Exported), "0", "0 B", itoa(st.DroppedQueueFull), "0", "0"}
	if len(cells) != len(want) {
		t.Fatalf("cells %q, want %q", cells, want)
	}
	for i := range want {
		if cells[i] != want[i] {
			t.Errorf("cell %d = %q, want %q (row %q)", i, cells[i], want[i], cells)
		}
	}
	if st.Exported+st.DroppedQueueFull != 3 {
		t.Errorf("stats %+v do not add up to 3 spans", st)
	}
}

func itoa(v uint64) string { return strconv.FormatUint(v, 10) }

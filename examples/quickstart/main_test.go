package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type span struct {
	TraceID       string         `json:"trace_id"`
	SpanID        string         `json:"span_id"`
	ParentSpanID  string         `json:"parent_span_id"`
	Name          string         `json:"name"`
	Kind          string         `json:"kind"`
	Sampled       bool           `json:"sampled"`
	Attributes    map[string]any `json:"attributes"`
	Annotations   []struct{ Message string }
	MessageEvents []struct {
		Type             string
		ID               int64
		UncompressedSize int64 `json:"uncompressed_size"`
	} `json:"message_events"`
	Status struct {
		Code    int
		Name    string
		Message string
	}
	StartTime time.Time `json:"start_time"`
	EndTime   time.Time `json:"end_time"`
}

func TestRunPrintsLinkedSpans(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, &out); err != nil {
		t.Fatalf("run: %v", err)
	}

	spans := map[string]span{}
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var s span
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			t.Fatalf("line %q is not a span: %v", sc.Bytes(), err)
		}
		if _, dup := spans[s.Name]; dup {
			t.Fatalf("span %q printed twice", s.Name)
		}
		spans[s.Name] = s
	}
	if len(spans) != 3 {
		t.Fatalf("got spans %v, want 3", spans)
	}
	root, ok := spans["quickstart/main"]
	if !ok {
		t.Fatal("root span missing")
	}
	if root.ParentSpanID != "" || root.Kind != "SERVER" || !root.Sampled {
		t.Errorf("root span %+v", root)
	}
	for _, name := range []string{"quickstart/lookupCart", "quickstart/charge"} {
		child, ok := spans[name]
		if !ok {
			t.Fatalf("span %s missing", name)
		}
		if child.TraceID != root.TraceID || child.ParentSpanID != root.SpanID {
			t.Errorf("%s: trace %s parent %s, want trace %s parent %s", name, child.TraceID, child.ParentSpanID, root.TraceID, root.SpanID)
		}
		if child.SpanID == root.SpanID || child.Kind != "CLIENT" {
			t.Errorf("%s: %+v", name, child)
		}
		if child.StartTime.Before(root.StartTime) || child.EndTime.After(root.EndTime) {
			t.Errorf("%s [%v, %v] not inside root [%v, %v]", name, child.StartTime, child.EndTime, root.StartTime, root.EndTime)
		}
	}

	lookup := spans["quickstart/lookupCart"]
	wantAttrs := map[string]any{"cart.id": "cart-17", "cart.items": float64(3), "cache.hit": false}
	if diff := cmp.Diff(wantAttrs, lookup.Attributes); diff != "" {
		t.Errorf("lookupCart attributes (-want +got):\n%s", diff)
	}
	if len(lookup.Annotations) != 1 || lookup.Annotations[0].Message != "cache miss, asking the cart service" {
		t.Errorf("lookupCart annotations %+v", lookup.Annotations)
	}
	if len(lookup.MessageEvents) != 1 || lookup.MessageEvents[0].Type != "SENT" || lookup.MessageEvents[0].UncompressedSize != 64 {
		t.Errorf("lookupCart message events %+v", lookup.MessageEvents)
	}

	charge := spans["quickstart/charge"]
	if charge.Status.Code != 9 || charge.Status.Name != "FAILED_PRECONDITION" || charge.Status.Message != errPaymentDeclined.Error() {
		t.Errorf("charge status %+v", charge.Status)
	}
	if root.Status.Name != "OK" {
		t.Errorf("root status %+v", root.Status)
	}
}

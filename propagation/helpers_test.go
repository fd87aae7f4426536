package propagation_test

import (
	"encoding/hex"
	"net/http"
	"testing"

	"github.com/gocensus/gocensus/propagation"
	"github.com/gocensus/gocensus/sdk/trace"
)

// The W3C and OpenCensus specification examples.
const (
	specTraceID = "4bf92f3577b34da6a3ce929d000e4736"
	specSpanID  = "00f067aa0ba902b7"
	ocSpanID    = "34f067aa0ba902b7"
	specParent  = "00-" + specTraceID + "-" + specSpanID + "-01"
)

// headerCarrier returns an http.Header carrier holding headers, keys
// canonicalised as http.Header.Set does.
func headerCarrier(headers map[string]string) propagation.HeaderCarrier {
	h := http.Header{}
	for k, v := range headers {
		h.Set(k, v)
	}
	return propagation.HeaderCarrier(h)
}

func mustTraceID(t testing.TB, s string) trace.TraceID {
	t.Helper()
	id, err := trace.TraceIDFromHex(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func mustSpanID(t testing.TB, s string) trace.SpanID {
	t.Helper()
	id, err := trace.SpanIDFromHex(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// remote builds the SpanContext a propagator should extract.
func remote(t testing.TB, traceID, spanID string, opts trace.TraceOptions) trace.SpanContext {
	t.Helper()
	return trace.SpanContext{
		TraceID:      mustTraceID(t, traceID),
		SpanID:       mustSpanID(t, spanID),
		TraceOptions: opts,
		Remote:       true,
	}
}

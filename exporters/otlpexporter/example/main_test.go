package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestOnce(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, []string{"-once"}, &out); err != nil {
		t.Fatal(err)
	}
	want := `spans: 4 sent, 0 dropped
span SPAN_KIND_CLIENT db.query
span SPAN_KIND_CLIENT db.query
span SPAN_KIND_SERVER GET /orders
span SPAN_KIND_SERVER GET /users
metric example.com/server/latency (2 series)
metric example.com/server/requests (2 series)
`
	if out.String() != want {
		t.Errorf("output:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestRunsUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	var out bytes.Buffer
	// Nothing listens on this port: the spans are dropped at shutdown,
	// which the program reports as an error after printing its counts.
	err := run(ctx, []string{"-otlp", "127.0.0.1:1"}, &out)
	if !strings.HasPrefix(out.String(), "exporting to 127.0.0.1:1") || !strings.Contains(out.String(), "spans: 0 sent") {
		t.Errorf("output:\n%s", out.String())
	}
	if err == nil {
		t.Error("want an error naming the undelivered spans")
	}
}

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
	if err := run(ctx, []string{"-once", "-addr", "127.0.0.1:0"}, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`example_com_server_latency_bucket{route="/users",status="200",le="5"} 1`,
		`example_com_server_latency_count{route="/orders",status="200"} 1`,
		`example_com_server_requests{route="/users",status="404"} 1`,
		`example_com_server_request_bytes{route="/users"} 200`,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestServeUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, []string{"-addr", "127.0.0.1:0"}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "serving http://127.0.0.1:") {
		t.Errorf("output = %q", out.String())
	}
}

func TestBadFlags(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-nope"}, &out); err == nil {
		t.Error("unknown flag accepted")
	}
}

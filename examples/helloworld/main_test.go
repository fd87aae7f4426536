package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gocensus/gocensus/internal/testkit"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type span struct {
	TraceID      string `json:"trace_id"`
	SpanID       string `json:"span_id"`
	ParentSpanID string `json:"parent_span_id"`
	Name         string `json:"name"`
	Kind         string `json:"kind"`
	Status       struct{ Code int }
}

func parseSpans(t *testing.T, b []byte) []span {
	t.Helper()
	var spans []span
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		var s span
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		if s.TraceID == "" {
			continue // a metric line
		}
		spans = append(spans, s)
	}
	return spans
}

// checkPairs asserts every server span is the child of a client span of the
// same method and trace, and counts the pairs per method.
func checkPairs(t *testing.T, spans []span) map[string]int {
	t.Helper()
	clients := map[string]span{}
	for _, s := range spans {
		if s.Kind == "CLIENT" {
			clients[s.SpanID] = s
		}
	}
	pairs := map[string]int{}
	for _, s := range spans {
		if s.Kind != "SERVER" {
			continue
		}
		c, ok := clients[s.ParentSpanID]
		if !ok {
			t.Errorf("server span %s has no client parent", s.SpanID)
			continue
		}
		if c.TraceID != s.TraceID || c.Name != s.Name || s.Status.Code != 0 {
			t.Errorf("server span %+v does not match client span %+v", s, c)
		}
		pairs[s.Name]++
	}
	return pairs
}

func TestOneProcess(t *testing.T) {
	for _, prop := range []string{"binary", "tracecontext", "binary,tracecontext"} {
		t.Run(prop, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var stdout, stderr bytes.Buffer
			if err := run(ctx, []string{"-propagation", prop, "-n", "2"}, &stdout, &stderr); err != nil {
				t.Fatalf("run: %v (stderr %s)", err, stderr.String())
			}
			pairs := checkPairs(t, parseSpans(t, stdout.Bytes()))
			if pairs["helloworld.Greeter/SayHello"] != 2 || pairs["helloworld.Greeter/SayHelloStream"] != 1 {
				t.Errorf("pairs %v, want 2 unary and 1 stream", pairs)
			}
			if !strings.Contains(stderr.String(), "Hello, carol") {
				t.Errorf("stderr %q lacks the stream's replies", stderr.String())
			}
		})
	}
}

func TestTwoProcessesWithFileExporter(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dir := t.TempDir()
	srvFile, cliFile := filepath.Join(dir, "server.jsonl"), filepath.Join(dir, "client.jsonl")
	srvCtx, stopSrv := context.WithCancel(ctx)
	srvErr := new(testkit.SyncBuffer)
	done := make(chan error, 1)
	go func() {
		done <- run(srvCtx, []string{"server", "-addr", "127.0.0.1:0", "-exporter", "file:" + srvFile}, io.Discard, srvErr)
	}()
	addrRE := regexp.MustCompile(`listening on (\S+)`)
	var addr string
	for addr == "" {
		if m := addrRE.FindStringSubmatch(srvErr.String()); m != nil {
			addr = m[1]
		} else if ctx.Err() != nil {
			t.Fatal("server did not start")
		} else {
			time.Sleep(10 * time.Millisecond)
		}
	}
	if err := run(ctx, []string{"client", "-addr", addr, "-n", "5", "-exporter", "file:" + cliFile}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	stopSrv()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var all []byte
	for _, f := range []string{srvFile, cliFile} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	if pairs := checkPairs(t, parseSpans(t, all)); pairs["helloworld.Greeter/SayHello"] != 5 {
		t.Errorf("pairs %v, want 5 unary", pairs)
	}
}

func TestFlags(t *testing.T) {
	cases := []struct {
		args    []string
		wantErr string
	}{
		{[]string{"-propagation", "b3"}, "unknown propagation format"},
		{[]string{"-exporter", "stdout"}, "unknown -exporter"},
		{[]string{"-n", "-1"}, "must not be negative"},
		{[]string{"client", "extra"}, "unexpected arguments"},
	}
	for _, tc := range cases {
		err := run(context.Background(), tc.args, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%q: err %v, want %q", tc.args, err, tc.wantErr)
		}
	}
	var help bytes.Buffer
	if err := run(context.Background(), []string{"-h"}, io.Discard, &help); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v", err)
	}
	for _, want := range []string{"-addr", "-exporter", "-propagation", "-n", "helloworld server", "helloworld client"} {
		if !strings.Contains(help.String(), want) {
			t.Errorf("-h output lacks %q", want)
		}
	}
}

// TestOneProcessPrintsRPCViews checks the views printed after the spans: the
// completed-RPC counts per method and status, on both sides.
func TestOneProcessPrintsRPCViews(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	if err := run(ctx, []string{"-n", "2"}, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v (stderr %s)", err, stderr.String())
	}
	type metric struct {
		Name       string
		Timeseries []struct {
			Labels map[string]string
			Points []struct{ Int64 *int64 }
		}
	}
	// completed[view][method] is the last OK count printed.
	completed := map[string]map[string]int64{}
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m metric
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		if !strings.HasSuffix(m.Name, "/completed_rpcs") {
			continue
		}
		completed[m.Name] = map[string]int64{}
		for _, ts := range m.Timeseries {
			method := ts.Labels["grpc_client_method"] + ts.Labels["grpc_server_method"]
			status := ts.Labels["grpc_client_status"] + ts.Labels["grpc_server_status"]
			if status == "OK" && len(ts.Points) > 0 && ts.Points[len(ts.Points)-1].Int64 != nil {
				completed[m.Name][method] = *ts.Points[len(ts.Points)-1].Int64
			}
		}
	}
	for _, view := range []string{"grpc.io/client/completed_rpcs", "grpc.io/server/completed_rpcs"} {
		got := completed[view]
		if got["helloworld.Greeter/SayHello"] != 2 || got["helloworld.Greeter/SayHelloStream"] != 1 {
			t.Errorf("%s OK counts %v, want 2 SayHello and 1 SayHelloStream", view, got)
		}
	}
}

package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestConfigFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "census.yaml")
	if err := os.WriteFile(path, []byte("sampler: always\nexporters: [print]\npropagators: [tracecontext]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	if err := run(ctx, []string{"-config", path, "-n", "2"}, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v (stderr %s)", err, stderr.String())
	}
	pairs := checkPairs(t, parseSpans(t, stdout.Bytes()))
	if pairs["helloworld.Greeter/SayHello"] != 2 || pairs["helloworld.Greeter/SayHelloStream"] != 1 {
		t.Errorf("pairs %v, want 2 unary and 1 stream", pairs)
	}
}

func TestConfigFileErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "census.json")
	if err := os.WriteFile(path, []byte(`{"sampler": "always", "exporter": "print"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args    []string
		wantErr string
	}{
		{[]string{"-config", path}, `unknown key "exporter"`},
		{[]string{"-config", path, "-exporter", "print", "-agent", "localhost:55678"}, "-config replaces -agent, -exporter"},
		{[]string{"-config", filepath.Join(t.TempDir(), "missing.yaml")}, "reading config"},
	}
	for _, tc := range cases {
		err := run(context.Background(), tc.args, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%q: err %v, want %q", tc.args, err, tc.wantErr)
		}
	}
}

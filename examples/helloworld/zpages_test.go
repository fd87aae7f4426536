package main

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gocensus/gocensus/internal/testkit"
)

// TestServerZpages runs the server with -zpages, calls it, and reads the
// pages it serves.
func TestServerZpages(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srvCtx, stopSrv := context.WithCancel(ctx)
	srvErr := new(testkit.SyncBuffer)
	done := make(chan error, 1)
	go func() {
		done <- run(srvCtx, []string{"server", "-addr", "127.0.0.1:0", "-zpages", "127.0.0.1:0"}, io.Discard, srvErr)
	}()
	addrRE := regexp.MustCompile(`listening on (\S+)`)
	pagesRE := regexp.MustCompile(`zpages on (\S+)`)
	var addr, tracez string
	for addr == "" || tracez == "" {
		if m, p := addrRE.FindStringSubmatch(srvErr.String()), pagesRE.FindStringSubmatch(srvErr.String()); m != nil && p != nil {
			addr, tracez = m[1], p[1]
		} else if ctx.Err() != nil {
			t.Fatalf("server did not start: %s", srvErr.String())
		} else {
			time.Sleep(10 * time.Millisecond)
		}
	}
	if err := run(ctx, []string{"client", "-addr", addr, "-n", "2"}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	for url, want := range map[string]string{
		tracez: `data-name="helloworld.Greeter/SayHelloStream"`,
		strings.TrimSuffix(tracez, "tracez") + "rpcz": `data-method="helloworld.Greeter/SayHello"`,
	} {
		var body string
		for !strings.Contains(body, want) { // server spans end just after the client's
			if ctx.Err() != nil {
				t.Fatalf("%s lacks %s:\n%s", url, want, body)
			}
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body = string(b)
			time.Sleep(10 * time.Millisecond)
		}
	}
	stopSrv()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

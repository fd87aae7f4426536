// Command http is a net/http service traced with censushttp and set up by
// the census package from a config file. By default it runs in one process:
// it starts the server on 127.0.0.1 (a free port), calls it a few times
// through the traced transport, probes /healthz the way a load balancer
// would, prints every span as a JSON line on stdout and exits 0.
//
//	go run ./examples/http | jq .
//
// The /hello handler calls the service's own /quote endpoint through the
// traced transport, so each /hello trace has four spans: the client's call,
// the /hello server span, its outgoing call and the /quote server span.
// /healthz and /static/* are on the config's excludelist, so they make no
// span.
//
// The configuration is census.json beside this file (built in); -config
// names another file, JSON or YAML, and GOCENSUS_ and OTEL_ variables
// override both, as census.Load does:
//
//	GOCENSUS_PROPAGATORS=b3 go run ./examples/http
//	go run ./examples/http -config my.yaml
//	go run ./examples/http serve -addr :8080   # serve until interrupted
package main

import (
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/gocensus/gocensus/census"
)

//go:embed census.json
var defaultConfig []byte

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Environ(), os.Stdout)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "http:", err)
		os.Exit(1)
	}
}

// run parses args, builds the telemetry from the config and environ, and
// either serves until ctx ends ("serve") or runs the one-process demo,
// writing spans to out.
func run(ctx context.Context, args, environ []string, out io.Writer) error {
	serve := len(args) > 0 && args[0] == "serve"
	if serve {
		args = args[1:]
	}
	fs := flag.NewFlagSet("http", flag.ContinueOnError)
	configPath := fs.String("config", "", "config file, .json or .yaml (default: the built-in census.json)")
	addr := fs.String("addr", "", "address to listen on (default :8080 when serving, a free loopback port otherwise)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q; usage: http [serve] [-config FILE] [-addr ADDR]", fs.Args())
	}

	cfg, err := loadConfig(*configPath, environ)
	if err != nil {
		return err
	}
	c, err := census.New(ctx, cfg, census.WithWriter(out))
	if err != nil {
		return err
	}
	// Shutdown flushes the spans still queued; it gets its own deadline
	// because ctx may already be cancelled.
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = errors.Join(err, c.Shutdown(sctx))
	}()

	if *addr == "" {
		*addr = "127.0.0.1:0"
		if serve {
			*addr = ":8080"
		}
	}
	lis, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listening: %w", err)
	}
	client := &http.Client{Transport: c.HTTPTransport(nil), Timeout: 5 * time.Second}
	defer client.CloseIdleConnections()
	base := "http://" + lis.Addr().String()
	srv := &http.Server{Handler: c.HTTPHandler(newMux(client, base)), ReadHeaderTimeout: 5 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()

	if serve {
		fmt.Fprintln(os.Stderr, "http: serving on", base)
		<-ctx.Done()
	} else {
		err = demo(ctx, client, base)
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = errors.Join(err, srv.Shutdown(sctx))
	if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}

// loadConfig reads path (or the built-in census.json) and lays environ
// over it: the precedence of census.Load, with the environment passed in.
func loadConfig(path string, environ []string) (census.Config, error) {
	var cfg census.Config
	var err error
	if path == "" {
		cfg, err = census.ParseJSON(defaultConfig)
	} else {
		cfg, err = census.ReadFile(path)
	}
	if err != nil {
		return census.Config{}, err
	}
	if err := cfg.ApplyEnv(environ); err != nil {
		return census.Config{}, err
	}
	return cfg, nil
}

// newMux serves /hello (which calls /quote through client), /quote,
// /healthz and /static/.
func newMux(client *http.Client, base string) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) {
		req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, base+"/quote", nil)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		resp, err := client.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		quote, err := io.ReadAll(resp.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		name := r.URL.Query().Get("name")
		if name == "" {
			name = "world"
		}
		fmt.Fprintf(w, "hello, %s: %s", name, quote)
	})
	mux.HandleFunc("GET /quote", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "simplicity is prerequisite for reliability")
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	})
	mux.HandleFunc("GET /static/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css")
		io.WriteString(w, "body { font-family: sans-serif }")
	})
	return mux
}

// demo calls the service like a user (through the traced client) and like
// a health checker (with a plain client, as a load balancer would).
func demo(ctx context.Context, client *http.Client, base string) error {
	for _, p := range []string{"/hello?name=gopher", "/hello", "/static/site.css"} {
		if _, err := get(ctx, client, base+p); err != nil {
			return err
		}
	}
	probe := &http.Client{Timeout: 5 * time.Second}
	defer probe.CloseIdleConnections()
	body, err := get(ctx, probe, base+"/healthz")
	if err != nil {
		return err
	}
	if strings.TrimSpace(body) != "ok" {
		return fmt.Errorf("/healthz answered %q", body)
	}
	return nil
}

func get(ctx context.Context, client *http.Client, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", fmt.Errorf("GET %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s: %s", url, resp.Status, b)
	}
	return string(b), nil
}

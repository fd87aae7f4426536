// Command example serves gocensus stats views on a Prometheus /metrics
// endpoint. It records a simulated request workload every 100 ms.
//
//	go run ./example                 # serve on 127.0.0.1:9464 until interrupted
//	go run ./example -once           # record, scrape itself once, print, exit
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gocensus/gocensus/exporters/promexporter"
	"github.com/gocensus/gocensus/sdk/stats"
	"github.com/gocensus/gocensus/sdk/tag"
)

var (
	routeKey  = tag.MustNewKey("route")
	statusKey = tag.MustNewKey("status")

	latency = stats.Float64("example.com/server/latency", "Time to serve a request", "ms")
	reqSize = stats.Int64("example.com/server/request_bytes", "Request body size", "By")
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("example", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:9464", "address to serve /metrics on")
	once := fs.Bool("once", false, "record a fixed workload, scrape /metrics once, print it and exit")
	if err := fs.Parse(args); err != nil {
		return err
	}

	m := stats.NewManager()
	defer m.Shutdown(context.Background())
	if err := m.Register(
		&stats.View{Measure: latency, TagKeys: []tag.Key{routeKey, statusKey}, Aggregation: stats.Distribution(0, 5, 10, 50, 100, 500)},
		&stats.View{Name: "example.com/server/requests", Measure: latency, TagKeys: []tag.Key{routeKey, statusKey}, Aggregation: stats.Count()},
		&stats.View{Measure: reqSize, TagKeys: []tag.Key{routeKey}, Aggregation: stats.Sum()},
	); err != nil {
		return err
	}
	exp, err := promexporter.New(m)
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(exp)
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		<-serveErr
	}()

	if *once {
		for i, r := range []struct {
			route, status string
			ms            float64
			size          int64
		}{
			{"/users", "200", 4, 120},
			{"/users", "200", 30, 80},
			{"/users", "404", 2, 0},
			{"/orders", "200", 250, 2048},
		} {
			rctx, err := tag.New(ctx, tag.Insert(routeKey, r.route), tag.Insert(statusKey, r.status))
			if err != nil {
				return fmt.Errorf("request %d: %w", i, err)
			}
			m.Record(rctx, latency.M(r.ms), reqSize.M(r.size))
		}
		return scrape(ctx, "http://"+ln.Addr().String()+"/metrics", out)
	}

	fmt.Fprintf(out, "serving http://%s/metrics\n", ln.Addr())
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	routes := []string{"/users", "/orders", "/health"}
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-serveErr:
			return err
		case <-tick.C:
			status := "200"
			if rand.IntN(10) == 0 {
				status = "500"
			}
			rctx, _ := tag.New(ctx, tag.Insert(routeKey, routes[rand.IntN(len(routes))]), tag.Insert(statusKey, status))
			m.Record(rctx, latency.M(rand.ExpFloat64()*20), reqSize.M(rand.Int64N(4096)))
		}
	}
}

func scrape(ctx context.Context, url string, out io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("scraping %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.New("scraping " + url + ": " + resp.Status)
	}
	_, err = io.Copy(out, resp.Body)
	return err
}

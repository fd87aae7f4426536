// Command quickstart shows the smallest useful gocensus setup: a Tracer that
// samples every span and prints ended spans as JSON lines on stdout. It
// starts a root span with two children, one carrying attributes, an
// annotation and a message event, the other an error status, then shuts the
// tracer down so every span is flushed.
//
//	go run ./examples/quickstart | jq .
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/gocensus/gocensus/exporters/printexporter"
	"github.com/gocensus/gocensus/sdk/trace"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// errPaymentDeclined stands in for a failure reported by a downstream call.
var errPaymentDeclined = errors.New("payment declined by issuer")

// run traces a pretend checkout and writes the spans to w.
func run(ctx context.Context, w io.Writer) error {
	tracer := trace.NewTracer(
		trace.WithSampler(trace.AlwaysSample()),
		trace.WithBatcher(printexporter.New(printexporter.WithWriter(w))),
	)

	ctx, root := tracer.Start(ctx, "quickstart/main", trace.WithSpanKind(trace.SpanKindServer))
	lookupCart(ctx, tracer, "cart-17")
	chargeErr := charge(ctx, tracer, 4200)
	if chargeErr != nil {
		root.Annotate("checkout failed", trace.StringAttribute("error", chargeErr.Error()))
	}
	root.End()

	// Shutdown flushes the batcher, so every span is printed before run
	// returns; give it a deadline so a stuck writer cannot hang the program.
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := tracer.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutting down the tracer: %w", err)
	}
	return nil
}

// lookupCart records a client call with attributes, an annotation and the
// message it sent.
func lookupCart(ctx context.Context, tracer *trace.Tracer, cartID string) {
	_, span := tracer.Start(ctx, "quickstart/lookupCart", trace.WithSpanKind(trace.SpanKindClient))
	defer span.End()
	span.SetAttributes(
		trace.StringAttribute("cart.id", cartID),
		trace.Int64Attribute("cart.items", 3),
		trace.BoolAttribute("cache.hit", false),
	)
	span.Annotate("cache miss, asking the cart service", trace.StringAttribute("cache", "local"))
	span.AddMessageSendEvent(1, 64, 48)
}

// charge records a failed call with a canonical error status.
func charge(ctx context.Context, tracer *trace.Tracer, cents int64) error {
	_, span := tracer.Start(ctx, "quickstart/charge", trace.WithSpanKind(trace.SpanKindClient))
	defer span.End()
	span.SetAttributes(trace.Int64Attribute("amount.cents", cents))
	err := errPaymentDeclined
	span.SetStatus(trace.Status{Code: 9, Message: err.Error()}) // FAILED_PRECONDITION
	return err
}

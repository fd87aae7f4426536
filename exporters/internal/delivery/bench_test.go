package delivery_test

import (
	"context"
	"testing"

	"github.com/gocensus/gocensus/exporters/internal/delivery"
)

func BenchmarkEnqueue(b *testing.B) {
	s, err := delivery.New(func(context.Context, delivery.Batch[int]) error { return nil }, delivery.WithLogger(nil))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_ = s.Enqueue(ctx, delivery.Batch[int]{Payload: 1, Items: 1, Bytes: 100})
		}
	})
	b.StopTimer()
	if err := s.Shutdown(ctx); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkEnqueueFull(b *testing.B) {
	// The collector is down and the budget full: every Enqueue evicts one.
	block := make(chan struct{})
	s, err := delivery.New(func(ctx context.Context, _ delivery.Batch[int]) error {
		select {
		case <-block:
		case <-ctx.Done():
		}
		return ctx.Err()
	}, delivery.WithMaxItems(1024), delivery.WithLogger(nil))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_ = s.Enqueue(ctx, delivery.Batch[int]{Payload: 1, Items: 1, Bytes: 100})
	}
	b.StopTimer()
	close(block)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_ = s.Shutdown(cctx)
}

func BenchmarkSplit(b *testing.B) {
	items := make([]int, 512)
	for i := range items {
		items[i] = 900 + i
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = delivery.Split(items, delivery.DefaultMaxMessageBytes, delivery.FieldSize)
	}
}

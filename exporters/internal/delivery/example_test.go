package delivery_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gocensus/gocensus/exporters/internal/delivery"
)

// A sender around a function that "ships" lines of text; the first attempt
// fails and is retried.
func Example() {
	failed := false
	send := func(ctx context.Context, b delivery.Batch[[]string]) error {
		if !failed {
			failed = true
			return fmt.Errorf("collector unavailable")
		}
		fmt.Println("sent:", strings.Join(b.Payload, ","))
		return nil
	}
	s, err := delivery.New(send,
		delivery.WithBackoff(delivery.Backoff{Initial: time.Millisecond}),
		delivery.WithMaxBytes(1<<20), delivery.WithLogger(nil))
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	lines := []string{"a", "b", "c"}
	_ = s.Enqueue(ctx, delivery.Batch[[]string]{Payload: lines, Items: len(lines), Bytes: 3})
	if err := s.Shutdown(ctx); err != nil {
		panic(err)
	}
	st := s.Stats()
	fmt.Printf("enqueued=%d sent=%d dropped=%d retries=%d\n", st.Enqueued, st.Sent, st.DroppedTotal(), st.Retries)
	// Output:
	// sent: a,b,c
	// enqueued=3 sent=3 dropped=0 retries=1
}

func ExampleSplit() {
	sizes := []int{400, 300, 500, 200, 900}
	for _, run := range delivery.Split(sizes, 1000, func(n int) int { return n }) {
		fmt.Println(run)
	}
	// Output:
	// [400 300]
	// [500 200]
	// [900]
}

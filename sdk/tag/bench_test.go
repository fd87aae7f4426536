package tag_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/gocensus/gocensus/sdk/tag"
)

var (
	benchMethod = tag.MustNewKey("grpc_client_method")
	benchStatus = tag.MustNewKey("grpc_client_status")
)

func BenchmarkNew(b *testing.B) {
	ctx := context.Background()
	b.Run("2tags", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := tag.New(ctx, tag.Upsert(benchMethod, "helloworld.Greeter/SayHello"), tag.Upsert(benchStatus, "OK")); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("2tags-ttl", func(b *testing.B) {
		b.ReportAllocs()
		local := tag.WithTTL(tag.TTLNoPropagation)
		for b.Loop() {
			if _, err := tag.New(ctx, tag.Upsert(benchMethod, "helloworld.Greeter/SayHello", local), tag.Upsert(benchStatus, "OK", local)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("1tag-onto-4", func(b *testing.B) {
		parent := benchCtx(b, 4)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := tag.New(parent, tag.Upsert(benchStatus, "OK")); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func benchCtx(b *testing.B, n int) context.Context {
	b.Helper()
	muts := []tag.Mutator{tag.Upsert(benchMethod, "helloworld.Greeter/SayHello")}
	for i := 1; i < n; i++ {
		// Same length as benchMethod and sorted before it, so that a scan
		// compares every key in full before finding benchMethod last.
		muts = append(muts, tag.Upsert(tag.MustNewKey(fmt.Sprintf("grpc_client_key%03d", i)), "value"))
	}
	ctx, err := tag.New(context.Background(), muts...)
	if err != nil {
		b.Fatal(err)
	}
	// Typical request contexts carry a few other values above the tags.
	type k1 struct{}
	type k2 struct{}
	ctx = context.WithValue(context.WithValue(ctx, k1{}, 1), k2{}, 2)
	return ctx
}

func BenchmarkFromContextValue(b *testing.B) {
	for _, n := range []int{1, 2, 4, 8, 16, 64} {
		ctx := benchCtx(b, n)
		b.Run(fmt.Sprintf("%dtags", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := tag.FromContext(ctx).Value(benchMethod); !ok {
					b.Fatal("missing tag")
				}
			}
		})
	}
}

func benchMap(b *testing.B, n int) *tag.Map {
	b.Helper()
	return tag.FromContext(benchCtx(b, n))
}

func BenchmarkAppendBinary(b *testing.B) {
	for _, n := range []int{2, 8} {
		m := benchMap(b, n)
		buf := make([]byte, 0, 512)
		b.Run(fmt.Sprintf("%dtags", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if buf, err = tag.AppendBinary(buf[:0], m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEncode(b *testing.B) {
	m := benchMap(b, 2)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tag.Encode(m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	for _, n := range []int{2, 8} {
		enc, err := tag.Encode(benchMap(b, n))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("%dtags", n), func(b *testing.B) {
			b.SetBytes(int64(len(enc)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tag.Decode(enc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package tag_test

import (
	"context"
	"fmt"

	"github.com/gocensus/gocensus/sdk/tag"
)

// Keys are created once and reused.
var (
	tenantKey = tag.MustNewKey("tenant")
	regionKey = tag.MustNewKey("region")
	debugKey  = tag.MustNewKey("debug_session")
)

func ExampleNew() {
	ctx, err := tag.New(context.Background(),
		tag.Upsert(tenantKey, "acme"),
		tag.Insert(regionKey, "eu-west1"),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	// A later Insert keeps the existing value; Update replaces it.
	ctx, err = tag.New(ctx, tag.Insert(regionKey, "us-east1"), tag.Update(tenantKey, "globex"))
	if err != nil {
		fmt.Println(err)
		return
	}
	m := tag.FromContext(ctx)
	fmt.Println(m)
	v, ok := m.Value(tenantKey)
	fmt.Println(v, ok)
	// Output:
	// {region=eu-west1 tenant=globex}
	// globex true
}

func ExampleNew_invalid() {
	ctx := context.Background()
	got, err := tag.New(ctx, tag.Upsert(tenantKey, "tab\there"))
	fmt.Println(err)
	fmt.Println(got == ctx)
	// Output:
	// tag: invalid value for key "tenant": byte 0x09 at offset 3, want printable ASCII
	// true
}

func ExampleMap_All() {
	m, err := tag.NewMap(tag.Upsert(tenantKey, "acme"), tag.Upsert(regionKey, "eu-west1"))
	if err != nil {
		fmt.Println(err)
		return
	}
	for k, v := range m.All() {
		fmt.Printf("%s=%s\n", k.Name(), v)
	}
	// Output:
	// region=eu-west1
	// tenant=acme
}

func ExampleEncode() {
	m, err := tag.NewMap(
		tag.Upsert(tag.MustNewKey("k1"), "v1"),
		// Local-only tags are not encoded.
		tag.Upsert(debugKey, "on", tag.WithTTL(tag.TTLNoPropagation)),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	b, err := tag.Encode(m)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("% X\n", b)
	// Output:
	// 00 00 02 6B 31 02 76 31
}

func ExampleAppendBinary() {
	m, err := tag.NewMap(tag.Upsert(tenantKey, "acme"))
	if err != nil {
		fmt.Println(err)
		return
	}
	// Reusing a buffer makes encoding allocation-free.
	buf := make([]byte, 0, 64)
	buf, err = tag.AppendBinary(buf[:0], m)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d bytes: %q\n", len(buf), buf)
	// Output:
	// 14 bytes: "\x00\x00\x06tenant\x04acme"
}

func ExampleDecode() {
	// As received in the grpc-tags-bin metadata entry: tags in any order,
	// a repeated key (the last value wins), then a field id this version
	// does not know, where parsing stops.
	in := []byte{
		0x00,                       // version
		0x00, 0x01, 'b', 0x01, '2', // b=2
		0x00, 0x01, 'a', 0x01, '1', // a=1
		0x00, 0x01, 'b', 0x01, '3', // b=3
		0x05, 0xde, 0xad, 0xbe, 0xef, // unknown field: ignored
	}
	m, err := tag.Decode(in)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m, m.Len())

	_, err = tag.Decode([]byte{0x00, 0x00, 0x05, 'a'})
	fmt.Println(err)
	// Output:
	// {a=1 b=3} 2
	// tag: malformed binary input: field at offset 1: key length 5 but 1 bytes left
}

func ExampleNewContext() {
	// A server puts a decoded map into the request context.
	m, err := tag.Decode([]byte{0x00, 0x00, 0x06, 't', 'e', 'n', 'a', 'n', 't', 0x04, 'a', 'c', 'm', 'e'})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := tag.NewContext(context.Background(), m)
	v, _ := tag.FromContext(ctx).Value(tenantKey)
	fmt.Println(v)
	// Output:
	// acme
}

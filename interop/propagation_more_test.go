package interop_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	sdpropagation "contrib.go.opencensus.io/exporter/stackdriver/propagation"
	//lint:ignore SA1019 deprecated in favour of traceparent, but still the OTel peer for X-Cloud-Trace-Context.
	gcppropagator "github.com/GoogleCloudPlatform/opentelemetry-operations-go/propagator"
	"go.opencensus.io/plugin/ocgrpc"
	octag "go.opencensus.io/tag"
	otelb3 "go.opentelemetry.io/contrib/propagators/b3"
	otelprop "go.opentelemetry.io/otel/propagation"
	oteltrace "go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/gocensus/gocensus/interceptors/censusgrpc"
	"github.com/gocensus/gocensus/propagation"
	"github.com/gocensus/gocensus/sdk/tag"
)

// ---------------------------------------------------------------------------
// grpc-tags-bin against go.opencensus.io/tag

// kv is one tag as plain strings, in the order a test adds it.
type kv struct{ key, value string }

// tagCase is one tag map, built in both libraries from the same pairs.
type tagCase struct {
	name string
	tags []kv
}

// printableASCII is every byte a key or value may hold, 0x20 to 0x7E.
var printableASCII = func() string {
	var b strings.Builder
	for c := byte(0x20); c <= 0x7e; c++ {
		b.WriteByte(c)
	}
	return b.String()
}()

// limitTags returns tags whose keys and values add up to exactly size
// bytes: full 255-byte keys and values, then one smaller tag for the rest.
func limitTags(size int) []kv {
	var tags []kv
	for i := 0; size > 0; i++ {
		prefix := fmt.Sprintf("%03d", i)
		k, v := 255, 255
		if size < 510 {
			k, v = size/2, size-size/2
			if k < len(prefix) {
				k = len(prefix)
				v = size - k
			}
		}
		tags = append(tags, kv{prefix + strings.Repeat("k", k-len(prefix)), strings.Repeat("v", v)})
		size -= k + v
	}
	return tags
}

// manyTags returns n small tags.
func manyTags(n int) []kv {
	tags := make([]kv, n)
	for i := range tags {
		tags[i] = kv{fmt.Sprintf("key%03d", i), fmt.Sprintf("value%d", i)}
	}
	return tags
}

var tagCases = []tagCase{
	{"one tag", []kv{{"k1", "v1"}}},
	{"empty value", []kv{{"method", ""}}},
	{"several tags", []kv{{"service", "frontend"}, {"method", "GET"}, {"tenant", "acme"}, {"zone", "us-east1-b"}}},
	{"max key and value", []kv{{strings.Repeat("k", 255), strings.Repeat("v", 255)}}},
	{"all printable ASCII", []kv{{printableASCII, printableASCII}}},
	{"printable ASCII and max length together", []kv{{printableASCII, strings.Repeat("~", 255)}, {strings.Repeat(" ", 255), printableASCII}}},
	{"exactly MaxCombinedSize", limitTags(tag.MaxCombinedSize)},
	{"MaxTags tags", manyTags(tag.MaxTags)},
}

func gcTagMap(t *testing.T, tags []kv, muts ...tag.Mutator) *tag.Map {
	t.Helper()
	for _, p := range tags {
		muts = append(muts, tag.Upsert(tag.MustNewKey(p.key), p.value))
	}
	m, err := tag.NewMap(muts...)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func ocTagMap(t *testing.T, tags []kv, muts ...octag.Mutator) *octag.Map {
	t.Helper()
	for _, p := range tags {
		muts = append(muts, octag.Upsert(octag.MustNewKey(p.key), p.value))
	}
	ctx, err := octag.New(context.Background(), muts...)
	if err != nil {
		t.Fatal(err)
	}
	return octag.FromContext(ctx)
}

// wireField is one tag field of grpc-tags-bin input: its key and all its
// bytes (id, lengths, key, value).
type wireField struct {
	key string
	raw []byte
}

// splitTagFields reads grpc-tags-bin input with the test's own small parser,
// independent of both libraries: a version byte 0, then fields of id 0, a
// uvarint key length, the key, a uvarint value length and the value.
func splitTagFields(t *testing.T, b []byte) []wireField {
	t.Helper()
	if len(b) == 0 {
		return nil
	}
	if b[0] != 0 {
		t.Fatalf("version byte %#x in %x", b[0], b)
	}
	var fields []wireField
	for off := 1; off < len(b); {
		start := off
		if b[off] != 0 {
			t.Fatalf("field id %#x at offset %d in %x", b[off], off, b)
		}
		off++
		var key string
		for i := range 2 {
			n, w := binary.Uvarint(b[off:])
			if w <= 0 || n > uint64(len(b)-off-w) {
				t.Fatalf("bad length at offset %d in %x", off, b)
			}
			if i == 0 {
				key = string(b[off+w : off+w+int(n)])
			}
			off += w + int(n)
		}
		fields = append(fields, wireField{key: key, raw: b[start:off]})
	}
	return fields
}

// canonicalTags returns b with its fields sorted by key, the order gocensus
// writes; opencensus-go writes Go map iteration order. Keys must be unique.
func canonicalTags(t *testing.T, b []byte) []byte {
	t.Helper()
	fields := splitTagFields(t, b)
	slices.SortFunc(fields, func(a, b wireField) int { return strings.Compare(a.key, b.key) })
	out := []byte{0}
	for i, f := range fields {
		if i > 0 && fields[i-1].key == f.key {
			t.Fatalf("key %q repeated in %x", f.key, b)
		}
		out = append(out, f.raw...)
	}
	return out
}

// gcTagPairs lists a gocensus map's tags in key order.
func gcTagPairs(m *tag.Map) []kv {
	var out []kv
	for k, v := range m.All() {
		out = append(out, kv{k.Name(), v})
	}
	return out
}

// sortedPairs returns tags sorted by key, as a gocensus map lists them.
func sortedPairs(tags []kv) []kv {
	out := slices.Clone(tags)
	slices.SortFunc(out, func(a, b kv) int { return strings.Compare(a.key, b.key) })
	return out
}

// ocHasExactly checks that an opencensus-go map holds exactly want: every
// value through Map.Value, and no other tag, through the bytes
// opencensus-go itself encodes the map to (decoded tags all propagate).
func ocHasExactly(t *testing.T, m *octag.Map, want []kv, wantBytes []byte) {
	t.Helper()
	for _, p := range want {
		if v, ok := m.Value(octag.MustNewKey(p.key)); !ok || v != p.value {
			t.Fatalf("opencensus Value(%.20q) = %.20q, %v; want %.20q", p.key, v, ok, p.value)
		}
	}
	if got := canonicalTags(t, octag.Encode(m)); !bytes.Equal(got, wantBytes) {
		t.Fatalf("opencensus map re-encodes (sorted) to\n%x\nwant\n%x", got, wantBytes)
	}
}

func TestTagsBinaryWithOpenCensus(t *testing.T) {
	t.Parallel()
	for _, c := range tagCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ours, err := tag.Encode(gcTagMap(t, c.tags))
			if err != nil {
				t.Fatal(err)
			}
			theirs := octag.Encode(ocTagMap(t, c.tags))
			if len(c.tags) == 1 {
				// One tag: no ordering question, the bytes must match as sent.
				if !bytes.Equal(ours, theirs) {
					t.Fatalf("gocensus   %x\nopencensus %x", ours, theirs)
				}
			} else if sorted := canonicalTags(t, theirs); !bytes.Equal(ours, sorted) {
				t.Fatalf("gocensus            %x\nopencensus (sorted) %x", ours, sorted)
			}
			if n, err := tag.EncodedLen(gcTagMap(t, c.tags)); err != nil || n != len(theirs) {
				t.Fatalf("EncodedLen = %d, %v; opencensus wrote %d bytes", n, err, len(theirs))
			}

			// opencensus-go decodes ours ...
			oc, err := octag.Decode(ours)
			if err != nil {
				t.Fatalf("opencensus Decode: %v", err)
			}
			ocHasExactly(t, oc, c.tags, ours)

			// ... and we decode theirs, whatever order it came in.
			m, err := tag.Decode(theirs)
			if err != nil {
				t.Fatalf("gocensus Decode: %v", err)
			}
			if got, want := gcTagPairs(m), sortedPairs(c.tags); !slices.Equal(got, want) {
				t.Fatalf("gocensus decoded %d tags %.200v\nwant %d %.200v", len(got), got, len(want), want)
			}
		})
	}
}

// TestTagsBinarySpecExample pins the bytes both libraries write for the
// example in the package documentation.
func TestTagsBinarySpecExample(t *testing.T) {
	t.Parallel()
	want := []byte{0x00, 0x00, 0x02, 'k', '1', 0x02, 'v', '1'}
	if got := octag.Encode(ocTagMap(t, []kv{{"k1", "v1"}})); !bytes.Equal(got, want) {
		t.Fatalf("opencensus %x, want %x", got, want)
	}
	if got, err := tag.Encode(gcTagMap(t, []kv{{"k1", "v1"}})); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("gocensus %x (%v), want %x", got, err, want)
	}
	// 255 needs a two-byte varint, FF 01, in both.
	long := strings.Repeat("x", 255)
	want = append([]byte{0x00, 0x00, 0xff, 0x01}, long...)
	want = append(append(want, 0x01), 'v')
	if got := octag.Encode(ocTagMap(t, []kv{{long, "v"}})); !bytes.Equal(got, want) {
		t.Fatalf("opencensus %x, want %x", got, want)
	}
	if got, err := tag.Encode(gcTagMap(t, []kv{{long, "v"}})); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("gocensus %x (%v), want %x", got, err, want)
	}
}

func TestTagsBinaryEmptyWithOpenCensus(t *testing.T) {
	t.Parallel()
	// An empty, non-nil map: both write the version byte alone.
	empty := ocTagMap(t, nil)
	if got := octag.Encode(empty); !bytes.Equal(got, []byte{0}) {
		t.Fatalf("opencensus empty map = %x", got)
	}
	ours, err := tag.Encode(gcTagMap(t, nil))
	if err != nil || !bytes.Equal(ours, []byte{0}) {
		t.Fatalf("gocensus empty map = %x, %v", ours, err)
	}
	// A nil map: opencensus-go writes nothing at all, gocensus the version
	// byte (ocgrpc sends no header for a context without tags, so the
	// difference never reaches the wire).
	if got := octag.Encode(nil); got != nil {
		t.Fatalf("opencensus nil map = %x", got)
	}
	if got, err := tag.Encode(nil); err != nil || !bytes.Equal(got, []byte{0}) {
		t.Fatalf("gocensus nil map = %x, %v", got, err)
	}
	// Each decodes both forms to an empty map.
	for _, in := range [][]byte{nil, {0}} {
		if m, err := tag.Decode(in); err != nil || m.Len() != 0 {
			t.Fatalf("gocensus Decode(%x) = %v, %v", in, m, err)
		}
		m, err := octag.Decode(in)
		if err != nil || len(octag.Encode(m)) != 1 {
			t.Fatalf("opencensus Decode(%x) = %v, %v", in, m, err)
		}
	}
}

// TestTagsBinaryTTLWithOpenCensus checks that both leave tags with TTL 0
// out of the encoding: opencensus-go's encoder only ever writes string tags
// of unlimited TTL, so it cannot produce other field ids.
func TestTagsBinaryTTLWithOpenCensus(t *testing.T) {
	t.Parallel()
	tags := []kv{{"tenant", "acme"}}
	theirs := octag.Encode(ocTagMap(t, tags,
		octag.Upsert(octag.MustNewKey("local"), "only-here", octag.WithTTL(octag.TTLNoPropagation))))
	ours, err := tag.Encode(gcTagMap(t, tags,
		tag.Upsert(tag.MustNewKey("local"), "only-here", tag.WithTTL(tag.TTLNoPropagation))))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := tag.Encode(gcTagMap(t, tags))
	if !bytes.Equal(ours, want) || !bytes.Equal(theirs, want) {
		t.Fatalf("gocensus %x, opencensus %x, want %x", ours, theirs, want)
	}
	m, err := tag.Decode(theirs)
	if err != nil {
		t.Fatal(err)
	}
	if tg, ok := m.Lookup(tag.MustNewKey("tenant")); !ok || tg.Value != "acme" || tg.TTL != tag.TTLUnlimited || m.Len() != 1 {
		t.Fatalf("decoded %v: tenant %+v, %v", m, tg, ok)
	}
}

// hand-built grpc-tags-bin inputs for the decoders.
var (
	tagK1V1     = []byte{0x00, 0x00, 0x02, 'k', '1', 0x02, 'v', '1'}
	tagK2V2     = []byte{0x00, 0x02, 'k', '2', 0x02, 'v', '2'}
	tagK1Repeat = []byte{0x00, 0x02, 'k', '1', 0x01, 'z'}
	// tagHugeKeyLen is a field whose key length is 2^63.
	tagHugeKeyLen = []byte{0x00, 0x00, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 'k'}
)

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// TestTagsDecodeAgreementWithOpenCensus feeds the same hand-built input to
// both decoders. Where they differ, the row says why.
func TestTagsDecodeAgreementWithOpenCensus(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		in   []byte
		// gc is what gocensus decodes, or gcErr the error it returns.
		gc    string
		gcErr error
		// ocOK says whether opencensus-go accepts the input; when it
		// does, its map must hold the same tags as ours.
		ocOK bool
	}{
		{name: "two tags", in: cat(tagK1V1, tagK2V2), gc: "{k1=v1 k2=v2}", ocOK: true},
		{name: "reverse order", in: cat([]byte{0}, tagK2V2, tagK1V1[1:]), gc: "{k1=v1 k2=v2}", ocOK: true},
		{name: "repeated key, last wins", in: cat(tagK1V1, tagK1Repeat), gc: "{k1=z}", ocOK: true},
		{name: "non-minimal varint", in: []byte{0x00, 0x00, 0x82, 0x00, 'k', '1', 0x81, 0x00, 'v'}, gc: "{k1=v}", ocOK: true},
		{name: "space-only key", in: []byte{0x00, 0x00, 0x01, ' ', 0x00}, gc: "{ =}", ocOK: true},

		{name: "version 1", in: []byte{0x01}, gcErr: tag.ErrUnsupportedVersion},
		{name: "truncated value", in: tagK1V1[:len(tagK1V1)-1], gcErr: tag.ErrMalformed},
		{name: "missing value length", in: tagK1V1[:5], gcErr: tag.ErrMalformed},
		{name: "empty key", in: []byte{0x00, 0x00, 0x00, 0x00}, gcErr: tag.ErrInvalidKey},
		{name: "DEL in value", in: []byte{0x00, 0x00, 0x01, 'k', 0x01, 0x7f}, gcErr: tag.ErrInvalidValue},
		{name: "newline in key", in: []byte{0x00, 0x00, 0x01, '\n', 0x00}, gcErr: tag.ErrInvalidKey},
		{name: "256-byte value", in: cat([]byte{0x00, 0x00, 0x01, 'k', 0x80, 0x02}, bytes.Repeat([]byte{'v'}, 256)), gcErr: tag.ErrInvalidValue},
		{name: "256-byte key", in: cat([]byte{0x00, 0x00, 0x80, 0x02}, bytes.Repeat([]byte{'k'}, 256), []byte{0x00}), gcErr: tag.ErrInvalidKey},

		// The specification says to stop at an unknown field id and keep the
		// tags before it; opencensus-go fails the whole map instead (ids 1
		// to 3 are its never-sent int and bool tag types).
		{name: "field id 1 after a tag", in: cat(tagK1V1, []byte{0x01, 0x01, 'n', 1, 2, 3, 4, 5, 6, 7, 8}), gc: "{k1=v1}"},
		{name: "unknown field id 0x7f", in: cat(tagK1V1, []byte{0x7f, 0xde, 0xad}, tagK2V2), gc: "{k1=v1}"},
		{name: "unknown field id first", in: []byte{0x00, 0x04}, gc: "{}"},

		// Limits opencensus-go does not check: the combined size (the
		// OpenCensus specification's 8192 bytes) and gocensus's own MaxTags.
		{name: "MaxCombinedSize+1", in: mustOCEncode(limitTags(tag.MaxCombinedSize + 1)), gcErr: tag.ErrTooLarge, ocOK: true},
		{name: "MaxTags+1 tags", in: mustOCEncode(manyTags(tag.MaxTags + 1)), gcErr: tag.ErrTooManyTags, ocOK: true},
		// A key length of 2^63 makes opencensus-go slice with a negative
		// end and panic (see TestTagsDecodeHugeLengthOpenCensusPanics).
		{name: "key length 2^63", in: tagHugeKeyLen, gcErr: tag.ErrInvalidKey},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			m, err := tag.Decode(c.in)
			switch {
			case c.gcErr != nil && !errors.Is(err, c.gcErr):
				t.Fatalf("gocensus Decode = %v, %v; want error %v", m, err, c.gcErr)
			case c.gcErr == nil && (err != nil || m.String() != c.gc):
				t.Fatalf("gocensus Decode = %v, %v; want %s", m, err, c.gc)
			}
			oc, ocErr := ocDecode(c.in)
			if (ocErr == nil) != c.ocOK {
				t.Fatalf("opencensus Decode = %v, %v; want accepted %v", oc, ocErr, c.ocOK)
			}
			if ocErr == nil && err == nil {
				want, _ := tag.Encode(m)
				ocHasExactly(t, oc, gcTagPairs(m), want)
			}
		})
	}
}

func mustOCEncode(tags []kv) []byte {
	muts := make([]octag.Mutator, len(tags))
	for i, p := range tags {
		muts[i] = octag.Upsert(octag.MustNewKey(p.key), p.value)
	}
	ctx, err := octag.New(context.Background(), muts...)
	if err != nil {
		panic(err)
	}
	return octag.Encode(octag.FromContext(ctx))
}

// ocDecode is octag.Decode with a panic turned into an error.
func ocDecode(b []byte) (m *octag.Map, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return octag.Decode(b)
}

// knownTagPrefix returns how many bytes of b, a version byte and then
// well-formed fields of id 0, come before the first other field id (or the
// end). Lengths are checked only so far as to find field boundaries.
func knownTagPrefix(b []byte) int {
	off := 1
	for off < len(b) && b[off] == 0 {
		next := off + 1
		for range 2 {
			n, w := binary.Uvarint(b[next:])
			if w <= 0 || n > uint64(len(b)-next-w) {
				return len(b) // malformed: no unknown id to stop at
			}
			next += w + int(n)
		}
		off = next
	}
	return off
}

// FuzzTagsDecodeDifferential checks the two decoders against each other on
// any input: where both accept they hold the same tags; where only
// opencensus-go accepts, gocensus hit a limit opencensus-go does not check;
// where only gocensus accepts, it stopped at a field id other than 0, as the
// specification says, and holds what opencensus-go reads before that field.
func FuzzTagsDecodeDifferential(f *testing.F) {
	for _, seed := range [][]byte{
		nil, {0}, {1}, tagK1V1, cat(tagK1V1, tagK2V2), cat(tagK1V1, tagK1Repeat),
		cat(tagK1V1, []byte{0x7f, 0xde, 0xad}, tagK2V2), {0x00, 0x00, 0x00, 0x00},
		{0x00, 0x00, 0x82, 0x00, 'k', '1', 0x81, 0x00, 'v'},
		tagHugeKeyLen, mustOCEncode(manyTags(3)),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		m, err := tag.Decode(in)
		oc, ocErr := ocDecode(in)
		switch {
		case err == nil && ocErr == nil:
			want, encErr := tag.Encode(m)
			if encErr != nil {
				t.Fatalf("re-encoding a decoded map: %v", encErr)
			}
			ocHasExactly(t, oc, gcTagPairs(m), want)
		case err != nil && ocErr == nil:
			if !errors.Is(err, tag.ErrTooLarge) && !errors.Is(err, tag.ErrTooManyTags) {
				t.Fatalf("gocensus rejects %x (%v), opencensus-go accepts it", in, err)
			}
		case err == nil && ocErr != nil:
			n := knownTagPrefix(in)
			if len(in) == 0 || n == len(in) {
				t.Fatalf("gocensus accepts %x as %v, opencensus-go rejects it (%v), and no unknown field id explains it", in, m, ocErr)
			}
			prefix, err := ocDecode(in[:n])
			if err != nil {
				t.Fatalf("opencensus-go rejects the known prefix %x: %v", in[:n], err)
			}
			want, _ := tag.Encode(m)
			ocHasExactly(t, prefix, gcTagPairs(m), want)
		}
	})
}

// TestTagsDecodeHugeLengthOpenCensusPanics records why a gocensus server is
// safer against a hostile grpc-tags-bin header: opencensus-go v0.24.0
// converts a uvarint length to int unchecked, so a length of 2^63 becomes
// negative and its decoder panics (inside ocgrpc's server stats handler);
// gocensus bounds the length first and returns an error.
func TestTagsDecodeHugeLengthOpenCensusPanics(t *testing.T) {
	t.Parallel()
	in := tagHugeKeyLen
	if _, err := tag.Decode(in); !errors.Is(err, tag.ErrInvalidKey) {
		t.Fatalf("gocensus Decode error = %v", err)
	}
	panicked := func() (p bool) {
		defer func() { p = recover() != nil }()
		_, _ = octag.Decode(in)
		return false
	}()
	if !panicked {
		t.Fatal("opencensus-go no longer panics on a 2^63 key length; update the comments that say it does")
	}
}

// TestTagsBinaryOverLimitWithOpenCensus documents the one encoding
// disagreement: opencensus-go encodes maps over MaxCombinedSize (its encoder
// and decoder enforce no size), gocensus refuses to encode them and rejects
// them whole when decoding, as the OpenCensus specification asks.
func TestTagsBinaryOverLimitWithOpenCensus(t *testing.T) {
	t.Parallel()
	tags := limitTags(tag.MaxCombinedSize + 1)
	m := gcTagMap(t, tags) // a local map may exceed the limit ...
	if _, err := tag.Encode(m); !errors.Is(err, tag.ErrTooLarge) {
		t.Fatalf("gocensus Encode error = %v", err) // ... but not be sent.
	}
	if b, err := tag.AppendBinary([]byte("prefix"), m); !errors.Is(err, tag.ErrTooLarge) || string(b) != "prefix" {
		t.Fatalf("gocensus AppendBinary = %q, %v", b, err)
	}
	theirs := octag.Encode(ocTagMap(t, tags))
	want := 1
	for _, p := range tags {
		want += 1 + len(binary.AppendUvarint(nil, uint64(len(p.key)))) + len(p.key) +
			len(binary.AppendUvarint(nil, uint64(len(p.value)))) + len(p.value)
	}
	if len(theirs) != want {
		t.Fatalf("opencensus wrote %d bytes, want %d", len(theirs), want)
	}
	if _, err := octag.Decode(theirs); err != nil {
		t.Fatalf("opencensus Decode: %v", err)
	}
}

// ---------------------------------------------------------------------------
// grpc-tags-bin over gRPC, as ocgrpc sends and reads it.

// tagCapture records what a server handler sees of the tags.
type tagCapture struct {
	mu  sync.Mutex
	raw []string // grpc-tags-bin values in the incoming metadata
	ctx context.Context
}

func (c *tagCapture) interceptor() grpc.ServerOption {
	return grpc.ChainUnaryInterceptor(func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		c.mu.Lock()
		c.raw = metadata.ValueFromIncomingContext(ctx, tag.GRPCMetadataKey)
		c.ctx = ctx
		c.mu.Unlock()
		return h(ctx, req)
	})
}

func (c *tagCapture) get() ([]string, context.Context) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.raw, c.ctx
}

func callWith(t *testing.T, ctx context.Context, conn *grpc.ClientConn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := conn.Invoke(ctx, interopMethod, wrapperspb.String("hi"), new(wrapperspb.StringValue)); err != nil {
		t.Fatal(err)
	}
}

var rpcTags = []kv{{"tenant", "acme"}, {"frontend", "web"}, {"printable", printableASCII}}

func TestTagsOpenCensusClientToGocensusServer(t *testing.T) {
	noLeaks(t)
	tracer, _ := gcTracer()
	var capt tagCapture
	srv := append(censusgrpc.ServerOptions(censusgrpc.WithTracer(tracer), censusgrpc.WithTagPropagation(true)), capt.interceptor())
	conns := dialPair(t, srv, []grpc.DialOption{grpc.WithStatsHandler(&ocgrpc.ClientHandler{})})

	local := octag.Upsert(octag.MustNewKey("local"), "x", octag.WithTTL(octag.TTLNoPropagation))
	callWith(t, octag.NewContext(context.Background(), ocTagMap(t, rpcTags, local)), conns[0])

	raw, ctx := capt.get()
	want, err := tag.Encode(gcTagMap(t, rpcTags))
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) != 1 || !bytes.Equal(canonicalTags(t, []byte(raw[0])), want) {
		t.Fatalf("grpc-tags-bin from ocgrpc = %x, want (sorted) %x", raw, want)
	}
	got, err := tag.Encode(tag.FromContext(ctx))
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("server context tags encode to %x (%v), want %x", got, err, want)
	}
	if v, ok := tag.FromContext(ctx).Value(tag.MustNewKey("local")); ok {
		t.Fatalf("TTL-0 tag reached the server: %q", v)
	}
}

func TestTagsGocensusClientToOpenCensusServer(t *testing.T) {
	noLeaks(t)
	tracer, _ := gcTracer()
	var capt tagCapture
	conns := dialPair(t, []grpc.ServerOption{grpc.StatsHandler(&ocgrpc.ServerHandler{}), capt.interceptor()},
		censusgrpc.ClientOptions(censusgrpc.WithTracer(tracer), censusgrpc.WithTagPropagation(true)))

	local := tag.Upsert(tag.MustNewKey("local"), "x", tag.WithTTL(tag.TTLNoPropagation))
	callWith(t, tag.NewContext(context.Background(), gcTagMap(t, rpcTags, local)), conns[0])

	raw, srvCtx := capt.get()
	want, err := tag.Encode(gcTagMap(t, rpcTags))
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) != 1 || raw[0] != string(want) {
		t.Fatalf("grpc-tags-bin from gocensus = %x, want %x", raw, want)
	}
	// ocgrpc's server handler decoded it and added the method tag.
	withMethod, err := tag.Encode(gcTagMap(t, append(slices.Clone(rpcTags), kv{ocgrpc.KeyServerMethod.Name(), "interop.Echo/Unary"})))
	if err != nil {
		t.Fatal(err)
	}
	ocHasExactly(t, octag.FromContext(srvCtx), rpcTags, withMethod)
}

// ---------------------------------------------------------------------------
// B3 against go.opentelemetry.io/contrib/propagators/b3

const (
	b3TID    = "4bf92f3577b34da6a3ce929d000e4736" // propCases[0]
	b3SID    = "34f067aa0ba902b7"
	b3Parent = "00f067aa0ba902b7"
	b3IDs    = b3TID + "-" + b3SID
)

// scKey renders what every format carries, for comparisons and messages.
func scKey(tid [16]byte, sid [8]byte, sampled bool) string {
	return fmt.Sprintf("%x-%x-%v", tid, sid, sampled)
}

// hdr builds an http.Header from name, value pairs.
func hdr(kvs ...string) http.Header {
	h := http.Header{}
	for i := 0; i < len(kvs); i += 2 {
		h.Set(kvs[i], kvs[i+1])
	}
	return h
}

// b3Seen is what a library makes of a B3 header set: the span context it
// extracts (scKey, or "" for none) and the single "b3" header it then
// forwards downstream ("" when it writes none).
type b3Seen struct{ sc, fwd string }

func gcB3(h http.Header) (b3Seen, propagation.B3Sampling, error) {
	bc, err := propagation.B3{}.ExtractB3(propagation.HeaderCarrier(h))
	var s b3Seen
	if sc := bc.SpanContext; sc.IsValid() {
		s.sc = scKey(sc.TraceID, sc.SpanID, sc.IsSampled())
	}
	out := http.Header{}
	propagation.B3{SingleHeader: true}.Inject(bc.SpanContext, propagation.HeaderCarrier(out))
	s.fwd = out.Get("b3")
	return s, bc.Sampling, err
}

func otelB3(h http.Header) b3Seen {
	p := otelb3.New(otelb3.WithInjectEncoding(otelb3.B3SingleHeader))
	ctx := p.Extract(context.Background(), otelprop.HeaderCarrier(h))
	var s b3Seen
	if sc := oteltrace.SpanContextFromContext(ctx); sc.IsValid() {
		s.sc = scKey(sc.TraceID(), sc.SpanID(), sc.IsSampled())
	}
	out := http.Header{}
	p.Inject(ctx, otelprop.HeaderCarrier(out))
	s.fwd = out.Get("b3")
	return s
}

// TestB3InjectWithOTel compares the headers both write for the same span
// context, byte for byte, in both encodings, and has each read the other's.
func TestB3InjectWithOTel(t *testing.T) {
	t.Parallel()
	for _, single := range []bool{true, false} {
		enc := otelb3.B3MultipleHeader
		if single {
			enc = otelb3.B3SingleHeader
		}
		otelP := otelb3.New(otelb3.WithInjectEncoding(enc))
		ours := propagation.B3{SingleHeader: single}
		for _, c := range propCases {
			t.Run(fmt.Sprintf("%s single=%v", c.name, single), func(t *testing.T) {
				t.Parallel()
				theirs := http.Header{}
				otelP.Inject(c.otel(), otelprop.HeaderCarrier(theirs))
				sc, err := ours.Extract(propagation.HeaderCarrier(theirs))
				if err != nil {
					t.Fatalf("gocensus Extract(%v): %v", theirs, err)
				}
				sameIDs(t, sc, c)

				mine := http.Header{}
				ours.Inject(sc, propagation.HeaderCarrier(mine))
				if !reflect.DeepEqual(mine, theirs) {
					t.Fatalf("gocensus wrote %v\notel wrote     %v", mine, theirs)
				}
				got := oteltrace.SpanContextFromContext(otelP.Extract(context.Background(), otelprop.HeaderCarrier(mine)))
				if !got.IsValid() || !got.IsRemote() || got.TraceID() != c.traceID || got.SpanID() != c.spanID || got.IsSampled() != (c.options&1 == 1) {
					t.Fatalf("otel read %v as %+v", mine, got)
				}
			})
		}
	}
}

// TestB3ExtractAgreementWithOTel gives both the same header sets. Where the
// two differ, the row says why; "fwd" is what each sends on from what it
// read (gocensus: B3{SingleHeader: true}.Inject of the extracted context).
func TestB3ExtractAgreementWithOTel(t *testing.T) {
	t.Parallel()
	var (
		sampled   = b3TID + "-" + b3SID + "-true"
		unsampled = b3TID + "-" + b3SID + "-false"
		short     = "0000000000000000a3ce929d0e0e4736-e457b5a2e4d86bd1"
		none      = b3Seen{}
	)
	for _, c := range []struct {
		name  string
		h     http.Header
		gc    b3Seen
		gcSt  propagation.B3Sampling
		gcErr bool
		otel  b3Seen
	}{
		// Single header.
		{name: "single sampled", h: hdr("b3", b3IDs+"-1"),
			gc: b3Seen{sampled, b3IDs + "-1"}, gcSt: propagation.B3Accept, otel: b3Seen{sampled, b3IDs + "-1"}},
		{name: "single unsampled", h: hdr("b3", b3IDs+"-0"),
			gc: b3Seen{unsampled, b3IDs + "-0"}, gcSt: propagation.B3Deny, otel: b3Seen{unsampled, b3IDs + "-0"}},
		{name: "single with parent", h: hdr("b3", b3IDs+"-1-"+b3Parent),
			gc: b3Seen{sampled, b3IDs + "-1"}, gcSt: propagation.B3Accept, otel: b3Seen{sampled, b3IDs + "-1"}},
		{name: "single 64-bit trace id", h: hdr("b3", "a3ce929d0e0e4736-e457b5a2e4d86bd1-1"),
			gc: b3Seen{short + "-true", short + "-1"}, gcSt: propagation.B3Accept, otel: b3Seen{short + "-true", short + "-1"}},
		// Debug implies sampled in both; OTel forwards "d", a gocensus
		// SpanContext has no debug bit and forwards "1".
		{name: "single debug", h: hdr("b3", b3IDs+"-d"),
			gc: b3Seen{sampled, b3IDs + "-1"}, gcSt: propagation.B3Debug, otel: b3Seen{sampled, b3IDs + "-d"}},
		// Deferred: OTel forwards the ids without a decision, gocensus
		// (whose SpanContext cannot say "deferred") forwards "0".
		{name: "single deferred", h: hdr("b3", b3IDs),
			gc: b3Seen{unsampled, b3IDs + "-0"}, gcSt: propagation.B3Defer, otel: b3Seen{unsampled, b3IDs}},
		// A lone decision yields no span context in either. OTel forwards a
		// lone "0" for "0" and "d" for "d", but turns "1" into "0";
		// gocensus forwards nothing (ExtractB3 still reports the decision).
		{name: "single deny only", h: hdr("b3", "0"), gc: none, gcSt: propagation.B3Deny, otel: b3Seen{"", "0"}},
		{name: "single accept only", h: hdr("b3", "1"), gc: none, gcSt: propagation.B3Accept, otel: b3Seen{"", "0"}},
		{name: "single debug only", h: hdr("b3", "d"), gc: none, gcSt: propagation.B3Debug, otel: b3Seen{"", "d"}},
		// gocensus accepts upper-case hex (opencensus-go does too); OTel
		// rejects it, and forwards a lone "0" for any header it rejects.
		{name: "single upper-case hex", h: hdr("b3", strings.ToUpper(b3IDs)+"-1"),
			gc: b3Seen{sampled, b3IDs + "-1"}, gcSt: propagation.B3Accept, otel: b3Seen{"", "0"}},
		// An all-zero parent span id: gocensus only checks it is hex, OTel
		// also refuses zero and drops the header.
		{name: "single zero parent", h: hdr("b3", b3IDs+"-1-0000000000000000"),
			gc: b3Seen{sampled, b3IDs + "-1"}, gcSt: propagation.B3Accept, otel: b3Seen{"", "0"}},
		{name: "single zero trace id", h: hdr("b3", strings.Repeat("0", 32)+"-"+b3SID+"-1"), gc: none, gcErr: true, otel: b3Seen{"", "0"}},
		{name: "single zero span id", h: hdr("b3", b3TID+"-0000000000000000-1"), gc: none, gcErr: true, otel: b3Seen{"", "0"}},
		{name: "single bad state", h: hdr("b3", b3IDs+"-x"), gc: none, gcErr: true, otel: b3Seen{"", "0"}},
		{name: "single trailing dash", h: hdr("b3", b3IDs+"-"), gc: none, gcErr: true, otel: b3Seen{"", "0"}},
		{name: "single 24-char trace id", h: hdr("b3", b3TID[:24]+"-"+b3SID+"-1"), gc: none, gcErr: true, otel: b3Seen{"", "0"}},

		// Multiple headers.
		{name: "multi sampled", h: hdr("X-B3-TraceId", b3TID, "X-B3-SpanId", b3SID, "X-B3-Sampled", "1"),
			gc: b3Seen{sampled, b3IDs + "-1"}, gcSt: propagation.B3Accept, otel: b3Seen{sampled, b3IDs + "-1"}},
		{name: "multi unsampled with parent", h: hdr("X-B3-TraceId", b3TID, "X-B3-SpanId", b3SID, "X-B3-ParentSpanId", b3Parent, "X-B3-Sampled", "0"),
			gc: b3Seen{unsampled, b3IDs + "-0"}, gcSt: propagation.B3Deny, otel: b3Seen{unsampled, b3IDs + "-0"}},
		{name: "multi 64-bit trace id", h: hdr("X-B3-TraceId", "a3ce929d0e0e4736", "X-B3-SpanId", "e457b5a2e4d86bd1", "X-B3-Sampled", "1"),
			gc: b3Seen{short + "-true", short + "-1"}, gcSt: propagation.B3Accept, otel: b3Seen{short + "-true", short + "-1"}},
		{name: "multi sampled true", h: hdr("X-B3-TraceId", b3TID, "X-B3-SpanId", b3SID, "X-B3-Sampled", "true"),
			gc: b3Seen{sampled, b3IDs + "-1"}, gcSt: propagation.B3Accept, otel: b3Seen{sampled, b3IDs + "-1"}},
		// OTel lower-cases X-B3-Sampled; gocensus takes only the spellings
		// the B3 specification lists (1, 0, and the legacy true, false).
		{name: "multi sampled True", h: hdr("X-B3-TraceId", b3TID, "X-B3-SpanId", b3SID, "X-B3-Sampled", "True"),
			gc: none, gcErr: true, otel: b3Seen{sampled, b3IDs + "-1"}},
		{name: "multi debug flag", h: hdr("X-B3-TraceId", b3TID, "X-B3-SpanId", b3SID, "X-B3-Flags", "1"),
			gc: b3Seen{sampled, b3IDs + "-1"}, gcSt: propagation.B3Debug, otel: b3Seen{sampled, b3IDs + "-d"}},
		{name: "multi debug flag beats sampled 0", h: hdr("X-B3-TraceId", b3TID, "X-B3-SpanId", b3SID, "X-B3-Sampled", "0", "X-B3-Flags", "1"),
			gc: b3Seen{sampled, b3IDs + "-1"}, gcSt: propagation.B3Debug, otel: b3Seen{sampled, b3IDs + "-d"}},
		{name: "multi deferred", h: hdr("X-B3-TraceId", b3TID, "X-B3-SpanId", b3SID),
			gc: b3Seen{unsampled, b3IDs + "-0"}, gcSt: propagation.B3Defer, otel: b3Seen{unsampled, b3IDs}},
		{name: "multi deny only", h: hdr("X-B3-Sampled", "0"), gc: none, gcSt: propagation.B3Deny, otel: b3Seen{"", "0"}},
		{name: "multi trace id only", h: hdr("X-B3-TraceId", b3TID, "X-B3-Sampled", "1"), gc: none, gcErr: true, otel: b3Seen{"", "0"}},
		{name: "multi bad span id", h: hdr("X-B3-TraceId", b3TID, "X-B3-SpanId", "34f067aa0ba902", "X-B3-Sampled", "1"), gc: none, gcErr: true, otel: b3Seen{"", "0"}},

		// Both forms present.
		{name: "single wins over multi", h: hdr("b3", b3IDs+"-1", "X-B3-TraceId", "a3ce929d0e0e4736", "X-B3-SpanId", "e457b5a2e4d86bd1", "X-B3-Sampled", "0"),
			gc: b3Seen{sampled, b3IDs + "-1"}, gcSt: propagation.B3Accept, otel: b3Seen{sampled, b3IDs + "-1"}},
		{name: "bad single falls back to multi", h: hdr("b3", "garbage-1", "X-B3-TraceId", b3TID, "X-B3-SpanId", b3SID, "X-B3-Sampled", "1"),
			gc: b3Seen{sampled, b3IDs + "-1"}, gcSt: propagation.B3Accept, otel: b3Seen{sampled, b3IDs + "-1"}},
		{name: "decision-only single, ids in multi", h: hdr("b3", "1", "X-B3-TraceId", b3TID, "X-B3-SpanId", b3SID),
			gc: b3Seen{unsampled, b3IDs + "-0"}, gcSt: propagation.B3Defer, otel: b3Seen{unsampled, b3IDs}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			gc, st, err := gcB3(c.h)
			if gc != c.gc || (err != nil) != c.gcErr || (!c.gcErr && st != c.gcSt) {
				t.Errorf("gocensus read %v as %+v, sampling %d, err %v; want %+v, sampling %d, err %v", c.h, gc, st, err, c.gc, c.gcSt, c.gcErr)
			}
			if otel := otelB3(c.h); otel != c.otel {
				t.Errorf("otel read %v as %+v; want %+v", c.h, otel, c.otel)
			}
		})
	}
}

// ---------------------------------------------------------------------------
// X-Cloud-Trace-Context against the OpenTelemetry Cloud Trace propagator
// (GoogleCloudPlatform/opentelemetry-operations-go/propagator) and the
// opencensus-go one (contrib.go.opencensus.io/exporter/stackdriver/propagation).

const ctTID = "105445aa7843bc8bf206b12000100000"

// gcpCT is the OTel Cloud Trace propagator. Its module is deprecated in
// favour of traceparent, but deployments still run it, so it is the peer.
//
//lint:ignore SA1019 the deprecated propagator is what the cross-check is about.
var gcpCT = gcppropagator.CloudTraceFormatPropagator{}

func gcCloudTrace(h http.Header) string {
	sc, err := propagation.CloudTrace{}.Extract(propagation.HeaderCarrier(h))
	if err != nil || !sc.IsValid() {
		return ""
	}
	return scKey(sc.TraceID, sc.SpanID, sc.IsSampled())
}

func gcpCloudTrace(h http.Header) string {
	ctx := gcpCT.Extract(context.Background(), otelprop.HeaderCarrier(h))
	sc := oteltrace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return ""
	}
	return scKey(sc.TraceID(), sc.SpanID(), sc.IsSampled())
}

// ocCloudTrace reports whatever opencensus-go accepts, valid or not.
func ocCloudTrace(h http.Header) string {
	sc, ok := (&sdpropagation.HTTPFormat{}).SpanContextFromRequest(&http.Request{Header: h})
	if !ok {
		return ""
	}
	return scKey(sc.TraceID, sc.SpanID, sc.IsSampled())
}

func TestCloudTraceInjectWithPeers(t *testing.T) {
	t.Parallel()
	for _, c := range propCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			mine := http.Header{}
			propagation.CloudTrace{}.Inject(c.gocensus(), propagation.HeaderCarrier(mine))
			otelH := http.Header{}
			gcpCT.Inject(c.otel(), otelprop.HeaderCarrier(otelH))
			req := &http.Request{Header: http.Header{}}
			(&sdpropagation.HTTPFormat{}).SpanContextToRequest(c.opencensus(), req)
			want := fmt.Sprintf("%x/%d;o=%d", c.traceID, binary.BigEndian.Uint64(c.spanID[:]), c.options)
			for who, h := range map[string]http.Header{"gocensus": mine, "otel": otelH, "opencensus": req.Header} {
				if got := h.Values("X-Cloud-Trace-Context"); len(got) != 1 || got[0] != want || len(h) != 1 {
					t.Errorf("%s wrote %v, want X-Cloud-Trace-Context: %s", who, h, want)
				}
			}
			// Each reads what gocensus wrote.
			wantKey := scKey(c.traceID, c.spanID, c.options&1 == 1)
			if got := gcpCloudTrace(mine); got != wantKey {
				t.Errorf("otel read %v as %q, want %q", mine, got, wantKey)
			}
			if got := ocCloudTrace(mine); got != wantKey {
				t.Errorf("opencensus read %v as %q, want %q", mine, got, wantKey)
			}
			sc, err := propagation.CloudTrace{}.Extract(propagation.HeaderCarrier(otelH))
			if err != nil {
				t.Fatal(err)
			}
			sameIDs(t, sc, c)
		})
	}
	// The random flag: OTel and opencensus-go write every trace-flags bit
	// as the decimal o= value; gocensus writes only the sampled bit. All
	// three read o=3 as sampled.
	sc := propCases[0].gocensus()
	sc.TraceOptions |= 0x02
	mine := http.Header{}
	propagation.CloudTrace{}.Inject(sc, propagation.HeaderCarrier(mine))
	otelH := http.Header{}
	otelSC := oteltrace.SpanContextFromContext(propCases[0].otel()).WithTraceFlags(oteltrace.FlagsSampled | oteltrace.FlagsRandom)
	gcpCT.Inject(oteltrace.ContextWithSpanContext(context.Background(), otelSC), otelprop.HeaderCarrier(otelH))
	if got, want := mine.Get("X-Cloud-Trace-Context"), b3TID+"/3814662864420537015;o=1"; got != want {
		t.Errorf("gocensus wrote %q, want %q", got, want)
	}
	if got, want := otelH.Get("X-Cloud-Trace-Context"), b3TID+"/3814662864420537015;o=3"; got != want {
		t.Errorf("otel wrote %q, want %q", got, want)
	}
	if got, want := gcCloudTrace(otelH), scKey(propCases[0].traceID, propCases[0].spanID, true); got != want {
		t.Errorf("gocensus read %v as %q, want %q", otelH, got, want)
	}
}

// TestCloudTraceExtractAgreementWithPeers gives all three the same header.
// Where they differ, the row says why.
func TestCloudTraceExtractAgreementWithPeers(t *testing.T) {
	t.Parallel()
	key := func(tid string, span uint64, sampled bool) string {
		return fmt.Sprintf("%s-%016x-%v", tid, span, sampled)
	}
	for _, c := range []struct {
		name, v      string
		gc, otel, oc string // scKey, or "" for rejected
	}{
		{name: "sampled", v: ctTID + "/1;o=1", gc: key(ctTID, 1, true), otel: key(ctTID, 1, true), oc: key(ctTID, 1, true)},
		{name: "not sampled", v: ctTID + "/123;o=0", gc: key(ctTID, 123, false), otel: key(ctTID, 123, false), oc: key(ctTID, 123, false)},
		// No ";o=": not sampled everywhere.
		{name: "no options", v: ctTID + "/123", gc: key(ctTID, 123, false), otel: key(ctTID, 123, false), oc: key(ctTID, 123, false)},
		// An empty ";o=" is not sampled for gocensus; both peers reject the
		// whole header.
		{name: "empty options", v: ctTID + "/123;o=", gc: key(ctTID, 123, false)},
		{name: "max uint64 span id", v: ctTID + "/18446744073709551615;o=1",
			gc: key(ctTID, 1<<64-1, true), otel: key(ctTID, 1<<64-1, true), oc: key(ctTID, 1<<64-1, true)},
		{name: "span id overflows uint64", v: ctTID + "/18446744073709551616;o=1"},
		{name: "leading zeros in span id", v: ctTID + "/000123;o=1", gc: key(ctTID, 123, true), otel: key(ctTID, 123, true), oc: key(ctTID, 123, true)},
		// Zero ids name no span: opencensus-go accepts them anyway.
		{name: "zero span id", v: ctTID + "/0;o=1", oc: key(ctTID, 0, true)},
		{name: "zero span id, two digits", v: ctTID + "/00;o=1", oc: key(ctTID, 0, true)},
		{name: "zero trace id", v: strings.Repeat("0", 32) + "/1;o=1", oc: key(strings.Repeat("0", 32), 1, true)},
		// Options other than 0 and 1: gocensus and opencensus-go use bit 0,
		// OTel calls any single non-zero digit sampled and rejects more
		// digits.
		{name: "o=2", v: ctTID + "/1;o=2", gc: key(ctTID, 1, false), otel: key(ctTID, 1, true), oc: key(ctTID, 1, false)},
		{name: "o=3", v: ctTID + "/1;o=3", gc: key(ctTID, 1, true), otel: key(ctTID, 1, true), oc: key(ctTID, 1, true)},
		{name: "o=10", v: ctTID + "/1;o=10", gc: key(ctTID, 1, false), oc: key(ctTID, 1, false)},
		{name: "o=11", v: ctTID + "/1;o=11", gc: key(ctTID, 1, true), oc: key(ctTID, 1, true)},
		// Upper-case hex: OTel's pattern is lower-case only.
		{name: "upper-case trace id", v: strings.ToUpper(ctTID) + "/1;o=1", gc: key(ctTID, 1, true), oc: key(ctTID, 1, true)},
		// opencensus-go copies however many hex bytes it finds into the
		// front of the trace id.
		{name: "short trace id", v: "105445aa/1;o=1", oc: key("105445aa000000000000000000000000", 1, true)},
		{name: "no span id", v: ctTID + ";o=1"},
		{name: "empty span id", v: ctTID + "/;o=1"},
		{name: "trace id only", v: ctTID},
		{name: "negative span id", v: ctTID + "/-1;o=1"},
		// opencensus-go ignores an options field it does not know.
		{name: "unknown option", v: ctTID + "/1;x=1", oc: key(ctTID, 1, false)},
		// gocensus trims optional white space, as for every HTTP header.
		{name: "surrounding spaces", v: " " + ctTID + "/1;o=1 ", gc: key(ctTID, 1, true)},
		{name: "over 200 bytes", v: ctTID + "/1;o=" + strings.Repeat("0", 200) + "1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := hdr("X-Cloud-Trace-Context", c.v)
			if got := gcCloudTrace(h); got != c.gc {
				t.Errorf("gocensus read %q as %q, want %q", c.v, got, c.gc)
			}
			if got := gcpCloudTrace(h); got != c.otel {
				t.Errorf("otel read %q as %q, want %q", c.v, got, c.otel)
			}
			if got := ocCloudTrace(h); got != c.oc {
				t.Errorf("opencensus read %q as %q, want %q", c.v, got, c.oc)
			}
		})
	}
}

// FuzzB3SingleDifferential reads any single "b3" header with both
// libraries. Where both find a span context they must agree on it; gocensus
// may accept what OTel refuses only for the reasons the agreement table
// shows (upper-case hex, surrounding white space, an all-zero parent span
// id); OTel must never accept what gocensus refuses.
func FuzzB3SingleDifferential(f *testing.F) {
	for _, s := range []string{
		b3IDs + "-1", b3IDs + "-0", b3IDs + "-d", b3IDs, b3IDs + "-1-" + b3Parent,
		"a3ce929d0e0e4736-e457b5a2e4d86bd1-1", "0", "1", "d", strings.ToUpper(b3IDs) + "-1",
		b3IDs + "-1-0000000000000000", b3IDs + "-", b3IDs + "-x", " " + b3IDs + "-1\t",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		h := hdr("b3", v)
		gc, _, _ := gcB3(h)
		otel := otelB3(h)
		switch {
		case gc.sc != "" && otel.sc != "":
			if gc.sc != otel.sc {
				t.Fatalf("%q: gocensus %s, otel %s", v, gc.sc, otel.sc)
			}
		case gc.sc == "" && otel.sc != "":
			t.Fatalf("%q: otel reads %s, gocensus nothing", v, otel.sc)
		case gc.sc != "" && otel.sc == "":
			trimmed := strings.Trim(v, " \t")
			zeroParent := len(trimmed) > 17 && strings.HasSuffix(trimmed, "-0000000000000000") && strings.Count(trimmed, "-") == 3
			if trimmed == strings.ToLower(trimmed) && trimmed == v && !zeroParent {
				t.Fatalf("%q: gocensus reads %s, otel nothing", v, gc.sc)
			}
		}
	})
}

// FuzzCloudTraceDifferential reads any X-Cloud-Trace-Context value with
// gocensus and the OTel Cloud Trace propagator. Where both accept, ids
// agree, and so does sampling except for o=2, 4, 6 or 8 (OTel: any non-zero
// digit is sampled; gocensus: bit 0). gocensus may accept what OTel refuses
// only for upper-case hex, surrounding white space, an empty o= or an o=
// longer than one digit; OTel must never accept what gocensus refuses.
func FuzzCloudTraceDifferential(f *testing.F) {
	for _, s := range []string{
		ctTID + "/1;o=1", ctTID + "/123;o=0", ctTID + "/123", ctTID + "/123;o=",
		ctTID + "/18446744073709551615;o=1", ctTID + "/18446744073709551616", ctTID + "/0;o=1",
		ctTID + "/1;o=2", ctTID + "/1;o=10", strings.ToUpper(ctTID) + "/1", " " + ctTID + "/1;o=1",
	} {
		f.Add(s)
	}
	// The OTel propagator logs every header it rejects through the standard
	// logger. Fuzz targets run after all tests, so nothing else is writing.
	prev := log.Writer()
	log.SetOutput(io.Discard)
	f.Cleanup(func() { log.SetOutput(prev) })
	f.Fuzz(func(t *testing.T, v string) {
		h := hdr("X-Cloud-Trace-Context", v)
		gc, otel := gcCloudTrace(h), gcpCloudTrace(h)
		switch {
		case gc != "" && otel != "":
			if gc == otel {
				return
			}
			even := strings.HasSuffix(v, ";o=2") || strings.HasSuffix(v, ";o=4") || strings.HasSuffix(v, ";o=6") || strings.HasSuffix(v, ";o=8")
			if !even || strings.TrimSuffix(gc, "false") != strings.TrimSuffix(otel, "true") {
				t.Fatalf("%q: gocensus %s, otel %s", v, gc, otel)
			}
		case gc == "" && otel != "":
			t.Fatalf("%q: otel reads %s, gocensus nothing", v, otel)
		case gc != "" && otel == "":
			trimmed := strings.Trim(v, " \t")
			opt := ""
			if i := strings.Index(trimmed, ";o="); i >= 0 {
				opt = trimmed[i+3:]
			}
			explained := trimmed != v || trimmed != strings.ToLower(trimmed) ||
				strings.HasSuffix(trimmed, ";o=") || len(opt) > 1
			if !explained {
				t.Fatalf("%q: gocensus reads %s, otel nothing", v, gc)
			}
		}
	})
}

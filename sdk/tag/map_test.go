package tag_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gocensus/gocensus/sdk/tag"
)

var (
	kA = tag.MustNewKey("a")
	kB = tag.MustNewKey("b")
	kC = tag.MustNewKey("c")
)

func tags(m *tag.Map) []tag.Tag {
	var out []tag.Tag
	for t := range m.Tags() {
		out = append(out, t)
	}
	return out
}

func tg(k tag.Key, v string, ttl tag.TTL) tag.Tag { return tag.Tag{Key: k, Value: v, TTL: ttl} }

func TestMutators(t *testing.T) {
	t.Parallel()
	local := tag.WithTTL(tag.TTLNoPropagation)
	un := tag.TTLUnlimited
	tests := []struct {
		name   string
		parent []tag.Mutator
		muts   []tag.Mutator
		want   []tag.Tag
	}{
		{
			name: "insert into empty, sorted by key",
			muts: []tag.Mutator{tag.Insert(kC, "3"), tag.Insert(kA, "1"), tag.Insert(kB, "2")},
			want: []tag.Tag{tg(kA, "1", un), tg(kB, "2", un), tg(kC, "3", un)},
		},
		{
			name:   "insert keeps existing value",
			parent: []tag.Mutator{tag.Upsert(kA, "old")},
			muts:   []tag.Mutator{tag.Insert(kA, "new")},
			want:   []tag.Tag{tg(kA, "old", un)},
		},
		{
			name:   "update replaces existing value and TTL",
			parent: []tag.Mutator{tag.Upsert(kA, "old", local)},
			muts:   []tag.Mutator{tag.Update(kA, "new")},
			want:   []tag.Tag{tg(kA, "new", un)},
		},
		{
			name: "update of absent key does nothing",
			muts: []tag.Mutator{tag.Update(kA, "new")},
			want: nil,
		},
		{
			name:   "upsert adds and replaces",
			parent: []tag.Mutator{tag.Upsert(kA, "old")},
			muts:   []tag.Mutator{tag.Upsert(kA, "new"), tag.Upsert(kB, "b", local)},
			want:   []tag.Tag{tg(kA, "new", un), tg(kB, "b", tag.TTLNoPropagation)},
		},
		{
			name:   "delete present and absent",
			parent: []tag.Mutator{tag.Upsert(kA, "1"), tag.Upsert(kB, "2")},
			muts:   []tag.Mutator{tag.Delete(kA), tag.Delete(kC)},
			want:   []tag.Tag{tg(kB, "2", un)},
		},
		{
			name: "mutators apply in order",
			muts: []tag.Mutator{tag.Insert(kA, "1"), tag.Delete(kA), tag.Insert(kA, "2"), tag.Update(kA, "3")},
			want: []tag.Tag{tg(kA, "3", un)},
		},
		{
			name:   "zero mutator changes nothing",
			parent: []tag.Mutator{tag.Upsert(kA, "1")},
			muts:   []tag.Mutator{{}},
			want:   []tag.Tag{tg(kA, "1", un)},
		},
		{
			name: "empty value is allowed",
			muts: []tag.Mutator{tag.Upsert(kA, "")},
			want: []tag.Tag{tg(kA, "", un)},
		},
		{
			name: "zero option is ignored",
			muts: []tag.Mutator{tag.Upsert(kA, "1", tag.MutatorOption{})},
			want: []tag.Tag{tg(kA, "1", un)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			parent, err := tag.New(ctx, tt.parent...)
			if err != nil {
				t.Fatalf("New(parent) error = %v", err)
			}
			before := tags(tag.FromContext(parent))
			child, err := tag.New(parent, tt.muts...)
			if err != nil {
				t.Fatalf("New error = %v", err)
			}
			if got := tags(tag.FromContext(child)); !slices.Equal(got, tt.want) {
				t.Errorf("tags = %v, want %v", got, tt.want)
			}
			if after := tags(tag.FromContext(parent)); !slices.Equal(after, before) {
				t.Errorf("parent changed from %v to %v", before, after)
			}
			m, err := tag.FromContext(parent).With(tt.muts...)
			if err != nil {
				t.Fatalf("With error = %v", err)
			}
			if got := tags(m); !slices.Equal(got, tt.want) {
				t.Errorf("With: tags = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	t.Parallel()
	many := make([]tag.Mutator, tag.MaxTags+1)
	for i := range many {
		many[i] = tag.Insert(tag.MustNewKey(fmt.Sprintf("k%03d", i)), "v")
	}
	tests := []struct {
		name string
		muts []tag.Mutator
		want error
	}{
		{"zero key insert", []tag.Mutator{tag.Insert(tag.Key{}, "v")}, tag.ErrInvalidKey},
		{"zero key delete", []tag.Mutator{tag.Delete(tag.Key{})}, tag.ErrInvalidKey},
		{"value too long", []tag.Mutator{tag.Upsert(kA, strings.Repeat("v", tag.MaxValueLen+1))}, tag.ErrInvalidValue},
		{"value not printable", []tag.Mutator{tag.Upsert(kA, "a\tb")}, tag.ErrInvalidValue},
		{"value non-ASCII", []tag.Mutator{tag.Upsert(kA, "ü")}, tag.ErrInvalidValue},
		{"bad TTL", []tag.Mutator{tag.Upsert(kA, "v", tag.WithTTL(5))}, tag.ErrInvalidTTL},
		{"bad mutator after good ones", []tag.Mutator{tag.Upsert(kB, "v"), tag.Update(kA, "\x00")}, tag.ErrInvalidValue},
		{"too many tags", many, tag.ErrTooManyTags},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			parent, err := tag.New(ctx, tag.Upsert(kC, "keep"))
			if err != nil {
				t.Fatal(err)
			}
			got, err := tag.New(parent, tt.muts...)
			if !errors.Is(err, tt.want) {
				t.Fatalf("New error = %v, want %v", err, tt.want)
			}
			if got != parent {
				t.Error("New did not return the parent context on error")
			}
			m := tag.FromContext(parent)
			if got, err := m.With(tt.muts...); !errors.Is(err, tt.want) || got != m {
				t.Errorf("With = %v, %v; want the receiver and %v", got, err, tt.want)
			}
		})
	}
}

func TestMaxTagsReachable(t *testing.T) {
	t.Parallel()
	muts := make([]tag.Mutator, tag.MaxTags)
	for i := range muts {
		muts[i] = tag.Insert(tag.MustNewKey(fmt.Sprintf("k%03d", i)), "v")
	}
	m, err := tag.NewMap(muts...)
	if err != nil {
		t.Fatalf("NewMap with MaxTags tags: %v", err)
	}
	if m.Len() != tag.MaxTags {
		t.Fatalf("Len = %d, want %d", m.Len(), tag.MaxTags)
	}
	// Replacing one tag and deleting another keeps the map at the limit.
	if _, err := m.With(tag.Delete(tag.MustNewKey("k000")), tag.Insert(tag.MustNewKey("new"), "v")); err != nil {
		t.Errorf("delete then insert at the limit: %v", err)
	}
	for i := range tag.MaxTags {
		k := tag.MustNewKey(fmt.Sprintf("k%03d", i))
		if v, ok := m.Value(k); !ok || v != "v" {
			t.Fatalf("Value(%s) = %q, %v", k, v, ok)
		}
	}
}

func TestNoChangeReturnsSameContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if got, err := tag.New(ctx); err != nil || got != ctx {
		t.Errorf("New(ctx) = %v, %v; want ctx unchanged", got, err)
	}
	if got, err := tag.New(ctx, tag.Delete(kA), tag.Update(kB, "x")); err != nil || got != ctx {
		t.Errorf("New with no-op mutators = %v, %v; want ctx unchanged", got, err)
	}
	withA, err := tag.New(ctx, tag.Upsert(kA, "1"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := tag.New(withA, tag.Upsert(kA, "1"), tag.Insert(kA, "2")); err != nil || got != withA {
		t.Errorf("New with the same value = %v, %v; want ctx unchanged", got, err)
	}
}

func TestNilMap(t *testing.T) {
	t.Parallel()
	var m *tag.Map
	if m.Len() != 0 {
		t.Errorf("Len = %d", m.Len())
	}
	if v, ok := m.Value(kA); ok || v != "" {
		t.Errorf("Value = %q, %v", v, ok)
	}
	if tg, ok := m.Lookup(kA); ok || tg != (tag.Tag{}) {
		t.Errorf("Lookup = %v, %v", tg, ok)
	}
	for k, v := range m.All() {
		t.Errorf("All yielded %v=%q", k, v)
	}
	if got := m.String(); got != "{}" {
		t.Errorf("String = %q", got)
	}
	m2, err := m.With(tag.Upsert(kA, "1"))
	if err != nil || m2.Len() != 1 {
		t.Errorf("With on nil map = %v, %v", m2, err)
	}
}

func TestContext(t *testing.T) {
	t.Parallel()
	type otherKey struct{}
	base, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	base = context.WithValue(base, otherKey{}, "other")

	if m := tag.FromContext(base); m != nil {
		t.Errorf("FromContext of untagged ctx = %v, want nil", m)
	}
	//lint:ignore SA1012 FromContext must tolerate a nil context.
	if m := tag.FromContext(nil); m != nil {
		t.Errorf("FromContext(nil) = %v, want nil", m)
	}
	ctx, err := tag.New(base, tag.Upsert(kA, "1"))
	if err != nil {
		t.Fatal(err)
	}
	if v := ctx.Value(otherKey{}); v != "other" {
		t.Errorf("other value through tag context = %v", v)
	}
	if _, ok := ctx.Deadline(); !ok {
		t.Error("deadline not visible through tag context")
	}

	// Cancellation propagates through the tag context to a derived context.
	parent, cancelParent := context.WithCancel(base)
	tagged, err := tag.New(parent, tag.Upsert(kA, "1"))
	if err != nil {
		t.Fatal(err)
	}
	child, cancelChild := context.WithCancel(tagged)
	defer cancelChild()
	cancelParent()
	select {
	case <-child.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("child of a tag context was not cancelled with its parent")
	}

	// NewContext replaces, and a nil map clears.
	m, err := tag.NewMap(tag.Upsert(kB, "2"))
	if err != nil {
		t.Fatal(err)
	}
	replaced := tag.NewContext(ctx, m)
	if got := tag.FromContext(replaced); got != m {
		t.Errorf("FromContext after NewContext = %v, want %v", got, m)
	}
	if got := tag.FromContext(tag.NewContext(ctx, nil)); got.Len() != 0 {
		t.Errorf("NewContext(ctx, nil) still carries %v", got)
	}
	//lint:ignore SA1012 New must tolerate a nil context.
	nilCtx, err := tag.New(nil, tag.Upsert(kA, "1"))
	if err != nil || nilCtx == nil || tag.FromContext(nilCtx).Len() != 1 {
		t.Errorf("New(nil) = %v, %v", nilCtx, err)
	}
}

func TestMapReadAccessors(t *testing.T) {
	t.Parallel()
	m, err := tag.NewMap(tag.Upsert(kB, "2", tag.WithTTL(tag.TTLNoPropagation)), tag.Upsert(kA, "1"))
	if err != nil {
		t.Fatal(err)
	}
	if got := m.String(); got != "{a=1 b=2}" {
		t.Errorf("String = %q", got)
	}
	if got, ok := m.Lookup(kB); !ok || got != tg(kB, "2", tag.TTLNoPropagation) {
		t.Errorf("Lookup(b) = %v, %v", got, ok)
	}
	var keys []string
	for k, v := range m.All() {
		keys = append(keys, k.Name()+"="+v)
		break // stopping early must be honoured
	}
	if !slices.Equal(keys, []string{"a=1"}) {
		t.Errorf("All with break yielded %v", keys)
	}
	seen := 0
	for range m.Tags() {
		seen++
		break
	}
	if seen != 1 {
		t.Errorf("Tags with break yielded %d tags", seen)
	}
}

func TestTTLString(t *testing.T) {
	t.Parallel()
	for ttl, want := range map[tag.TTL]string{
		tag.TTLUnlimited:     "unlimited",
		tag.TTLNoPropagation: "no-propagation",
		3:                    "TTL(3)",
	} {
		if got := ttl.String(); got != want {
			t.Errorf("TTL(%d).String() = %q, want %q", int8(ttl), got, want)
		}
	}
}

func TestLookupLargeMap(t *testing.T) {
	t.Parallel()
	// Large maps use binary search; check hits and misses on both sides.
	var muts []tag.Mutator
	for i := 0; i < 40; i += 2 {
		muts = append(muts, tag.Upsert(tag.MustNewKey(fmt.Sprintf("k%02d", i)), fmt.Sprint(i)))
	}
	m, err := tag.NewMap(muts...)
	if err != nil {
		t.Fatal(err)
	}
	for i := -1; i <= 41; i++ {
		name := fmt.Sprintf("k%02d", i)
		v, ok := m.Value(tag.MustNewKey(name))
		wantOK := i >= 0 && i < 40 && i%2 == 0
		if ok != wantOK || (ok && v != fmt.Sprint(i)) {
			t.Errorf("Value(%s) = %q, %v; want present=%v", name, v, ok, wantOK)
		}
	}
}

func TestConcurrentReaders(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ctx, err := tag.New(ctx, tag.Upsert(kA, "1"), tag.Upsert(kB, "2"))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 200 {
				if v, ok := tag.FromContext(ctx).Value(kA); !ok || v != "1" {
					t.Errorf("Value(a) = %q, %v", v, ok)
					return
				}
				child, err := tag.New(ctx, tag.Upsert(kC, fmt.Sprint(i)))
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := tag.Encode(tag.FromContext(child)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestLookupDoesNotAllocate(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ctx, err := tag.New(ctx, tag.Upsert(kA, "1"), tag.Upsert(kB, "2"), tag.Upsert(kC, "3"))
	if err != nil {
		t.Fatal(err)
	}
	var sink int
	allocs := testing.AllocsPerRun(100, func() {
		m := tag.FromContext(ctx)
		v, _ := m.Value(kB)
		_, ok := m.Value(tag.MustNewKey("absent"))
		tg, _ := m.Lookup(kC)
		if ok {
			sink++
		}
		sink += len(v) + len(tg.Value)
		for _, v := range m.All() {
			sink += len(v)
		}
	})
	if allocs != 0 {
		t.Errorf("FromContext + Value + Lookup + All allocated %v times per run, want 0", allocs)
	}
	_ = sink
}

func TestNewAllocations(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := tag.New(ctx, tag.Upsert(kA, "1"), tag.Upsert(kB, "2", tag.WithTTL(tag.TTLNoPropagation))); err != nil {
			t.Fatal(err)
		}
	})
	// One object for the context, one for the map with its tags.
	if allocs > 2 {
		t.Errorf("New with 2 tags allocated %v times per run, want at most 2", allocs)
	}
	m := tag.FromContext(ctx)
	if allocs := testing.AllocsPerRun(100, func() {
		if _, err := m.With(tag.Upsert(kA, "1"), tag.Upsert(kB, "2"), tag.Upsert(kC, "3")); err != nil {
			t.Fatal(err)
		}
	}); allocs > 1 {
		t.Errorf("With of 3 tags allocated %v times per run, want 1", allocs)
	}
}

func TestNestedNewKeepsParentValues(t *testing.T) {
	t.Parallel()
	type k struct{}
	base, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ctx := context.WithValue(base, k{}, "v")
	for i := range 5 {
		var err error
		ctx, err = tag.New(ctx, tag.Upsert(tag.MustNewKey(fmt.Sprintf("k%d", i)), "x"))
		if err != nil {
			t.Fatal(err)
		}
		ctx = tag.NewContext(ctx, tag.FromContext(ctx))
	}
	if got := tag.FromContext(ctx).Len(); got != 5 {
		t.Errorf("Len = %d, want 5", got)
	}
	if ctx.Value(k{}) != "v" {
		t.Error("value below nested tag contexts lost")
	}
	if _, ok := ctx.Deadline(); !ok {
		t.Error("deadline below nested tag contexts lost")
	}
}

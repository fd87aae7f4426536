package tag

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"
)

// TTL says how far a tag travels. Only two values exist: TTLUnlimited, the
// default, and TTLNoPropagation for tags that stay in this process.
type TTL int8

const (
	// TTLNoPropagation keeps a tag local: it is recorded with stats but
	// never encoded for a peer.
	TTLNoPropagation TTL = 0
	// TTLUnlimited propagates a tag to every downstream service. It is the
	// default and, on the wire, the meaning of every received tag.
	TTLUnlimited TTL = -1
)

// String returns "unlimited", "no-propagation" or "TTL(n)" for invalid values.
func (t TTL) String() string {
	switch t {
	case TTLUnlimited:
		return "unlimited"
	case TTLNoPropagation:
		return "no-propagation"
	default:
		return fmt.Sprintf("TTL(%d)", int8(t))
	}
}

// Tag is one key, its value and its TTL, as reported by Map.Lookup and
// Map.Tags.
type Tag struct {
	Key   Key
	Value string
	TTL   TTL
}

// Map is an immutable set of tags sorted by key name. A nil *Map is a valid
// empty map. Because it never changes after creation, a Map is safe for
// concurrent use and may be shared freely; derive a new one with With or New.
type Map struct {
	tags []Tag // sorted by Key.name, keys unique
}

func (m *Map) tagSlice() []Tag {
	if m == nil {
		return nil
	}
	return m.tags
}

// emptyMap is returned where a result holds no tags, to avoid an allocation.
var emptyMap = &Map{}

// Len reports the number of tags.
func (m *Map) Len() int {
	if m == nil {
		return 0
	}
	return len(m.tags)
}

// linearMax is the size up to which a plain scan beats binary search.
const linearMax = 8

func (m *Map) index(name string) (int, bool) {
	if len(m.tags) <= linearMax {
		for i := range m.tags {
			if m.tags[i].Key.name == name {
				return i, true
			}
		}
		return 0, false
	}
	return search(m.tags, name)
}

// search finds name in tags sorted by key name: its index, or where to
// insert it. It is written out because slices.BinarySearchFunc calls the
// comparison through a function value.
func search(tags []Tag, name string) (int, bool) {
	i, j := 0, len(tags)
	for i < j {
		h := int(uint(i+j) >> 1)
		if tags[h].Key.name < name {
			i = h + 1
		} else {
			j = h
		}
	}
	return i, i < len(tags) && tags[i].Key.name == name
}

// Value returns the value held for k and whether k is present. It does not
// allocate.
func (m *Map) Value(k Key) (string, bool) {
	if m == nil {
		return "", false
	}
	// The stats recorder calls this for every view key on every recording,
	// so small maps are scanned here without a further call.
	if tags := m.tags; len(tags) <= linearMax {
		for i := range tags {
			if tags[i].Key.name == k.name {
				return tags[i].Value, true
			}
		}
		return "", false
	}
	if i, ok := m.index(k.name); ok {
		return m.tags[i].Value, true
	}
	return "", false
}

// Lookup returns the tag held for k, including its TTL, and whether k is
// present.
func (m *Map) Lookup(k Key) (Tag, bool) {
	if m == nil {
		return Tag{}, false
	}
	if i, ok := m.index(k.name); ok {
		return m.tags[i], true
	}
	return Tag{}, false
}

// All yields every key and value in ascending key-name order, so output built
// from it is deterministic.
func (m *Map) All() iter.Seq2[Key, string] {
	return func(yield func(Key, string) bool) {
		if m == nil {
			return
		}
		for _, t := range m.tags {
			if !yield(t.Key, t.Value) {
				return
			}
		}
	}
}

// Tags yields every tag, with its TTL, in ascending key-name order.
func (m *Map) Tags() iter.Seq[Tag] {
	return func(yield func(Tag) bool) {
		if m == nil {
			return
		}
		for _, t := range m.tags {
			if !yield(t) {
				return
			}
		}
	}
}

// String formats the map for debugging as {k1=v1 k2=v2}.
func (m *Map) String() string {
	var b strings.Builder
	b.WriteByte('{')
	for i, t := range m.tagSlice() {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(t.Key.name)
		b.WriteByte('=')
		b.WriteString(t.Value)
	}
	b.WriteByte('}')
	return b.String()
}

type op uint8

const (
	opNone op = iota // the zero Mutator changes nothing
	opInsert
	opUpdate
	opUpsert
	opDelete
)

// Mutator is one change to a Map, built by Insert, Update, Upsert or Delete
// and applied by New or Map.With. The zero Mutator changes nothing.
type Mutator struct {
	op    op
	ttl   TTL
	key   Key
	value string
}

// MutatorOption configures one Insert, Update or Upsert; build it with
// WithTTL. It is a small value rather than a function so that passing options
// on the recording hot path allocates nothing. The zero MutatorOption changes
// nothing.
type MutatorOption struct {
	ttl    TTL
	hasTTL bool
}

// WithTTL sets the tag's TTL; the default is TTLUnlimited. Any value other
// than TTLUnlimited and TTLNoPropagation makes the mutation fail with
// ErrInvalidTTL.
func WithTTL(ttl TTL) MutatorOption {
	return MutatorOption{ttl: ttl, hasTTL: true}
}

func newMutator(o op, k Key, v string, opts []MutatorOption) Mutator {
	mu := Mutator{op: o, ttl: TTLUnlimited, key: k, value: v}
	for _, opt := range opts {
		if opt.hasTTL {
			mu.ttl = opt.ttl
		}
	}
	return mu
}

// Insert adds k=v only if k is absent.
func Insert(k Key, v string, opts ...MutatorOption) Mutator {
	return newMutator(opInsert, k, v, opts)
}

// Update replaces the value and TTL of k only if k is present.
func Update(k Key, v string, opts ...MutatorOption) Mutator {
	return newMutator(opUpdate, k, v, opts)
}

// Upsert sets k=v whether or not k is present.
func Upsert(k Key, v string, opts ...MutatorOption) Mutator {
	return newMutator(opUpsert, k, v, opts)
}

// Delete removes k if present.
func Delete(k Key) Mutator {
	return Mutator{op: opDelete, key: k}
}

func (mu *Mutator) validate() error {
	if mu.op == opNone {
		return nil
	}
	if mu.key.name == "" {
		return fmt.Errorf("%w: zero Key, create keys with NewKey", ErrInvalidKey)
	}
	if mu.op == opDelete {
		return nil
	}
	if p := valueProblem(mu.value); p != "" {
		return fmt.Errorf("%w for key %q: %s", ErrInvalidValue, mu.key.name, p)
	}
	if mu.ttl != TTLUnlimited && mu.ttl != TTLNoPropagation {
		return fmt.Errorf("%w for key %q: %d, want %d (unlimited) or %d (no propagation)",
			ErrInvalidTTL, mu.key.name, mu.ttl, TTLUnlimited, TTLNoPropagation)
	}
	return nil
}

// allocMap returns an empty Map with room for n tags. Small maps get their
// tags in the same allocation as the Map.
func allocMap(n int) *Map {
	switch {
	case n <= 1:
		s := new(struct {
			m Map
			a [1]Tag
		})
		s.m.tags = s.a[:0]
		return &s.m
	case n <= 2:
		s := new(struct {
			m Map
			a [2]Tag
		})
		s.m.tags = s.a[:0]
		return &s.m
	case n <= 4:
		s := new(struct {
			m Map
			a [4]Tag
		})
		s.m.tags = s.a[:0]
		return &s.m
	case n <= 8:
		s := new(struct {
			m Map
			a [8]Tag
		})
		s.m.tags = s.a[:0]
		return &s.m
	}
	return &Map{tags: make([]Tag, 0, n)}
}

// apply returns parent with muts applied and whether anything changed, or an
// error if any mutator is invalid or the result has more than MaxTags tags.
// parent is never modified; nothing is allocated unless something may change.
func apply(parent *Map, muts []Mutator) (*Map, bool, error) {
	grow := 0
	for i := range muts {
		if err := muts[i].validate(); err != nil {
			return nil, false, err
		}
		if muts[i].op == opInsert || muts[i].op == opUpsert {
			grow++
		}
	}
	if grow == 0 && parent.Len() == 0 {
		return nil, false, nil
	}
	m := allocMap(parent.Len() + grow)
	tags := append(m.tags, parent.tagSlice()...)
	changed := false
	for i := range muts {
		mu := &muts[i]
		if mu.op == opNone {
			continue
		}
		j, found := search(tags, mu.key.name)
		t := Tag{Key: mu.key, Value: mu.value, TTL: mu.ttl}
		switch {
		case mu.op == opDelete:
			if found {
				tags = slices.Delete(tags, j, j+1)
				changed = true
			}
		case found && mu.op != opInsert:
			if tags[j] != t {
				tags[j] = t
				changed = true
			}
		case !found && mu.op != opUpdate:
			tags = slices.Insert(tags, j, t) // within capacity: grow counted it
			changed = true
		}
	}
	if len(tags) > MaxTags {
		return nil, false, fmt.Errorf("%w: %d, limit %d", ErrTooManyTags, len(tags), MaxTags)
	}
	m.tags = tags
	return m, changed, nil
}

// With returns a new Map: m with muts applied in order. On error (an invalid
// mutator or more than MaxTags tags) it returns m unchanged and the error;
// nothing is applied partially. If nothing changes it returns m itself.
func (m *Map) With(muts ...Mutator) (*Map, error) {
	out, changed, err := apply(m, muts)
	if err != nil {
		return m, err
	}
	if !changed {
		if m == nil {
			return emptyMap, nil
		}
		return m, nil
	}
	return out, nil
}

// NewMap returns a Map holding the result of muts applied to an empty map.
func NewMap(muts ...Mutator) (*Map, error) {
	return (*Map)(nil).With(muts...)
}

type ctxKey struct{}

// mapCtx carries a *Map. It is its own context type rather than
// context.WithValue, whose interface value would cost one more allocation.
type mapCtx struct {
	context.Context
	m *Map
}

func (c *mapCtx) Value(key any) any {
	if key == (ctxKey{}) {
		return c.m
	}
	return c.Context.Value(key)
}

// New returns a child of ctx whose tag map is FromContext(ctx) with muts
// applied in order. On error (an invalid mutator or more than MaxTags tags)
// it returns ctx itself and the error; nothing is applied partially. If
// nothing changes, ctx itself is returned. A nil ctx is treated as
// context.Background().
func New(ctx context.Context, muts ...Mutator) (context.Context, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	m, changed, err := apply(FromContext(ctx), muts)
	if err != nil || !changed {
		return ctx, err
	}
	return &mapCtx{Context: unwrap(ctx), m: m}, nil
}

// NewContext returns a child of ctx carrying m, replacing any map ctx
// carries. A nil m clears the tags seen through the child. A nil ctx is
// treated as context.Background().
func NewContext(ctx context.Context, m *Map) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	return &mapCtx{Context: unwrap(ctx), m: m}
}

// unwrap skips ctx if it is itself a tag context: the child replaces its
// only value, so wrapping its parent instead keeps chains of New calls from
// lengthening every later context lookup.
func unwrap(ctx context.Context) context.Context {
	if c, ok := ctx.(*mapCtx); ok {
		return c.Context
	}
	return ctx
}

// FromContext returns the tag map ctx carries, or nil (a valid empty Map)
// if it carries none. It does not allocate.
func FromContext(ctx context.Context) *Map {
	if ctx == nil {
		return nil
	}
	m, _ := ctx.Value(ctxKey{}).(*Map)
	return m
}

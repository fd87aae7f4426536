package otlpexporter

import (
	"maps"
	"slices"

	commonpb "go.opentelemetry.io/proto/otlp/common/v1"

	"github.com/gocensus/gocensus/sdk/trace"
)

// kvSlab hands out KeyValue messages and their values from a few large
// allocations, so that converting a batch costs a handful of allocations
// per batch instead of three per attribute. The messages it returns live as
// long as any of them is referenced.
type kvSlab struct {
	kvs  []commonpb.KeyValue
	vals []commonpb.AnyValue
	strs []commonpb.AnyValue_StringValue
	ints []commonpb.AnyValue_IntValue
	dbls []commonpb.AnyValue_DoubleValue
	bols []commonpb.AnyValue_BoolValue
	ptrs []*commonpb.KeyValue
}

// reserve makes room for n more key-values.
func (s *kvSlab) reserve(n int) {
	if cap(s.kvs)-len(s.kvs) >= n {
		return
	}
	if n < 64 {
		n = 64
	}
	s.kvs = make([]commonpb.KeyValue, 0, n)
	s.vals = make([]commonpb.AnyValue, 0, n)
	s.ptrs = make([]*commonpb.KeyValue, 0, n)
}

// list returns a slice of n key-value pointers backed by the slab; fill it
// with set.
func (s *kvSlab) list(n int) []*commonpb.KeyValue {
	if n == 0 {
		return nil
	}
	s.reserve(n)
	start := len(s.ptrs)
	for range n {
		s.kvs = s.kvs[:len(s.kvs)+1]
		s.vals = s.vals[:len(s.vals)+1]
		kv := &s.kvs[len(s.kvs)-1]
		kv.Value = &s.vals[len(s.vals)-1]
		s.ptrs = append(s.ptrs, kv)
	}
	return s.ptrs[start:len(s.ptrs):len(s.ptrs)]
}

func (s *kvSlab) str(v string) *commonpb.AnyValue_StringValue {
	if len(s.strs) == cap(s.strs) {
		s.strs = make([]commonpb.AnyValue_StringValue, 0, max(64, cap(s.strs)))
	}
	s.strs = append(s.strs, commonpb.AnyValue_StringValue{StringValue: v})
	return &s.strs[len(s.strs)-1]
}

func (s *kvSlab) int(v int64) *commonpb.AnyValue_IntValue {
	if len(s.ints) == cap(s.ints) {
		s.ints = make([]commonpb.AnyValue_IntValue, 0, max(64, cap(s.ints)))
	}
	s.ints = append(s.ints, commonpb.AnyValue_IntValue{IntValue: v})
	return &s.ints[len(s.ints)-1]
}

func (s *kvSlab) dbl(v float64) *commonpb.AnyValue_DoubleValue {
	if len(s.dbls) == cap(s.dbls) {
		s.dbls = make([]commonpb.AnyValue_DoubleValue, 0, max(16, cap(s.dbls)))
	}
	s.dbls = append(s.dbls, commonpb.AnyValue_DoubleValue{DoubleValue: v})
	return &s.dbls[len(s.dbls)-1]
}

func (s *kvSlab) bool(v bool) *commonpb.AnyValue_BoolValue {
	if len(s.bols) == cap(s.bols) {
		s.bols = make([]commonpb.AnyValue_BoolValue, 0, max(16, cap(s.bols)))
	}
	s.bols = append(s.bols, commonpb.AnyValue_BoolValue{BoolValue: v})
	return &s.bols[len(s.bols)-1]
}

// setString sets kv to key = string value.
func (s *kvSlab) setString(kv *commonpb.KeyValue, key, v string) {
	kv.Key = key
	kv.Value.Value = s.str(v)
}

// setInt sets kv to key = int value.
func (s *kvSlab) setInt(kv *commonpb.KeyValue, key string, v int64) {
	kv.Key = key
	kv.Value.Value = s.int(v)
}

// setAttr sets kv from a gocensus attribute, keeping its type. An invalid
// (zero) Value becomes an empty AnyValue, which OTLP defines as null.
func (s *kvSlab) setAttr(kv *commonpb.KeyValue, a trace.Attribute) {
	kv.Key = a.Key
	switch a.Value.Type() {
	case trace.StringValueType:
		kv.Value.Value = s.str(a.Value.AsString())
	case trace.Int64ValueType:
		kv.Value.Value = s.int(a.Value.AsInt64())
	case trace.Float64ValueType:
		kv.Value.Value = s.dbl(a.Value.AsFloat64())
	case trace.BoolValueType:
		kv.Value.Value = s.bool(a.Value.AsBool())
	}
}

// attrs converts a gocensus attribute list, plus room for extra trailing
// entries the caller fills in.
func (s *kvSlab) attrs(in []trace.Attribute, extra int) []*commonpb.KeyValue {
	out := s.list(len(in) + extra)
	for i, a := range in {
		s.setAttr(out[i], a)
	}
	return out
}

// stringMap converts a label map in sorted key order, so that output is
// deterministic.
func (s *kvSlab) stringMap(m map[string]string, extra int) []*commonpb.KeyValue {
	out := s.list(len(m) + extra)
	for i, k := range slices.Sorted(maps.Keys(m)) {
		s.setString(out[i], k, m[k])
	}
	return out
}

package trace

import (
	"math"
	"strconv"
	"unsafe"
)

// ValueType is the type held by a Value.
type ValueType uint8

const (
	// InvalidValueType is the zero Value's type.
	InvalidValueType ValueType = iota
	BoolValueType
	Int64ValueType
	Float64ValueType
	StringValueType
)

// Value is a typed attribute value: bool, int64, float64 or string, held in
// two machine words without boxing, so that a span keeps four attributes
// inline in its one allocation.
//
// Compare Values with Equal: == compares where a string is stored, not what
// it holds. go-cmp uses Equal by itself.
type Value struct {
	// num is the number, or a string's length.
	num uint64
	// ptr is a string's first byte, or one of the kind markers below for
	// the other types; nil in the zero (invalid) Value.
	ptr unsafe.Pointer
}

// The kind markers: a string's bytes never live at these addresses.
var (
	boolKind, int64Kind, float64Kind, emptyStringKind byte
)

// BoolValue returns a bool Value.
func BoolValue(v bool) Value {
	var n uint64
	if v {
		n = 1
	}
	return Value{num: n, ptr: unsafe.Pointer(&boolKind)}
}

// Int64Value returns an int64 Value.
func Int64Value(v int64) Value { return Value{num: uint64(v), ptr: unsafe.Pointer(&int64Kind)} }

// Float64Value returns a float64 Value.
func Float64Value(v float64) Value {
	return Value{num: math.Float64bits(v), ptr: unsafe.Pointer(&float64Kind)}
}

// StringValue returns a string Value.
func StringValue(v string) Value {
	if len(v) == 0 {
		return Value{ptr: unsafe.Pointer(&emptyStringKind)}
	}
	return Value{num: uint64(len(v)), ptr: unsafe.Pointer(unsafe.StringData(v))}
}

// Type reports the held type.
func (v Value) Type() ValueType {
	switch v.ptr {
	case nil:
		return InvalidValueType
	case unsafe.Pointer(&boolKind):
		return BoolValueType
	case unsafe.Pointer(&int64Kind):
		return Int64ValueType
	case unsafe.Pointer(&float64Kind):
		return Float64ValueType
	}
	return StringValueType
}

// AsBool returns the bool held, or false for other types.
func (v Value) AsBool() bool { return v.ptr == unsafe.Pointer(&boolKind) && v.num != 0 }

// AsInt64 returns the int64 held, or 0 for other types.
func (v Value) AsInt64() int64 {
	if v.ptr != unsafe.Pointer(&int64Kind) {
		return 0
	}
	return int64(v.num)
}

// AsFloat64 returns the float64 held, or 0 for other types.
func (v Value) AsFloat64() float64 {
	if v.ptr != unsafe.Pointer(&float64Kind) {
		return 0
	}
	return math.Float64frombits(v.num)
}

// AsString returns the string held, or "" for other types.
func (v Value) AsString() string {
	if v.Type() != StringValueType {
		return ""
	}
	return v.str()
}

// str returns the string of a Value known to hold one.
func (v Value) str() string { return unsafe.String((*byte)(v.ptr), int(v.num)) }

// strLen returns the length of the string held, or 0 for other types.
func (v Value) strLen() int {
	if v.Type() != StringValueType {
		return 0
	}
	return int(v.num)
}

// String formats the value held: a string as it is, a number or bool as
// strconv would, and the zero Value as "<invalid>".
func (v Value) String() string {
	switch v.Type() {
	case BoolValueType:
		return strconv.FormatBool(v.AsBool())
	case Int64ValueType:
		return strconv.FormatInt(v.AsInt64(), 10)
	case Float64ValueType:
		return strconv.FormatFloat(v.AsFloat64(), 'g', -1, 64)
	case StringValueType:
		return v.str()
	}
	return "<invalid>"
}

// Equal reports whether v and w hold the same type and value. Float64
// values compare by bits, so a NaN equals itself.
func (v Value) Equal(w Value) bool {
	t := v.Type()
	if t != w.Type() {
		return false
	}
	if t == StringValueType {
		return v.str() == w.str()
	}
	return v.num == w.num
}

// Attribute is a key and a typed value.
type Attribute struct {
	Key   string
	Value Value
}

// BoolAttribute returns a bool-valued attribute.
func BoolAttribute(key string, v bool) Attribute { return Attribute{key, BoolValue(v)} }

// Int64Attribute returns an int64-valued attribute.
func Int64Attribute(key string, v int64) Attribute { return Attribute{key, Int64Value(v)} }

// Float64Attribute returns a float64-valued attribute.
func Float64Attribute(key string, v float64) Attribute { return Attribute{key, Float64Value(v)} }

// StringAttribute returns a string-valued attribute.
func StringAttribute(key, v string) Attribute { return Attribute{key, StringValue(v)} }

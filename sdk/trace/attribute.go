package trace

import "math"

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

// Value is a typed attribute value: bool, int64, float64 or string. It is a
// small comparable struct so attributes can be stored without boxing.
type Value struct {
	typ ValueType
	num uint64
	str string
}

// BoolValue returns a bool Value.
func BoolValue(v bool) Value {
	var n uint64
	if v {
		n = 1
	}
	return Value{typ: BoolValueType, num: n}
}

// Int64Value returns an int64 Value.
func Int64Value(v int64) Value { return Value{typ: Int64ValueType, num: uint64(v)} }

// Float64Value returns a float64 Value.
func Float64Value(v float64) Value { return Value{typ: Float64ValueType, num: math.Float64bits(v)} }

// StringValue returns a string Value.
func StringValue(v string) Value { return Value{typ: StringValueType, str: v} }

// Type reports the held type.
func (v Value) Type() ValueType { return v.typ }

// AsBool returns the bool held, or false for other types.
func (v Value) AsBool() bool { return v.typ == BoolValueType && v.num != 0 }

// AsInt64 returns the int64 held, or 0 for other types.
func (v Value) AsInt64() int64 {
	if v.typ != Int64ValueType {
		return 0
	}
	return int64(v.num)
}

// AsFloat64 returns the float64 held, or 0 for other types.
func (v Value) AsFloat64() float64 {
	if v.typ != Float64ValueType {
		return 0
	}
	return math.Float64frombits(v.num)
}

// AsString returns the string held, or "" for other types.
func (v Value) AsString() string {
	if v.typ != StringValueType {
		return ""
	}
	return v.str
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

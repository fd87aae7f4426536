package trace_test

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gocensus/gocensus/sdk/trace"
)

func TestValueAccessors(t *testing.T) {
	for _, tt := range []struct {
		name string
		v    trace.Value
		typ  trace.ValueType
		b    bool
		i    int64
		f    float64
		s    string
	}{
		{"zero", trace.Value{}, trace.InvalidValueType, false, 0, 0, ""},
		{"true", trace.BoolValue(true), trace.BoolValueType, true, 0, 0, ""},
		{"false", trace.BoolValue(false), trace.BoolValueType, false, 0, 0, ""},
		{"int", trace.Int64Value(-7), trace.Int64ValueType, false, -7, 0, ""},
		{"min int", trace.Int64Value(math.MinInt64), trace.Int64ValueType, false, math.MinInt64, 0, ""},
		{"float", trace.Float64Value(2.5), trace.Float64ValueType, false, 0, 2.5, ""},
		{"string", trace.StringValue("grpc"), trace.StringValueType, false, 0, 0, "grpc"},
		{"empty string", trace.StringValue(""), trace.StringValueType, false, 0, 0, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v := tt.v
			if got, want := v.String(), map[trace.ValueType]string{
				trace.InvalidValueType: "<invalid>", trace.BoolValueType: strconv.FormatBool(tt.b),
				trace.Int64ValueType: strconv.FormatInt(tt.i, 10), trace.Float64ValueType: strconv.FormatFloat(tt.f, 'g', -1, 64),
				trace.StringValueType: tt.s,
			}[tt.typ]; got != want {
				t.Errorf("String() = %q, want %q", got, want)
			}
			if v.Type() != tt.typ || v.AsBool() != tt.b || v.AsInt64() != tt.i || v.AsFloat64() != tt.f || v.AsString() != tt.s {
				t.Errorf("got type %v, %v %v %v %q", v.Type(), v.AsBool(), v.AsInt64(), v.AsFloat64(), v.AsString())
			}
		})
	}
}

func TestValueEqual(t *testing.T) {
	grpc := strings.Repeat("g", 1) + "rpc" // not the literal's bytes
	nan := trace.Float64Value(math.NaN())
	for _, tt := range []struct {
		a, b trace.Value
		want bool
	}{
		{trace.StringValue("grpc"), trace.StringValue(grpc), true},
		{trace.StringValue("grpc"), trace.StringValue("grp"), false},
		{trace.StringValue(""), trace.StringValue(grpc[:0]), true},
		{trace.StringValue(""), trace.Value{}, false},
		{trace.BoolValue(false), trace.Int64Value(0), false},
		{trace.Int64Value(1), trace.Float64Value(math.Float64frombits(1)), false},
		{trace.Int64Value(3), trace.Int64Value(3), true},
		{nan, nan, true},
		{trace.Float64Value(0), trace.Float64Value(math.Copysign(0, -1)), false},
		{trace.Value{}, trace.Value{}, true},
	} {
		if got := tt.a.Equal(tt.b); got != tt.want || tt.b.Equal(tt.a) != got {
			t.Errorf("%v(%v) Equal %v(%v) = %v, want %v", tt.a.Type(), tt.a, tt.b.Type(), tt.b, got, tt.want)
		}
	}
	// go-cmp picks Equal up, so attribute lists compare by content.
	a := []trace.Attribute{trace.StringAttribute("rpc.method", grpc)}
	b := []trace.Attribute{trace.StringAttribute("rpc.method", "grpc")}
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("cmp.Diff of equal attributes:\n%s", diff)
	}
}

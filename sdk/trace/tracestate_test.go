package trace_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/gocensus/gocensus/sdk/trace"
)

func members(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf("bar%02d=%02d", i+1, i+1)
	}
	return strings.Join(parts, ",")
}

func TestParseTracestate(t *testing.T) {
	t.Parallel()
	allKeyChars := "abcdefghijklmnopqrstuvwxyz0123456789_-*/@"
	var allValueChars strings.Builder
	allValueChars.WriteByte(' ')
	for c := byte(0x21); c <= 0x7e; c++ {
		if c != ',' && c != '=' {
			allValueChars.WriteByte(c)
		}
	}
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr error
	}{
		{name: "empty", in: "", want: ""},
		{name: "only OWS and commas", in: " \t, ,\t", want: ""},
		{name: "spec example", in: "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE", want: "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"},
		{name: "OWS around members", in: "foo=1 \t , \t bar=2", want: "foo=1,bar=2"},
		{name: "leading and trailing tabs", in: "\t\tfoo=1,bar=2\t\t", want: "foo=1,bar=2"},
		{name: "empty members", in: ",foo=1,,,bar=2,", want: "foo=1,bar=2"},
		{name: "value keeps leading space", in: "foo= bar", want: "foo= bar"},
		{name: "all key characters", in: allKeyChars + "=1", want: allKeyChars + "=1"},
		{name: "all value characters", in: "foo=" + allValueChars.String(), want: "foo=" + allValueChars.String()},
		{name: "digit first key", in: "1foo=1", want: "1foo=1"},
		{name: "multi-tenant key", in: "tenant@system=1", want: "tenant@system=1"},
		{name: "level 2 trailing at", in: "foo@=1", want: "foo@=1"},
		{name: "level 2 double at", in: "foo@@bar=1", want: "foo@@bar=1"},
		{name: "level 2 two ats", in: "foo@bar@baz=1", want: "foo@bar@baz=1"},
		{name: "level 2 long system", in: "t@" + strings.Repeat("v", 15) + "=1", want: "t@" + strings.Repeat("v", 15) + "=1"},
		{name: "level 2 long tenant", in: strings.Repeat("t", 242) + "@v=1", want: strings.Repeat("t", 242) + "@v=1"},
		{name: "duplicate keys keep first", in: "foo=1,bar=2,foo=3", want: "foo=1,bar=2"},
		{name: "32 members", in: members(32), want: members(32)},
		{name: "key 256 chars", in: strings.Repeat("k", 256) + "=1", want: strings.Repeat("k", 256) + "=1"},
		{name: "value 256 chars", in: "foo=" + strings.Repeat("v", 256), want: "foo=" + strings.Repeat("v", 256)},
		{name: "33 members", in: members(33), wantErr: trace.ErrTracestateTooManyMembers},
		{name: "key 257 chars", in: strings.Repeat("k", 257) + "=1", wantErr: trace.ErrTracestateKey},
		{name: "value 257 chars", in: "foo=" + strings.Repeat("v", 257), wantErr: trace.ErrTracestateValue},
		{name: "leading at", in: "@foo=1", wantErr: trace.ErrTracestateKey},
		{name: "space before equals", in: "foo =1", wantErr: trace.ErrTracestateKey},
		{name: "upper case key", in: "FOO=1", wantErr: trace.ErrTracestateKey},
		{name: "dot in key", in: "foo.bar=1", wantErr: trace.ErrTracestateKey},
		{name: "empty key", in: "=1", wantErr: trace.ErrTracestateKey},
		{name: "equals in value", in: "foo=bar=baz", wantErr: trace.ErrTracestateValue},
		{name: "empty value", in: "foo=", wantErr: trace.ErrTracestateValue},
		{name: "tab inside value", in: "foo=a\tb", wantErr: trace.ErrTracestateValue},
		{name: "non ascii value", in: "foo=\xc3\xa9", wantErr: trace.ErrTracestateValue},
		{name: "no equals", in: "foo", wantErr: trace.ErrTracestateMember},
		{name: "one bad member drops all", in: "foo=1,BAR=2", wantErr: trace.ErrTracestateKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts, err := trace.ParseTracestate(tt.in)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ParseTracestate(%q) error = %v, want %v", tt.in, err, tt.wantErr)
			}
			if got := ts.String(); got != tt.want {
				t.Fatalf("ParseTracestate(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseTracestateTruncation(t *testing.T) {
	t.Parallel()
	long := "long=" + strings.Repeat("x", 200)                                 // 205 chars, over 128
	mid := func(k string) string { return k + "=" + strings.Repeat("y", 100) } // 102 chars
	tests := []struct {
		name string
		in   string
		want string
	}{
		{
			name: "exactly 512 kept whole",
			in:   mid("a") + "," + mid("b") + "," + mid("c") + "," + mid("d") + "," + "e=" + strings.Repeat("z", 98),
			want: mid("a") + "," + mid("b") + "," + mid("c") + "," + mid("d") + "," + "e=" + strings.Repeat("z", 98),
		},
		{
			name: "long entry removed first",
			in:   mid("a") + "," + long + "," + mid("b") + "," + mid("c") + "," + mid("d"),
			want: mid("a") + "," + mid("b") + "," + mid("c") + "," + mid("d"),
		},
		{
			name: "then from the right",
			in:   mid("a") + "," + mid("b") + "," + mid("c") + "," + mid("d") + "," + mid("e") + "," + mid("f"),
			want: mid("a") + "," + mid("b") + "," + mid("c") + "," + mid("d"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts, err := trace.ParseTracestate(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := ts.String(); got != tt.want {
				t.Fatalf("got %d chars %q\nwant %d chars %q", len(got), got, len(tt.want), tt.want)
			}
			if len(ts.String()) > trace.TracestateSizeLimit {
				t.Fatalf("kept %d chars, limit %d", len(ts.String()), trace.TracestateSizeLimit)
			}
		})
	}
}

func TestTracestateCanonicalDoesNotAllocate(t *testing.T) {
	in := "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := trace.ParseTracestate(in); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("ParseTracestate of a canonical header allocated %v times", allocs)
	}
}

func TestTracestateAccessors(t *testing.T) {
	t.Parallel()
	ts, err := trace.ParseTracestate("rojo=00f067aa0ba902b7, congo=t61rcWkgMzE,a=b")
	if err != nil {
		t.Fatal(err)
	}
	if ts.Len() != 3 {
		t.Fatalf("Len = %d, want 3", ts.Len())
	}
	if v, ok := ts.Get("congo"); !ok || v != "t61rcWkgMzE" {
		t.Fatalf("Get(congo) = %q, %v", v, ok)
	}
	if _, ok := ts.Get("cong"); ok {
		t.Fatal("Get(cong) found a prefix of a key")
	}
	if _, ok := ts.Get("missing"); ok {
		t.Fatal("Get(missing) found something")
	}
	got := ts.Entries()
	want := []trace.TracestateEntry{{"rojo", "00f067aa0ba902b7"}, {"congo", "t61rcWkgMzE"}, {"a", "b"}}
	if len(got) != len(want) {
		t.Fatalf("Entries = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Entries[%d] = %v, want %v", i, got[i], want[i])
		}
	}
	if (trace.Tracestate{}).Entries() != nil {
		t.Fatal("Entries of empty Tracestate is not nil")
	}
}

func TestTracestateInsert(t *testing.T) {
	t.Parallel()
	base, err := trace.ParseTracestate("rojo=1,congo=2")
	if err != nil {
		t.Fatal(err)
	}
	full, err := trace.ParseTracestate(members(32))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		ts         trace.Tracestate
		key, value string
		want       string
		wantErr    error
	}{
		{name: "into empty", key: "a", value: "1", want: "a=1"},
		{name: "new key goes left", ts: base, key: "new", value: "x", want: "new=x,rojo=1,congo=2"},
		{name: "updated key moves left", ts: base, key: "congo", value: "3", want: "congo=3,rojo=1"},
		{name: "cap drops right-most", ts: full, key: "new", value: "x", want: "new=x," + members(31)},
		{name: "update at cap keeps all", ts: full, key: "bar32", value: "x", want: "bar32=x," + members(31)},
		{name: "bad key", ts: base, key: "Bad", value: "x", want: base.String(), wantErr: trace.ErrTracestateKey},
		{name: "bad value", ts: base, key: "ok", value: "a,b", want: base.String(), wantErr: trace.ErrTracestateValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.ts.Insert(tt.key, tt.value)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Insert error = %v, want %v", err, tt.wantErr)
			}
			if got.String() != tt.want {
				t.Fatalf("Insert = %q, want %q", got.String(), tt.want)
			}
			if got.Len() > trace.MaxTracestateMembers {
				t.Fatalf("Insert kept %d members", got.Len())
			}
		})
	}
}

func TestTracestateDelete(t *testing.T) {
	t.Parallel()
	ts, err := trace.ParseTracestate("a=1,b=2,c=3")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ key, want string }{
		{"a", "b=2,c=3"},
		{"b", "a=1,c=3"},
		{"c", "a=1,b=2"},
		{"d", "a=1,b=2,c=3"},
	}
	for _, tt := range tests {
		if got := ts.Delete(tt.key).String(); got != tt.want {
			t.Errorf("Delete(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
	one, _ := trace.ParseTracestate("a=1")
	if got := one.Delete("a"); got != (trace.Tracestate{}) {
		t.Errorf("Delete of the only member = %q, want empty", got.String())
	}
}

func FuzzTracestate(f *testing.F) {
	for _, s := range []string{
		"", "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE", "foo=1 \t , \t bar=2", "foo= bar",
		"tenant@system=1", "@foo=1", "foo=bar=baz", "foo=", ",,,", members(33),
		strings.Repeat("k", 257) + "=1", "a=" + strings.Repeat("v", 256) + ",b=" + strings.Repeat("w", 256),
		"foo=1,foo=2", "FOO=1", "foo=\x00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		ts, err := trace.ParseTracestate(in)
		if err != nil {
			if ts != (trace.Tracestate{}) {
				t.Fatalf("error %v with non-empty result %q", err, ts.String())
			}
			return
		}
		if ts.Len() > trace.MaxTracestateMembers || len(ts.String()) > trace.TracestateSizeLimit {
			t.Fatalf("result too large: %d members, %d chars", ts.Len(), len(ts.String()))
		}
		// The canonical form parses to itself.
		again, err := trace.ParseTracestate(ts.String())
		if err != nil || again != ts {
			t.Fatalf("round trip of %q = %q, %v", ts.String(), again.String(), err)
		}
		for _, e := range ts.Entries() {
			if v, ok := ts.Get(e.Key); !ok || v != e.Value {
				t.Fatalf("Get(%q) = %q, %v; want %q", e.Key, v, ok, e.Value)
			}
		}
	})
}

func BenchmarkParseTracestate(b *testing.B) {
	for _, bc := range []struct{ name, in string }{
		{"canonical", "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"},
		{"ows", "rojo=00f067aa0ba902b7 , congo=t61rcWkgMzE"},
		{"32members", members(32)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := trace.ParseTracestate(bc.in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkTracestateInsert(b *testing.B) {
	ts, _ := trace.ParseTracestate("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ts.Insert("congo", "ucfJifl5GOE"); err != nil {
			b.Fatal(err)
		}
	}
}

func ExampleParseTracestate() {
	ts, err := trace.ParseTracestate("rojo=00f067aa0ba902b7 , congo=t61rcWkgMzE")
	if err != nil {
		panic(err)
	}
	ts, _ = ts.Insert("congo", "ucfJifl5GOE")
	v, _ := ts.Get("rojo")
	fmt.Println(ts)
	fmt.Println(v)
	// Output:
	// congo=ucfJifl5GOE,rojo=00f067aa0ba902b7
	// 00f067aa0ba902b7
}

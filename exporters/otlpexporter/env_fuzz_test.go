package otlpexporter

import (
	"strings"
	"testing"
)

func FuzzParseHeaders(f *testing.F) {
	for _, s := range []string{"", "a=b", "Api-Key=x%20y, tenant = t1 ,", "=v", "k", "k=%zz", "k=v=w", ",,,", "k=\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := parseHeaders(s)
		if err != nil {
			return
		}
		for k := range h {
			if k == "" || k != strings.ToLower(k) {
				t.Errorf("parseHeaders(%q) produced key %q", s, k)
			}
		}
	})
}

func TestParseHeaders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    map[string]string
		wantErr bool
	}{
		{"", map[string]string{}, false},
		{"a=b", map[string]string{"a": "b"}, false},
		{" Api-Key = x%20y , tenant=t1,", map[string]string{"api-key": "x y", "tenant": "t1"}, false},
		{"k=v=w", map[string]string{"k": "v=w"}, false},
		{"k=", map[string]string{"k": ""}, false},
		{"k", nil, true},
		{"=v", nil, true},
		{"k=%zz", nil, true},
	}
	for _, tt := range tests {
		got, err := parseHeaders(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("parseHeaders(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if tt.wantErr {
			continue
		}
		if len(got) != len(tt.want) {
			t.Errorf("parseHeaders(%q) = %v, want %v", tt.in, got, tt.want)
		}
		for k, v := range tt.want {
			if got[k] != v {
				t.Errorf("parseHeaders(%q)[%q] = %q, want %q", tt.in, k, got[k], v)
			}
		}
	}
}

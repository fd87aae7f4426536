package resource_test

import (
	"fmt"
	"maps"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/gocensus/gocensus/sdk/resource"
)

func TestDecodeLabels(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    map[string]string
		wantErr bool
	}{
		{in: ``, want: map[string]string{}},
		{in: `k="v"`, want: map[string]string{"k": "v"}},
		{in: ` a = "1" , b="x,y=z" ,`, want: map[string]string{"a": "1", "b": "x,y=z"}},
		{in: `a=plain, b = "q\"uote"`, want: map[string]string{"a": "plain", "b": `q"uote`}},
		{in: `a="1",a="2"`, want: map[string]string{"a": "2"}},
		{in: `a=`, want: map[string]string{"a": ""}},
		{in: `novalue`, wantErr: true},
		{in: `="v"`, wantErr: true},
		{in: `a="unterminated`, wantErr: true},
		{in: `a="v" junk`, wantErr: true},
		{in: `a="` + strings.Repeat("x", 257) + `"`, wantErr: true},
		{in: strings.Repeat("k", 257) + `="v"`, wantErr: true},
		{in: `a="\u00e9"`, wantErr: true}, // not ASCII
	}
	for _, tt := range tests {
		got, err := resource.DecodeLabels(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("DecodeLabels(%q) error %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if !tt.wantErr && !maps.Equal(got, tt.want) {
			t.Errorf("DecodeLabels(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestEncodeLabelsRoundTrip(t *testing.T) {
	t.Parallel()
	in := map[string]string{"b": `q"u,o=te`, "a": "", "service.name": "svc"}
	enc := resource.EncodeLabels(in)
	if enc != `a="",b="q\"u,o=te",service.name="svc"` {
		t.Errorf("EncodeLabels = %s", enc)
	}
	out, err := resource.DecodeLabels(enc)
	if err != nil || !maps.Equal(in, out) {
		t.Errorf("round trip = %v, %v", out, err)
	}
}

func TestDecodeAttributes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    map[string]string
		wantErr bool
	}{
		{in: "", want: map[string]string{}},
		{in: "service.name=svc, deployment.environment = prod", want: map[string]string{"service.name": "svc", "deployment.environment": "prod"}},
		{in: "k=a%2Cb%3Dc,,", want: map[string]string{"k": "a,b=c"}},
		{in: "k=v=w", want: map[string]string{"k": "v=w"}},
		{in: "novalue", wantErr: true},
		{in: "=v", wantErr: true},
		{in: "k=%zz", wantErr: true},
	}
	for _, tt := range tests {
		got, err := resource.DecodeAttributes(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("DecodeAttributes(%q) error %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if !tt.wantErr && !maps.Equal(got, tt.want) {
			t.Errorf("DecodeAttributes(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// Environment tests are not parallel: t.Setenv forbids it.
func TestFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    *resource.Resource
		wantErr bool
	}{
		{name: "nothing set", want: nil},
		{name: "OpenCensus", env: map[string]string{
			resource.EnvVarType:   " k8s.io/container ",
			resource.EnvVarLabels: `k8s.pod.name="p",service.name="oc"`,
		}, want: &resource.Resource{Type: "k8s.io/container", Labels: map[string]string{"k8s.pod.name": "p", "service.name": "oc"}}},
		{name: "OpenTelemetry wins over OpenCensus, service name over attributes", env: map[string]string{
			resource.EnvVarLabels:      `service.name="oc",a="1"`,
			resource.EnvVarAttributes:  "service.name=otel,b=2",
			resource.EnvVarServiceName: "named",
		}, want: &resource.Resource{Labels: map[string]string{"service.name": "named", "a": "1", "b": "2"}}},
		{name: "type only", env: map[string]string{resource.EnvVarType: "host"},
			want: &resource.Resource{Type: "host"}},
		{name: "malformed", env: map[string]string{resource.EnvVarLabels: "broken", resource.EnvVarAttributes: "=x"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range []string{resource.EnvVarType, resource.EnvVarLabels, resource.EnvVarAttributes, resource.EnvVarServiceName} {
				t.Setenv(k, tt.env[k])
			}
			got, err := resource.FromEnv()
			if (err != nil) != tt.wantErr {
				t.Fatalf("FromEnv error %v, want error %v", err, tt.wantErr)
			}
			if tt.wantErr {
				if !strings.Contains(err.Error(), resource.EnvVarLabels) || !strings.Contains(err.Error(), resource.EnvVarAttributes) {
					t.Errorf("error %q does not name both variables", err)
				}
				return
			}
			if (got == nil) != (tt.want == nil) || got != nil && (got.Type != tt.want.Type || !maps.Equal(got.Labels, tt.want.Labels)) {
				t.Errorf("FromEnv = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDefault(t *testing.T) {
	t.Setenv(resource.EnvVarServiceName, "")
	t.Setenv(resource.EnvVarLabels, `team="core"`)
	t.Setenv(resource.EnvVarType, "")
	t.Setenv(resource.EnvVarAttributes, "")
	r, err := resource.Default()
	if err != nil {
		t.Fatal(err)
	}
	if r.Labels["team"] != "core" || r.Labels[resource.ProcessPIDKey] != strconv.Itoa(os.Getpid()) ||
		!strings.HasPrefix(r.Labels[resource.ServiceNameKey], "unknown_service:") {
		t.Errorf("Default = %+v", r)
	}
	if h, err := os.Hostname(); err == nil && r.Labels[resource.HostNameKey] != h {
		t.Errorf("host.name %q, want %q", r.Labels[resource.HostNameKey], h)
	}
	t.Setenv(resource.EnvVarServiceName, "checkout")
	if r, _ := resource.Default(); r.Labels[resource.ServiceNameKey] != "checkout" {
		t.Errorf("service name not taken from the environment: %+v", r)
	}
	t.Setenv(resource.EnvVarLabels, "broken")
	if r, err := resource.Default(); err == nil || r == nil || r.Labels[resource.ProcessPIDKey] == "" {
		t.Errorf("malformed environment: %+v, %v", r, err)
	}
}

func TestMerge(t *testing.T) {
	t.Parallel()
	a := &resource.Resource{Labels: map[string]string{"k": "a", "only-a": "1"}}
	b := &resource.Resource{Type: "host", Labels: map[string]string{"k": "b", "only-b": "2"}}
	m := resource.Merge(a, b)
	want := map[string]string{"k": "a", "only-a": "1", "only-b": "2"}
	if m.Type != "host" || !maps.Equal(m.Labels, want) {
		t.Errorf("Merge = %+v", m)
	}
	if a.Labels["only-b"] != "" || b.Labels["k"] != "b" {
		t.Error("Merge modified its inputs")
	}
	if resource.Merge(nil, b) != b || resource.Merge(a, nil) != a || resource.Merge(nil, nil) != nil {
		t.Error("Merge with nil does not return the other")
	}
}

func FuzzDecodeLabels(f *testing.F) {
	for _, s := range []string{``, `k="v"`, `a=1,b="x,y"`, `a="\x00"`, `a="`, `,,,`, `=`, `a="v" b`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := resource.DecodeLabels(s)
		if err != nil {
			return
		}
		// Whatever decodes re-encodes to something that decodes the same.
		again, err := resource.DecodeLabels(resource.EncodeLabels(m))
		if err != nil || !maps.Equal(m, again) {
			t.Fatalf("round trip of %q: %v, %v", s, again, err)
		}
	})
}

func FuzzDecodeAttributes(f *testing.F) {
	for _, s := range []string{``, `k=v`, `a=%41,b=c`, `%`, `k=%zz`, `,=,`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := resource.DecodeAttributes(s)
		if err == nil && m == nil {
			t.Fatal("nil map without error")
		}
	})
}

func ExampleMerge() {
	service := &resource.Resource{Labels: map[string]string{"service.name": "checkout"}}
	host := &resource.Resource{Type: "host", Labels: map[string]string{"host.name": "web-1", "service.name": "ignored"}}
	r := resource.Merge(service, host)
	fmt.Println(r.Type, resource.EncodeLabels(r.Labels))
	// Output: host host.name="web-1",service.name="checkout"
}

package zpages_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gocensus/gocensus/sdk/trace"
)

func TestHTTP(t *testing.T) {
	t.Parallel()
	z := newZ(t)
	tr := newTracer(z)
	const evil = `<script>alert("x")</script>&name`
	_, s := tr.Start(context.Background(), evil,
		trace.WithAttributes(trace.StringAttribute("<b>key</b>", "</td><img src=x>")))
	s.Annotate("<i>note</i>")
	s.SetStatus(trace.Status{Code: 99, Message: "<marquee>"})
	s.End()
	_, running := tr.Start(context.Background(), "open")
	t.Cleanup(func() { running.End() })

	mux := http.NewServeMux()
	mux.Handle("/debug/", z)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	tests := []struct {
		name, method, path string
		code               int
		want, notWant      []string
	}{
		{name: "index", path: "/debug/", code: 200, want: []string{`href="tracez"`, `href="rpcz"`}},
		{name: "summary escapes names", path: "/debug/tracez", code: 200,
			want:    []string{"&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&amp;name", `?name=%3cscript%3ealert%28%22x%22%29%3c%2fscript%3e%26name&amp;type=error`},
			notWant: []string{"<script>"}},
		{name: "details escape everything", path: "/debug/tracez?name=" + urlEscape(evil) + "&type=error", code: 200,
			want:    []string{"CODE_99: &lt;marquee&gt;", "&lt;i&gt;note&lt;/i&gt;", "&lt;b&gt;key&lt;/b&gt;=&#34;&lt;/td&gt;&lt;img src=x&gt;&#34;", "(1 sample)"},
			notWant: []string{"<script>", "<marquee>", "<img", "<i>note"}},
		{name: "running details", path: "/debug/tracez?name=open&type=running", code: 200, want: []string{"(running)", "open: running (1 sample)"}},
		{name: "unknown name", path: "/debug/tracez?name=nothing&type=error", code: 200, want: []string{"No samples kept"}},
		{name: "bad bucket", path: "/debug/tracez?name=open&type=latency&bucket=9", code: 400},
		{name: "missing bucket", path: "/debug/tracez?name=open&type=latency", code: 400},
		{name: "rpcz without calls", path: "/debug/rpcz", code: 200, want: []string{"No calls recorded."}},
		{name: "other prefix", path: "/debug/x/rpcz", code: 200},
		{name: "unknown page", path: "/debug/nothing", code: 404},
		{name: "POST", method: http.MethodPost, path: "/debug/tracez", code: 405},
		{name: "HEAD", method: http.MethodHead, path: "/debug/tracez", code: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.code {
				t.Fatalf("status %d, want %d\n%s", resp.StatusCode, tt.code, body)
			}
			if tt.code == 200 {
				if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
					t.Errorf("Content-Type %q", ct)
				}
				if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
					t.Errorf("Content-Security-Policy %q", csp)
				}
			}
			for _, w := range tt.want {
				if !strings.Contains(string(body), w) {
					t.Errorf("page lacks %q:\n%s", w, body)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(string(body), w) {
					t.Errorf("page contains %q", w)
				}
			}
		})
	}
}

func urlEscape(s string) string {
	r := strings.NewReplacer("<", "%3C", ">", "%3E", `"`, "%22", "&", "%26", "(", "%28", ")", "%29", "/", "%2F", " ", "%20")
	return r.Replace(s)
}

package zpages_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzServeHTTP requests arbitrary paths and queries: the handler answers
// 200, 400 or 404 and never panics, and what it echoes stays escaped.
func FuzzServeHTTP(f *testing.F) {
	for _, seed := range []string{
		"/debug/tracez", "/debug/tracez?name=op&type=running", "/debug/tracez?name=op&type=latency&bucket=3",
		"/debug/tracez?name=op&type=latency&bucket=-1", "/debug/tracez?name=op&type=latency&bucket=99999999999999999999",
		"/debug/tracez?name=%3Cscript%3E&type=error", "/debug/tracez?name=%ff%fe&type=bogus", "/debug/rpcz?x=%zz",
		"/debug/", "/debug/../tracez", "/debug/a/b/rpcz/", "/debug/tracez?name",
	} {
		f.Add(seed)
	}
	z := newZ(f)
	tr := newTracer(z)
	_, s := tr.Start(context.Background(), "op")
	s.End()
	f.Fuzz(func(t *testing.T, target string) {
		if !strings.HasPrefix(target, "/") || strings.ContainsAny(target, " \r\n\t#") || !utf8.ValidString(target) {
			return
		}
		req, err := http.NewRequest(http.MethodGet, "http://zpages"+target, nil)
		if err != nil {
			return
		}
		rec := httptest.NewRecorder()
		z.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusNotFound:
		default:
			t.Fatalf("%s: status %d", target, rec.Code)
		}
		if rec.Code == http.StatusOK && strings.Contains(rec.Body.String(), "<script") {
			t.Fatalf("%s: page contains a script tag", target)
		}
	})
}

package censushttp

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/gocensus/gocensus/sdk/trace"
)

// Canonical codes (the gRPC numbers OpenCensus uses).
const (
	codeOK                = 0
	codeCancelled         = 1
	codeUnknown           = 2
	codeInvalidArgument   = 3
	codeDeadlineExceeded  = 4
	codeNotFound          = 5
	codeAlreadyExists     = 6
	codePermissionDenied  = 7
	codeResourceExhausted = 8
	codeUnimplemented     = 12
	codeUnavailable       = 14
	codeUnauthenticated   = 16
)

// TraceStatus maps an HTTP status code to a span status as the OpenCensus
// HTTP specification does, with opencensus-go's additions (409
// ALREADY_EXISTS, 422 INVALID_ARGUMENT, 499 CANCELLED): 1xx and unlisted
// 4xx/5xx codes are UNKNOWN, 2xx and 3xx are OK. The status carries no
// message; the code says it.
func TraceStatus(httpCode int) trace.Status {
	var code int32
	switch {
	case httpCode < 200:
		code = codeUnknown
	case httpCode < 400:
		code = codeOK
	default:
		switch httpCode {
		case http.StatusBadRequest, http.StatusUnprocessableEntity:
			code = codeInvalidArgument
		case http.StatusUnauthorized:
			code = codeUnauthenticated
		case http.StatusForbidden:
			code = codePermissionDenied
		case http.StatusNotFound:
			code = codeNotFound
		case http.StatusConflict:
			code = codeAlreadyExists
		case http.StatusTooManyRequests:
			code = codeResourceExhausted
		case 499:
			code = codeCancelled
		case http.StatusNotImplemented:
			code = codeUnimplemented
		case http.StatusServiceUnavailable:
			code = codeUnavailable
		case http.StatusGatewayTimeout:
			code = codeDeadlineExceeded
		default:
			code = codeUnknown
		}
	}
	return trace.Status{Code: code}
}

// errorStatus maps a client-side transport error as the specification's
// table does: cancelled by the caller is CANCELLED, a timeout
// DEADLINE_EXCEEDED, an unusable URL INVALID_ARGUMENT, anything else
// (DNS, connection refused) UNKNOWN.
func errorStatus(err error) trace.Status {
	msg := err.Error()
	var ne net.Error
	var ue *url.Error
	switch {
	case errors.Is(err, context.Canceled):
		return trace.Status{Code: codeCancelled, Message: msg}
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return trace.Status{Code: codeDeadlineExceeded, Message: msg}
	case errors.As(err, &ue) && ue.Op == "parse":
		return trace.Status{Code: codeInvalidArgument, Message: msg}
	}
	return trace.Status{Code: codeUnknown, Message: msg}
}

// redactedURL returns u as an absolute URL fit for a span attribute: the
// user info is dropped, every query value is replaced by "REDACTED" (keys
// stay, so the shape of the request is visible but tokens are not), and
// the fragment is dropped.
func redactedURL(scheme, host string, u *url.URL) string {
	var b strings.Builder
	b.WriteString(scheme)
	b.WriteString("://")
	b.WriteString(host)
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	b.WriteString(p)
	if u.RawQuery != "" {
		b.WriteByte('?')
		for i, kv := range strings.Split(u.RawQuery, "&") {
			if i > 0 {
				b.WriteByte('&')
			}
			k, _, hasValue := strings.Cut(kv, "=")
			b.WriteString(k)
			if hasValue {
				b.WriteString("=REDACTED")
			}
		}
	}
	return b.String()
}

// requestPath is the URL path, "/" when empty.
func requestPath(u *url.URL) string {
	if u == nil || u.Path == "" {
		return "/"
	}
	return u.Path
}

// requestAttributes are the OpenCensus HTTP attributes known before the
// response.
func requestAttributes(r *http.Request, scheme, host string, extra []trace.Attribute) []trace.Attribute {
	attrs := make([]trace.Attribute, 0, 6+len(extra))
	attrs = append(attrs,
		trace.StringAttribute("http.host", host),
		trace.StringAttribute("http.method", r.Method),
		trace.StringAttribute("http.path", requestPath(r.URL)),
		trace.StringAttribute("http.url", redactedURL(scheme, host, r.URL)),
	)
	if ua := r.UserAgent(); ua != "" {
		attrs = append(attrs, trace.StringAttribute("http.user_agent", ua))
	}
	return append(attrs, extra...)
}

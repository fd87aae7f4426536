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
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	if u.RawQuery == "" {
		return scheme + "://" + host + p
	}
	var b strings.Builder
	// Every value becomes "REDACTED", at most 9 bytes longer than "=v".
	b.Grow(len(scheme) + 3 + len(host) + len(p) + 1 + len(u.RawQuery) + 9*strings.Count(u.RawQuery, "="))
	b.WriteString(scheme)
	b.WriteString("://")
	b.WriteString(host)
	b.WriteString(p)
	b.WriteByte('?')
	for i, rest := 0, u.RawQuery; ; i++ {
		kv, more, found := strings.Cut(rest, "&")
		if i > 0 {
			b.WriteByte('&')
		}
		k, _, hasValue := strings.Cut(kv, "=")
		b.WriteString(k)
		if hasValue {
			b.WriteString("=REDACTED")
		}
		if !found {
			break
		}
		rest = more
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

// setRequestAttributes sets the OpenCensus HTTP attributes known before the
// response, and the configured extra ones, on span. The attributes go
// straight to SetAttributes, whose argument list stays on the stack.
func setRequestAttributes(span *trace.Span, r *http.Request, scheme, host string, extra []trace.Attribute) {
	span.SetAttributes(
		trace.StringAttribute("http.host", host),
		trace.StringAttribute("http.method", r.Method),
		trace.StringAttribute("http.path", requestPath(r.URL)),
		trace.StringAttribute("http.url", redactedURL(scheme, host, r.URL)),
	)
	if ua := r.UserAgent(); ua != "" {
		span.SetAttributes(trace.StringAttribute("http.user_agent", ua))
	}
	if len(extra) > 0 {
		span.SetAttributes(extra...)
	}
}

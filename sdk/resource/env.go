package resource

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Environment variables read by FromEnv.
const (
	// EnvVarType is OpenCensus' resource type variable.
	EnvVarType = "OC_RESOURCE_TYPE"
	// EnvVarLabels is OpenCensus' resource labels variable, in the format
	// of DecodeLabels.
	EnvVarLabels = "OC_RESOURCE_LABELS"
	// EnvVarServiceName is OpenTelemetry's service name variable.
	EnvVarServiceName = "OTEL_SERVICE_NAME"
	// EnvVarAttributes is OpenTelemetry's resource attributes variable, in
	// the format of DecodeAttributes.
	EnvVarAttributes = "OTEL_RESOURCE_ATTRIBUTES"
)

// Well-known label keys (OpenTelemetry semantic conventions, which
// OpenCensus exporters also understand).
const (
	ServiceNameKey = "service.name"
	HostNameKey    = "host.name"
	ProcessPIDKey  = "process.pid"
)

// Limits from the OpenCensus resource specification.
const (
	maxKeyLen   = 256
	maxValueLen = 256
)

// DecodeLabels parses OpenCensus' label format: comma-separated key=value
// pairs, values in double quotes with Go escapes (key="v"), leading and
// trailing spaces ignored. Unquoted values are accepted too (up to the next
// comma, trimmed). Keys must be 1 to 256 characters, values at most 256;
// both printable ASCII. A later duplicate key wins.
func DecodeLabels(s string) (map[string]string, error) {
	m := map[string]string{}
	rest := strings.TrimSpace(s)
	for rest != "" {
		eq := strings.IndexByte(rest, '=')
		if eq < 0 {
			return nil, fmt.Errorf("resource: label %q: missing '='", rest)
		}
		key := strings.TrimSpace(rest[:eq])
		rest = strings.TrimLeft(rest[eq+1:], " \t")
		var val string
		if strings.HasPrefix(rest, `"`) {
			q, err := strconv.QuotedPrefix(rest)
			if err != nil {
				return nil, fmt.Errorf("resource: label %q: bad quoted value: %w", key, err)
			}
			val, _ = strconv.Unquote(q)
			rest = strings.TrimLeft(rest[len(q):], " \t")
			if rest != "" && rest[0] != ',' {
				return nil, fmt.Errorf("resource: label %q: unexpected %q after value", key, rest)
			}
		} else {
			end := strings.IndexByte(rest, ',')
			if end < 0 {
				end = len(rest)
			}
			val = strings.TrimSpace(rest[:end])
			rest = rest[end:]
		}
		rest = strings.TrimSpace(strings.TrimPrefix(rest, ","))
		if err := checkLabel(key, val); err != nil {
			return nil, err
		}
		m[key] = val
	}
	return m, nil
}

func checkLabel(key, val string) error {
	if key == "" || len(key) > maxKeyLen || !printableASCII(key) {
		return fmt.Errorf("resource: label key %q: want 1 to %d printable ASCII characters", key, maxKeyLen)
	}
	if len(val) > maxValueLen || !printableASCII(val) {
		return fmt.Errorf("resource: label %q: value must be at most %d printable ASCII characters", key, maxValueLen)
	}
	return nil
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// EncodeLabels is the inverse of DecodeLabels: keys sorted, values quoted.
func EncodeLabels(labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(strconv.Quote(labels[k]))
	}
	return b.String()
}

// DecodeAttributes parses OpenTelemetry's OTEL_RESOURCE_ATTRIBUTES format:
// comma-separated key=value pairs with percent-encoded values, spaces around
// keys and values ignored. A later duplicate key wins.
func DecodeAttributes(s string) (map[string]string, error) {
	m := map[string]string{}
	var errs []error
	for _, pair := range strings.Split(s, ",") {
		if strings.TrimSpace(pair) == "" {
			continue
		}
		k, v, ok := strings.Cut(pair, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			errs = append(errs, fmt.Errorf("resource: attribute %q: want key=value", pair))
			continue
		}
		val, err := url.PathUnescape(strings.TrimSpace(v))
		if err != nil {
			errs = append(errs, fmt.Errorf("resource: attribute %q: %w", k, err))
			continue
		}
		m[k] = val
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return m, nil
}

// FromEnv builds a Resource from the environment: Type from
// OC_RESOURCE_TYPE; Labels from OC_RESOURCE_LABELS, then
// OTEL_RESOURCE_ATTRIBUTES, then OTEL_SERVICE_NAME as service.name, later
// sources winning on conflicts. It returns nil, and no error, when none of
// them is set.
func FromEnv() (*Resource, error) { return fromLookup(os.Getenv) }

func fromLookup(getenv func(string) string) (*Resource, error) {
	typ := strings.TrimSpace(getenv(EnvVarType))
	labels := map[string]string{}
	var errs []error
	if s := strings.TrimSpace(getenv(EnvVarLabels)); s != "" {
		m, err := DecodeLabels(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", EnvVarLabels, err))
		}
		for k, v := range m {
			labels[k] = v
		}
	}
	if s := strings.TrimSpace(getenv(EnvVarAttributes)); s != "" {
		m, err := DecodeAttributes(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", EnvVarAttributes, err))
		}
		for k, v := range m {
			labels[k] = v
		}
	}
	if s := strings.TrimSpace(getenv(EnvVarServiceName)); s != "" {
		labels[ServiceNameKey] = s
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if typ == "" && len(labels) == 0 {
		return nil, nil
	}
	if len(labels) == 0 {
		labels = nil
	}
	return &Resource{Type: typ, Labels: labels}, nil
}

// Merge returns a Resource with a's Type (b's when a's is empty) and the
// union of both label sets, a winning on conflicts. Either may be nil; when
// one is nil the other is returned as is.
func Merge(a, b *Resource) *Resource {
	if a == nil {
		return b
	}
	if b == nil {
		return a
	}
	r := &Resource{Type: a.Type, Labels: make(map[string]string, len(a.Labels)+len(b.Labels))}
	if r.Type == "" {
		r.Type = b.Type
	}
	for k, v := range b.Labels {
		r.Labels[k] = v
	}
	for k, v := range a.Labels {
		r.Labels[k] = v
	}
	return r
}

// Default returns the environment's Resource (FromEnv) merged over what the
// process knows about itself: service.name ("unknown_service:" and the
// executable's name, as OpenTelemetry does, unless set in the environment),
// host.name and process.pid. The error reports malformed environment
// variables; the Resource is still usable then, built without them.
func Default() (*Resource, error) {
	exe := "go"
	if len(os.Args) > 0 && os.Args[0] != "" {
		exe = filepath.Base(os.Args[0])
	}
	self := &Resource{Labels: map[string]string{
		ServiceNameKey: "unknown_service:" + exe,
		ProcessPIDKey:  strconv.Itoa(os.Getpid()),
	}}
	if h, err := os.Hostname(); err == nil && h != "" {
		self.Labels[HostNameKey] = h
	}
	env, err := FromEnv()
	return Merge(env, self), err
}

package otlpexporter

import (
	"fmt"
	"maps"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Environment variables read by New, from the OpenTelemetry exporter
// specification. For each setting the signal-specific variable
// (OTEL_EXPORTER_OTLP_TRACES_*, OTEL_EXPORTER_OTLP_METRICS_*) wins over the
// general one (OTEL_EXPORTER_OTLP_*), and an Option wins over both.
const (
	envPrefix      = "OTEL_EXPORTER_OTLP_"
	envEndpoint    = "ENDPOINT"
	envHeaders     = "HEADERS"
	envInsecure    = "INSECURE"
	envCompression = "COMPRESSION"
	envTimeout     = "TIMEOUT"
	envCertificate = "CERTIFICATE"
)

// lookup returns the signal-specific variable when set, else the general
// one.
func lookup(getenv func(string) string, signal, name string) string {
	if v := strings.TrimSpace(getenv(envPrefix + signal + "_" + name)); v != "" {
		return v
	}
	return strings.TrimSpace(getenv(envPrefix + name))
}

// newConfig applies defaults, then the environment, then opts, and
// validates the result.
func newConfig(opts []Option) (*config, error) {
	c := &config{
		maxReqBytes:  DefaultMaxRequestBytes,
		maxReqItems:  maxRequestItems,
		concurrency:  1,
		maxSpans:     DefaultMaxQueueSpans,
		maxBytes:     DefaultMaxQueueBytes,
		maxRetryTime: DefaultMaxRetryTime,
		getenv:       os.Getenv,
	}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	var err error
	if c.traces, err = c.signal("TRACES"); err != nil {
		return nil, err
	}
	if c.metrics, err = c.signal("METRICS"); err != nil {
		return nil, err
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	// A request must fit a sender's share of the queue budget, or it would
	// be refused whole.
	c.maxReqBytes = max(1, min(c.maxReqBytes, c.maxBytes/c.concurrency))
	c.maxReqItems = max(1, min(c.maxReqItems, c.maxSpans/c.concurrency))
	return c, nil
}

// signal resolves one signal's destination: defaults, environment, options.
func (c *config) signal(name string) (signalConfig, error) {
	s := signalConfig{endpoint: DefaultEndpoint, timeout: DefaultTimeout}
	env := func(k string) string { return lookup(c.getenv, name, k) }

	// A setting given as an option is not read from the environment, so a
	// malformed variable cannot fail a program that overrides it.
	if v := env(envInsecure); v != "" && c.insecure == nil {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return s, fmt.Errorf("otlpexporter: %s%s_%s or %s%s: %w", envPrefix, name, envInsecure, envPrefix, envInsecure, err)
		}
		s.insecure = b
	}
	if v := env(envEndpoint); v != "" && c.endpoint == nil {
		if err := s.setEndpoint(v); err != nil {
			return s, err
		}
	}
	s.certFile = env(envCertificate)
	if v := env(envHeaders); v != "" {
		h, err := parseHeaders(v)
		if err != nil {
			return s, fmt.Errorf("otlpexporter: %s headers: %w", strings.ToLower(name), err)
		}
		s.headers = h
	}
	s.compression = strings.ToLower(env(envCompression))
	if v := env(envTimeout); v != "" && c.timeout == 0 {
		ms, err := strconv.ParseInt(v, 10, 64)
		if err != nil || ms <= 0 {
			return s, fmt.Errorf("otlpexporter: %s timeout %q: want a positive number of milliseconds", strings.ToLower(name), v)
		}
		s.timeout = time.Duration(ms) * time.Millisecond
	}

	if c.endpoint != nil {
		if err := s.setEndpoint(*c.endpoint); err != nil {
			return s, err
		}
	}
	if c.insecure != nil {
		s.insecure = *c.insecure
	}
	if c.headers != nil {
		h := make(map[string]string, len(s.headers)+len(c.headers))
		maps.Copy(h, s.headers)
		maps.Copy(h, c.headers)
		s.headers = h
	}
	if c.compression != nil {
		s.compression = strings.ToLower(*c.compression)
	}
	if c.timeout != 0 {
		s.timeout = c.timeout
	}
	return s, nil
}

// setEndpoint accepts host:port or a URL, whose scheme sets the security
// ("http" is insecure) and whose path is ignored, as OTLP/gRPC has none.
func (s *signalConfig) setEndpoint(v string) error {
	if !strings.Contains(v, "://") {
		s.endpoint = v
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || u.Host == "" {
		return fmt.Errorf("otlpexporter: endpoint %q is not host:port or a URL", v)
	}
	switch u.Scheme {
	case "http":
		s.insecure = true
	case "https":
		s.insecure = false
	default:
		return fmt.Errorf("otlpexporter: endpoint %q: scheme must be http or https", v)
	}
	s.endpoint = u.Host
	return nil
}

// parseHeaders reads the W3C-baggage-like list of the specification:
// "k1=v1,k2=v2" with URL-encoded values. Keys are lowercased, as gRPC
// metadata requires.
func parseHeaders(s string) (map[string]string, error) {
	h := map[string]string{}
	for _, member := range strings.Split(s, ",") {
		member = strings.TrimSpace(member)
		if member == "" {
			continue
		}
		k, v, ok := strings.Cut(member, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("header %q: want key=value", member)
		}
		dv, err := url.PathUnescape(strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Errorf("header %q: %w", k, err)
		}
		h[strings.ToLower(k)] = dv
	}
	return h, nil
}

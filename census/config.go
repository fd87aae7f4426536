package census

import (
	"errors"
	"fmt"
	"net"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gocensus/gocensus/sdk/trace"
)

// Config is everything New needs, in a form a file or the environment can
// carry. The zero Config works: it samples one trace in 10 000, exports
// nothing, propagates binary and tracecontext over gRPC and tracecontext over
// HTTP, and excludes the interceptors' default health-check paths and
// methods.
//
// A nil list means "the default"; an empty, non-nil list (or the single value
// "none") means "nothing", so a file or variable can switch an excludelist off.
type Config struct {
	// ServiceName becomes the service.name label of the resource attached
	// to spans and metrics. Default: what resource.Default finds.
	ServiceName string `json:"service_name,omitempty" yaml:"service_name,omitempty"`
	// Sampler decides which new traces are recorded: always, never,
	// probability:P, ratelimit:N or parent:SAMPLER. Default: probability:0.0001.
	Sampler string `json:"sampler,omitempty" yaml:"sampler,omitempty"`
	// Exporters receive spans and metrics: print, log, file:PATH,
	// agent[:ADDR], otlp[:ADDR] or a scheme given to WithExporterFactory.
	// Default: none.
	Exporters []string `json:"exporters,omitempty" yaml:"exporters,omitempty"`
	// Propagators are the trace context formats, in order of preference:
	// tracecontext, binary, b3, b3single, cloud, text.
	// Default: binary, tracecontext.
	Propagators []string `json:"propagators,omitempty" yaml:"propagators,omitempty"`
	// ExcludePaths are HTTP server paths that get no span.
	// Default: censushttp.DefaultExcludedPaths.
	ExcludePaths []string `json:"exclude_paths,omitempty" yaml:"exclude_paths,omitempty"`
	// ExcludeHosts are hosts HTTP clients call without a span. Default: none.
	ExcludeHosts []string `json:"exclude_hosts,omitempty" yaml:"exclude_hosts,omitempty"`
	// ExcludeMethods are full gRPC method names that get no span.
	// Default: censusgrpc.DefaultExcludedMethods.
	ExcludeMethods []string `json:"exclude_methods,omitempty" yaml:"exclude_methods,omitempty"`
	// Views are the interceptors' default views to register on the stats
	// manager: grpc_client, grpc_server, http_client, http_server.
	// Default: none (no metrics are aggregated).
	Views []string `json:"views,omitempty" yaml:"views,omitempty"`
	// ReportingPeriod is how often metrics go to the exporters.
	// Default: stats.DefaultReportingPeriod (10s).
	ReportingPeriod Duration `json:"reporting_period,omitempty" yaml:"reporting_period,omitempty"`
}

// clone returns c with lists of its own, so later changes to either do not
// reach the other.
func (c Config) clone() Config {
	for _, k := range keys {
		if k.list != nil {
			l := k.list(&c)
			*l = slices.Clone(*l)
		}
	}
	return c
}

// Duration is a time.Duration written as Go spells it ("10s", "1m30s") in
// files, so a config file never carries a bare number of nanoseconds.
type Duration time.Duration

// String returns the Go spelling of d.
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("want %s: %w", allowedDuration, err)
	}
	*d = Duration(v)
	return nil
}

// KeyError reports one bad setting: the key (a file key such as "sampler",
// or an environment variable such as "GOCENSUS_SAMPLER"), the value found and
// what would have been accepted. Validate, Load and ApplyEnv return KeyErrors,
// joined with errors.Join when there are several.
type KeyError struct {
	// Source is the file the key was read from, or empty.
	Source string
	// Key is the configuration key or environment variable.
	Key string
	// Value is the offending value as written.
	Value string
	// Allowed describes the accepted values (or keys, for an unknown key).
	Allowed string
	// Err is the underlying reason, if there is one beyond "not allowed".
	Err error
}

// ErrUnknownKey is the Err of a KeyError for a key (or GOCENSUS_ variable)
// that does not exist, typically a typo.
var ErrUnknownKey = errors.New("unknown key")

// Error implements error.
func (e *KeyError) Error() string {
	var b strings.Builder
	b.WriteString("census: ")
	if e.Source != "" {
		b.WriteString(e.Source)
		b.WriteString(": ")
	}
	if errors.Is(e.Err, ErrUnknownKey) {
		what := "key"
		if strings.HasPrefix(e.Key, "GOCENSUS_") {
			what = "variable"
		}
		fmt.Fprintf(&b, "unknown %s %q; allowed %ss: %s", what, e.Key, what, e.Allowed)
		return b.String()
	}
	fmt.Fprintf(&b, "%s: invalid value %q", e.Key, e.Value)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.Allowed != "" {
		b.WriteString("; allowed: ")
		b.WriteString(e.Allowed)
	}
	return b.String()
}

// Unwrap returns the underlying reason.
func (e *KeyError) Unwrap() error { return e.Err }

// Descriptions of the accepted values, shared by every error message.
const (
	allowedSampler     = "always, never, probability:P (0 ≤ P ≤ 1), ratelimit:N (traces per second, N > 0), parent:SAMPLER (SAMPLER one of the others)"
	allowedExporter    = "print, log, file:PATH, agent[:[https://]HOST:PORT], otlp[:HOST:PORT], or a scheme given to WithExporterFactory; each at most once"
	allowedPropagator  = "tracecontext, binary, b3, b3single, cloud, text (each at most once), or none alone"
	allowedPath        = `paths starting with "/": exact ("/healthz"), prefix ("/static/*") or glob ("/users/*/avatar"), or none alone`
	allowedHost        = `host names or host:port, optionally glob ("*.internal"), without "/" or spaces, or none alone`
	allowedMethod      = `full gRPC method names starting with "/": exact ("/pkg.Service/Method"), prefix ("/pkg.Service/") or glob ("/grpc.health.v1.Health/*"), or none alone`
	allowedView        = "grpc_client, grpc_server, http_client, http_server (each at most once), or none alone"
	allowedDuration    = `a positive Go duration such as "10s" or "1m30s"`
	allowedServiceName = "printable ASCII, at most 256 characters"
)

// key describes one configuration key: its file name, its GOCENSUS_
// variable, how to check it, and which field of Config holds it.
type key struct {
	name    string
	env     string
	allowed string
	// str and list point at the field; exactly one is set, or neither
	// for reporting_period, which dur handles.
	str  func(*Config) *string
	list func(*Config) *[]string
	dur  func(*Config) *Duration
	// check validates a non-default value (one list element for lists).
	check func(string) error
	// unique forbids repeating a list element.
	unique bool
}

// keys lists every configuration key, in the order of the documentation.
var keys = []key{
	{name: "service_name", env: "GOCENSUS_SERVICE_NAME", allowed: allowedServiceName,
		str: func(c *Config) *string { return &c.ServiceName }, check: checkServiceName},
	{name: "sampler", env: "GOCENSUS_SAMPLER", allowed: allowedSampler,
		str: func(c *Config) *string { return &c.Sampler }, check: func(s string) error { _, err := ParseSampler(s); return err }},
	{name: "exporters", env: "GOCENSUS_EXPORTERS", allowed: allowedExporter,
		list: func(c *Config) *[]string { return &c.Exporters }, check: checkExporter, unique: true},
	{name: "propagators", env: "GOCENSUS_PROPAGATORS", allowed: allowedPropagator,
		list: func(c *Config) *[]string { return &c.Propagators }, check: checkPropagator, unique: true},
	{name: "exclude_paths", env: "GOCENSUS_EXCLUDE_PATHS", allowed: allowedPath,
		list: func(c *Config) *[]string { return &c.ExcludePaths }, check: checkPath},
	{name: "exclude_hosts", env: "GOCENSUS_EXCLUDE_HOSTS", allowed: allowedHost,
		list: func(c *Config) *[]string { return &c.ExcludeHosts }, check: checkHost},
	{name: "exclude_methods", env: "GOCENSUS_EXCLUDE_METHODS", allowed: allowedMethod,
		list: func(c *Config) *[]string { return &c.ExcludeMethods }, check: checkPath},
	{name: "views", env: "GOCENSUS_VIEWS", allowed: allowedView,
		list: func(c *Config) *[]string { return &c.Views }, check: checkView, unique: true},
	{name: "reporting_period", env: "GOCENSUS_REPORTING_PERIOD", allowed: allowedDuration,
		dur: func(c *Config) *Duration { return &c.ReportingPeriod }},
}

func keyNames() string {
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = k.name
	}
	return strings.Join(names, ", ")
}

func envNames() string {
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = k.env
	}
	return strings.Join(names, ", ")
}

// Validate checks every key and returns all problems joined, each a
// *KeyError naming the key and the allowed values. It does not know the
// schemes given to WithExporterFactory, so it checks only the form of
// exporters it does not know (a lowercase scheme, optionally followed by
// ":" and an argument); New reports unknown schemes.
func (c *Config) Validate() error {
	var errs []error
	for _, k := range keys {
		if err := k.validate(c, k.name); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// validate checks c's value of k, naming it as name in errors.
func (k key) validate(c *Config, name string) error {
	switch {
	case k.str != nil:
		v := *k.str(c)
		if v == "" {
			return nil
		}
		if err := k.check(v); err != nil {
			return keyErr(name, v, k.allowed, err)
		}
	case k.list != nil:
		l := *k.list(c)
		seen := make(map[string]bool, len(l))
		for _, v := range l {
			if v == "none" && len(l) == 1 {
				continue
			}
			if v == "none" {
				return keyErr(name, strings.Join(l, ","), k.allowed, errors.New(`"none" must stand alone`))
			}
			if err := k.check(v); err != nil {
				return keyErr(name, v, k.allowed, err)
			}
			if seen[v] && k.unique {
				return keyErr(name, v, k.allowed, errors.New("listed twice"))
			}
			seen[v] = true
		}
	case k.dur != nil:
		if d := *k.dur(c); d < 0 {
			return keyErr(name, d.String(), k.allowed, errors.New("negative"))
		}
	}
	return nil
}

func keyErr(name, value, allowed string, err error) error {
	var ke *KeyError
	if errors.As(err, &ke) {
		// A nested parser already described the value; keep its reason.
		err = ke.Err
	}
	return &KeyError{Key: name, Value: value, Allowed: allowed, Err: err}
}

// effective returns l with the "none" spelling resolved: nil stays nil
// (the default), ["none"] becomes empty.
func effective(l []string) []string {
	if len(l) == 1 && l[0] == "none" {
		return []string{}
	}
	return l
}

func checkServiceName(s string) error {
	if len(s) > 256 {
		return errors.New("longer than 256 characters")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return fmt.Errorf("byte %#x at %d is not printable ASCII", s[i], i)
		}
	}
	return nil
}

// splitSpec splits "scheme:arg" at the first colon.
func splitSpec(s string) (scheme, arg string, hasArg bool) {
	scheme, arg, hasArg = strings.Cut(s, ":")
	return scheme, arg, hasArg
}

func validScheme(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || i > 0 && ('0' <= c && c <= '9' || c == '-' || c == '_')) {
			return false
		}
	}
	return true
}

func checkExporter(s string) error {
	scheme, arg, hasArg := splitSpec(s)
	if !validScheme(scheme) {
		return errors.New("an exporter is a lowercase scheme, optionally followed by :ARGUMENT")
	}
	switch scheme {
	case "print", "log":
		if hasArg {
			return fmt.Errorf("%s takes no argument", scheme)
		}
	case "file":
		if arg == "" {
			return errors.New("file needs a path: file:PATH")
		}
	case "agent", "otlp":
		if hasArg {
			addr, _ := splitAgentAddr(arg)
			if _, _, err := net.SplitHostPort(addr); err != nil {
				return fmt.Errorf("%s address: %w", scheme, err)
			}
		}
	}
	return nil
}

// propagatorNames are the spellings Propagators accepts.
var propagatorNames = []string{"tracecontext", "binary", "b3", "b3single", "cloud", "text"}

func checkPropagator(s string) error {
	for _, n := range propagatorNames {
		if s == n {
			return nil
		}
	}
	return errors.New("unknown propagator")
}

// viewNames are the spellings Views accepts.
var viewNames = []string{"grpc_client", "grpc_server", "http_client", "http_server"}

func checkView(s string) error {
	for _, n := range viewNames {
		if s == n {
			return nil
		}
	}
	return errors.New("unknown view set")
}

func checkPattern(p string) error {
	if _, err := path.Match(p, ""); err != nil {
		return fmt.Errorf("malformed pattern: %w", err)
	}
	return nil
}

func checkPath(p string) error {
	if !strings.HasPrefix(p, "/") {
		return errors.New(`must start with "/"`)
	}
	return checkPattern(p)
}

func checkHost(h string) error {
	if h == "" || strings.ContainsAny(h, "/ \t") {
		return errors.New(`empty, or holds "/" or a space`)
	}
	return checkPattern(h)
}

// ParseSampler builds the sampler a Config's Sampler names:
//
//	always              every trace
//	never               no trace
//	probability:P       a fraction P of traces, 0 ≤ P ≤ 1, decided from the
//	                    trace id as OpenCensus does
//	ratelimit:N         at most N traces per second, N > 0
//	parent:SAMPLER      follow the caller's decision when there is one,
//	                    otherwise SAMPLER (one of the four above)
//
// The empty string is the default, probability:0.0001. Errors are
// *KeyError values listing the accepted forms.
func ParseSampler(s string) (trace.Sampler, error) {
	if s == "" {
		return trace.ProbabilitySampler(trace.DefaultSamplingProbability), nil
	}
	if inner, ok := strings.CutPrefix(s, "parent:"); ok {
		if strings.HasPrefix(inner, "parent:") {
			return nil, samplerErr(s, errors.New("parent: nests one level only"))
		}
		root, err := parseRootSampler(inner)
		if err != nil {
			return nil, samplerErr(s, err)
		}
		return trace.ParentBased(root), nil
	}
	root, err := parseRootSampler(s)
	if err != nil {
		return nil, samplerErr(s, err)
	}
	return root, nil
}

func samplerErr(s string, err error) error {
	return &KeyError{Key: "sampler", Value: s, Allowed: allowedSampler, Err: err}
}

func parseRootSampler(s string) (trace.Sampler, error) {
	name, arg, hasArg := splitSpec(s)
	switch name {
	case "always", "never":
		if hasArg {
			return nil, fmt.Errorf("%s takes no argument", name)
		}
		if name == "always" {
			return trace.AlwaysSample(), nil
		}
		return trace.NeverSample(), nil
	case "probability":
		p, err := strconv.ParseFloat(arg, 64)
		if err != nil || !(p >= 0 && p <= 1) {
			return nil, errors.New("probability needs a number from 0 to 1")
		}
		return trace.ProbabilitySampler(p), nil
	case "ratelimit":
		n, err := strconv.ParseFloat(arg, 64)
		if err != nil || !(n > 0) || n > 1e9 {
			return nil, errors.New("ratelimit needs a positive number of traces per second")
		}
		return trace.RateLimitingSampler(n), nil
	}
	return nil, errors.New("unknown sampler")
}

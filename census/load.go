package census

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Load returns the configuration of a process: the file at path (skipped
// when path is empty) with the environment laid over it (see ApplyEnv),
// validated. Keys the file and the environment leave unset keep their
// defaults, and code may change the result before passing it to New; so
// the precedence is code > environment > file > defaults.
//
// The file format follows the extension: .json, or .yaml / .yml. Unknown
// keys, unknown GOCENSUS_ variables and malformed values are errors naming
// the key and the accepted values.
func Load(path string) (Config, error) {
	var c Config
	if path != "" {
		var err error
		if c, err = ReadFile(path); err != nil {
			return Config{}, err
		}
	}
	if err := c.ApplyEnv(os.Environ()); err != nil {
		return Config{}, err
	}
	return c, nil
}

// FromEnv is Load without a file: the defaults with the environment laid
// over them.
func FromEnv() (Config, error) { return Load("") }

// ReadFile reads and validates a JSON (.json) or YAML (.yaml, .yml) file,
// without looking at the environment.
func ReadFile(path string) (Config, error) {
	var parse func([]byte) (Config, error)
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json":
		parse = ParseJSON
	case ".yaml", ".yml":
		parse = ParseYAML
	default:
		return Config{}, fmt.Errorf("census: %s: unknown config format %q; allowed extensions: .json, .yaml, .yml", path, filepath.Ext(path))
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("census: reading config: %w", err)
	}
	c, err := parse(b)
	if err != nil {
		return Config{}, withSource(err, path)
	}
	return c, nil
}

// withSource sets Source on every KeyError in err.
func withSource(err error, src string) error {
	var ke *KeyError
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range joined.Unwrap() {
			if errors.As(e, &ke) {
				ke.Source = src
			}
		}
	} else if errors.As(err, &ke) {
		ke.Source = src
	}
	return err
}

// ParseJSON decodes and validates a JSON object of configuration keys.
// Lists may be JSON arrays of strings or comma-separated strings; null
// leaves a key unset. Unknown and repeated keys are errors.
func ParseJSON(b []byte) (Config, error) {
	var c Config
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return Config{}, errors.New("census: a JSON config must be one object of keys")
	}
	seen := map[string]bool{}
	var errs []error
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return Config{}, fmt.Errorf("census: malformed JSON: %w", err)
		}
		name, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return Config{}, fmt.Errorf("census: malformed JSON at key %q: %w", name, err)
		}
		if seen[name] {
			errs = append(errs, &KeyError{Key: name, Value: string(raw), Err: errors.New("key repeated")})
			continue
		}
		seen[name] = true
		if string(raw) == "null" {
			if findKey(name) == nil {
				errs = append(errs, unknownKey(name))
			}
			continue
		}
		errs = append(errs, setKey(&c, name, func(p any) error { return json.Unmarshal(raw, p) }, string(raw)))
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return Config{}, errors.New("census: malformed JSON: the object is not closed")
	}
	if _, err := dec.Token(); err != io.EOF {
		return Config{}, errors.New("census: malformed JSON: data after the object")
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, err
	}
	return c, nil
}

// ParseYAML decodes and validates a YAML mapping of configuration keys.
// Lists may be sequences of strings or comma-separated strings; a key
// without a value is left unset. Unknown and repeated keys are errors. An
// empty document is the zero Config.
func ParseYAML(b []byte) (Config, error) {
	var c Config
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return Config{}, fmt.Errorf("census: malformed YAML: %w", err)
	}
	if doc.Kind == 0 {
		return c, nil
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return Config{}, errors.New("census: a YAML config must be one mapping of keys")
	}
	m := doc.Content[0]
	seen := map[string]bool{}
	var errs []error
	for i := 0; i+1 < len(m.Content); i += 2 {
		kn, vn := m.Content[i], m.Content[i+1]
		name := kn.Value
		if kn.Kind != yaml.ScalarNode {
			errs = append(errs, &KeyError{Key: fmt.Sprintf("line %d", kn.Line), Err: ErrUnknownKey, Allowed: keyNames()})
			continue
		}
		if seen[name] {
			errs = append(errs, &KeyError{Key: name, Value: vn.Value, Err: errors.New("key repeated")})
			continue
		}
		seen[name] = true
		if vn.Kind == yaml.ScalarNode && vn.Tag == "!!null" {
			if findKey(name) == nil {
				errs = append(errs, unknownKey(name))
			}
			continue
		}
		errs = append(errs, setKey(&c, name, vn.Decode, yamlText(vn)))
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, err
	}
	return c, nil
}

func yamlText(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode {
		return n.Value
	}
	b, err := yaml.Marshal(n)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func findKey(name string) *key {
	for i := range keys {
		if keys[i].name == name {
			return &keys[i]
		}
	}
	return nil
}

func unknownKey(name string) error {
	return &KeyError{Key: name, Err: ErrUnknownKey, Allowed: keyNames()}
}

// setKey decodes one file value into c with decode and validates it.
func setKey(c *Config, name string, decode func(any) error, text string) error {
	k := findKey(name)
	if k == nil {
		return unknownKey(name)
	}
	switch {
	case k.str != nil:
		var s string
		if err := decode(&s); err != nil {
			return &KeyError{Key: name, Value: text, Allowed: k.allowed, Err: errors.New("want a string")}
		}
		*k.str(c) = s
	case k.list != nil:
		var l []string
		if err := decode(&l); err != nil {
			var s string
			if decode(&s) != nil {
				return &KeyError{Key: name, Value: text, Allowed: k.allowed, Err: errors.New("want a list of strings or a comma-separated string")}
			}
			var err error
			if l, err = splitList(s); err != nil {
				return &KeyError{Key: name, Value: text, Allowed: k.allowed, Err: err}
			}
		}
		if l == nil {
			l = []string{}
		}
		*k.list(c) = l
	case k.dur != nil:
		var s string
		if err := decode(&s); err != nil {
			return &KeyError{Key: name, Value: text, Allowed: k.allowed, Err: errors.New("want a string")}
		}
		d, err := parseDuration(s)
		if err != nil {
			return &KeyError{Key: name, Value: s, Allowed: k.allowed, Err: err}
		}
		*k.dur(c) = d
	}
	return k.validate(c, name)
}

func parseDuration(s string) (Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, errors.New("not a duration")
	}
	if d <= 0 {
		return 0, errors.New("not positive")
	}
	return Duration(d), nil
}

// splitList splits a comma-separated list, trimming spaces around
// elements. An empty element is an error: it is nearly always a typo.
func splitList(s string) ([]string, error) {
	parts := strings.Split(s, ",")
	for i, p := range parts {
		parts[i] = strings.TrimSpace(p)
		if parts[i] == "" {
			return nil, errors.New("empty element in the comma-separated list")
		}
	}
	return parts, nil
}

// OpenTelemetry variables ApplyEnv understands besides the GOCENSUS_ ones.
const (
	EnvOTelSampler     = "OTEL_TRACES_SAMPLER"
	EnvOTelSamplerArg  = "OTEL_TRACES_SAMPLER_ARG"
	EnvOTelPropagators = "OTEL_PROPAGATORS"
	EnvOTelServiceName = "OTEL_SERVICE_NAME"
)

const (
	allowedOTelSampler     = "always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio"
	allowedOTelSamplerArg  = "a number from 0 to 1, only with traceidratio or parentbased_traceidratio"
	allowedOTelPropagators = "tracecontext, baggage (accepted, not carried), b3, b3multi, or none alone"
)

// ApplyEnv lays environment variables over c. environ is in the form of
// os.Environ ("KEY=value"), so tests can pass their own.
//
// Every key has a GOCENSUS_ variable (GOCENSUS_SAMPLER, GOCENSUS_EXPORTERS,
// ...); lists are comma-separated; "none" sets an empty list. A variable
// that is unset or empty leaves the key as it was. A GOCENSUS_ variable that
// is not a key is an error, since it is nearly always a typo.
//
// The OpenTelemetry spellings are read too, and lose to the GOCENSUS_
// variable of the same key: OTEL_SERVICE_NAME; OTEL_TRACES_SAMPLER with
// OTEL_TRACES_SAMPLER_ARG (always_on, always_off, traceidratio and their
// parentbased_ forms; the ratio defaults to 1); OTEL_PROPAGATORS
// (tracecontext; b3, the single header; b3multi; none; and baggage, which
// is accepted so that OpenTelemetry's default "tracecontext,baggage" works,
// but carries nothing, because gocensus propagates tags only in gRPC's
// grpc-tags-bin). Values OpenTelemetry defines that gocensus cannot honour
// (jaeger_remote, xray, jaeger, ottrace, ...) are errors.
//
// Errors are *KeyError values naming the variable, joined; on error c is
// left unchanged.
func (c *Config) ApplyEnv(environ []string) error {
	env := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	next := *c
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(env)) {
		if strings.HasPrefix(name, "GOCENSUS_") && findEnv(name) == nil {
			errs = append(errs, &KeyError{Key: name, Err: ErrUnknownKey, Allowed: envNames()})
		}
	}
	set := map[string]bool{}
	for _, k := range keys {
		v := strings.TrimSpace(env[k.env])
		if v == "" {
			continue
		}
		set[k.name] = true
		if err := setEnv(&next, k, v); err != nil {
			errs = append(errs, err)
		}
	}
	if v := strings.TrimSpace(env[EnvOTelServiceName]); v != "" && !set["service_name"] {
		if err := checkServiceName(v); err != nil {
			errs = append(errs, &KeyError{Key: EnvOTelServiceName, Value: v, Allowed: allowedServiceName, Err: err})
		} else {
			next.ServiceName = v
		}
	}
	if s, err := otelSampler(env); err != nil {
		errs = append(errs, err)
	} else if s != "" && !set["sampler"] {
		next.Sampler = s
	}
	if p, err := otelPropagators(env[EnvOTelPropagators]); err != nil {
		errs = append(errs, err)
	} else if p != nil && !set["propagators"] {
		next.Propagators = p
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	*c = next
	return nil
}

func findEnv(name string) *key {
	for i := range keys {
		if keys[i].env == name {
			return &keys[i]
		}
	}
	return nil
}

func setEnv(c *Config, k key, v string) error {
	switch {
	case k.str != nil:
		*k.str(c) = v
	case k.list != nil:
		l, err := splitList(v)
		if err != nil {
			return &KeyError{Key: k.env, Value: v, Allowed: k.allowed, Err: err}
		}
		*k.list(c) = l
	case k.dur != nil:
		d, err := parseDuration(v)
		if err != nil {
			return &KeyError{Key: k.env, Value: v, Allowed: k.allowed, Err: err}
		}
		*k.dur(c) = d
	}
	return k.validate(c, k.env)
}

// otelSampler translates OTEL_TRACES_SAMPLER and its argument into a
// Sampler spec; "" when the variable is unset.
func otelSampler(env map[string]string) (string, error) {
	name := strings.ToLower(strings.TrimSpace(env[EnvOTelSampler]))
	arg := strings.TrimSpace(env[EnvOTelSamplerArg])
	ratio := func() (string, error) {
		if arg == "" {
			return "1", nil
		}
		p, err := strconv.ParseFloat(arg, 64)
		if err != nil || !(p >= 0 && p <= 1) {
			return "", &KeyError{Key: EnvOTelSamplerArg, Value: arg, Allowed: allowedOTelSamplerArg, Err: errors.New("not a ratio")}
		}
		return arg, nil
	}
	noArg := func(s string) (string, error) {
		if arg != "" {
			return "", &KeyError{Key: EnvOTelSamplerArg, Value: arg, Allowed: allowedOTelSamplerArg, Err: fmt.Errorf("%s %q takes no argument", EnvOTelSampler, name)}
		}
		return s, nil
	}
	switch name {
	case "":
		return noArg("")
	case "always_on":
		return noArg("always")
	case "always_off":
		return noArg("never")
	case "parentbased_always_on":
		return noArg("parent:always")
	case "parentbased_always_off":
		return noArg("parent:never")
	case "traceidratio", "parentbased_traceidratio":
		r, err := ratio()
		if err != nil {
			return "", err
		}
		if name == "traceidratio" {
			return "probability:" + r, nil
		}
		return "parent:probability:" + r, nil
	case "jaeger_remote", "parentbased_jaeger_remote", "xray":
		return "", &KeyError{Key: EnvOTelSampler, Value: name, Allowed: allowedOTelSampler, Err: errors.New("unsupported by gocensus")}
	}
	return "", &KeyError{Key: EnvOTelSampler, Value: name, Allowed: allowedOTelSampler, Err: errors.New("unknown sampler")}
}

// otelPropagators translates OTEL_PROPAGATORS into Propagators; nil when
// the variable is unset.
func otelPropagators(v string) ([]string, error) {
	v = strings.ToLower(strings.TrimSpace(v))
	if v == "" {
		return nil, nil
	}
	parts, err := splitList(v)
	if err != nil {
		return nil, &KeyError{Key: EnvOTelPropagators, Value: v, Allowed: allowedOTelPropagators, Err: err}
	}
	out := []string{}
	seen := map[string]bool{}
	for _, p := range parts {
		var ours string
		switch p {
		case "tracecontext":
			ours = "tracecontext"
		case "b3":
			ours = "b3single"
		case "b3multi":
			ours = "b3"
		case "baggage":
			continue
		case "none":
			if len(parts) != 1 {
				return nil, &KeyError{Key: EnvOTelPropagators, Value: v, Allowed: allowedOTelPropagators, Err: errors.New(`"none" must stand alone`)}
			}
			return []string{}, nil
		case "jaeger", "xray", "ottrace":
			return nil, &KeyError{Key: EnvOTelPropagators, Value: p, Allowed: allowedOTelPropagators, Err: errors.New("unsupported by gocensus")}
		default:
			return nil, &KeyError{Key: EnvOTelPropagators, Value: p, Allowed: allowedOTelPropagators, Err: errors.New("unknown propagator")}
		}
		if seen[ours] {
			return nil, &KeyError{Key: EnvOTelPropagators, Value: p, Allowed: allowedOTelPropagators, Err: errors.New("listed twice")}
		}
		seen[ours] = true
		out = append(out, ours)
	}
	return out, nil
}

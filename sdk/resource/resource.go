// Package resource describes the entity that emits telemetry: a service, the
// host it runs on, its process. A Resource is attached to exported spans and
// metrics; the OpenCensus wire model carries it as a type and string labels.
package resource

// Resource is an immutable description of a telemetry source. Type follows
// the OpenCensus resource types (for example "host", "container",
// "k8s.io/container"); Labels hold the rest ("service.name", "host.name",
// ...). Treat both as read-only once built.
type Resource struct {
	Type   string
	Labels map[string]string
}

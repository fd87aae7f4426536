package resource

// Resource is an immutable description of a telemetry source. Type follows
// the OpenCensus resource types (for example "host", "container",
// "k8s.io/container"); Labels hold the rest ("service.name", "host.name",
// ...). Treat both as read-only once built.
type Resource struct {
	Type   string
	Labels map[string]string
}

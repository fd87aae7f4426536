// Package resource describes the entity that emits telemetry: a service, the
// host it runs on, its process. A Resource is attached to exported spans and
// metrics; the OpenCensus wire model carries it as a type and string labels.
//
// Which to pick: Default for a service (the environment plus service name,
// host and pid); FromEnv for exactly what the deployment configured, in
// either the OpenCensus variables (OC_RESOURCE_TYPE, OC_RESOURCE_LABELS) or
// the OpenTelemetry ones (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES); a
// literal &Resource{...} in tests; Merge to layer one over another.
//
// Nothing is read at init: each call reads the environment afresh.
//
// # Stability
//
// Beta: the API may still change in a minor release before gocensus 1.0;
// the README explains the versioning promise.
package resource

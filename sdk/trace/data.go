package trace

import (
	"context"
	"time"

	"github.com/gocensus/gocensus/sdk/resource"
)

// SpanKind says what role a span plays in an RPC. The OpenCensus wire model
// knows only Unspecified, Server and Client; Producer, Consumer and Internal
// are kept in memory and mapped to those on the OpenCensus wire (Producer to
// Client, Consumer to Server, Internal to Unspecified).
type SpanKind uint8

const (
	SpanKindUnspecified SpanKind = iota
	SpanKindServer
	SpanKindClient
	SpanKindProducer
	SpanKindConsumer
	SpanKindInternal
)

// Status is a span's final status: a canonical code (the gRPC / google.rpc
// numbers; 0 is OK) and a message.
type Status struct {
	Code    int32
	Message string
}

// Annotation is a timestamped, human-readable event with optional attributes.
type Annotation struct {
	Time       time.Time
	Message    string
	Attributes []Attribute
}

// MessageEventType says whether a message was sent or received.
type MessageEventType uint8

const (
	MessageEventTypeUnspecified MessageEventType = iota
	MessageEventTypeSent
	MessageEventTypeRecv
)

// MessageEvent records one message sent or received, with its sizes in bytes.
// A CompressedSize of 0 means "same as uncompressed".
type MessageEvent struct {
	Time             time.Time
	EventType        MessageEventType
	MessageID        int64
	UncompressedSize int64
	CompressedSize   int64
}

// LinkType is the relationship of a linked span to the span holding the link.
type LinkType uint8

const (
	LinkTypeUnspecified LinkType = iota
	LinkTypeChild
	LinkTypeParent
)

// Link points from one span to another, possibly in another trace.
type Link struct {
	TraceID    TraceID
	SpanID     SpanID
	Type       LinkType
	Tracestate Tracestate
	Attributes []Attribute
}

// SpanData is the immutable snapshot of an ended span that span processors
// and exporters receive. Exporters must not modify it.
type SpanData struct {
	SpanContext
	ParentSpanID    SpanID
	HasRemoteParent bool
	Kind            SpanKind
	Name            string
	StartTime       time.Time
	EndTime         time.Time

	Attributes               []Attribute
	Annotations              []Annotation
	MessageEvents            []MessageEvent
	Links                    []Link
	DroppedAttributeCount    int32
	DroppedAnnotationCount   int32
	DroppedMessageEventCount int32
	DroppedLinkCount         int32

	Status         Status
	StackTrace     []uintptr // program counters captured by RecordError, when enabled
	ChildSpanCount int32

	// Resource describes the process that emitted the span; it may be nil.
	Resource *resource.Resource
}

// SpanExporter sends batches of ended spans somewhere.
//
// Contract:
//   - ExportSpans is never called concurrently for one exporter by the span
//     processors in this package; an exporter used elsewhere must document
//     its own rules.
//   - ExportSpans may block, but must return when ctx is done, with ctx's
//     error or its own. The processor sets ctx's deadline from its export
//     timeout.
//   - The exporter must not retain or modify spans after ExportSpans returns;
//     copy what it needs.
//   - Shutdown is called once by the processor that owns the exporter; it
//     flushes buffered data within ctx's deadline and releases resources.
//     ExportSpans after Shutdown returns an error and exports nothing.
type SpanExporter interface {
	ExportSpans(ctx context.Context, spans []*SpanData) error
	Shutdown(ctx context.Context) error
}

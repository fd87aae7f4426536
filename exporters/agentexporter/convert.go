package agentexporter

import (
	"fmt"

	"google.golang.org/protobuf/proto"

	tracepb "github.com/gocensus/gocensus/proto/gocensus/trace/v1"
	"github.com/gocensus/gocensus/sdk/trace"
)

// SpanToProto converts sd to the OpenCensus span message, exactly as the
// exporter puts it on the wire (its resource included when set). The
// exporter itself encodes straight to bytes; this is for code that needs the
// message, such as a relay or a test.
func SpanToProto(sd *trace.SpanData) (*tracepb.Span, error) {
	if sd == nil {
		return nil, fmt.Errorf("agentexporter: nil span")
	}
	b := appendSpan(nil, sd, nil, spanShape{})
	out := new(tracepb.Span)
	if err := proto.Unmarshal(b, out); err != nil {
		return nil, fmt.Errorf("agentexporter: encode span: %w", err)
	}
	return out, nil
}

package agentexporter_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gocensus/gocensus/exporters/agentexporter"
	"github.com/gocensus/gocensus/exporters/agentexporter/agentreceiver"
	tracepb "github.com/gocensus/gocensus/proto/gocensus/trace/v1"
	"github.com/gocensus/gocensus/sdk/trace"
)

func TestSpanToProtoRoundTrip(t *testing.T) {
	t.Parallel()
	long := testSpan(3)
	long.Attributes = append([]trace.Attribute{trace.StringAttribute("big", string(make([]byte, 300)))}, long.Attributes...) // keys sorted, as received
	for name, sd := range map[string]*trace.SpanData{"rich": richSpan(), "plain": testSpan(1), "long value": long} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			pb, err := agentexporter.SpanToProto(sd)
			if err != nil {
				t.Fatal(err)
			}
			back, err := agentreceiver.SpanFromProto(pb, nil)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(sd, back, cmpSpan); diff != "" {
				t.Fatalf("round trip changed the span (-in +out):\n%s", diff)
			}
		})
	}
	pb, err := agentexporter.SpanToProto(richSpan())
	if err != nil {
		t.Fatal(err)
	}
	if pb.GetKind() != tracepb.Span_SERVER || pb.GetChildSpanCount().GetValue() != 3 || pb.GetResource().GetType() != "k8s" {
		t.Fatalf("%v", pb)
	}
	if _, err := agentexporter.SpanToProto(nil); err == nil {
		t.Fatal("nil span accepted")
	}
}

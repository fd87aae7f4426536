package wirecompat_test

import (
	"bytes"
	"testing"

	ocagentmetrics "github.com/census-instrumentation/opencensus-proto/gen-go/agent/metrics/v1"
	ocagenttrace "github.com/census-instrumentation/opencensus-proto/gen-go/agent/trace/v1"
	"google.golang.org/protobuf/proto"

	agentmetricspb "github.com/gocensus/gocensus/proto/gocensus/agent/metrics/v1"
	agenttracepb "github.com/gocensus/gocensus/proto/gocensus/agent/trace/v1"
)

// addSeeds seeds a fuzz target with every fixture's encoding, and a few
// damaged copies of it.
func addSeeds(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f}) // length beyond the input
	for _, fx := range oursFixtures() {
		b, err := proto.MarshalOptions{Deterministic: true}.Marshal(fx.msg)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		if len(b) > 1 {
			f.Add(b[:len(b)/2])
			flipped := bytes.Clone(b)
			flipped[len(b)/3] ^= 0x80
			f.Add(flipped)
		}
	}
}

// agree decodes data with both types and checks that they accept and reject
// the same inputs and, when they accept, re-encode to the same bytes.
func agree(t *testing.T, data []byte, ours, theirs proto.Message) {
	errOurs := proto.Unmarshal(data, ours)
	errTheirs := proto.Unmarshal(data, theirs)
	if (errOurs == nil) != (errTheirs == nil) {
		t.Fatalf("decoders disagree: ours %v, theirs %v", errOurs, errTheirs)
	}
	if errOurs != nil {
		return
	}
	opts := proto.MarshalOptions{Deterministic: true}
	a, err := opts.Marshal(ours)
	if err != nil {
		t.Fatalf("re-marshal ours: %v", err)
	}
	b, err := opts.Marshal(theirs)
	if err != nil {
		t.Fatalf("re-marshal theirs: %v", err)
	}
	if !bytes.Equal(a, b) {
		t.Fatalf("re-encodings differ:\nours   %x\ntheirs %x", a, b)
	}
}

func FuzzExportTraceServiceRequest(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		agree(t, data, &agenttracepb.ExportTraceServiceRequest{}, &ocagenttrace.ExportTraceServiceRequest{})
	})
}

func FuzzExportMetricsServiceRequest(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		agree(t, data, &agentmetricspb.ExportMetricsServiceRequest{}, &ocagentmetrics.ExportMetricsServiceRequest{})
	})
}

func FuzzLibraryConfig(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		agree(t, data, &agenttracepb.CurrentLibraryConfig{}, &ocagenttrace.CurrentLibraryConfig{})
		agree(t, data, &agenttracepb.UpdatedLibraryConfig{}, &ocagenttrace.UpdatedLibraryConfig{})
	})
}

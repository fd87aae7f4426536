package tracepb_test

import (
	"fmt"

	"google.golang.org/protobuf/proto"

	tracepb "github.com/gocensus/gocensus/proto/gocensus/trace/v1"
)

// A TraceConfig as an agent pushes it: one sampler branch plus span limits.
// The bytes are what an OpenCensus library expects: field 4 (limit) = 32,
// field 2 (constant sampler) holding decision 1 (ALWAYS_ON).
func ExampleTraceConfig() {
	cfg := &tracepb.TraceConfig{
		Sampler:               &tracepb.TraceConfig_ConstantSampler{ConstantSampler: &tracepb.ConstantSampler{Decision: tracepb.ConstantSampler_ALWAYS_ON}},
		MaxNumberOfAttributes: 32,
	}
	b, err := proto.Marshal(cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("% x\n", b)

	var back tracepb.TraceConfig
	if err := proto.Unmarshal(b, &back); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(back.GetConstantSampler().GetDecision(), back.GetMaxNumberOfAttributes())
	// Output:
	// 20 20 12 02 08 01
	// ALWAYS_ON 32
}

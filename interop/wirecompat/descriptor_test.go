package wirecompat_test

import (
	"fmt"
	"strings"
	"testing"

	occommon "github.com/census-instrumentation/opencensus-proto/gen-go/agent/common/v1"
	ocagentmetrics "github.com/census-instrumentation/opencensus-proto/gen-go/agent/metrics/v1"
	ocagenttrace "github.com/census-instrumentation/opencensus-proto/gen-go/agent/trace/v1"
	ocmetrics "github.com/census-instrumentation/opencensus-proto/gen-go/metrics/v1"
	ocresource "github.com/census-instrumentation/opencensus-proto/gen-go/resource/v1"
	octrace "github.com/census-instrumentation/opencensus-proto/gen-go/trace/v1"
	"google.golang.org/protobuf/reflect/protoreflect"

	commonpb "github.com/gocensus/gocensus/proto/gocensus/agent/common/v1"
	agentmetricspb "github.com/gocensus/gocensus/proto/gocensus/agent/metrics/v1"
	agenttracepb "github.com/gocensus/gocensus/proto/gocensus/agent/trace/v1"
	metricspb "github.com/gocensus/gocensus/proto/gocensus/metrics/v1"
	resourcepb "github.com/gocensus/gocensus/proto/gocensus/resource/v1"
	tracepb "github.com/gocensus/gocensus/proto/gocensus/trace/v1"
)

// filePairs lists each gocensus file with the OpenCensus file it mirrors.
func filePairs() []struct{ ours, theirs protoreflect.FileDescriptor } {
	return []struct{ ours, theirs protoreflect.FileDescriptor }{
		{resourcepb.File_gocensus_resource_v1_resource_proto, ocresource.File_opencensus_proto_resource_v1_resource_proto},
		{tracepb.File_gocensus_trace_v1_trace_proto, octrace.File_opencensus_proto_trace_v1_trace_proto},
		{tracepb.File_gocensus_trace_v1_trace_config_proto, octrace.File_opencensus_proto_trace_v1_trace_config_proto},
		{metricspb.File_gocensus_metrics_v1_metrics_proto, ocmetrics.File_opencensus_proto_metrics_v1_metrics_proto},
		{commonpb.File_gocensus_agent_common_v1_common_proto, occommon.File_opencensus_proto_agent_common_v1_common_proto},
		{agenttracepb.File_gocensus_agent_trace_v1_trace_service_proto, ocagenttrace.File_opencensus_proto_agent_trace_v1_trace_service_proto},
		{agentmetricspb.File_gocensus_agent_metrics_v1_metrics_service_proto, ocagentmetrics.File_opencensus_proto_agent_metrics_v1_metrics_service_proto},
	}
}

func ourFiles() []protoreflect.FileDescriptor {
	var out []protoreflect.FileDescriptor
	for _, p := range filePairs() {
		out = append(out, p.ours)
	}
	return out
}

// ocName maps a gocensus full name to the OpenCensus one; names outside our
// packages (well-known types) map to themselves.
func ocName(n protoreflect.FullName) protoreflect.FullName {
	if rest, ok := strings.CutPrefix(string(n), "gocensus."); ok {
		return protoreflect.FullName("opencensus.proto." + rest)
	}
	return n
}

// TestDescriptorsMatch walks both descriptor trees and reports every
// difference in anything that reaches the wire or the JSON mapping.
func TestDescriptorsMatch(t *testing.T) {
	t.Parallel()
	for _, p := range filePairs() {
		t.Run(p.ours.Path(), func(t *testing.T) {
			t.Parallel()
			for _, d := range diffFiles(p.ours, p.theirs) {
				t.Error(d)
			}
		})
	}
}

// TestDescriptorDiffDetectsDrift checks the checker: descriptors that differ
// must produce differences.
func TestDescriptorDiffDetectsDrift(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		ours, theirs protoreflect.MessageDescriptor
	}{
		{"different messages", (&tracepb.Span{}).ProtoReflect().Descriptor(), (&octrace.Status{}).ProtoReflect().Descriptor()},
		{"same shape, other message", (&tracepb.Span_Link{}).ProtoReflect().Descriptor(), (&octrace.Span{}).ProtoReflect().Descriptor()},
		{"oneof vs plain fields", (&tracepb.AttributeValue{}).ProtoReflect().Descriptor(), (&octrace.TruncatableString{}).ProtoReflect().Descriptor()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if d := diffMessages(tt.ours, tt.theirs); len(d) == 0 {
				t.Errorf("no difference reported between %s and %s", tt.ours.FullName(), tt.theirs.FullName())
			}
		})
	}
}

func diffFiles(ours, theirs protoreflect.FileDescriptor) []string {
	var d []string
	if got, want := ocName(ours.Package()), theirs.Package(); got != want {
		d = append(d, fmt.Sprintf("%s: package maps to %s, want %s", ours.Path(), got, want))
	}
	if ours.Syntax() != theirs.Syntax() {
		d = append(d, fmt.Sprintf("%s: syntax %v, want %v", ours.Path(), ours.Syntax(), theirs.Syntax()))
	}
	d = append(d, diffMessageLists(ours.Messages(), theirs.Messages())...)
	d = append(d, diffEnumLists(ours.Enums(), theirs.Enums())...)
	d = append(d, diffServices(ours.Services(), theirs.Services())...)
	return d
}

func diffMessageLists(ours, theirs protoreflect.MessageDescriptors) []string {
	var d []string
	if ours.Len() != theirs.Len() {
		d = append(d, fmt.Sprintf("message count %d, want %d", ours.Len(), theirs.Len()))
	}
	for i := range theirs.Len() {
		tm := theirs.Get(i)
		om := ours.ByName(tm.Name())
		if om == nil {
			d = append(d, fmt.Sprintf("missing message %s", tm.FullName()))
			continue
		}
		d = append(d, diffMessages(om, tm)...)
	}
	for i := range ours.Len() {
		if theirs.ByName(ours.Get(i).Name()) == nil {
			d = append(d, fmt.Sprintf("extra message %s", ours.Get(i).FullName()))
		}
	}
	return d
}

func diffMessages(ours, theirs protoreflect.MessageDescriptor) []string {
	var d []string
	at := theirs.FullName()
	if ocName(ours.FullName()) != at {
		d = append(d, fmt.Sprintf("%s: maps to %s", ours.FullName(), at))
	}
	if ours.IsMapEntry() != theirs.IsMapEntry() {
		d = append(d, fmt.Sprintf("%s: map entry %v, want %v", at, ours.IsMapEntry(), theirs.IsMapEntry()))
	}
	if ours.Fields().Len() != theirs.Fields().Len() {
		d = append(d, fmt.Sprintf("%s: %d fields, want %d", at, ours.Fields().Len(), theirs.Fields().Len()))
	}
	for i := range theirs.Fields().Len() {
		tf := theirs.Fields().Get(i)
		of := ours.Fields().ByNumber(tf.Number())
		if of == nil {
			d = append(d, fmt.Sprintf("%s: no field number %d (%s)", at, tf.Number(), tf.Name()))
			continue
		}
		d = append(d, diffFields(of, tf)...)
	}
	for i := range ours.Fields().Len() {
		if of := ours.Fields().Get(i); theirs.Fields().ByNumber(of.Number()) == nil {
			d = append(d, fmt.Sprintf("%s: extra field %s = %d", at, of.Name(), of.Number()))
		}
	}
	if ours.Oneofs().Len() != theirs.Oneofs().Len() {
		d = append(d, fmt.Sprintf("%s: %d oneofs, want %d", at, ours.Oneofs().Len(), theirs.Oneofs().Len()))
	}
	for i := range theirs.Oneofs().Len() {
		to := theirs.Oneofs().Get(i)
		oo := ours.Oneofs().ByName(to.Name())
		if oo == nil {
			d = append(d, fmt.Sprintf("%s: missing oneof %s", at, to.Name()))
			continue
		}
		if got, want := oneofNumbers(oo), oneofNumbers(to); got != want {
			d = append(d, fmt.Sprintf("%s: oneof %s has fields %s, want %s", at, to.Name(), got, want))
		}
	}
	if got, want := rangesString(ours.ReservedRanges()), rangesString(theirs.ReservedRanges()); got != want {
		d = append(d, fmt.Sprintf("%s: reserved ranges %s, want %s", at, got, want))
	}
	d = append(d, diffMessageLists(ours.Messages(), theirs.Messages())...)
	d = append(d, diffEnumLists(ours.Enums(), theirs.Enums())...)
	return d
}

func diffFields(ours, theirs protoreflect.FieldDescriptor) []string {
	var d []string
	at := theirs.FullName()
	check := func(what string, got, want any) {
		if got != want {
			d = append(d, fmt.Sprintf("%s (#%d): %s %v, want %v", at, theirs.Number(), what, got, want))
		}
	}
	check("name", ours.Name(), theirs.Name())
	check("JSON name", ours.JSONName(), theirs.JSONName())
	check("kind", ours.Kind(), theirs.Kind())
	check("cardinality", ours.Cardinality(), theirs.Cardinality())
	check("packed", ours.IsPacked(), theirs.IsPacked())
	check("map", ours.IsMap(), theirs.IsMap())
	check("presence", ours.HasPresence(), theirs.HasPresence())
	check("oneof", oneofName(ours), oneofName(theirs))
	check("default", ours.Default().String(), theirs.Default().String())
	if ours.Message() != nil && theirs.Message() != nil {
		check("message type", ocName(ours.Message().FullName()), theirs.Message().FullName())
	}
	if ours.Enum() != nil && theirs.Enum() != nil {
		check("enum type", ocName(ours.Enum().FullName()), theirs.Enum().FullName())
	}
	return d
}

func diffEnumLists(ours, theirs protoreflect.EnumDescriptors) []string {
	var d []string
	if ours.Len() != theirs.Len() {
		d = append(d, fmt.Sprintf("enum count %d, want %d", ours.Len(), theirs.Len()))
	}
	for i := range theirs.Len() {
		te := theirs.Get(i)
		oe := ours.ByName(te.Name())
		if oe == nil {
			d = append(d, fmt.Sprintf("missing enum %s", te.FullName()))
			continue
		}
		if got, want := enumValues(oe), enumValues(te); got != want {
			d = append(d, fmt.Sprintf("%s: values %s, want %s", te.FullName(), got, want))
		}
	}
	return d
}

func diffServices(ours, theirs protoreflect.ServiceDescriptors) []string {
	var d []string
	if ours.Len() != theirs.Len() {
		d = append(d, fmt.Sprintf("service count %d, want %d", ours.Len(), theirs.Len()))
	}
	for i := range theirs.Len() {
		ts := theirs.Get(i)
		os := ours.ByName(ts.Name())
		if os == nil {
			d = append(d, fmt.Sprintf("missing service %s", ts.FullName()))
			continue
		}
		if os.Methods().Len() != ts.Methods().Len() {
			d = append(d, fmt.Sprintf("%s: %d methods, want %d", ts.FullName(), os.Methods().Len(), ts.Methods().Len()))
		}
		for j := range ts.Methods().Len() {
			tm := ts.Methods().Get(j)
			om := os.Methods().ByName(tm.Name())
			if om == nil {
				d = append(d, fmt.Sprintf("missing method %s", tm.FullName()))
				continue
			}
			got := fmt.Sprintf("(%v %s) -> (%v %s)", om.IsStreamingClient(), ocName(om.Input().FullName()), om.IsStreamingServer(), ocName(om.Output().FullName()))
			want := fmt.Sprintf("(%v %s) -> (%v %s)", tm.IsStreamingClient(), tm.Input().FullName(), tm.IsStreamingServer(), tm.Output().FullName())
			if got != want {
				d = append(d, fmt.Sprintf("%s: signature %s, want %s", tm.FullName(), got, want))
			}
		}
	}
	return d
}

func oneofName(f protoreflect.FieldDescriptor) string {
	if o := f.ContainingOneof(); o != nil {
		return fmt.Sprintf("%s(synthetic=%v)", o.Name(), o.IsSynthetic())
	}
	return "-"
}

func oneofNumbers(o protoreflect.OneofDescriptor) string {
	var b strings.Builder
	for i := range o.Fields().Len() {
		fmt.Fprintf(&b, "%s=%d ", o.Fields().Get(i).Name(), o.Fields().Get(i).Number())
	}
	return b.String()
}

func enumValues(e protoreflect.EnumDescriptor) string {
	var b strings.Builder
	for i := range e.Values().Len() {
		fmt.Fprintf(&b, "%s=%d ", e.Values().Get(i).Name(), e.Values().Get(i).Number())
	}
	return b.String()
}

func rangesString(r protoreflect.FieldRanges) string {
	var b strings.Builder
	for i := range r.Len() {
		fmt.Fprintf(&b, "%v ", r.Get(i))
	}
	return b.String()
}

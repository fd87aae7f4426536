package wirecompat_test

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/testing/protocmp"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var (
	traceID      = []byte{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36}
	spanID       = []byte{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7}
	parentSpanID = []byte{0x53, 0x99, 0x5c, 0x3f, 0x42, 0xcd, 0x8a, 0xd8}
	otherTraceID = []byte{0x0a, 0xf7, 0x65, 0x19, 0x16, 0xcd, 0x43, 0xdd, 0x84, 0x48, 0xeb, 0x21, 0x1c, 0x80, 0x31, 0x9c}
	otherSpanID  = []byte{0xb7, 0xad, 0x6b, 0x71, 0x69, 0x20, 0x33, 0x31}
)

// fixture is one message built with one set of generated types.
type fixture struct {
	name string
	msg  proto.Message
}

// pair is the same message built with the gocensus and the upstream types.
type pair struct {
	name         string
	ours, theirs proto.Message
}

func pairs(t *testing.T) []pair {
	t.Helper()
	ours, theirs := oursFixtures(), theirsFixtures()
	if len(ours) != len(theirs) {
		t.Fatalf("fixture lists differ in length: %d ours, %d theirs", len(ours), len(theirs))
	}
	out := make([]pair, len(ours))
	for i := range ours {
		if ours[i].name != theirs[i].name {
			t.Fatalf("fixture %d: %q ours, %q theirs", i, ours[i].name, theirs[i].name)
		}
		out[i] = pair{ours[i].name, ours[i].msg, theirs[i].msg}
	}
	return out
}

// TestDeterministicBytesEqual: the same content encodes to the same bytes.
func TestDeterministicBytesEqual(t *testing.T) {
	t.Parallel()
	for _, p := range pairs(t) {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			opts := proto.MarshalOptions{Deterministic: true}
			ours, err := opts.Marshal(p.ours)
			if err != nil {
				t.Fatalf("marshal ours: %v", err)
			}
			theirs, err := opts.Marshal(p.theirs)
			if err != nil {
				t.Fatalf("marshal theirs: %v", err)
			}
			if !bytes.Equal(ours, theirs) {
				t.Errorf("encodings differ:\nours   %x\ntheirs %x", ours, theirs)
			}
		})
	}
}

// TestBinaryDecodesAcross: bytes from one side decode on the other side into
// a message equal to the one built there, with no unknown fields left over.
func TestBinaryDecodesAcross(t *testing.T) {
	t.Parallel()
	for _, p := range pairs(t) {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			checkDecode(t, "ours→theirs", p.ours, p.theirs, func(m proto.Message) ([]byte, error) { return proto.Marshal(m) }, proto.Unmarshal)
			checkDecode(t, "theirs→ours", p.theirs, p.ours, func(m proto.Message) ([]byte, error) { return proto.Marshal(m) }, proto.Unmarshal)
		})
	}
}

// TestJSONDecodesAcross: the JSON of one side parses on the other side, with
// both the lowerCamelCase and the original field names. Unknown JSON names
// and enum value names are errors, so this checks names, not only numbers.
func TestJSONDecodesAcross(t *testing.T) {
	t.Parallel()
	encoders := []struct {
		name string
		opts protojson.MarshalOptions
	}{
		{"json names", protojson.MarshalOptions{}},
		{"proto names", protojson.MarshalOptions{UseProtoNames: true}},
		{"enums as numbers", protojson.MarshalOptions{UseEnumNumbers: true}},
	}
	for _, p := range pairs(t) {
		for _, enc := range encoders {
			t.Run(p.name+"/"+enc.name, func(t *testing.T) {
				t.Parallel()
				unmarshal := func(b []byte, m proto.Message) error { return protojson.Unmarshal(b, m) }
				checkDecode(t, "ours→theirs", p.ours, p.theirs, enc.opts.Marshal, unmarshal)
				checkDecode(t, "theirs→ours", p.theirs, p.ours, enc.opts.Marshal, unmarshal)
			})
		}
	}
}

func checkDecode(t *testing.T, dir string, from, want proto.Message, marshal func(proto.Message) ([]byte, error), unmarshal func([]byte, proto.Message) error) {
	t.Helper()
	b, err := marshal(from)
	if err != nil {
		t.Fatalf("%s: marshal: %v", dir, err)
	}
	got := want.ProtoReflect().New().Interface()
	if err := unmarshal(b, got); err != nil {
		t.Fatalf("%s: unmarshal %s: %v", dir, got.ProtoReflect().Descriptor().FullName(), err)
	}
	if diff := cmp.Diff(want, got, protocmp.Transform()); diff != "" {
		t.Errorf("%s: decoded message differs (-want +got):\n%s", dir, diff)
	}
}

// TestFixturesSetEveryField keeps the fixtures honest: every field of every
// message in the gocensus wire model, including each oneof branch, is set
// somewhere, so the byte and decode checks cover all of them.
func TestFixturesSetEveryField(t *testing.T) {
	t.Parallel()
	seen := map[protoreflect.FullName]bool{}
	for _, f := range oursFixtures() {
		markSet(f.msg.ProtoReflect(), seen)
	}
	for _, fd := range ourFiles() {
		forEachMessage(fd.Messages(), func(md protoreflect.MessageDescriptor) {
			if md.IsMapEntry() {
				return
			}
			for i := range md.Fields().Len() {
				if f := md.Fields().Get(i); !seen[f.FullName()] {
					t.Errorf("no fixture sets %s", f.FullName())
				}
			}
		})
	}
}

func markSet(m protoreflect.Message, seen map[protoreflect.FullName]bool) {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		seen[fd.FullName()] = true
		switch {
		case fd.IsMap():
			if fd.MapValue().Message() != nil {
				v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
					markSet(mv.Message(), seen)
					return true
				})
			}
		case fd.IsList():
			if fd.Message() != nil {
				for i := range v.List().Len() {
					markSet(v.List().Get(i).Message(), seen)
				}
			}
		case fd.Message() != nil:
			markSet(v.Message(), seen)
		}
		return true
	})
}

func forEachMessage(mds protoreflect.MessageDescriptors, fn func(protoreflect.MessageDescriptor)) {
	for i := range mds.Len() {
		md := mds.Get(i)
		fn(md)
		forEachMessage(md.Messages(), fn)
	}
}

// TestFixtureFilesParallel proves the two fixture files build the same thing:
// fixtures_theirs_test.go is fixtures_ours_test.go with only import paths and
// the ours/theirs prefix swapped.
func TestFixtureFilesParallel(t *testing.T) {
	t.Parallel()
	ours, err := os.ReadFile("fixtures_ours_test.go")
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := os.ReadFile("fixtures_theirs_test.go")
	if err != nil {
		t.Fatal(err)
	}
	normalize := func(src []byte) string {
		s := string(src)
		s = regexp.MustCompile(`"github\.com/gocensus/gocensus/proto/gocensus/([a-z/]+)/v1"`).ReplaceAllString(s, `"PKG/$1"`)
		s = regexp.MustCompile(`"github\.com/census-instrumentation/opencensus-proto/gen-go/([a-z/]+)/v1"`).ReplaceAllString(s, `"PKG/$1"`)
		s = regexp.MustCompile(`\b(ours|theirs)([A-Z])`).ReplaceAllString(s, `X$2`)
		return strings.Replace(s, "fixtures_ours_test.go", "fixtures_theirs_test.go", 1)
	}
	if diff := cmp.Diff(normalize(ours), normalize(theirs)); diff != "" {
		t.Errorf("fixture files diverge beyond imports and prefixes (-ours +theirs):\n%s", diff)
	}
}

func Example_sameBytes() {
	ours, theirs := oursSpan(), theirsSpan()
	a, _ := proto.MarshalOptions{Deterministic: true}.Marshal(ours)
	b, _ := proto.MarshalOptions{Deterministic: true}.Marshal(theirs)
	fmt.Println(ours.ProtoReflect().Descriptor().FullName(), "and", theirs.ProtoReflect().Descriptor().FullName())
	fmt.Println("same bytes:", bytes.Equal(a, b))
	// Output:
	// gocensus.trace.v1.Span and opencensus.proto.trace.v1.Span
	// same bytes: true
}

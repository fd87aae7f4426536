package propagation_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/gocensus/gocensus/propagation"
	"github.com/gocensus/gocensus/sdk/trace"
)

// specBinary is the example of the OpenCensus binary encoding specification.
const specBinary = "00" + "00" + specTraceID + "01" + ocSpanID + "02" + "01"

func TestBinaryEncodeSpecExample(t *testing.T) {
	t.Parallel()
	sc := remote(t, specTraceID, ocSpanID, trace.FlagSampled)
	want := mustHex(t, specBinary)

	var buf [propagation.BinaryLen]byte
	propagation.PutBinary(&buf, sc)
	if !bytes.Equal(buf[:], want) {
		t.Fatalf("PutBinary = %x, want %x", buf, want)
	}
	if got := propagation.AppendBinary([]byte{0xaa}, sc); !bytes.Equal(got, append([]byte{0xaa}, want...)) {
		t.Fatalf("AppendBinary = %x", got)
	}
	if got := propagation.AppendBinary(nil, trace.SpanContext{}); len(got) != 0 {
		t.Fatalf("AppendBinary of an invalid context = %x, want nothing", got)
	}
	// Options bits other than sampled travel unchanged in this format.
	sc.TraceOptions = 0xfe
	propagation.PutBinary(&buf, sc)
	if buf[28] != 0xfe {
		t.Fatalf("options byte = %#x, want 0xfe", buf[28])
	}
}

func TestFromBinary(t *testing.T) {
	t.Parallel()
	tid, sid := mustHex(t, specTraceID), mustHex(t, ocSpanID)
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	b := func(v ...byte) []byte { return v }
	sampled := remote(t, specTraceID, ocSpanID, trace.FlagSampled)
	unsampled := remote(t, specTraceID, ocSpanID, 0)
	tests := []struct {
		name    string
		in      []byte
		want    trace.SpanContext
		wantErr error
	}{
		{name: "spec example", in: mustHex(t, specBinary), want: sampled},
		{name: "options 0", in: cat(b(0, 0), tid, b(1), sid, b(2, 0)), want: unsampled},
		{name: "other option bits kept", in: cat(b(0, 0), tid, b(1), sid, b(2, 0x83)), want: remote(t, specTraceID, ocSpanID, 0x83)},
		{name: "missing options", in: cat(b(0, 0), tid, b(1), sid), want: unsampled},
		{name: "fields out of order", in: cat(b(0, 2, 1, 1), sid, b(0), tid), want: sampled},
		{name: "repeated field last wins", in: cat(b(0, 2, 0, 0), tid, b(1), sid, b(2, 1)), want: sampled},
		{name: "unknown field stops parsing", in: cat(b(0, 0), tid, b(1), sid, b(2, 1, 9, 0xde, 0xad)), want: sampled},
		{name: "unknown field before options", in: cat(b(0, 0), tid, b(1), sid, b(3, 2, 1)), want: unsampled},
		{name: "trailing bytes after 29", in: cat(mustHex(t, specBinary), b(2, 0)), want: sampled},
		{name: "empty", in: nil, wantErr: propagation.ErrBinaryEmpty},
		{name: "version 1", in: cat(b(1, 0), tid, b(1), sid, b(2, 1)), wantErr: propagation.ErrBinaryVersion},
		{name: "version only", in: b(0), wantErr: propagation.ErrBinaryTraceID},
		{name: "missing trace id", in: cat(b(0, 1), sid, b(2, 1)), wantErr: propagation.ErrBinaryTraceID},
		{name: "missing span id", in: cat(b(0, 0), tid, b(2, 1)), wantErr: propagation.ErrBinarySpanID},
		{name: "truncated trace id", in: cat(b(0, 0), tid[:15]), wantErr: propagation.ErrBinaryTruncated},
		{name: "truncated span id", in: cat(b(0, 0), tid, b(1), sid[:7]), wantErr: propagation.ErrBinaryTruncated},
		{name: "truncated options", in: cat(b(0, 0), tid, b(1), sid, b(2)), wantErr: propagation.ErrBinaryTruncated},
		{name: "zero trace id", in: cat(b(0, 0), make([]byte, 16), b(1), sid, b(2, 1)), wantErr: propagation.ErrBinaryTraceID},
		{name: "zero span id", in: cat(b(0, 0), tid, b(1), make([]byte, 8), b(2, 1)), wantErr: propagation.ErrBinarySpanID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := propagation.FromBinary(tt.in)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("FromBinary(%x) error = %v, want %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Fatalf("FromBinary(%x) = %+v, want %+v", tt.in, got, tt.want)
			}
			// The TextMap form over gRPC metadata behaves the same.
			md := propagation.MetadataCarrier{propagation.BinaryKey: {string(tt.in)}}
			got, err = propagation.Binary{}.Extract(md)
			if !errors.Is(err, tt.wantErr) || got != tt.want {
				t.Fatalf("Binary.Extract = %+v, %v", got, err)
			}
		})
	}
}

func TestBinaryPropagator(t *testing.T) {
	t.Parallel()
	sc := remote(t, specTraceID, ocSpanID, trace.FlagSampled)
	md := propagation.MetadataCarrier{}
	propagation.Binary{}.Inject(sc, md)
	if got := md[propagation.BinaryKey]; len(got) != 1 || got[0] != string(mustHex(t, specBinary)) {
		t.Fatalf("injected %q", got)
	}
	// Only the first value is read, as opencensus-go does.
	md[propagation.BinaryKey] = append(md[propagation.BinaryKey], "junk")
	got, err := propagation.Binary{}.Extract(md)
	if err != nil || got != sc {
		t.Fatalf("Extract = %+v, %v", got, err)
	}
	if got, err := (propagation.Binary{}).Extract(propagation.MetadataCarrier{}); err != nil || got != (trace.SpanContext{}) {
		t.Fatalf("Extract from empty metadata = %+v, %v", got, err)
	}
	empty := propagation.MetadataCarrier{}
	propagation.Binary{}.Inject(trace.SpanContext{}, empty)
	if len(empty) != 0 {
		t.Fatalf("invalid context injected %v", empty)
	}
	var f propagation.BinaryFormat = propagation.Binary{}
	back, err := f.FromBinary(f.AppendBinary(nil, sc))
	if err != nil || back != sc {
		t.Fatalf("BinaryFormat round trip = %+v, %v", back, err)
	}
}

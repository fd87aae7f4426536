// Package tag holds the tags (key/value pairs) that label stats
// measurements and travel with a request from service to service, in the
// OpenCensus model.
//
// # Which API to use
//
// Create keys once, usually as package variables, with MustNewKey (or NewKey
// for names that come from configuration). Attach tags to a request's context
// with New and the mutators Insert, Update, Upsert and Delete; read them back
// with FromContext and Map.Value. Stats recording reads the same map from the
// context, so the tags on a context become the dimensions of every
// measurement recorded with it.
//
//	ctx, err := tag.New(ctx, tag.Upsert(tenantKey, "acme"))
//	...
//	v, ok := tag.FromContext(ctx).Value(tenantKey)
//
// A Map is immutable: New and Map.With return a new map and never change the
// one they start from, so a Map is safe to share between goroutines without
// locking. A nil *Map is a valid empty map. Use NewMap or Map.With when there
// is no context, and NewContext to attach a map you already have (for
// example one returned by Decode).
//
// Encode, AppendBinary and Decode convert a map to and from the OpenCensus
// binary format that gRPC carries in the GRPCMetadataKey ("grpc-tags-bin")
// metadata entry. RPC instrumentation calls them; applications rarely need
// to.
//
// # Rules for keys, values and maps
//
// A key name is 1 to 255 bytes of printable ASCII (0x20 to 0x7E); a value is
// 0 to 255 bytes of printable ASCII. Mutators with an invalid key or value
// make New fail as a whole: no mutation is applied partially and the parent
// context is returned with the error.
//
// Each tag has a TTL. TTLUnlimited (the default) tags propagate to every
// downstream service; TTLNoPropagation tags, set with WithTTL, label local
// measurements but are never encoded.
//
// A map holds at most MaxTags (128) tags. OpenCensus sets no count limit;
// this one keeps the map read on every stats recording small, and bounds the
// memory one peer's header can make a server allocate. Encoding additionally
// requires the keys and values of the propagated tags to add up to at most
// MaxCombinedSize (8192) bytes, as the OpenCensus specification demands; a
// local map may be larger, but then it cannot be sent.
//
// Maps keep their tags in a slice sorted by key name. Lookups in the small
// maps typical of RPC labelling scan that slice, which is as fast as a Go
// map lookup without the hash table's memory, and iteration (Map.All, Map.Tags) and encoding are in key order, so output
// is deterministic.
//
// # Binary format
//
// The tag context binary format (OpenCensus encodings/BinaryEncoding.md,
// version 0), with varints as in protocol buffers (unsigned base 128, least
// significant group first):
//
//	offset  size     content
//	0       1        version, 0x00
//	then, repeated for each tag:
//	+0      1        field id, 0x00 (tag)
//	+1      1..2     uvarint key length K (1..255)
//	        K        key bytes
//	        1..2     uvarint value length V (0..255)
//	        V        value bytes
//
// One tag k1=v1 encodes as 00 00 02 6B 31 02 76 31. The encoder writes tags
// in key-name order, leaves out TTLNoPropagation tags and writes minimal
// varints (the decoder accepts non-minimal ones too); an empty map encodes
// as the single byte 00.
//
// The decoder follows the specification:
//
//   - Tags may come in any order; when a key repeats, the last value wins.
//   - Parsing stops at the first field id other than 0, keeping the tags read
//     so far; the rest of the input is ignored. This leaves room for future
//     fields. (opencensus-go instead fails on ids 1 to 3, reserved there for
//     tag types it never sends, and on any other id.)
//   - Keys and values of all fields, repeats included, may add up to at most
//     MaxCombinedSize bytes, else decoding fails. (opencensus-go does not
//     check this; opencensus-java does.)
//   - Empty input decodes to an empty map, as in opencensus-go;
//     opencensus-java rejects it. A gRPC peer that has no tags sends no
//     header at all, so either reading is safe.
//   - A version other than 0, a truncated field, a length over 255, an
//     empty key, a byte outside printable ASCII, or more than MaxTags
//     distinct keys fail the whole decode; there are no partial results.
//     Received tags have TTLUnlimited.
//
// Decode never panics, does not retain its input, and allocates only the
// result (at most two objects, bounded by the limits above) however long
// the input is.
//
// # Stability
//
// Beta: the API may still change in a minor release before gocensus 1.0;
// the README explains the versioning promise.
package tag

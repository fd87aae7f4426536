package delivery

import "google.golang.org/protobuf/encoding/protowire"

// DefaultMaxMessageBytes keeps an encoded message 64 KiB below gRPC's default
// 4 MiB receive limit, leaving room for the envelope (node, resource) and
// framing; a larger message makes a default server reject it with
// ResourceExhausted, which on a stream kills the whole stream.
const DefaultMaxMessageBytes = 4<<20 - 64<<10

// FieldSize returns the bytes a length-delimited protobuf field (number < 16)
// of n payload bytes takes inside its parent: tag, length and payload. A size
// function for Split typically returns FieldSize(proto.Size(item)).
func FieldSize(n int) int {
	return 1 + protowire.SizeVarint(uint64(n)) + n
}

// Split cuts items into consecutive runs whose sizes sum to at most limit
// (DefaultMaxMessageBytes if limit ≤ 0). It returns sub-slices of items
// without copying. An item larger than limit on its own gets a run of its own;
// callers must shrink or drop it. size is called once per item.
func Split[T any](items []T, limit int, size func(T) int) [][]T {
	if len(items) == 0 {
		return nil
	}
	if limit <= 0 {
		limit = DefaultMaxMessageBytes
	}
	var runs [][]T
	start, sum := 0, 0
	for i, it := range items {
		n := size(it)
		if n < 0 {
			n = 0
		}
		if i > start && sum+n > limit {
			runs = append(runs, items[start:i:i])
			start, sum = i, 0
		}
		sum += n
	}
	return append(runs, items[start:len(items):len(items)])
}

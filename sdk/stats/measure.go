package stats

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
)

// MaxNameLen is the longest measure or view name, in bytes.
const MaxNameLen = 255

// Errors returned, wrapped with detail, by this package. Test with errors.Is.
var (
	// ErrInvalidName reports a measure or view name that is empty, longer
	// than MaxNameLen or not printable ASCII.
	ErrInvalidName = errors.New("stats: invalid name")
	// ErrInvalidView reports a view that cannot be registered: no measure,
	// no aggregation, bad bucket bounds or repeated tag keys.
	ErrInvalidView = errors.New("stats: invalid view")
	// ErrDuplicateView reports a view whose name is already registered with
	// a different definition.
	ErrDuplicateView = errors.New("stats: view name already registered with a different definition")
	// ErrShutdown is returned by Manager methods called after Shutdown.
	ErrShutdown = errors.New("stats: manager is shut down")
)

// Measure is a quantity that code records, such as an RPC's latency or a
// request's size. It is implemented by *Int64Measure and *Float64Measure
// only. Measures are cheap, immutable descriptions; several managers may
// aggregate the same measure into their own views.
type Measure interface {
	// Name is the measure's unique name, for example
	// "grpc.io/client/roundtrip_latency".
	Name() string
	// Description says what the measure means.
	Description() string
	// Unit is a UCUM unit: "1", "By", "ms", ...
	Unit() string

	desc() *measureDesc
}

// measureDesc is the shared part of both measure types. subs lists the
// views, across all managers, that aggregate this measure; it is replaced as
// a whole (copy on write) so that recording reads it with one atomic load.
type measureDesc struct {
	name, description, unit string
	isInt                   bool
	owner                   Measure // the measure this describes

	mu   sync.Mutex // serialises subscription changes
	subs atomic.Pointer[[]*viewState]
}

func (d *measureDesc) subscribe(v *viewState) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var old []*viewState
	if p := d.subs.Load(); p != nil {
		old = *p
	}
	next := make([]*viewState, len(old), len(old)+1)
	copy(next, old)
	next = append(next, v)
	d.subs.Store(&next)
}

func (d *measureDesc) unsubscribe(v *viewState) {
	d.mu.Lock()
	defer d.mu.Unlock()
	p := d.subs.Load()
	if p == nil {
		return
	}
	next := make([]*viewState, 0, len(*p))
	for _, s := range *p {
		if s != v {
			next = append(next, s)
		}
	}
	if len(next) == 0 {
		d.subs.Store(nil)
		return
	}
	d.subs.Store(&next)
}

// Int64Measure is a measure of integer values, such as sizes and counts.
type Int64Measure struct {
	d measureDesc
}

// Float64Measure is a measure of floating-point values, such as latencies
// in milliseconds.
type Float64Measure struct {
	d measureDesc
}

// NewInt64 returns an Int64Measure, or an error wrapping ErrInvalidName if
// name is empty, longer than MaxNameLen or not printable ASCII.
func NewInt64(name, description, unit string) (*Int64Measure, error) {
	if err := checkName("measure", name); err != nil {
		return nil, err
	}
	m := &Int64Measure{}
	m.d = measureDesc{name: name, description: description, unit: unit, isInt: true}
	m.d.owner = m
	return m, nil
}

// Int64 is NewInt64 for names fixed in source code, typically a
// package-level variable: it panics on an invalid name.
func Int64(name, description, unit string) *Int64Measure {
	m, err := NewInt64(name, description, unit)
	if err != nil {
		panic(err)
	}
	return m
}

// NewFloat64 returns a Float64Measure, or an error wrapping ErrInvalidName
// if name is empty, longer than MaxNameLen or not printable ASCII.
func NewFloat64(name, description, unit string) (*Float64Measure, error) {
	if err := checkName("measure", name); err != nil {
		return nil, err
	}
	m := &Float64Measure{}
	m.d = measureDesc{name: name, description: description, unit: unit}
	m.d.owner = m
	return m, nil
}

// Float64 is NewFloat64 for names fixed in source code, typically a
// package-level variable: it panics on an invalid name.
func Float64(name, description, unit string) *Float64Measure {
	m, err := NewFloat64(name, description, unit)
	if err != nil {
		panic(err)
	}
	return m
}

// Name returns the measure's name.
func (m *Int64Measure) Name() string { return m.d.name }

// Description returns the measure's description.
func (m *Int64Measure) Description() string { return m.d.description }

// Unit returns the measure's unit.
func (m *Int64Measure) Unit() string { return m.d.unit }

func (m *Int64Measure) desc() *measureDesc { return &m.d }

// M returns a Measurement of v, to pass to Record. It does not allocate.
func (m *Int64Measure) M(v int64) Measurement {
	return Measurement{d: &m.d, bits: uint64(v)}
}

// Name returns the measure's name.
func (m *Float64Measure) Name() string { return m.d.name }

// Description returns the measure's description.
func (m *Float64Measure) Description() string { return m.d.description }

// Unit returns the measure's unit.
func (m *Float64Measure) Unit() string { return m.d.unit }

func (m *Float64Measure) desc() *measureDesc { return &m.d }

// M returns a Measurement of v, to pass to Record. It does not allocate.
func (m *Float64Measure) M(v float64) Measurement {
	return Measurement{d: &m.d, bits: math.Float64bits(v)}
}

// Measurement is one value of one measure, made by Int64Measure.M or
// Float64Measure.M. The zero Measurement is ignored by Record.
type Measurement struct {
	d    *measureDesc
	bits uint64 // int64 or float64 bits, as d.isInt says
}

// Value returns the measured value as a float64.
func (m Measurement) Value() float64 {
	if m.d != nil && m.d.isInt {
		return float64(int64(m.bits))
	}
	return math.Float64frombits(m.bits)
}

// Measure returns the measure the value belongs to, or nil for the zero
// Measurement.
func (m Measurement) Measure() Measure {
	if m.d == nil {
		return nil
	}
	return m.d.owner
}

func checkName(what, name string) error {
	if name == "" {
		return fmt.Errorf("%w: empty %s name", ErrInvalidName, what)
	}
	if len(name) > MaxNameLen {
		return fmt.Errorf("%w: %s name is %d bytes, more than %d", ErrInvalidName, what, len(name), MaxNameLen)
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 0x20 || c > 0x7e {
			return fmt.Errorf("%w: %s name %q has a non-printable or non-ASCII byte at %d", ErrInvalidName, what, name, i)
		}
	}
	return nil
}

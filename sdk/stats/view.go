package stats

import (
	"fmt"
	"math"
	"slices"

	"github.com/gocensus/gocensus/sdk/tag"
)

// AggType is the kind of an Aggregation.
type AggType uint8

// Aggregation kinds, as in OpenCensus.
const (
	AggTypeNone AggType = iota
	AggTypeCount
	AggTypeSum
	AggTypeLastValue
	AggTypeDistribution
)

// String returns "Count", "Sum", "LastValue", "Distribution" or "None".
func (t AggType) String() string {
	switch t {
	case AggTypeCount:
		return "Count"
	case AggTypeSum:
		return "Sum"
	case AggTypeLastValue:
		return "LastValue"
	case AggTypeDistribution:
		return "Distribution"
	default:
		return "None"
	}
}

// Aggregation says how a view combines the values recorded for one tag
// tuple. Build it with Count, Sum, LastValue or Distribution; it is
// immutable once built.
type Aggregation struct {
	Type AggType
	// Buckets are the distribution bounds as given to Distribution.
	Buckets []float64
}

// Count counts the measurements, whatever their values. It is exported as a
// cumulative int64.
func Count() *Aggregation { return &Aggregation{Type: AggTypeCount} }

// Sum adds the values up. It is exported as a cumulative int64 for an
// Int64Measure and a cumulative double for a Float64Measure.
func Sum() *Aggregation { return &Aggregation{Type: AggTypeSum} }

// LastValue keeps the latest value. It is exported as a gauge.
func LastValue() *Aggregation { return &Aggregation{Type: AggTypeLastValue} }

// Distribution counts values into buckets bounded by bounds, and keeps their
// count, sum and sum of squared deviation. It is exported as a cumulative
// distribution.
//
// The bounds must be finite and strictly increasing. As in the OpenCensus
// wire format, buckets are [0, b0), [b0, b1), ..., [bn, +Inf); values below
// zero are counted in the first bucket. A leading 0 bound, as the
// OpenCensus specification tables list them, is accepted and dropped
// because the first bucket already starts at 0; any other bound ≤ 0 is an
// error. Bad bounds are reported by Register, not here.
func Distribution(bounds ...float64) *Aggregation {
	return &Aggregation{Type: AggTypeDistribution, Buckets: slices.Clone(bounds)}
}

// normalizedBounds validates a's bounds and returns them without a leading
// zero.
func (a *Aggregation) normalizedBounds() ([]float64, error) {
	b := a.Buckets
	if len(b) > 0 && b[0] == 0 {
		b = b[1:]
	}
	for i, x := range b {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("%w: bucket bound %d is %v", ErrInvalidView, i, x)
		}
		if x <= 0 {
			return nil, fmt.Errorf("%w: bucket bound %v is not > 0 (only a leading 0 is allowed)", ErrInvalidView, x)
		}
		if i > 0 && x <= b[i-1] {
			return nil, fmt.Errorf("%w: bucket bounds not strictly increasing: %v after %v", ErrInvalidView, x, b[i-1])
		}
	}
	return slices.Clone(b), nil
}

// View says which measure to aggregate, how, and by which tag keys. Its
// Name becomes the exported metric's name. Register copies the View, so
// changing it afterwards has no effect.
type View struct {
	// Name identifies the view and names the metric. If empty, the
	// measure's name is used.
	Name string
	// Description describes the metric. If empty, the measure's
	// description is used.
	Description string
	// Measure is the measure to aggregate. Required.
	Measure Measure
	// TagKeys are the dimensions: one time series per distinct tuple of
	// their values in the recording context. Tags not listed are ignored.
	// They become the metric's label keys, in this order.
	TagKeys []tag.Key
	// Aggregation is how values are combined. Required.
	Aggregation *Aggregation
}

// viewDef is a validated, normalised copy of a View.
type viewDef struct {
	name, description string
	measure           *measureDesc
	keys              []tag.Key
	agg               AggType
	bounds            []float64
}

func (v *View) normalize() (viewDef, error) {
	if v == nil {
		return viewDef{}, fmt.Errorf("%w: nil view", ErrInvalidView)
	}
	if v.Measure == nil {
		return viewDef{}, fmt.Errorf("%w: view %q has no measure", ErrInvalidView, v.Name)
	}
	d := viewDef{name: v.Name, description: v.Description, measure: v.Measure.desc()}
	if d.name == "" {
		d.name = d.measure.name
	}
	if err := checkName("view", d.name); err != nil {
		return viewDef{}, err
	}
	if d.description == "" {
		d.description = d.measure.description
	}
	if v.Aggregation == nil || v.Aggregation.Type == AggTypeNone || v.Aggregation.Type > AggTypeDistribution {
		return viewDef{}, fmt.Errorf("%w: view %q has no valid aggregation", ErrInvalidView, d.name)
	}
	d.agg = v.Aggregation.Type
	if d.agg == AggTypeDistribution {
		b, err := v.Aggregation.normalizedBounds()
		if err != nil {
			return viewDef{}, fmt.Errorf("view %q: %w", d.name, err)
		}
		d.bounds = b
	}
	d.keys = slices.Clone(v.TagKeys)
	for i, k := range d.keys {
		if k == (tag.Key{}) {
			return viewDef{}, fmt.Errorf("%w: view %q: tag key %d is the zero Key", ErrInvalidView, d.name, i)
		}
		if slices.Contains(d.keys[:i], k) {
			return viewDef{}, fmt.Errorf("%w: view %q: tag key %q repeated", ErrInvalidView, d.name, k.Name())
		}
	}
	return d, nil
}

func (d *viewDef) equal(o *viewDef) bool {
	return d.name == o.name && d.description == o.description && d.measure == o.measure &&
		d.agg == o.agg && slices.Equal(d.bounds, o.bounds) && slices.Equal(d.keys, o.keys)
}

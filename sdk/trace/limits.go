package trace

import "unicode/utf8"

// Default span limits, the OpenCensus defaults.
const (
	DefaultMaxAttributes              = 32
	DefaultMaxAnnotations             = 32
	DefaultMaxMessageEvents           = 128
	DefaultMaxLinks                   = 32
	DefaultMaxAttributesPerAnnotation = 32
	DefaultMaxAttributesPerLink       = 32
)

// SpanLimits caps what one span may hold, so a runaway loop or a hostile
// input cannot grow a span without bound. A field of 0 selects its default;
// a negative field means "keep none" (everything of that kind is dropped and
// counted), except MaxAttributeValueLength where 0 or a negative value means
// "no limit".
//
// On overflow:
//   - attributes: the newest key is dropped and counted in
//     SpanData.DroppedAttributeCount; setting a key the span already holds
//     still updates its value;
//   - annotations, message events, links: the oldest entry is evicted and
//     counted in the matching Dropped*Count field;
//   - attributes of one annotation or link beyond their cap are dropped
//     without a count (the wire model has no field for it);
//   - string attribute values longer than MaxAttributeValueLength bytes are
//     cut at the last whole UTF-8 sequence that fits.
type SpanLimits struct {
	MaxAttributes              int
	MaxAnnotations             int
	MaxMessageEvents           int
	MaxLinks                   int
	MaxAttributesPerAnnotation int
	MaxAttributesPerLink       int
	MaxAttributeValueLength    int
}

// DefaultSpanLimits returns the OpenCensus defaults: 32 attributes, 32
// annotations, 128 message events, 32 links, 32 attributes per annotation and
// per link, no value length limit.
func DefaultSpanLimits() SpanLimits {
	return SpanLimits{
		MaxAttributes:              DefaultMaxAttributes,
		MaxAnnotations:             DefaultMaxAnnotations,
		MaxMessageEvents:           DefaultMaxMessageEvents,
		MaxLinks:                   DefaultMaxLinks,
		MaxAttributesPerAnnotation: DefaultMaxAttributesPerAnnotation,
		MaxAttributesPerLink:       DefaultMaxAttributesPerLink,
	}
}

// normalized resolves zero fields to their defaults and negative counts to 0.
func (l SpanLimits) normalized() SpanLimits {
	fix := func(v, def int) int {
		switch {
		case v == 0:
			return def
		case v < 0:
			return 0
		}
		return v
	}
	l.MaxAttributes = fix(l.MaxAttributes, DefaultMaxAttributes)
	l.MaxAnnotations = fix(l.MaxAnnotations, DefaultMaxAnnotations)
	l.MaxMessageEvents = fix(l.MaxMessageEvents, DefaultMaxMessageEvents)
	l.MaxLinks = fix(l.MaxLinks, DefaultMaxLinks)
	l.MaxAttributesPerAnnotation = fix(l.MaxAttributesPerAnnotation, DefaultMaxAttributesPerAnnotation)
	l.MaxAttributesPerLink = fix(l.MaxAttributesPerLink, DefaultMaxAttributesPerLink)
	if l.MaxAttributeValueLength < 0 {
		l.MaxAttributeValueLength = 0
	}
	return l
}

// truncateValue applies the value length limit to string values.
func truncateValue(v Value, limit int) Value {
	if limit <= 0 || v.strLen() <= limit {
		return v
	}
	str := v.str()
	cut := limit
	// If the cut splits a valid multi-byte sequence, cut before it instead.
	for k := limit - 1; k >= 0 && k > limit-utf8.UTFMax; k-- {
		if utf8.RuneStart(str[k]) {
			r, size := utf8.DecodeRuneInString(str[k:])
			if (r != utf8.RuneError || size > 1) && k+size > limit {
				cut = k
			}
			break
		}
	}
	return StringValue(str[:cut])
}

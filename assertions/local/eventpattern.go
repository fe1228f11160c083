package local

// An evaluator of Amazon EventBridge event patterns, for tests that check a
// synthesized AWS::Events::Rule's EventPattern against sample events.
//
// Each rule below cites the Amazon EventBridge User Guide page and section it
// follows:
//
//   - [Patterns] "Creating Amazon EventBridge event patterns"
//     (eb-event-patterns.html)
//   - [Syntax] "Event pattern syntax" (eb-create-pattern.html), sections
//     "Matching event values" and "Considerations when creating event
//     patterns"; the number rule was read in the archived copy of the guide
//     (github.com/awsdocs/amazon-eventbridge-user-guide, eb-event-patterns.md,
//     "Create event patterns")
//   - [Arrays] "Arrays in Amazon EventBridge event patterns"
//     (eb-event-patterns-arrays.html)
//   - [Null] "Matching null values and empty strings in Amazon EventBridge
//     event patterns" (eb-event-patterns-null-values.html)
//   - [Operators] "Comparison operators for use in event patterns in Amazon
//     EventBridge" (eb-create-pattern-operators.html): its summary table and
//     the sections it links
//
// What the guide does not say and is taken from EventBridge's matching
// library, aws/event-ruler (its README and JsonRuleCompiler), or is a choice
// made here, is marked "undocumented; inferred".

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// EventPattern is a compiled EventBridge event pattern.
type EventPattern struct{ root *epObject }

// epObject is a pattern object: all its fields must match (AND), and one branch of its $or if it has one.
type epObject struct {
	fields map[string]epField
	or     []*epObject
}

// epField matches one field's value in the event (present is false when the event lacks the field).
type epField func(v any, present bool) bool

// epMatcher is one element of a pattern array, given the field's leaf values in the event (none if absent or an object).
type epMatcher func(leaves []any) bool

// epOperators are the operators EventBridge documents; inside $or they may not be field names (undocumented; inferred
// from event-ruler's RESERVED_FIELD_NAMES_IN_OR_RELATIONSHIP).
var epOperators = map[string]bool{
	"prefix": true, "suffix": true, "equals-ignore-case": true, "wildcard": true,
	"anything-but": true, "numeric": true, "exists": true, "cidr": true,
}

// CompileEventPattern parses a pattern (JSON), refusing what EventBridge refuses in the supported subset, with an error naming the field.
func CompileEventPattern(pattern []byte) (*EventPattern, error) {
	// [Patterns]: "Event patterns have the same structure as the events they match": a JSON object.
	m, err := epDecodeObject(pattern)
	if err != nil {
		return nil, fmt.Errorf("invalid event pattern: %w", err)
	}
	root, err := epCompileObject("", m, false)
	if err != nil {
		return nil, err
	}
	return &EventPattern{root}, nil
}

// Matches reports whether the event (JSON) matches.
func (p *EventPattern) Matches(event []byte) (bool, error) {
	m, err := epDecodeObject(event)
	if err != nil {
		return false, fmt.Errorf("invalid event: %w", err)
	}
	return p.root.match(m), nil
}

// epDecodeObject decodes one JSON object, keeping numbers as their text.
func epDecodeObject(data []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON value")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("not a JSON object")
	}
	return m, nil
}

func epInvalid(path, format string, a ...any) error {
	if path == "" {
		path = "(top level)"
	}
	return fmt.Errorf("invalid event pattern: %s: %s", path, fmt.Sprintf(format, a...))
}

func epCompileObject(path string, m map[string]any, inOr bool) (*epObject, error) {
	// Undocumented; inferred (event-ruler: "Empty objects are not allowed").
	if len(m) == 0 {
		return nil, epInvalid(path, "empty objects are not allowed")
	}
	o := &epObject{fields: map[string]epField{}}
	for _, name := range slices.Sorted(maps.Keys(m)) {
		at := strings.TrimPrefix(path+"."+name, ".")
		if name == "$or" {
			// [Operators] table, "Or" (multiple fields): "$or": [ { "Location": [ "New York" ] }, { "Day": [ "Monday" ] } ].
			// That it takes an array of at least two objects is undocumented; inferred (event-ruler).
			branches, _ := m[name].([]any)
			for i, b := range branches {
				bm, ok := b.(map[string]any)
				if !ok || len(branches) < 2 {
					return nil, epInvalid(at, "$or must be an array of at least two objects")
				}
				branch, err := epCompileObject(fmt.Sprintf("%s[%d]", at, i), bm, true)
				if err != nil {
					return nil, err
				}
				o.or = append(o.or, branch)
			}
			if len(o.or) == 0 {
				return nil, epInvalid(at, "$or must be an array of at least two objects")
			}
			continue
		}
		if inOr && epOperators[name] {
			return nil, epInvalid(at, "%q cannot be a field name inside $or", name)
		}
		switch v := m[name].(type) {
		case map[string]any:
			// [Syntax]: field names "must also appear in the event with the same nesting structure".
			sub, err := epCompileObject(at, v, inOr)
			if err != nil {
				return nil, err
			}
			o.fields[name] = func(v any, _ bool) bool { return sub.matchNested(v) }
		case []any:
			// [Syntax] "Matching event values": "the value to match is in a JSON array", any of whose values may match.
			list, err := epCompileList(at, v)
			if err != nil {
				return nil, err
			}
			o.fields[name] = func(v any, present bool) bool {
				// An absent field has no leaves, so only {"exists": false} matches it ([Syntax]: "the event must
				// contain all the field names listed in the event pattern"; [Operators] "Exists matching").
				var leaves []any
				if present {
					leaves, _ = epFlatten(v, nil, nil)
				}
				return slices.ContainsFunc(list, func(m epMatcher) bool { return m(leaves) })
			}
		default:
			return nil, epInvalid(at, "must be an object or an array")
		}
	}
	return o, nil
}

func epCompileList(path string, values []any) ([]epMatcher, error) {
	// Undocumented; inferred (event-ruler: "Empty arrays are not allowed").
	if len(values) == 0 {
		return nil, epInvalid(path, "empty arrays are not allowed")
	}
	var list []epMatcher
	for _, v := range values {
		switch v := v.(type) {
		case map[string]any:
			m, err := epCompileOperator(path, v)
			if err != nil {
				return nil, err
			}
			list = append(list, m)
		case []any:
			return nil, epInvalid(path, "a match value must be a string, number, true, false, null or an operator object")
		default:
			// [Syntax] "Considerations": values "follow JSON rules" (strings, numbers, true, false, null);
			// strings match "character-by-character without case-folding"; numbers by "string representation",
			// so "300, 300.0, and 3.0e2 are not considered equal". [Null]: null and "" are not interchangeable.
			// Numbers are json.Number, their text, so == compares representations; types must agree.
			list = append(list, epAny(func(leaf any) bool { return leaf == v }))
		}
	}
	return list, nil
}

// epAny lifts a test of one leaf value to a matcher: [Arrays] "If the value in the event is an array,
// then the event pattern matches if the intersection of the event pattern array and the event array is non-empty."
func epAny(test func(any) bool) epMatcher {
	return func(leaves []any) bool { return slices.ContainsFunc(leaves, test) }
}

// epString is a test that only string leaves can pass.
func epString(test func(string) bool) epMatcher {
	return epAny(func(leaf any) bool {
		s, ok := leaf.(string)
		return ok && test(s)
	})
}

// epFold is the case folding of the ignore-case operators (undocumented; inferred: Unicode lower case).
func epFold(s string) string { return strings.ToLower(s) }

func epCompileOperator(path string, op map[string]any) (epMatcher, error) {
	if len(op) != 1 {
		return nil, epInvalid(path, "an operator object must have exactly one key, not %d", len(op))
	}
	var name string
	var arg any
	for name, arg = range op {
	}
	switch name {
	case "prefix", "suffix":
		// [Operators] "Prefix matching" (#eb-filtering-prefix-matching): "prefix": "2017-10-02"; "Prefix matching while
		// ignoring case": { "prefix": { "equals-ignore-case": "eventb" } }; table rows "Ends with": { "suffix": ".png" },
		// "Ends with (ignore case)": { "suffix": { "equals-ignore-case": "tBridge" } }.
		if m, ok := arg.(map[string]any); ok && len(m) == 1 {
			if s, ok := m["equals-ignore-case"].(string); ok {
				t, _ := epStringTest(path, name, epFold(s))
				return epString(func(v string) bool { return t(epFold(v)) }), nil
			}
		}
		if _, ok := arg.(string); !ok {
			return nil, epInvalid(path, `%s must be a string or {"equals-ignore-case": string}`, name)
		}
		t, err := epStringTest(path, name, arg)
		return epString(t), err
	case "equals-ignore-case", "wildcard":
		// [Operators] table rows "Equals (ignore case)": "Name": [ { "equals-ignore-case": "alice" } ] and
		// "Wildcard": "FileName": [ { "wildcard": "dir/*.png" } ].
		t, err := epStringTest(path, name, arg)
		return epString(t), err
	case "anything-but":
		return epAnythingBut(path, arg)
	case "numeric":
		return epNumeric(path, arg)
	case "exists":
		// [Operators] "Exists matching": it "only works on leaf nodes. It does not work on intermediate nodes",
		// so a field whose value is an object does not exist for it; null does (undocumented; inferred).
		b, ok := arg.(bool)
		if !ok {
			return nil, epInvalid(path, "exists must be true or false")
		}
		return func(leaves []any) bool { return (len(leaves) > 0) == b }, nil
	case "cidr":
		// [Operators] "IP address matching": documented, but event-ruler's CIDR ranges have quirks (the range
		// starts at the address as written; IPv4 /32 is refused) that are not modeled here.
		return nil, fmt.Errorf("event pattern: %s: operator %q is unsupported in this evaluator", path, name)
	}
	return nil, epInvalid(path, "unknown operator %q", name)
}

// epStringTest compiles the string operators that anything-but also takes: prefix, suffix, equals-ignore-case and
// wildcard, whose * is any run of characters, \* a literal * and \\ a literal \ (refusing consecutive * and other
// escapes is undocumented; inferred: event-ruler README, "Wildcard matching").
func epStringTest(path, name string, arg any) (func(string) bool, error) {
	s, ok := arg.(string)
	if !ok {
		return nil, epInvalid(path, "%s must be a string", name)
	}
	switch name {
	case "prefix":
		return func(v string) bool { return strings.HasPrefix(v, s) }, nil
	case "suffix":
		return func(v string) bool { return strings.HasSuffix(v, s) }, nil
	case "equals-ignore-case":
		return func(v string) bool { return epFold(v) == epFold(s) }, nil
	}
	re := []string{`^(?s:`}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '*' && i+1 < len(s) && s[i+1] == '*':
			return nil, epInvalid(path, "wildcard %q has consecutive wildcard characters", s)
		case c == '*':
			re = append(re, ".*")
		case c == '\\' && (i+1 == len(s) || s[i+1] != '*' && s[i+1] != '\\'):
			return nil, epInvalid(path, `wildcard %q has a \ that escapes neither * nor \`, s)
		case c == '\\':
			i++
			fallthrough
		default:
			re = append(re, regexp.QuoteMeta(s[i:i+1]))
		}
	}
	return regexp.MustCompile(strings.Join(re, "") + ")$").MatchString, nil
}

// epAnythingBut compiles [Operators] "Anything-but matching" (#eb-filtering-anything-but): "anything-but": "initializing",
// a number, a list of only strings or only numbers, or { "prefix": "us-" } (#eb-filtering-anything-but-prefix),
// { "suffix": ".png" } (-suffix), { "equals-ignore-case": "initializing" } (-ignore-case) or { "wildcard": "*/lib/*" } (-wildcard).
// Like every pattern field it needs the field to exist ([Syntax]); that it tests each element of an event array
// (any one not excluded matches) and that values of other types are never excluded is undocumented; inferred.
func epAnythingBut(path string, arg any) (epMatcher, error) {
	if m, ok := arg.(map[string]any); ok {
		const takes = "anything-but takes one of prefix, suffix, equals-ignore-case or wildcard"
		if len(m) != 1 {
			return nil, epInvalid(path, takes)
		}
		for name, v := range m {
			if !slices.Contains([]string{"prefix", "suffix", "equals-ignore-case", "wildcard"}, name) {
				return nil, epInvalid(path, "%s, not %q", takes, name)
			}
			// A list of operands (e.g. {"prefix": ["a", "b"]}) is undocumented; inferred (event-ruler accepts it).
			operands, ok := v.([]any)
			if !ok {
				operands = []any{v}
			}
			var tests []func(string) bool
			for _, operand := range operands {
				// An empty prefix or suffix is refused (undocumented; inferred: event-ruler, "Null prefix/suffix not allowed").
				if s, ok := operand.(string); !ok || s == "" && name != "equals-ignore-case" && name != "wildcard" {
					return nil, epInvalid(path, "anything-but %s must be a string (not empty for prefix and suffix)", name)
				}
				t, err := epStringTest(path, name, operand)
				if err != nil {
					return nil, err
				}
				tests = append(tests, t)
			}
			return epAny(func(leaf any) bool {
				s, ok := leaf.(string)
				return !ok || !slices.ContainsFunc(tests, func(t func(string) bool) bool { return t(s) })
			}), nil
		}
	}
	values, isList := arg.([]any)
	if !isList {
		values = []any{arg}
	}
	var strs, nums int
	for _, v := range values {
		switch v.(type) {
		case string:
			strs++
		case json.Number:
			nums++
		default:
			return nil, epInvalid(path, "anything-but values must be strings or numbers")
		}
	}
	// "You can use anything-but matching with strings and numeric values, including lists that contain only strings,
	// or only numbers" (archived guide, "Anything-but matching"). An empty list is refused (undocumented; inferred).
	if strs > 0 && nums > 0 || strs+nums == 0 {
		return nil, epInvalid(path, "an anything-but list must hold only strings or only numbers, and at least one")
	}
	return epAny(func(leaf any) bool { return !slices.Contains(values, leaf) }), nil
}

// epNumeric compiles [Operators] "Numeric matching": [ ">", 0, "<=", 5 ], [ "<", 10 ], [ "=", 3.018e2 ], which compare
// values (not representations) and only "work with values that are JSON numbers". That "=", "<" and "<=" stand alone
// and ">" or ">=" may be followed by one "<" or "<=" is undocumented; inferred (event-ruler). The range the guide
// limits values to is not modeled.
func epNumeric(path string, arg any) (epMatcher, error) {
	terms, ok := arg.([]any)
	if !ok || len(terms) != 2 && len(terms) != 4 {
		return nil, epInvalid(path, "numeric must be an array of one or two operator-number pairs")
	}
	var tests []func(float64) bool
	for i := 0; i < len(terms); i += 2 {
		op, ok := terms[i].(string)
		if !ok {
			return nil, epInvalid(path, "numeric operator %v is not a string", terms[i])
		}
		num, ok := terms[i+1].(json.Number)
		if !ok {
			return nil, epInvalid(path, "the value of numeric %q must be a number", op)
		}
		n, err := strconv.ParseFloat(string(num), 64)
		if err != nil {
			return nil, epInvalid(path, "numeric value %s: %v", num, err)
		}
		test := map[string]func(float64) bool{
			"<": func(v float64) bool { return v < n }, "<=": func(v float64) bool { return v <= n },
			"=": func(v float64) bool { return v == n },
			">": func(v float64) bool { return v > n }, ">=": func(v float64) bool { return v >= n },
		}[op]
		switch {
		case test == nil:
			return nil, epInvalid(path, "unknown numeric operator %q", op)
		case i == 0 && len(terms) == 4 && op != ">" && op != ">=":
			return nil, epInvalid(path, "numeric %q must stand alone; only > or >= may start a range", op)
		case i == 2 && op != "<" && op != "<=":
			return nil, epInvalid(path, "a numeric range must end with < or <=, not %q", op)
		}
		tests = append(tests, test)
	}
	return epAny(func(leaf any) bool {
		num, ok := leaf.(json.Number)
		v, err := strconv.ParseFloat(string(num), 64)
		return ok && err == nil && !slices.ContainsFunc(tests, func(t func(float64) bool) bool { return !t(v) })
	}), nil
}

func (o *epObject) match(ev map[string]any) bool {
	for name, f := range o.fields {
		if v, present := ev[name]; !f(v, present) {
			return false
		}
	}
	return len(o.or) == 0 || slices.ContainsFunc(o.or, func(b *epObject) bool { return b.match(ev) })
}

// matchNested matches a nested pattern object against an event value. An event array matches if one of its objects
// matches (undocumented; inferred: event-ruler README, "JSON Array Matching"); an absent or non-object value is
// matched as an empty object, so only {"exists": false} fields can match it.
func (o *epObject) matchNested(v any) bool {
	_, objs := epFlatten(v, nil, nil)
	if len(objs) == 0 {
		return o.match(map[string]any{})
	}
	return slices.ContainsFunc(objs, o.match)
}

// epFlatten appends an event value's leaves, the scalars, and its objects: the value itself, or an array's elements,
// flattened ([Arrays]; flattening nested arrays is undocumented; inferred).
func epFlatten(v any, leaves []any, objs []map[string]any) ([]any, []map[string]any) {
	switch v := v.(type) {
	case map[string]any:
		return leaves, append(objs, v)
	case []any:
		for _, e := range v {
			leaves, objs = epFlatten(e, leaves, objs)
		}
		return leaves, objs
	}
	return append(leaves, v), objs
}

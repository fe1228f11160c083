package local

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"
)

// ValidateJSON checks a document against the subset of JSON Schema draft 4
// that API Gateway models in this project use: type, properties, required,
// additionalProperties (boolean), minLength, maxLength, pattern, enum,
// minimum, maximum, items. A schema keyword outside that subset is an error,
// so a model can never pass here by being misunderstood.
func ValidateJSON(schema map[string]any, doc []byte) error {
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		return fmt.Errorf("body is not JSON: %v", err)
	}
	var errs []string
	validate("$", schema, v, &errs)
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}

var ignoredKeywords = map[string]bool{"$schema": true, "title": true, "description": true, "id": true}

func validate(at string, schema map[string]any, v any, errs *[]string) {
	fail := func(format string, a ...any) { *errs = append(*errs, at+": "+fmt.Sprintf(format, a...)) }
	keys := make([]string, 0, len(schema))
	for k := range schema {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		rule := schema[k]
		switch k {
		case "type":
			if !hasType(v, fmt.Sprint(rule)) {
				fail("want type %v", rule)
				return
			}
		case "required":
			obj, _ := v.(map[string]any)
			for _, name := range rule.([]any) {
				if _, ok := obj[fmt.Sprint(name)]; !ok {
					fail("missing required property %q", name)
				}
			}
		case "properties":
			obj, _ := v.(map[string]any)
			for name, sub := range rule.(map[string]any) {
				if pv, ok := obj[name]; ok {
					validate(at+"."+name, sub.(map[string]any), pv, errs)
				}
			}
		case "additionalProperties":
			allowed, ok := rule.(bool)
			if !ok {
				fail("additionalProperties must be a boolean in this harness")
				continue
			}
			props, _ := schema["properties"].(map[string]any)
			if obj, isObj := v.(map[string]any); isObj && !allowed {
				for name := range obj {
					if _, ok := props[name]; !ok {
						fail("property %q is not allowed", name)
					}
				}
			}
		case "minLength", "maxLength":
			s, ok := v.(string)
			if !ok {
				continue
			}
			n, limit := utf8.RuneCountInString(s), int(rule.(float64))
			if k == "minLength" && n < limit || k == "maxLength" && n > limit {
				fail("length %d breaks %s %d", n, k, limit)
			}
		case "pattern":
			if s, ok := v.(string); ok && !regexp.MustCompile(fmt.Sprint(rule)).MatchString(s) {
				fail("does not match %v", rule)
			}
		case "enum":
			found := false
			for _, e := range rule.([]any) {
				found = found || jsonEqual(e, v)
			}
			if !found {
				fail("not one of %v", rule)
			}
		case "minimum", "maximum":
			f, ok := v.(float64)
			if ok && (k == "minimum" && f < rule.(float64) || k == "maximum" && f > rule.(float64)) {
				fail("%v breaks %s %v", f, k, rule)
			}
		case "items":
			for i, item := range asSlice(v) {
				validate(fmt.Sprintf("%s[%d]", at, i), rule.(map[string]any), item, errs)
			}
		default:
			if !ignoredKeywords[k] {
				fail("schema keyword %q is not supported by the harness", k)
			}
		}
	}
}

func hasType(v any, typ string) bool {
	switch typ {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "number":
		_, ok := v.(float64)
		return ok
	case "integer":
		f, ok := v.(float64)
		return ok && f == float64(int64(f))
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "null":
		return v == nil
	}
	return false
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

package local

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Pseudo are the values the harness gives CloudFormation's pseudo parameters.
var Pseudo = map[string]string{
	"AWS::Region":    "us-east-1",
	"AWS::AccountId": "123456789012",
	"AWS::Partition": "aws",
	"AWS::URLSuffix": "amazonaws.com",
	"AWS::StackName": "LocalStack",
}

// Zones are what Fn::GetAZs returns here: the Availability Zones of
// Pseudo's region, "in alphabetical order" (AWS CloudFormation Template
// Reference, "Fn::GetAZs").
var Zones = []string{"us-east-1a", "us-east-1b", "us-east-1c"}

// Resolve turns a template value built from Ref, Fn::GetAtt, Fn::Join,
// Fn::Sub and Fn::Select (of a literal list or of Fn::GetAZs) into a string. refs gives the value of a logical id (for Ref) or of
// "LogicalId.Attribute" (for Fn::GetAtt); a missing one is an error.
func Resolve(v any, refs map[string]string) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case map[string]any:
		if len(x) != 1 {
			break
		}
		for fn, arg := range x {
			switch fn {
			case "Ref":
				return lookup(fmt.Sprint(arg), refs)
			case "Fn::GetAtt":
				parts, _ := arg.([]any)
				if len(parts) != 2 {
					return "", fmt.Errorf("bad Fn::GetAtt %v", arg)
				}
				return lookup(fmt.Sprintf("%v.%v", parts[0], parts[1]), refs)
			case "Fn::Join":
				parts, _ := arg.([]any)
				if len(parts) != 2 {
					return "", fmt.Errorf("bad Fn::Join %v", arg)
				}
				items, _ := parts[1].([]any)
				out := make([]string, len(items))
				for i, it := range items {
					s, err := Resolve(it, refs)
					if err != nil {
						return "", err
					}
					out[i] = s
				}
				return strings.Join(out, fmt.Sprint(parts[0])), nil
			case "Fn::Select":
				return selectOne(arg, refs)
			case "Fn::Sub":
				s, ok := arg.(string)
				if !ok {
					return "", fmt.Errorf("Fn::Sub with variables is not supported: %v", arg)
				}
				var err error
				out := subVar.ReplaceAllStringFunc(s, func(m string) string {
					r, e := lookup(m[2:len(m)-1], refs)
					if e != nil {
						err = e
					}
					return r
				})
				return out, err
			}
		}
	}
	return "", fmt.Errorf("cannot resolve %v", v)
}

// selectOne is Fn::Select: [index, list].
func selectOne(arg any, refs map[string]string) (string, error) {
	parts, _ := arg.([]any)
	if len(parts) != 2 {
		return "", fmt.Errorf("bad Fn::Select %v", arg)
	}
	i, err := strconv.Atoi(fmt.Sprint(parts[0]))
	if err != nil {
		return "", fmt.Errorf("bad Fn::Select index %v", parts[0])
	}
	list, _ := parts[1].([]any)
	if m, ok := parts[1].(map[string]any); ok {
		if _, ok := m["Fn::GetAZs"]; !ok || len(m) != 1 {
			return "", fmt.Errorf("cannot resolve the Fn::Select list %v", parts[1])
		}
		for _, z := range Zones {
			list = append(list, z)
		}
	}
	if i < 0 || i >= len(list) {
		return "", fmt.Errorf("Fn::Select index %d is outside a list of %d", i, len(list))
	}
	return Resolve(list[i], refs)
}

var subVar = regexp.MustCompile(`\$\{[^}!][^}]*\}`)

func lookup(name string, refs map[string]string) (string, error) {
	if v, ok := refs[name]; ok {
		return v, nil
	}
	if v, ok := Pseudo[name]; ok {
		return v, nil
	}
	return "", fmt.Errorf("no value for %q: give it in refs", name)
}

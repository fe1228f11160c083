// Package vtl writes the Velocity (VTL) snippets that API Gateway mapping
// templates share: JSON values printed safely from request and DynamoDB data.
package vtl

import "encoding/json"

// JSONString is VTL that prints the value of the reference ref as a JSON
// string, quotes included, or null when ref is null. $util.escapeJavaScript
// escapes ' as \', which JSON does not allow, so the escape is undone with
// Java's replaceAll; a ' is always preceded by exactly the backslash that
// escaped it, so no other backslash is touched.
func JSONString(ref string) string {
	return `#if(` + ref + `)"$util.escapeJavaScript(` + ref + `).replaceAll("\\'","'")"#{else}null#end`
}

// JSONAttribute is VTL that prints a DynamoDB attribute value (the reference
// of its {"S": …} or {"N": …} object) as a JSON string or number, or null.
// DynamoDB only returns valid numbers as N, so they print as they are.
func JSONAttribute(ref string) string {
	return `#if(` + ref + `.S)` + JSONString(ref+".S") + `#elseif(` + ref + `.N)` + ref + `.N#{else}null#end`
}

// Quote is a Go string as a JSON string literal, for the fixed parts of a
// template (attribute and table names).
func Quote(s string) string {
	b, err := json.Marshal(s)
	if err != nil { // a Go string always marshals
		panic(err)
	}
	return string(b)
}

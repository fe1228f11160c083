package local

import (
	"strings"
	"testing"
)

// Sample events from the documentation; the labels ([Patterns], [Arrays], …) are the pages listed at the top of
// eventpattern.go.
var epSamples = map[string]string{
	// [Patterns]: the Amazon EC2 state-change event.
	"ec2": `{"version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718", "detail-type": "EC2 Instance State-change Notification",
		"source": "aws.ec2", "account": "111122223333", "time": "2017-12-22T18:43:48Z", "region": "us-west-1",
		"resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
		"detail": {"instance-id": "i-1234567890abcdef0", "state": "terminated"}}`,
	// Amazon EC2 Auto Scaling User Guide, "Amazon EC2 Auto Scaling event reference", "Lifecycle action events",
	// "Scale-out lifecycle action".
	"asg-launch": `{"version": "0", "id": "12345678-1234-1234-1234-123456789012", "detail-type": "EC2 Instance-launch Lifecycle Action",
		"source": "aws.autoscaling", "account": "123456789012", "time": "yyyy-mm-ddThh:mm:ssZ", "region": "us-west-2",
		"resources": ["auto-scaling-group-arn"],
		"detail": {"LifecycleActionToken": "87654321-4321-4321-4321-210987654321", "AutoScalingGroupName": "my-asg",
			"LifecycleHookName": "my-lifecycle-hook", "EC2InstanceId": "i-1234567890abcdef0",
			"LifecycleTransition": "autoscaling:EC2_INSTANCE_LAUNCHING", "NotificationMetadata": "additional-info",
			"Origin": "EC2", "Destination": "AutoScalingGroup"}}`,
	// The same page, "Scale-in lifecycle action".
	"asg-terminate": `{"version": "0", "id": "12345678-1234-1234-1234-123456789012", "detail-type": "EC2 Instance-terminate Lifecycle Action",
		"source": "aws.autoscaling", "account": "123456789012", "time": "yyyy-mm-ddThh:mm:ssZ", "region": "us-west-2",
		"resources": ["auto-scaling-group-arn"],
		"detail": {"LifecycleActionToken": "87654321-4321-4321-4321-210987654321", "AutoScalingGroupName": "my-asg",
			"LifecycleHookName": "my-lifecycle-hook", "EC2InstanceId": "i-1234567890abcdef0",
			"LifecycleTransition": "autoscaling:EC2_INSTANCE_TERMINATING", "NotificationMetadata": "additional-info",
			"Origin": "AutoScalingGroup", "Destination": "EC2"}}`,
	// [Null]: the Auto Scaling event with an empty string and a null.
	"null": `{"version": "0", "id": "3e3c153a-8339-4e30-8c35-687ebef853fe", "detail-type": "EC2 Instance Launch Successful",
		"source": "aws.autoscaling", "account": "123456789012", "time": "2015-11-11T21:31:47Z", "region": "us-east-1",
		"resources": [], "detail": {"eventVersion": "", "responseElements": null}}`,
	// [Arrays]: an event whose resources' second item is the pattern's first.
	"arrays": `{"resources": ["arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate",
		"arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f"]}`,
	// Archived guide, "Example events and event patterns", "Value matching": a (truncated) Amazon Macie Classic alert.
	"macie": `{"source": "aws.macie", "detail-type": "Macie Alert", "detail": {"notification-type": "ALERT_CREATED", "tags": ["Custom_Alert", "Insider"],
		"risk-score": 80, "trigger": {"alert-type": "basic", "risk": 8}}}`,
	// Archived guide, "Exists matching": the events matched by {"exists": false} on detail.c-count (made valid JSON).
	"no-c-count":     `{"detail-type": ["EC2 Instance State-change Notification"], "detail": {"state": ["initializing", "running"]}}`,
	"c-count-object": `{"detail-type": ["EC2 Instance State-change Notification"], "detail": {"state": ["initializing", "running"], "c-count": {"c1": 100}}}`,
}

// An event from the samples by name, or the text itself.
func epEvent(s string) []byte {
	if e, ok := epSamples[s]; ok {
		return []byte(e)
	}
	return []byte(s)
}

const epASGRule = `{"source":["aws.autoscaling"],"detail-type":["EC2 Instance-launch Lifecycle Action"],"detail":{"AutoScalingGroupName":["my-asg"]}}`

func TestEventPatternMatchesAsDocumented(t *testing.T) {
	for _, c := range []struct {
		name, pattern, event string
		want                 bool
	}{
		// The construct test's rule: the launch lifecycle action of its group, and nothing else.
		{"ASG launch action", epASGRule, "asg-launch", true},
		{"ASG other group", epASGRule, strings.Replace(epSamples["asg-launch"], `"my-asg"`, `"other-asg"`, 1), false},
		{"ASG terminate action", epASGRule, "asg-terminate", false},
		{"ASG other source", epASGRule, strings.Replace(epSamples["asg-launch"], `"aws.autoscaling"`, `"aws.ec2"`, 1), false},
		{"ASG launch or terminate", strings.Replace(epASGRule, `Action"]`, `Action","EC2 Instance-terminate Lifecycle Action"]`, 1), "asg-terminate", true},
		{"ASG group name is case-sensitive", epASGRule, strings.Replace(epSamples["asg-launch"], `"my-asg"`, `"My-ASG"`, 1), false},

		// [Patterns]: all Amazon EC2 instance-termination events.
		{"EC2 termination", `{"source":["aws.ec2"],"detail-type":["EC2 Instance State-change Notification"],"detail":{"state":["terminated"]}}`, "ec2", true},
		{"EC2 running", `{"source":["aws.ec2"],"detail":{"state":["terminated"]}}`, strings.Replace(epSamples["ec2"], "terminated", "running", 1), false},
		// [Syntax] "Matching event values": values in the array are ORed.
		{"source EC2 or Fargate", `{"source":["aws.ec2","aws.fargate"]}`, "ec2", true},
		{"source Fargate or S3", `{"source":["aws.fargate","aws.s3"]}`, "ec2", false},
		// [Syntax]: the event must contain every field of the pattern, with the same nesting.
		{"missing field", `{"source":["aws.ec2"],"detail":{"instance-type":["t3.micro"]}}`, "ec2", false},
		{"field at another level", `{"state":["terminated"]}`, "ec2", false},
		{"leaf against an object", `{"detail":["terminated"]}`, "ec2", false},
		// [Syntax] "Considerations": exact, case-sensitive strings; numbers by string representation.
		{"case-sensitive", `{"detail":{"state":["Terminated"]}}`, "ec2", false},
		{"number representation equal", `{"n":[300]}`, `{"n":300}`, true},
		{"300.0 is not 300", `{"n":[300]}`, `{"n":300.0}`, false},
		{"3.0e2 is not 300", `{"n":[300]}`, `{"n":3.0e2}`, false},
		{"string is not number", `{"n":["300"]}`, `{"n":300}`, false},
		{"true", `{"b":[true]}`, `{"b":true}`, true},
		{"true is not \"true\"", `{"b":[true]}`, `{"b":"true"}`, false},
		// [Arrays]: an event array matches if it intersects the pattern's.
		{"arrays intersect", `{"resources":["arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f","arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f",` +
			`"arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f"]}`, "arrays", true},
		{"arrays disjoint", `{"resources":["arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f"]}`, "arrays", false},
		{"empty event array", `{"resources":["auto-scaling-group-arn"]}`, "null", false},
		// [Null]: empty strings and nulls, which are not interchangeable.
		{"empty string", `{"detail":{"eventVersion":[""]}}`, "null", true},
		{"null", `{"detail":{"responseElements":[null]}}`, "null", true},
		{"null is not empty", `{"detail":{"responseElements":[""]}}`, "null", false},
		{"empty is not null", `{"detail":{"eventVersion":[null]}}`, "null", false},
		// Archived guide, "Value matching": nested numbers.
		{"Macie risk", `{"source":["aws.macie"],"detail-type":["Macie Alert"],"detail":{"risk-score":[80],"trigger":{"risk":[8]}}}`, "macie", true},
		{"Macie other risk", `{"source":["aws.macie"],"detail":{"risk-score":[80],"trigger":{"risk":[9]}}}`, "macie", false},

		// [Operators] "Prefix matching" and its ignore-case form.
		{"prefix", `{"time":[{"prefix":"2017-12-22"}]}`, "ec2", true},
		{"prefix no", `{"time":[{"prefix":"2017-10-02"}]}`, "ec2", false},
		{"prefix is case-sensitive", `{"service":[{"prefix":"eventb"}]}`, `{"service":"EventBridge"}`, false},
		{"prefix not a number", `{"n":[{"prefix":"3"}]}`, `{"n":300}`, false},
		{"prefix ignore case", `{"service":[{"prefix":{"equals-ignore-case":"eventb"}}]}`, `{"service":"EventBridge"}`, true},
		{"prefix ignore case no", `{"service":[{"prefix":{"equals-ignore-case":"eventb"}}]}`, `{"service":"Bridge"}`, false},
		// [Operators] table "Ends with" and "Ends with (ignore case)".
		{"suffix", `{"FileName":[{"suffix":".png"}]}`, `{"FileName":"dir/a.png"}`, true},
		{"suffix no", `{"FileName":[{"suffix":".png"}]}`, `{"FileName":"dir/a.PNG"}`, false},
		{"suffix ignore case", `{"service":[{"suffix":{"equals-ignore-case":"tBridge"}}]}`, `{"service":"EVENTBRIDGE"}`, true},
		{"suffix ignore case no", `{"service":[{"suffix":{"equals-ignore-case":"tBridge"}}]}`, `{"service":"EventBus"}`, false},
		// [Operators] table "Equals (ignore case)".
		{"equals-ignore-case", `{"Name":[{"equals-ignore-case":"alice"}]}`, `{"Name":"Alice"}`, true},
		{"equals-ignore-case no", `{"Name":[{"equals-ignore-case":"alice"}]}`, `{"Name":"Alicia"}`, false},
		// [Operators] "Anything-but matching" and its forms.
		{"anything-but", `{"detail":{"state":[{"anything-but":"initializing"}]}}`, "ec2", true},
		{"anything-but no", `{"detail":{"state":[{"anything-but":"terminated"}]}}`, "ec2", false},
		{"anything-but absent", `{"detail":{"mode":[{"anything-but":"initializing"}]}}`, "ec2", false},
		{"anything-but number", `{"detail":{"x-limit":[{"anything-but":123}]}}`, `{"detail":{"x-limit":124}}`, true},
		{"anything-but number no", `{"detail":{"x-limit":[{"anything-but":123}]}}`, `{"detail":{"x-limit":123}}`, false},
		{"anything-but strings", `{"detail":{"state":[{"anything-but":["stopped","overloaded"]}]}}`, "ec2", true},
		{"anything-but strings no", `{"detail":{"state":[{"anything-but":["stopped","terminated"]}]}}`, "ec2", false},
		{"anything-but numbers", `{"detail":{"x-limit":[{"anything-but":[100,200,300]}]}}`, `{"detail":{"x-limit":150}}`, true},
		{"anything-but numbers no", `{"detail":{"x-limit":[{"anything-but":[100,200,300]}]}}`, `{"detail":{"x-limit":200}}`, false},
		{"anything-but prefix", `{"detail":{"state":[{"anything-but":{"prefix":"init"}}]}}`, "ec2", true},
		{"anything-but prefix no", `{"Region":[{"anything-but":{"prefix":"us-"}}]}`, `{"Region":"us-west-1"}`, false},
		{"anything-but prefixes", `{"Region":[{"anything-but":{"prefix":["us-","eu-"]}}]}`, `{"Region":"ap-south-1"}`, true},
		{"anything-but prefixes no", `{"Region":[{"anything-but":{"prefix":["us-","eu-"]}}]}`, `{"Region":"eu-west-1"}`, false},
		{"anything-but suffix", `{"FileName":[{"anything-but":{"suffix":".png"}}]}`, `{"FileName":"a.jpg"}`, true},
		{"anything-but suffix no", `{"FileName":[{"anything-but":{"suffix":".png"}}]}`, `{"FileName":"a.png"}`, false},
		{"anything-but ignore case", `{"state":[{"anything-but":{"equals-ignore-case":"initializing"}}]}`, `{"state":"running"}`, true},
		{"anything-but ignore case no", `{"state":[{"anything-but":{"equals-ignore-case":"initializing"}}]}`, `{"state":"INITIALIZING"}`, false},
		{"anything-but wildcard", `{"FilePath":[{"anything-but":{"wildcard":"*/lib/*"}}]}`, `{"FilePath":"/usr/bin/tool"}`, true},
		{"anything-but wildcard no", `{"FilePath":[{"anything-but":{"wildcard":"*/lib/*"}}]}`, `{"FilePath":"/usr/lib/tool"}`, false},
		// Undocumented; inferred: anything-but tests each element of an event array, and never excludes a value that is
		// not of its operand's kind.
		{"anything-but over an array", `{"price":[{"anything-but":[100,500]}]}`, `{"price":[100,50]}`, true},
		{"anything-but over an array no", `{"price":[{"anything-but":[100,500]}]}`, `{"price":[100,500]}`, false},
		{"anything-but string, number event", `{"a":[{"anything-but":"x"}]}`, `{"a":5}`, true},
		{"anything-but prefix, number event", `{"a":[{"anything-but":{"prefix":"x"}}]}`, `{"a":5}`, true},
		// [Operators] "Numeric matching" (the guide's c-count, d-count and x-limit example) and the table's Price rows.
		{"numeric", `{"detail":{"c-count":[{"numeric":[">",0,"<=",5]}],"d-count":[{"numeric":["<",10]}],"x-limit":[{"numeric":["=",3.018e2]}]}}`,
			`{"detail":{"c-count":5,"d-count":3,"x-limit":301.8}}`, true},
		{"numeric no", `{"detail":{"c-count":[{"numeric":[">",0,"<=",5]}],"d-count":[{"numeric":["<",10]}]}}`, `{"detail":{"c-count":0,"d-count":3}}`, false},
		{"numeric equals", `{"Price":[{"numeric":["=",100]}]}`, `{"Price":100.0}`, true},
		{"numeric equals no", `{"Price":[{"numeric":["=",100]}]}`, `{"Price":100.5}`, false},
		{"numeric range", `{"Price":[{"numeric":[">",10,"<=",20]}]}`, `{"Price":20}`, true},
		{"numeric range no", `{"Price":[{"numeric":[">",10,"<=",20]}]}`, `{"Price":10}`, false},
		{"numeric >= and <", `{"Price":[{"numeric":[">=",10,"<",20]}]}`, `{"Price":10}`, true},
		{"numeric not a string", `{"Price":[{"numeric":["<",10]}]}`, `{"Price":"5"}`, false},
		// [Operators] "Exists matching", including the guide's non-leaf example.
		{"exists", `{"ProductName":[{"exists":true}]}`, `{"ProductName":"Widget"}`, true},
		{"exists no", `{"ProductName":[{"exists":true}]}`, `{"Product":"Widget"}`, false},
		{"does not exist", `{"ProductName":[{"exists":false}]}`, `{"Product":"Widget"}`, true},
		{"does not exist no", `{"ProductName":[{"exists":false}]}`, `{"ProductName":"Widget"}`, false},
		{"does not exist, absent", `{"detail":{"c-count":[{"exists":false}]}}`, "no-c-count", true},
		{"does not exist, not a leaf", `{"detail":{"c-count":[{"exists":false}]}}`, "c-count-object", true},
		{"exists, not a leaf", `{"detail":{"c-count":[{"exists":true}]}}`, "c-count-object", false},
		{"exists or value", `{"detail":{"c-count":[5,{"exists":false}]}}`, "no-c-count", true},
		// Undocumented; inferred (event-ruler README, "JSON Array Matching"): a nested pattern against an array of objects
		// needs one object to match all of it; an absent parent leaves only {"exists": false} to match.
		{"objects in an array", `{"employees":{"firstName":["Anna"]}}`, `{"employees":[{"firstName":"John"},{"firstName":"Anna"}]}`, true},
		{"objects in an array, one at a time", `{"employees":{"firstName":["Anna"],"lastName":["Jones"]}}`,
			`{"employees":[{"firstName":"Anna","lastName":"Smith"},{"firstName":"Peter","lastName":"Jones"}]}`, false},
		{"does not exist, no parent", `{"detail":{"c-count":[{"exists":false}]}}`, `{"source":"aws.ec2"}`, true},
		{"exists, no parent", `{"detail":{"c-count":[{"exists":true}]}}`, `{"source":"aws.ec2"}`, false},
		{"does not exist, parent a string", `{"detail":{"c-count":[{"exists":false}]}}`, `{"detail":"c-count"}`, true},
		// [Operators] table "Wildcard".
		{"wildcard", `{"FileName":[{"wildcard":"dir/*.png"}]}`, `{"FileName":"dir/a/b.png"}`, true},
		{"wildcard no", `{"FileName":[{"wildcard":"dir/*.png"}]}`, `{"FileName":"other/dir/a.png"}`, false},
		{"wildcard escaped star", `{"FileName":[{"wildcard":"a\\*b"}]}`, `{"FileName":"a*b"}`, true},
		{"wildcard escaped star no", `{"FileName":[{"wildcard":"a\\*b"}]}`, `{"FileName":"aXb"}`, false},
		// [Operators] table "Or": values, and "$or" over fields.
		{"or values", `{"PaymentType":["Credit","Debit"]}`, `{"PaymentType":"Debit"}`, true},
		{"or values no", `{"PaymentType":["Credit","Debit"]}`, `{"PaymentType":"Cash"}`, false},
		{"$or", `{"$or":[{"Location":["New York"]},{"Day":["Monday"]}]}`, `{"Location":"Boston","Day":"Monday"}`, true},
		{"$or no", `{"$or":[{"Location":["New York"]},{"Day":["Monday"]}]}`, `{"Location":"Boston","Day":"Friday"}`, false},
		{"$or and a field", `{"source":["aws.ec2"],"$or":[{"detail":{"state":["running"]}},{"region":["us-west-1"]}]}`, "ec2", true},
		{"$or and a field no", `{"source":["aws.s3"],"$or":[{"detail":{"state":["running"]}},{"region":["us-west-1"]}]}`, "ec2", false},
	} {
		p, err := CompileEventPattern([]byte(c.pattern))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		got, err := p.Matches(epEvent(c.event))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
		} else if got != c.want {
			t.Errorf("%s: matched %v, want %v", c.name, got, c.want)
		}
	}
}

func TestEventPatternRefusesWhatEventBridgeRefuses(t *testing.T) {
	for _, c := range []struct{ pattern, want string }{
		{`["source"]`, "invalid event pattern: not a JSON object"},
		{`{"source":`, "invalid event pattern: unexpected EOF"},
		{`{} {}`, "invalid event pattern: data after the JSON value"},
		{`{}`, "invalid event pattern: (top level): empty objects are not allowed"},
		{`{"detail":{}}`, "invalid event pattern: detail: empty objects are not allowed"},
		{`{"source":"aws.ec2"}`, "invalid event pattern: source: must be an object or an array"},
		{`{"detail":{"n":5}}`, "invalid event pattern: detail.n: must be an object or an array"},
		{`{"source":[]}`, "invalid event pattern: source: empty arrays are not allowed"},
		{`{"source":[["aws.ec2"]]}`, "invalid event pattern: source: a match value must be"},
		{`{"a":[{}]}`, "invalid event pattern: a: an operator object must have exactly one key, not 0"},
		{`{"a":[{"prefix":"x","suffix":"y"}]}`, "invalid event pattern: a: an operator object must have exactly one key, not 2"},
		{`{"a":[{"contains":"x"}]}`, `invalid event pattern: a: unknown operator "contains"`},
		{`{"detail":{"ip":[{"cidr":"10.0.0.0/24"}]}}`, `event pattern: detail.ip: operator "cidr" is unsupported in this evaluator`},
		{`{"a":[{"prefix":5}]}`, `invalid event pattern: a: prefix must be a string or {"equals-ignore-case": string}`},
		{`{"a":[{"prefix":{"ignore-case":"x"}}]}`, `invalid event pattern: a: prefix must be a string or {"equals-ignore-case": string}`},
		{`{"a":[{"suffix":["x"]}]}`, `invalid event pattern: a: suffix must be a string or {"equals-ignore-case": string}`},
		{`{"a":[{"equals-ignore-case":null}]}`, "invalid event pattern: a: equals-ignore-case must be a string"},
		{`{"a":[{"wildcard":1}]}`, "invalid event pattern: a: wildcard must be a string"},
		{`{"a":[{"wildcard":"dir/**.png"}]}`, "invalid event pattern: a: wildcard \"dir/**.png\" has consecutive wildcard characters"},
		{`{"a":[{"wildcard":"a\\b"}]}`, `invalid event pattern: a: wildcard "a\\b" has a \ that escapes neither * nor \`},
		{`{"a":[{"exists":"true"}]}`, "invalid event pattern: a: exists must be true or false"},
		{`{"a":[{"anything-but":["x",1]}]}`, "invalid event pattern: a: an anything-but list must hold only strings or only numbers"},
		{`{"a":[{"anything-but":[]}]}`, "invalid event pattern: a: an anything-but list must hold only strings or only numbers"},
		{`{"a":[{"anything-but":null}]}`, "invalid event pattern: a: anything-but values must be strings or numbers"},
		{`{"a":[{"anything-but":{"numeric":[">",1]}}]}`, `a: anything-but takes one of prefix, suffix, equals-ignore-case or wildcard, not "numeric"`},
		{`{"a":[{"anything-but":{"prefix":"x","suffix":"y"}}]}`, "invalid event pattern: a: anything-but takes one of"},
		{`{"a":[{"anything-but":{"prefix":""}}]}`, "invalid event pattern: a: anything-but prefix must be a string (not empty for prefix and suffix)"},
		{`{"a":[{"anything-but":{"suffix":[".png",""]}}]}`, "invalid event pattern: a: anything-but suffix must be a string (not empty for prefix and suffix)"},
		{`{"a":[{"anything-but":{"wildcard":[1]}}]}`, "invalid event pattern: a: anything-but wildcard must be a string"},
		{`{"a":[{"prefix":{"equals-ignore-case":1}}]}`, `invalid event pattern: a: prefix must be a string or {"equals-ignore-case": string}`},
		{`{"a":[{"anything-but":{"equals-ignore-case":1}}]}`, "invalid event pattern: a: anything-but equals-ignore-case must be a string"},
		{`{"a":[{"anything-but":{"wildcard":"**"}}]}`, "invalid event pattern: a: wildcard \"**\" has consecutive wildcard characters"},
		{`{"a":[{"numeric":">"}]}`, "invalid event pattern: a: numeric must be an array of one or two operator-number pairs"},
		{`{"a":[{"numeric":[">",1,"<"]}]}`, "invalid event pattern: a: numeric must be an array of one or two operator-number pairs"},
		{`{"a":[{"numeric":[1,">"]}]}`, "invalid event pattern: a: numeric operator 1 is not a string"},
		{`{"a":[{"numeric":[">","1"]}]}`, `invalid event pattern: a: the value of numeric ">" must be a number`},
		{`{"a":[{"numeric":["!=",1]}]}`, `invalid event pattern: a: unknown numeric operator "!="`},
		{`{"a":[{"numeric":["<",1,">",0]}]}`, `invalid event pattern: a: numeric "<" must stand alone`},
		{`{"a":[{"numeric":[">",0,">=",1]}]}`, `invalid event pattern: a: a numeric range must end with < or <=, not ">="`},
		{`{"$or":[{"a":["x"]}]}`, "invalid event pattern: $or: $or must be an array of at least two objects"},
		{`{"$or":{"a":["x"]}}`, "invalid event pattern: $or: $or must be an array of at least two objects"},
		{`{"$or":[{"a":["x"]},"b"]}`, "invalid event pattern: $or: $or must be an array of at least two objects"},
		{`{"$or":[{"a":["x"]},{"b":{"prefix":["y"]}}]}`, `invalid event pattern: $or[1].b.prefix: "prefix" cannot be a field name inside $or`},
		{`{"$or":[{"a":["x"]},{"b":[]}]}`, "invalid event pattern: $or[1].b: empty arrays are not allowed"},
	} {
		_, err := CompileEventPattern([]byte(c.pattern))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.pattern, err, c.want)
		}
	}
	// Outside $or, an operator's name is an ordinary field name (undocumented; inferred).
	if _, err := CompileEventPattern([]byte(`{"prefix":["x"]}`)); err != nil {
		t.Errorf("a field named prefix: %v", err)
	}
}

func TestEventPatternRefusesInvalidEvents(t *testing.T) {
	p, err := CompileEventPattern([]byte(`{"source":[{"exists":false}]}`))
	if err != nil {
		t.Fatal(err)
	}
	for event, want := range map[string]string{
		`["aws.ec2"]`:          "invalid event: not a JSON object",
		`"aws.ec2"`:            "invalid event: not a JSON object",
		`{"source":`:           "invalid event: unexpected EOF",
		`{"source":"x"} trail`: "invalid event: data after the JSON value",
		``:                     "invalid event: EOF",
	} {
		if _, err := p.Matches([]byte(event)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", event, err, want)
		}
	}
	if ok, err := p.Matches([]byte(`{}`)); !ok || err != nil {
		t.Errorf("{}: %v, %v; want a match", ok, err)
	}
}

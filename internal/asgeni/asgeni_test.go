package asgeni

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestFromEnv(t *testing.T) {
	good := map[string]string{EnvGroupName: "Fleet", EnvHookName: "Eni", EnvOwner: "Stack/Eni", EnvHeartbeat: "600", EnvRetryAttempts: "2"}
	c, err := FromEnv(func(k string) string { return good[k] })
	if want := (Config{GroupName: "Fleet", HookName: "Eni", Owner: "Stack/Eni", Heartbeat: 10 * time.Minute, RetryAttempts: 2}); err != nil || c != want {
		t.Errorf("FromEnv: %+v, %v; want %+v", c, err, want)
	}
	for _, c := range []struct {
		name, value string
		want        string // "" for no error
	}{
		{EnvGroupName, "", "GROUP_NAME is not set"},
		{EnvHookName, "", "HOOK_NAME is not set"},
		{EnvOwner, "", "ENI_OWNER is not set"},
		{EnvHeartbeat, "", `HEARTBEAT_SECONDS "" must be a whole number of seconds from 30 to 7200`},
		{EnvHeartbeat, "1m", `HEARTBEAT_SECONDS "1m" must be`},
		{EnvHeartbeat, "60.5", `HEARTBEAT_SECONDS "60.5" must be`},
		{EnvHeartbeat, "29", `HEARTBEAT_SECONDS "29" must be`},
		{EnvHeartbeat, "7201", `HEARTBEAT_SECONDS "7201" must be`},
		// 18446744104 s is 2^64 ns plus 30.29 s: a Duration would wrap
		// into the range.
		{EnvHeartbeat, "18446744104", `HEARTBEAT_SECONDS "18446744104" must be`},
		{EnvHeartbeat, "30", ""},
		{EnvHeartbeat, "7200", ""},
		{EnvRetryAttempts, "", `RETRY_ATTEMPTS "" must be 0, 1 or 2`},
		{EnvRetryAttempts, "3", `RETRY_ATTEMPTS "3" must be 0, 1 or 2`},
		{EnvRetryAttempts, "-1", `RETRY_ATTEMPTS "-1" must be 0, 1 or 2`},
		{EnvRetryAttempts, "0", ""},
	} {
		_, err := FromEnv(func(k string) string {
			if k == c.name {
				return c.value
			}
			return good[k]
		})
		if (c.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%s=%q: %v, want %q", c.name, c.value, err, c.want)
		}
	}
	_, err = FromEnv(func(string) string { return "" })
	for _, name := range []string{EnvGroupName, EnvHookName, EnvOwner, EnvHeartbeat, EnvRetryAttempts} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("an empty environment: %v, want %s named", err, name)
		}
	}
}

func TestParseMetadata(t *testing.T) {
	for _, c := range []struct {
		name, metadata string
		want           []string // error fragments; none: valid
	}{
		{"the post's form", `{"SubnetId":"subnet-abcdef01","SecurityGroups":["sg-abcdef01"]}`, nil},
		{"the construct's form", `{"Subnets":[{"AvailabilityZone":"us-east-1a","SubnetId":"subnet-0a"},` +
			`{"AvailabilityZone":"us-east-1b","SubnetId":"subnet-0b"}],"SecurityGroups":["sg-1","sg-2","sg-3","sg-4","sg-5"],"DeviceIndex":15}`, nil},
		{"surrounding space", " \n{\"SubnetId\":\"subnet-1\",\"SecurityGroups\":[\"sg-1\"]}\n ", nil},
		{"empty", "", []string{"notification metadata is not the expected JSON object"}},
		{"the sample's text", "additional-info", []string{"notification metadata is not the expected JSON object"}},
		{"an unknown field", `{"Subnet":"subnet-1","SecurityGroups":["sg-1"]}`, []string{`unknown field "Subnet"`}},
		{"a second object", `{"SubnetId":"subnet-1","SecurityGroups":["sg-1"]}{}`, []string{"notification metadata has data after its JSON object"}},
		{"a stray brace", `{"SubnetId":"subnet-1","SecurityGroups":["sg-1"]}}`, []string{"notification metadata has data after its JSON object"}},
		{"a stray bracket", `{"SubnetId":"subnet-1","SecurityGroups":["sg-1"]}]`, []string{"notification metadata has data after its JSON object"}},
		{"no subnet", `{"SecurityGroups":["sg-1"]}`, []string{"notification metadata names no subnet: SubnetId or Subnets is required"}},
		{"both forms", `{"SubnetId":"subnet-1","Subnets":[{"AvailabilityZone":"us-east-1a","SubnetId":"subnet-2"}],"SecurityGroups":["sg-1"]}`,
			[]string{"notification metadata has both SubnetId and Subnets: give one"}},
		{"a bad SubnetId", `{"SubnetId":"subnet 1","SecurityGroups":["sg-1"]}`, []string{`notification metadata SubnetId "subnet 1" is not an id`}},
		{"a bad zone and subnet", `{"Subnets":[{"AvailabilityZone":"US-EAST-1A","SubnetId":""}],"SecurityGroups":["sg-1"]}`, []string{
			`notification metadata Subnets[0].AvailabilityZone "US-EAST-1A" is not a zone name`,
			`notification metadata Subnets[0].SubnetId "" is not an id`,
		}},
		{"two subnets in a zone", `{"Subnets":[{"AvailabilityZone":"us-east-1a","SubnetId":"subnet-1"},` +
			`{"AvailabilityZone":"us-east-1a","SubnetId":"subnet-2"}],"SecurityGroups":["sg-1"]}`,
			[]string{"notification metadata Subnets has two subnets in us-east-1a: give one per zone"}},
		{"no group", `{"SubnetId":"subnet-1","SecurityGroups":[]}`, []string{"notification metadata SecurityGroups has 0 groups: give 1 to 5"}},
		{"six groups", `{"SubnetId":"subnet-1","SecurityGroups":["sg-1","sg-2","sg-3","sg-4","sg-5","sg-6"]}`,
			[]string{"notification metadata SecurityGroups has 6 groups: give 1 to 5"}},
		{"a bad group", `{"SubnetId":"subnet-1","SecurityGroups":["sg-1","sg 2"]}`, []string{`notification metadata SecurityGroups[1] "sg 2" is not an id`}},
		{"device index 0", `{"SubnetId":"subnet-1","SecurityGroups":["sg-1"],"DeviceIndex":0}`,
			[]string{"notification metadata DeviceIndex 0 must be from 1 to 15 (0 is the primary interface)"}},
		{"device index 16", `{"SubnetId":"subnet-1","SecurityGroups":["sg-1"],"DeviceIndex":16}`, []string{"DeviceIndex 16 must be from 1 to 15"}},
		{"device index too large for int32", `{"SubnetId":"subnet-1","SecurityGroups":["sg-1"],"DeviceIndex":4294967297}`,
			[]string{"notification metadata is not the expected JSON object"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseMetadata(c.metadata)
			if len(c.want) == 0 {
				if err != nil {
					t.Errorf("ParseMetadata: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("ParseMetadata accepted %s", c.metadata)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("ParseMetadata: %v, want %q", err, w)
				}
			}
		})
	}
}

// Validate reports every fault at once.
func TestValidateReportsEveryFault(t *testing.T) {
	err := Metadata{}.Validate()
	for _, w := range []string{"names no subnet", "SecurityGroups has 0 groups"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("Validate: %v, want %q", err, w)
		}
	}
}

func TestSubnetFor(t *testing.T) {
	perZone := Metadata{Subnets: []Subnet{{"us-east-1a", "subnet-a"}, {"us-east-1b", "subnet-b"}}}
	for _, c := range []struct {
		m          Metadata
		zone, want string
		ok         bool
	}{
		{Metadata{SubnetID: "subnet-1"}, "us-east-1a", "subnet-1", true},
		{Metadata{SubnetID: "subnet-1"}, "eu-west-3c", "subnet-1", true}, // the post's subnet, whatever the zone
		{perZone, "us-east-1b", "subnet-b", true},
		{perZone, "us-east-1a", "subnet-a", true},
		{perZone, "us-east-1c", "", false},
		{Metadata{}, "us-east-1a", "", false},
	} {
		if got, ok := c.m.SubnetFor(c.zone); got != c.want || ok != c.ok {
			t.Errorf("%+v.SubnetFor(%s) = %q, %v; want %q, %v", c.m, c.zone, got, ok, c.want, c.ok)
		}
	}
}

func TestIndex(t *testing.T) {
	three := int32(3)
	if got := (Metadata{}).Index(); got != DefaultDeviceIndex {
		t.Errorf("no DeviceIndex: %d, want %d", got, DefaultDeviceIndex)
	}
	if got := (Metadata{DeviceIndex: &three}).Index(); got != 3 {
		t.Errorf("DeviceIndex 3: %d", got)
	}
}

// FuzzParseMetadata feeds hook metadata, which anyone who may put the
// hook writes, to ParseMetadata: it never panics, and what it accepts is
// valid, survives a round trip, names a subnet for each of its zones, and
// has a device index in range.
func FuzzParseMetadata(f *testing.F) {
	for _, s := range []string{
		`{"SubnetId":"subnet-abcdef01","SecurityGroups":["sg-abcdef01"]}`,
		`{"Subnets":[{"AvailabilityZone":"us-east-1a","SubnetId":"subnet-0a"},{"AvailabilityZone":"us-east-1b","SubnetId":"subnet-0b"}],` +
			`"SecurityGroups":["sg-1"],"DeviceIndex":2}`,
		`{"SubnetId":"subnet-1","SecurityGroups":["sg-1"]}}`,
		"additional-info", "", "null", `{"Subnets":null,"SecurityGroups":null}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMetadata(s)
		if err != nil {
			return
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("accepted invalid metadata %+v: %v", m, err)
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseMetadata(string(b))
		if err != nil {
			t.Fatalf("%s does not parse again: %v", b, err)
		}
		if b2, _ := json.Marshal(again); string(b2) != string(b) {
			t.Fatalf("round trip %s became %s", b, b2)
		}
		for _, sn := range m.Subnets {
			if got, ok := m.SubnetFor(sn.AvailabilityZone); !ok || got != sn.SubnetID {
				t.Fatalf("SubnetFor(%s) = %q, %v; want %q", sn.AvailabilityZone, got, ok, sn.SubnetID)
			}
		}
		if i := m.Index(); i < 1 || i > MaxDeviceIndex {
			t.Fatalf("Index %d", i)
		}
	})
}

func TestLastAttemptAfterIsLambdasRetryWaits(t *testing.T) {
	for retries, want := range []time.Duration{0, time.Minute, 3 * time.Minute} {
		if got := LastAttemptAfter(retries); got != want {
			t.Errorf("LastAttemptAfter(%d) = %s, want %s", retries, got, want)
		}
	}
}

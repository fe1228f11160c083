package frontdoor

import (
	"testing"

	"github.com/aws/jsii-runtime-go"
)

// The body inspection limit is the smallest of 16, 32, 48 and 64 KB that
// covers MaxBodyBytes; more than 64 KB is refused.
func TestTheInspectionLimitIsTheSmallestThatCoversMaxBodyBytes(t *testing.T) {
	for body, want := range map[float64]string{
		0: "KB_16", DefaultMaxBodyBytes: "KB_16", 16384: "KB_16", 16385: "KB_32", 32768: "KB_32",
		32769: "KB_48", 49152: "KB_48", 49153: "KB_64", MaxInspectableBodyBytes: "KB_64",
	} {
		c, err := resolveEdge(&EdgeWebAclProps{MaxBodyBytes: jsii.Number(body)}, jsii.String(EdgeRegion), "Props.")
		if err != nil || c.inspectionLimit != want || c.maxBodyBytes != body {
			t.Errorf("MaxBodyBytes %v: %+v, %v; want %s", body, c, err, want)
		}
	}
	if c, _ := resolveEdge(&EdgeWebAclProps{}, jsii.String(EdgeRegion), "Props."); c.maxBodyBytes != 8192 || c.inspectionLimit != "KB_16" {
		t.Errorf("default %+v", c)
	}
	if _, err := resolveEdge(&EdgeWebAclProps{MaxBodyBytes: jsii.Number(MaxInspectableBodyBytes + 1)}, jsii.String(EdgeRegion), "Props."); err == nil {
		t.Error("65537 bytes must be refused")
	}
}

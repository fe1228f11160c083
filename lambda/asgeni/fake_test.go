package main

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// call is one request a fake received.
type call struct {
	Action string
	Params url.Values
	Code   string // the error code answered; "" for success
	At     time.Time
}

// String is the action, and the result of a CompleteLifecycleAction.
func (c call) String() string {
	s := c.Action
	if r := c.Params.Get("LifecycleActionResult"); r != "" {
		s += " " + r
	}
	if c.Code != "" {
		s += " → " + c.Code
	}
	return s
}

// journal is every call of both fakes, in the order they were received.
type journal struct {
	mu    sync.Mutex
	calls []call
}

func (j *journal) add(c call) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.calls = append(j.calls, c)
}

// all is a copy of the calls.
func (j *journal) all() []call {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.calls)
}

// names is each call's String.
func (j *journal) names() []string {
	var s []string
	for _, c := range j.all() {
		s = append(s, c.String())
	}
	return s
}

// of is the calls of one action.
func (j *journal) of(action string) []call {
	var s []call
	for _, c := range j.all() {
		if c.Action == action {
			s = append(s, c)
		}
	}
	return s
}

// apiError is an error answer: an HTTP status, a code and a message.
type apiError struct {
	Status        int
	Code, Message string
}

// fault is an injected error: the next Times calls of an action answer
// it, or every call when Times is 0.
type fault struct {
	apiError
	Times int
}

// queryServer is what the two fakes share: a query-protocol endpoint on
// 127.0.0.1 (POST, a form body with Action and Version: "Query requests"
// in the EC2 and Auto Scaling API references) that checks the API version
// and the SigV4 scope, records each call, answers injected faults, and
// passes the rest to respond.
type queryServer struct {
	*httptest.Server
	j          *journal
	version    string // the API version every request must name
	signingFor string // the service in the SigV4 credential scope
	respond    func(action string, p url.Values) (string, *apiError)
	errorXML   func(e *apiError, requestID string) string

	faultMu sync.Mutex
	faults  map[string]*fault
}

func (s *queryServer) start(t testing.TB) {
	s.faults = map[string]*fault{}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
}

// inject makes action answer f (see fault).
func (s *queryServer) inject(action string, f fault) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.faults[action] = &f
}

func (s *queryServer) injected(action string) *apiError {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	f := s.faults[action]
	if f == nil {
		return nil
	}
	if f.Times > 0 {
		if f.Times--; f.Times == 0 {
			delete(s.faults, action)
		}
	}
	e := f.apiError
	return &e
}

func (s *queryServer) serve(w http.ResponseWriter, r *http.Request) {
	requestID := newID("", 32)
	var e *apiError
	body := ""
	// Every request is signed with SigV4 ("Signing AWS API requests"); the
	// fake checks the scope, not the signature.
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=") || !strings.Contains(auth, "/"+s.signingFor+"/aws4_request") {
		e = &apiError{http.StatusForbidden, "AuthFailure", "AWS was not able to validate the provided access credentials"}
	} else if err := r.ParseForm(); err != nil || r.Method != http.MethodPost {
		e = &apiError{http.StatusBadRequest, "InvalidQuery", "The query is malformed"}
	}
	action := r.PostForm.Get("Action")
	if e == nil && r.PostForm.Get("Version") != s.version {
		e = &apiError{http.StatusBadRequest, "InvalidAction", "Version " + r.PostForm.Get("Version") + " is not " + s.version}
	}
	if e == nil {
		e = s.injected(action)
	}
	if e == nil {
		body, e = s.respond(action, r.PostForm)
	}
	c := call{Action: action, Params: r.PostForm, At: time.Now()}
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	if e != nil {
		c.Code = e.Code
		w.WriteHeader(e.Status)
		body = s.errorXML(e, requestID)
	}
	s.j.add(c)
	_, _ = fmt.Fprint(w, strings.ReplaceAll(body, "{requestId}", requestID))
}

// ec2Namespace is the EC2 API's XML namespace and version.
const (
	ec2Version   = "2016-11-15"
	ec2Namespace = "http://ec2.amazonaws.com/doc/" + ec2Version + "/"
)

// ec2Fake is the EC2 API, over the ec2query protocol, for what the handler
// calls: subnets in zones, instances, and network interfaces with their
// states, attachments, tags and client tokens. Its answers follow the EC2
// API Reference page of each action, and its errors "Error codes for the
// Amazon EC2 API"; what neither documents is marked as a guess.
type ec2Fake struct {
	queryServer

	mu         sync.Mutex
	subnets    map[string]*fakeSubnet
	instances  map[string]*fakeInstance
	interfaces map[string]*fakeInterface
	tokens     map[string]clientTokenUse
	// availableAfter is how many describes of a new interface answer
	// pending before it is available; negative: it stays pending.
	availableAfter int
	// createsBefore, when above 1, holds each CreateNetworkInterface until
	// that many have arrived, so that concurrent deliveries overlap.
	createsBefore int
	createsSeen   int
	createsGo     chan struct{}
}

type fakeSubnet struct {
	zone string
	free int // free addresses
}

type fakeInstance struct {
	id, zone, subnet string
	state            string
	runningAfter     int // describes that answer pending
	describes        int
}

type fakeInterface struct {
	id, subnet, zone, description, status string
	groups                                []string
	tags                                  [][2]string
	describes                             int
	attachment                            *fakeAttachment
	deleted                               bool
}

type fakeAttachment struct {
	id, instance        string
	index               int
	deleteOnTermination bool
}

// clientTokenUse is a create's client token and the parameters it came
// with, all but the token.
type clientTokenUse struct {
	params, id string
}

func startEC2(t testing.TB, j *journal) *ec2Fake {
	f := &ec2Fake{
		subnets: map[string]*fakeSubnet{}, instances: map[string]*fakeInstance{},
		interfaces: map[string]*fakeInterface{}, tokens: map[string]clientTokenUse{},
	}
	f.j, f.version, f.signingFor = j, ec2Version, "ec2"
	f.respond, f.errorXML = f.handle, ec2ErrorXML
	f.start(t)
	return f
}

// ec2ErrorXML is the ec2query error body ("Error codes for the Amazon EC2
// API", "Error response"): Response, Errors, Error, Code and Message, and
// RequestID.
func ec2ErrorXML(e *apiError, requestID string) string {
	return "<Response><Errors><Error>" + el("Code", e.Code) + el("Message", e.Message) + "</Error></Errors>" + el("RequestID", requestID) + "</Response>"
}

func (f *ec2Fake) addSubnet(id, zone string, free int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.subnets[id] = &fakeSubnet{zone: zone, free: free}
}

// addInstance launches an instance in subnet, with its primary interface
// at device index 0; it answers pending to runningAfter describes.
func (f *ec2Fake) addInstance(id, subnet string, runningAfter int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	sn := f.subnets[subnet]
	f.instances[id] = &fakeInstance{id: id, zone: sn.zone, subnet: subnet, state: "pending", runningAfter: runningAfter}
	eni := &fakeInterface{id: newID("eni-", 17), subnet: subnet, zone: sn.zone, status: "in-use",
		attachment: &fakeAttachment{id: newID("eni-attach-", 17), instance: id, deleteOnTermination: true}}
	f.interfaces[eni.id] = eni
}

// created is every interface the handler created (not the primaries),
// deleted ones included.
func (f *ec2Fake) created() []fakeInterface {
	f.mu.Lock()
	defer f.mu.Unlock()
	var s []fakeInterface
	for _, e := range f.interfaces {
		if e.attachment == nil || e.attachment.index != 0 {
			c := *e
			if e.attachment != nil {
				a := *e.attachment
				c.attachment = &a
			}
			s = append(s, c)
		}
	}
	sort.Slice(s, func(i, j int) bool { return s[i].id < s[j].id })
	return s
}

func (f *ec2Fake) handle(action string, p url.Values) (string, *apiError) {
	if action == "CreateNetworkInterface" {
		f.holdCreate()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch action {
	case "DescribeInstances":
		return f.describeInstances(p)
	case "CreateNetworkInterface":
		return f.createInterface(p)
	case "DescribeNetworkInterfaces":
		return f.describeInterfaces(p)
	case "AttachNetworkInterface":
		return f.attach(p)
	case "ModifyNetworkInterfaceAttribute":
		return f.modify(p)
	case "DeleteNetworkInterface":
		return f.delete(p)
	}
	return "", &apiError{http.StatusBadRequest, "InvalidAction", "The action " + action + " is not valid for this web service."}
}

// holdCreate waits until createsBefore creates have arrived (or 5 s).
func (f *ec2Fake) holdCreate() {
	f.mu.Lock()
	if f.createsBefore < 2 {
		f.mu.Unlock()
		return
	}
	if f.createsGo == nil {
		f.createsGo = make(chan struct{})
	}
	f.createsSeen++
	if f.createsSeen == f.createsBefore {
		close(f.createsGo)
	}
	ch := f.createsGo
	f.mu.Unlock()
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
	}
}

// describeInstances answers DescribeInstances for InstanceId.N (EC2 API
// Reference, DescribeInstances): an unknown id is
// InvalidInstanceID.NotFound. The instance is pending for its first
// runningAfter describes, then running ("Amazon EC2 instance state
// changes": pending, then running).
func (f *ec2Fake) describeInstances(p url.Values) (string, *apiError) {
	var items strings.Builder
	for _, id := range list(p, "InstanceId") {
		inst := f.instances[id]
		if inst == nil {
			return "", &apiError{http.StatusBadRequest, "InvalidInstanceID.NotFound", "The instance ID '" + id + "' does not exist"}
		}
		if inst.describes++; inst.state == "pending" && inst.describes > inst.runningAfter {
			inst.state = "running"
		}
		var nis strings.Builder
		for _, e := range f.sorted() {
			if a := e.attachment; a != nil && a.instance == id {
				nis.WriteString("<item>" + el("networkInterfaceId", e.id) + el("subnetId", e.subnet) + el("status", e.status) +
					"<attachment>" + el("attachmentId", a.id) + el("deviceIndex", strconv.Itoa(a.index)) + el("status", "attached") +
					el("deleteOnTermination", strconv.FormatBool(a.deleteOnTermination)) + "</attachment></item>")
			}
		}
		items.WriteString("<item>" + el("reservationId", "r-"+id[2:]) + el("ownerId", "123456789012") + "<instancesSet><item>" +
			el("instanceId", id) + "<instanceState>" + el("code", stateCodes[inst.state]) + el("name", inst.state) + "</instanceState>" +
			"<placement>" + el("availabilityZone", inst.zone) + "</placement>" + el("subnetId", inst.subnet) +
			"<networkInterfaceSet>" + nis.String() + "</networkInterfaceSet></item></instancesSet></item>")
	}
	return ec2Response("DescribeInstances", "<reservationSet>"+items.String()+"</reservationSet>"), nil
}

// stateCodes are the instance state codes (EC2 API Reference,
// InstanceState).
var stateCodes = map[string]string{"pending": "0", "running": "16", "shutting-down": "32", "terminated": "48", "stopping": "64", "stopped": "80"}

// createInterface answers CreateNetworkInterface (EC2 API Reference,
// CreateNetworkInterface). A repeated client token with the same
// parameters returns the same interface, and with other parameters fails
// IdempotentParameterMismatch ("Ensuring idempotency in Amazon EC2 API
// requests"); what a token answers once its interface was deleted is
// undocumented (the fake returns the deleted interface). A subnet without
// free addresses fails InsufficientFreeAddressesInSubnet. A new interface
// is pending (AWS CLI reference, ec2 create-network-interface, example
// output), then available.
func (f *ec2Fake) createInterface(p url.Values) (string, *apiError) {
	token := p.Get("ClientToken")
	rest := url.Values{}
	for k, v := range p {
		if k != "ClientToken" {
			rest[k] = v
		}
	}
	if use, ok := f.tokens[token]; ok && token != "" {
		if use.params != rest.Encode() {
			return "", &apiError{http.StatusBadRequest, "IdempotentParameterMismatch",
				"Client token already used before with different parameters: " + token}
		}
		return ec2Response("CreateNetworkInterface", f.interfaceXML("networkInterface", f.interfaces[use.id])+el("clientToken", token)), nil
	}
	sn := f.subnets[p.Get("SubnetId")]
	if sn == nil {
		return "", &apiError{http.StatusBadRequest, "InvalidSubnetID.NotFound", "The subnet ID '" + p.Get("SubnetId") + "' does not exist"}
	}
	if sn.free == 0 {
		return "", &apiError{http.StatusBadRequest, "InsufficientFreeAddressesInSubnet",
			"The specified subnet does not have enough free addresses to satisfy the request."}
	}
	e := &fakeInterface{id: newID("eni-", 17), subnet: p.Get("SubnetId"), zone: sn.zone, description: p.Get("Description"),
		status: "pending", groups: list(p, "SecurityGroupId")}
	for i := 1; p.Has(fmt.Sprintf("TagSpecification.%d.ResourceType", i)); i++ {
		prefix := fmt.Sprintf("TagSpecification.%d.", i)
		if rt := p.Get(prefix + "ResourceType"); rt != "network-interface" {
			return "", &apiError{http.StatusBadRequest, "InvalidParameterValue", "'" + rt + "' is not a valid taggable resource type for this operation."}
		}
		for k := 1; p.Has(fmt.Sprintf("%sTag.%d.Key", prefix, k)); k++ {
			e.tags = append(e.tags, [2]string{p.Get(fmt.Sprintf("%sTag.%d.Key", prefix, k)), p.Get(fmt.Sprintf("%sTag.%d.Value", prefix, k))})
		}
	}
	sn.free--
	f.interfaces[e.id] = e
	if token != "" {
		f.tokens[token] = clientTokenUse{params: rest.Encode(), id: e.id}
	}
	return ec2Response("CreateNetworkInterface", f.interfaceXML("networkInterface", e)+el("clientToken", token)), nil
}

// describeInterfaces answers DescribeNetworkInterfaces for
// NetworkInterfaceId.N and Filter.N (EC2 API Reference,
// DescribeNetworkInterfaces): an unknown id is
// InvalidNetworkInterfaceID.NotFound; the one filter supported is
// tag:<key> (any other is refused, so that the handler cannot come to rely
// on one the fake ignores).
func (f *ec2Fake) describeInterfaces(p url.Values) (string, *apiError) {
	ids := list(p, "NetworkInterfaceId")
	var match []*fakeInterface
	for _, id := range ids {
		e := f.interfaces[id]
		if e == nil || e.deleted {
			return "", interfaceNotFound(id)
		}
		match = append(match, e)
	}
	if len(ids) == 0 {
		for _, e := range f.sorted() {
			if !e.deleted {
				match = append(match, e)
			}
		}
	}
	for i := 1; p.Has(fmt.Sprintf("Filter.%d.Name", i)); i++ {
		name := p.Get(fmt.Sprintf("Filter.%d.Name", i))
		key, ok := strings.CutPrefix(name, "tag:")
		if !ok {
			return "", &apiError{http.StatusBadRequest, "InvalidParameterValue", "The filter '" + name + "' is invalid"} // guess: the fake's limit
		}
		values := list(p, fmt.Sprintf("Filter.%d.Value", i))
		match = slices.DeleteFunc(match, func(e *fakeInterface) bool {
			return !slices.ContainsFunc(e.tags, func(t [2]string) bool { return t[0] == key && slices.Contains(values, t[1]) })
		})
	}
	var items strings.Builder
	for _, e := range match {
		if e.describes++; e.status == "pending" && f.availableAfter >= 0 && e.describes > f.availableAfter {
			e.status = "available"
		}
		items.WriteString(f.interfaceXML("item", e))
	}
	return ec2Response("DescribeNetworkInterfaces", "<networkInterfaceSet>"+items.String()+"</networkInterfaceSet>"), nil
}

// attach answers AttachNetworkInterface (EC2 API Reference,
// AttachNetworkInterface). It fails on an interface attached already
// (InvalidNetworkInterface.InUse: "The specified interface is currently in
// use and cannot be deleted or attached to another instance"), on an
// instance that is neither running nor stopped (IncorrectInstanceState;
// that this is the code for a pending instance is a guess), on an
// interface still pending (IncorrectState, a guess), on an interface in
// another zone than the instance (an interface attaches only to an
// instance in its zone, Amazon EC2 user guide, "Elastic network
// interfaces"; the code is a guess) and on a device index in use (the
// code and message are observed, undocumented).
func (f *ec2Fake) attach(p url.Values) (string, *apiError) {
	e, inst := f.interfaces[p.Get("NetworkInterfaceId")], f.instances[p.Get("InstanceId")]
	index, _ := strconv.Atoi(p.Get("DeviceIndex"))
	switch {
	case e == nil || e.deleted:
		return "", interfaceNotFound(p.Get("NetworkInterfaceId"))
	case inst == nil:
		return "", &apiError{http.StatusBadRequest, "InvalidInstanceID.NotFound", "The instance ID '" + p.Get("InstanceId") + "' does not exist"}
	case inst.state != "running" && inst.state != "stopped":
		return "", &apiError{http.StatusBadRequest, "IncorrectInstanceState", "Instance '" + inst.id + "' is not in a valid state for this operation"}
	case e.attachment != nil:
		return "", &apiError{http.StatusBadRequest, "InvalidNetworkInterface.InUse", "Interface: [" + e.id + "] in use."}
	case e.status != "available":
		return "", &apiError{http.StatusBadRequest, "IncorrectState", "Interface '" + e.id + "' is " + e.status}
	case e.zone != inst.zone:
		return "", &apiError{http.StatusBadRequest, "InvalidParameterCombination",
			"You may not attach a network interface to an instance if they are not in the same availability zone"}
	}
	for _, other := range f.interfaces {
		if a := other.attachment; a != nil && a.instance == inst.id && a.index == index {
			return "", &apiError{http.StatusBadRequest, "InvalidParameterValue",
				fmt.Sprintf("Instance '%s' already has an interface attached at device index '%d'.", inst.id, index)}
		}
	}
	e.attachment = &fakeAttachment{id: newID("eni-attach-", 17), instance: inst.id, index: index}
	e.status = "in-use"
	return ec2Response("AttachNetworkInterface", el("attachmentId", e.attachment.id)+el("networkCardIndex", "0")), nil
}

// modify answers ModifyNetworkInterfaceAttribute for
// Attachment.DeleteOnTermination (EC2 API Reference,
// ModifyNetworkInterfaceAttribute); the attachment id must be the
// interface's (InvalidAttachmentID.NotFound).
func (f *ec2Fake) modify(p url.Values) (string, *apiError) {
	e := f.interfaces[p.Get("NetworkInterfaceId")]
	if e == nil || e.deleted {
		return "", interfaceNotFound(p.Get("NetworkInterfaceId"))
	}
	if e.attachment == nil || e.attachment.id != p.Get("Attachment.AttachmentId") {
		return "", &apiError{http.StatusBadRequest, "InvalidAttachmentID.NotFound", "The attachment ID '" + p.Get("Attachment.AttachmentId") + "' does not exist"}
	}
	e.attachment.deleteOnTermination = p.Get("Attachment.DeleteOnTermination") == "true"
	return ec2Response("ModifyNetworkInterfaceAttribute", el("return", "true")), nil
}

// delete answers DeleteNetworkInterface (EC2 API Reference,
// DeleteNetworkInterface): "You can't delete a network interface that is
// in use" (InvalidNetworkInterface.InUse). Deleting a pending one succeeds
// (a guess). The address returns to the subnet.
func (f *ec2Fake) delete(p url.Values) (string, *apiError) {
	e := f.interfaces[p.Get("NetworkInterfaceId")]
	switch {
	case e == nil || e.deleted:
		return "", interfaceNotFound(p.Get("NetworkInterfaceId"))
	case e.attachment != nil:
		return "", &apiError{http.StatusBadRequest, "InvalidNetworkInterface.InUse", "Interface: [" + e.id + "] in use."}
	}
	e.deleted = true
	f.subnets[e.subnet].free++
	return ec2Response("DeleteNetworkInterface", el("return", "true")), nil
}

// interfaceNotFound is EC2's answer about an interface that does not exist
// (the message as observed, for example in hashicorp/terraform-provider-aws
// pull request 6037).
func interfaceNotFound(id string) *apiError {
	return &apiError{http.StatusBadRequest, "InvalidNetworkInterfaceID.NotFound", "The networkInterface ID '" + id + "' does not exist"}
}

func (f *ec2Fake) sorted() []*fakeInterface {
	var s []*fakeInterface
	for _, e := range f.interfaces {
		s = append(s, e)
	}
	sort.Slice(s, func(i, j int) bool { return s[i].id < s[j].id })
	return s
}

// interfaceXML is a NetworkInterface element (EC2 API Reference,
// NetworkInterface).
func (f *ec2Fake) interfaceXML(name string, e *fakeInterface) string {
	var groups, tags strings.Builder
	for _, g := range e.groups {
		groups.WriteString("<item>" + el("groupId", g) + "</item>")
	}
	for _, t := range e.tags {
		tags.WriteString("<item>" + el("key", t[0]) + el("value", t[1]) + "</item>")
	}
	att := ""
	if a := e.attachment; a != nil {
		att = "<attachment>" + el("attachmentId", a.id) + el("instanceId", a.instance) + el("deviceIndex", strconv.Itoa(a.index)) +
			el("status", "attached") + el("deleteOnTermination", strconv.FormatBool(a.deleteOnTermination)) + "</attachment>"
	}
	return "<" + name + ">" + el("networkInterfaceId", e.id) + el("subnetId", e.subnet) + el("availabilityZone", e.zone) +
		el("description", e.description) + el("status", e.status) + el("interfaceType", "interface") +
		"<groupSet>" + groups.String() + "</groupSet><tagSet>" + tags.String() + "</tagSet>" + att + "</" + name + ">"
}

func ec2Response(action, inner string) string {
	return "<" + action + "Response xmlns=\"" + ec2Namespace + "\">" + el("requestId", "{requestId}") + inner + "</" + action + "Response>"
}

// Auto Scaling's API version and XML namespace.
const (
	asVersion   = "2011-01-01"
	asNamespace = "http://autoscaling.amazonaws.com/doc/" + asVersion + "/"
)

// asFake is the Auto Scaling API, over the awsquery protocol, for
// CompleteLifecycleAction (Amazon EC2 Auto Scaling API Reference): the
// lifecycle actions in wait, each completed at most once.
type asFake struct {
	queryServer

	mu      sync.Mutex
	actions map[string]*fakeAction // token → action
}

type fakeAction struct {
	group, hook, instance string
	result                string // "" while the action waits
}

func startAutoScaling(t testing.TB, j *journal) *asFake {
	f := &asFake{actions: map[string]*fakeAction{}}
	f.j, f.version, f.signingFor = j, asVersion, "autoscaling"
	f.respond, f.errorXML = f.handle, asErrorXML
	f.start(t)
	return f
}

// asErrorXML is the awsquery error body: ErrorResponse, Error (Type,
// Code, Message) and RequestId (Amazon EC2 Auto Scaling API Reference,
// "Common Errors"; the envelope is the Query API's).
func asErrorXML(e *apiError, requestID string) string {
	typ := "Sender"
	if e.Status >= 500 {
		typ = "Receiver"
	}
	return "<ErrorResponse xmlns=\"" + asNamespace + "\"><Error>" + el("Type", typ) + el("Code", e.Code) + el("Message", e.Message) +
		"</Error>" + el("RequestId", requestID) + "</ErrorResponse>"
}

// wait puts an instance in wait on a lifecycle action.
func (f *asFake) wait(token, group, hook, instance string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.actions[token] = &fakeAction{group: group, hook: hook, instance: instance}
}

// result is how the action was completed, "" if it was not.
func (f *asFake) result(token string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if a := f.actions[token]; a != nil {
		return a.result
	}
	return ""
}

// handle answers CompleteLifecycleAction. A token that is unknown,
// completed already, or not of the named group, hook and instance, answers
// ValidationError "No active Lifecycle Action found with token …"
// (observed, not documented; that the mismatch answers the same is a
// guess). The result must be CONTINUE or ABANDON (the API reference's
// LifecycleActionResult).
func (f *asFake) handle(action string, p url.Values) (string, *apiError) {
	if action != "CompleteLifecycleAction" {
		return "", &apiError{http.StatusBadRequest, "InvalidAction", "Could not find operation " + action + " for version " + asVersion}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	token, result := p.Get("LifecycleActionToken"), p.Get("LifecycleActionResult")
	if result != "CONTINUE" && result != "ABANDON" {
		return "", &apiError{http.StatusBadRequest, "ValidationError", "Invalid lifecycle action result " + result}
	}
	a := f.actions[token]
	if a == nil || a.result != "" || a.group != p.Get("AutoScalingGroupName") || a.hook != p.Get("LifecycleHookName") ||
		(p.Has("InstanceId") && a.instance != p.Get("InstanceId")) {
		return "", &apiError{http.StatusBadRequest, "ValidationError", "No active Lifecycle Action found with token " + token}
	}
	a.result = result
	return "<CompleteLifecycleActionResponse xmlns=\"" + asNamespace + "\"><CompleteLifecycleActionResult/>" +
		"<ResponseMetadata>" + el("RequestId", "{requestId}") + "</ResponseMetadata></CompleteLifecycleActionResponse>", nil
}

// list is the values of a query list parameter: name.1, name.2, …
func list(p url.Values, name string) []string {
	var s []string
	for i := 1; p.Has(fmt.Sprintf("%s.%d", name, i)); i++ {
		s = append(s, p.Get(fmt.Sprintf("%s.%d", name, i)))
	}
	return s
}

// el is the element name holding the escaped text.
func el(name, text string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(text))
	return "<" + name + ">" + b.String() + "</" + name + ">"
}

var (
	idMu  sync.Mutex
	idSeq uint64
)

// newID is prefix and n hex digits, unique in the process.
func newID(prefix string, n int) string {
	idMu.Lock()
	defer idMu.Unlock()
	idSeq++
	return fmt.Sprintf("%s%0*x", prefix, n, idSeq)
}

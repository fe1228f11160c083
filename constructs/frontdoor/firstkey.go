package frontdoor

import "github.com/aws/jsii-runtime-go"

// pinFirstApiKey makes sure that no later `cdk deploy` updates ModeApiKey's
// first key (ApiKey) or its UsagePlanKey, whatever the user changes in the
// app, so that no deployment after any number of rotations can fail or
// re-enable a key the rotation disabled.
//
// Why an update must never happen. CloudFormation reads a
// {{resolve:secretsmanager:…}} reference again only in a stack update that
// updates the resource holding it (AWS CloudFormation User Guide, "Get a
// secret or secret value from Secrets Manager", Considerations; AWS re:Post
// Knowledge Center, cloudformation-stack-update-secrets: "CloudFormation
// doesn't retrieve the value of the dynamic reference unless a change is
// made to the dynamic reference itself"). After a rotation the secret's
// current value is a rotation key's value. An update of the first key would
// read it as the key's Value, which requires replacement (AWS CloudFormation
// Template Reference, AWS::ApiGateway::ApiKey, Value: "Update requires:
// Replacement"), and API Gateway refuses a second key with a value that a
// key already has (409). It would also write Enabled: true over a key the
// rotation disabled.
//
// How. Every property of both resources is a constant or a reference to a
// resource that no prop replaces, and the logical ids come from the
// construct's own path:
//
//   - ApiKey: Value is the reference to the secret, by its logical id;
//     Enabled is true, and must stay, since it defaults to false
//     (AWS::ApiGateway::ApiKey, Enabled, "Default: false"), so a key without
//     it would refuse CloudFront at the first deployment, and taking it out
//     of the template would itself update the key; Description is a
//     constant, and must never be edited, since an edit is an update of every
//     deployed first key; no Name, so CloudFormation names the key once, at
//     creation.
//   - Tags: taken out of the template here, whatever Tags.Of adds to the app
//     later (a property override applies after CDK renders the tags).
//   - UsagePlanKey: KeyId and UsagePlanId refer to the key and to the usage
//     plan, whose name and description are constants and whose stages update
//     in place (AWS::ApiGateway::UsagePlan ApiStage, "Update requires: No
//     interruption"); KeyType is a constant; it has no tags.
//
// What the template cannot control: tags on the stack itself (StackProps.Tags,
// `cdk deploy --tags`; with @aws-cdk/core:explicitStackTags off, which this
// repository's cdk.json turns on, Tags.Of on the stack or app too). CDK's
// own text for that flag says CloudFormation "will apply all stack tags to
// all resources in the stack", which would update the key: after a
// rotation, that update re-reads the secret and fails. Its README.md warns.
func (f *FrontDoor) pinFirstApiKey() {
	if f.ApiKey == nil {
		return
	}
	f.ApiKey.AddPropertyDeletionOverride(jsii.String("Tags"))
}

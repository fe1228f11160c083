package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	"github.com/aws/aws-sdk-go-v2/service/wafv2"
	waftypes "github.com/aws/aws-sdk-go-v2/service/wafv2/types"

	"github.com/blueprints-cdk/blueprints/internal/originkey"
)

// Prober asks the origin whether it accepts a value as the origin key.
type Prober interface {
	Accepts(ctx context.Context, value string) (bool, error)
}

// HTTPProber sends GET URL with the origin key header. The origin's check
// answers a refused key with 403 (the web ACL's block in Header mode, API
// Gateway's Forbidden for a bad API key in ApiKey mode); any other answer
// below 500, a 404 or a redirect (never followed) included, means the key
// got through. With RefusedHeader, only a 403 carrying that header is the
// check's refusal, and another 403 (the application's) is an error: it says
// nothing about the key.
type HTTPProber struct {
	URL           string
	Header        string
	RefusedHeader string
	Client        *http.Client
}

// Accepts implements Prober.
func (p *HTTPProber) Accepts(ctx context.Context, value string) (bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.URL, nil)
	if err != nil {
		return false, err
	}
	req.Header.Set(p.Header, value)
	resp, err := p.Client.Do(req)
	if err != nil {
		return false, err
	}
	defer func() { _ = resp.Body.Close() }() // nothing is read from it
	if resp.StatusCode >= 500 {
		return false, fmt.Errorf("probe %s: status %d", p.URL, resp.StatusCode)
	}
	if resp.StatusCode != http.StatusForbidden {
		return true, nil
	}
	if p.RefusedHeader != "" && resp.Header.Get(p.RefusedHeader) == "" {
		return false, fmt.Errorf("probe %s: a 403 without %s, not the origin check's", p.URL, p.RefusedHeader)
	}
	return false, nil
}

// Origin is what the origin accepts. Accept makes it accept exactly the given
// values (among the ones the rotation manages); it is idempotent.
type Origin interface {
	Accept(ctx context.Context, values []string) error
}

// WAFAPI is the part of WAFv2 that PatternSet calls; a *wafv2.Client is one.
type WAFAPI interface {
	GetRegexPatternSet(context.Context, *wafv2.GetRegexPatternSetInput, ...func(*wafv2.Options)) (*wafv2.GetRegexPatternSetOutput, error)
	UpdateRegexPatternSet(context.Context, *wafv2.UpdateRegexPatternSetInput, ...func(*wafv2.Options)) (*wafv2.UpdateRegexPatternSetOutput, error)
}

// PatternSet is Header mode: a WAFv2 regex pattern set of exact-match
// patterns, which the origin's web ACL requires the header to match. Rotation
// updates only this set, never the web ACL.
type PatternSet struct {
	WAF   WAFAPI
	Name  string
	ID    string
	Scope waftypes.Scope // REGIONAL
}

// managedPattern is the shape of the patterns the rotation manages: the
// exact match of KeyLength letters and digits, as origin keys are. Any
// other regex in the set is someone else's, and survives every rotation.
var managedPattern = regexp.MustCompile(fmt.Sprintf(`^\^[A-Za-z0-9]{%d}\$$`, KeyLength))

// Accept makes the pattern set's managed patterns exactly the values'
// patterns, keeping every other regex, if that changes anything.
func (p *PatternSet) Accept(ctx context.Context, values []string) error {
	out, err := p.WAF.GetRegexPatternSet(ctx, &wafv2.GetRegexPatternSetInput{
		Name: aws.String(p.Name), Id: aws.String(p.ID), Scope: p.Scope,
	})
	if err != nil {
		return fmt.Errorf("reading the accepted values: %w", err)
	}
	want := Patterns(values)
	var have []string
	for _, r := range out.RegexPatternSet.RegularExpressionList {
		re := aws.ToString(r.RegexString)
		have = append(have, re)
		if !managedPattern.MatchString(re) && !slices.Contains(want, re) {
			want = append(want, re)
		}
	}
	sort.Strings(have)
	sort.Strings(want)
	if slices.Equal(have, want) {
		return nil
	}
	var list []waftypes.Regex
	for _, p := range want {
		list = append(list, waftypes.Regex{RegexString: aws.String(p)})
	}
	_, err = p.WAF.UpdateRegexPatternSet(ctx, &wafv2.UpdateRegexPatternSetInput{
		Name: aws.String(p.Name), Id: aws.String(p.ID), Scope: p.Scope,
		LockToken: out.LockToken, RegularExpressionList: list, Description: out.RegexPatternSet.Description,
	})
	if err != nil {
		return fmt.Errorf("updating the accepted values: %w", err)
	}
	return nil
}

// Patterns are the exact-match regular expressions of values, sorted.
func Patterns(values []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range values {
		p := "^" + regexp.QuoteMeta(v) + "$"
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// TagKey is the tag the rotation puts on the API keys it creates, with
// APIKeys.Tag as its value. Its IAM policy lets it create keys only with
// this tag and delete only keys that carry it.
const TagKey = originkey.TagKey

// APIGatewayAPI is the part of API Gateway that APIKeys calls; an
// *apigateway.Client is one.
type APIGatewayAPI interface {
	apigateway.GetUsagePlanKeysAPIClient
	CreateApiKey(context.Context, *apigateway.CreateApiKeyInput, ...func(*apigateway.Options)) (*apigateway.CreateApiKeyOutput, error)
	GetApiKeys(context.Context, *apigateway.GetApiKeysInput, ...func(*apigateway.Options)) (*apigateway.GetApiKeysOutput, error)
	GetApiKey(context.Context, *apigateway.GetApiKeyInput, ...func(*apigateway.Options)) (*apigateway.GetApiKeyOutput, error)
	UpdateApiKey(context.Context, *apigateway.UpdateApiKeyInput, ...func(*apigateway.Options)) (*apigateway.UpdateApiKeyOutput, error)
	DeleteApiKey(context.Context, *apigateway.DeleteApiKeyInput, ...func(*apigateway.Options)) (*apigateway.DeleteApiKeyOutput, error)
	CreateUsagePlanKey(context.Context, *apigateway.CreateUsagePlanKeyInput,
		...func(*apigateway.Options)) (*apigateway.CreateUsagePlanKeyOutput, error)
}

// APIKeys is ApiKey mode: API Gateway API keys whose values are the accepted
// values, in the usage plan (CloudFront_only) bound to the API's stage.
//
// The key CloudFormation created with the secret's first value (Bootstrap) is
// never deleted: once its value is no longer accepted it is disabled. The keys
// the rotation creates are named Tag-<hash of the value>, tagged TagKey=Tag,
// and deleted when their value is no longer accepted.
type APIKeys struct {
	APIGateway  APIGatewayAPI
	UsagePlanID string
	Bootstrap   string // ID of the CloudFormation-owned API key
	Tag         string // unique to the construct
}

// Accept makes the usage plan hold an enabled key for every value, then drops
// the keys of other values.
func (a *APIKeys) Accept(ctx context.Context, values []string) error {
	var planKeys []agtypes.UsagePlanKey
	pages := apigateway.NewGetUsagePlanKeysPaginator(a.APIGateway, &apigateway.GetUsagePlanKeysInput{UsagePlanId: aws.String(a.UsagePlanID)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("listing the usage plan's keys: %w", err)
		}
		planKeys = append(planKeys, page.Items...)
	}
	for _, v := range values {
		if !slices.ContainsFunc(planKeys, func(k agtypes.UsagePlanKey) bool { return aws.ToString(k.Value) == v }) {
			if err := a.add(ctx, v); err != nil {
				return err
			}
		}
	}
	for _, k := range planKeys {
		id := aws.ToString(k.Id)
		switch {
		case id == a.Bootstrap && slices.Contains(values, aws.ToString(k.Value)):
			// A rollback to the first value: a disabled key accepts nothing,
			// and a second key of the same value would be refused (API key
			// values are unique: CreateApiKey answers 409), so enable it.
			if err := a.enableBootstrap(ctx); err != nil {
				return err
			}
		case slices.Contains(values, aws.ToString(k.Value)):
		case id == a.Bootstrap:
			_, err := a.APIGateway.UpdateApiKey(ctx, &apigateway.UpdateApiKeyInput{ApiKey: aws.String(id),
				PatchOperations: []agtypes.PatchOperation{{Op: agtypes.OpReplace, Path: aws.String("/enabled"), Value: aws.String("false")}}})
			if err != nil {
				return fmt.Errorf("disabling the first API key %s: %w", id, err)
			}
		case strings.HasPrefix(aws.ToString(k.Name), a.Tag+"-"):
			_, err := a.APIGateway.DeleteApiKey(ctx, &apigateway.DeleteApiKeyInput{ApiKey: aws.String(id)})
			if err != nil && !isNotFound(err) {
				return fmt.Errorf("deleting the old API key %s: %w", id, err)
			}
		}
	}
	return nil
}

// enableBootstrap enables the first key if a rotation disabled it.
func (a *APIKeys) enableBootstrap(ctx context.Context) error {
	k, err := a.APIGateway.GetApiKey(ctx, &apigateway.GetApiKeyInput{ApiKey: aws.String(a.Bootstrap)})
	if err != nil {
		return fmt.Errorf("reading the first API key: %w", err)
	}
	if k.Enabled {
		return nil
	}
	_, err = a.APIGateway.UpdateApiKey(ctx, &apigateway.UpdateApiKeyInput{ApiKey: aws.String(a.Bootstrap),
		PatchOperations: []agtypes.PatchOperation{{Op: agtypes.OpReplace, Path: aws.String("/enabled"), Value: aws.String("true")}}})
	if err != nil {
		return fmt.Errorf("enabling the first API key again: %w", err)
	}
	return nil
}

// KeyName is the name of the API key the rotation creates for value.
func (a *APIKeys) KeyName(value string) string {
	sum := sha256.Sum256([]byte(value))
	return a.Tag + "-" + hex.EncodeToString(sum[:8])
}

// add creates the key of value and puts it in the usage plan. A retry finds
// the key an interrupted attempt created, by its name.
func (a *APIKeys) add(ctx context.Context, value string) error {
	name := a.KeyName(value)
	created, err := a.APIGateway.CreateApiKey(ctx, &apigateway.CreateApiKeyInput{
		Name: aws.String(name), Value: aws.String(value), Enabled: true, Tags: map[string]string{TagKey: a.Tag},
		Description: aws.String("Origin key (rotated by Secrets Manager); CloudFront sends it as x-api-key"),
	})
	var id string
	var conflict *agtypes.ConflictException
	switch {
	case err == nil:
		id = aws.ToString(created.Id)
	case errors.As(err, &conflict):
		found, err := a.APIGateway.GetApiKeys(ctx, &apigateway.GetApiKeysInput{NameQuery: aws.String(name)})
		if err != nil {
			return fmt.Errorf("finding the API key %s: %w", name, err)
		}
		for _, k := range found.Items {
			if aws.ToString(k.Name) == name {
				id = aws.ToString(k.Id)
			}
		}
		if id == "" {
			return fmt.Errorf("an API key with the value exists but is not named %s: %w", name, conflict)
		}
	default:
		return fmt.Errorf("creating the API key %s: %w", name, err)
	}
	_, err = a.APIGateway.CreateUsagePlanKey(ctx, &apigateway.CreateUsagePlanKeyInput{
		UsagePlanId: aws.String(a.UsagePlanID), KeyId: aws.String(id), KeyType: aws.String("API_KEY"),
	})
	if err != nil && !errors.As(err, &conflict) {
		return fmt.Errorf("adding the API key %s to the usage plan: %w", name, err)
	}
	return nil
}

func isNotFound(err error) bool {
	var nf *agtypes.NotFoundException
	return errors.As(err, &nf)
}

//go:build integ

// Command cleanup removes what `cdk destroy` alone would leave of a test
// deployment. `make integ` runs it twice:
//
//	cleanup -before STACK -leftovers FILE
//
// before destroying the stack, empties its S3 buckets (CloudFormation does
// not delete a bucket that holds objects: "You can only delete empty
// buckets", AWS::S3::Bucket) and writes to FILE the log groups that
// services create outside the stack for its resources: API Gateway's
// execution logs, "API-Gateway-Execution-Logs_{rest-api-id}/{stage_name}"
// for a REST API (API Gateway developer guide, "Set up CloudWatch logging
// for REST APIs"), and for a WebSocket API the same name and
// "/aws/apigateway/{api-id}/{stage}" (undocumented which; both are tried),
// and Lambda's default groups, "/aws/lambda/{function-name}", of CDK's own
// custom-resource handlers (the constructs' handlers log to groups of the
// stack).
//
//	cleanup -after -leftovers FILE
//
// after the stack is gone, deletes those log groups.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/blueprints-cdk/blueprints/integ"
)

func main() {
	before := flag.String("before", "", "the stack about to be destroyed")
	after := flag.Bool("after", false, "delete the log groups listed in -leftovers")
	leftovers := flag.String("leftovers", "", "the file of log groups to delete after the stack")
	flag.Parse()
	if (*before == "") == !*after || *leftovers == "" {
		fmt.Fprintln(os.Stderr, "usage: cleanup -before STACK -leftovers FILE | cleanup -after -leftovers FILE")
		os.Exit(2)
	}
	ctx := context.Background()
	env, err := integ.Load(ctx)
	if err == nil {
		if *after {
			err = deleteLogGroups(ctx, env, *leftovers)
		} else {
			err = prepare(ctx, env, *before, *leftovers)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "cleanup:", err)
		os.Exit(1)
	}
}

// prepare empties the stack's buckets and lists its outside log groups.
func prepare(ctx context.Context, env integ.Env, stack, leftovers string) error {
	var resources []cfntypes.StackResourceSummary
	p := cloudformation.NewListStackResourcesPaginator(cloudformation.NewFromConfig(env.Config), &cloudformation.ListStackResourcesInput{StackName: &stack})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		resources = append(resources, page.StackResourceSummaries...)
	}
	client := s3.NewFromConfig(env.Config)
	groups := map[string]bool{}
	var restAPIs, wsAPIs, restStages, wsStages []string
	for _, r := range resources {
		id := aws.ToString(r.PhysicalResourceId)
		if id == "" {
			continue
		}
		switch aws.ToString(r.ResourceType) {
		case "AWS::S3::Bucket":
			n, err := empty(ctx, client, id)
			if err != nil {
				return err
			}
			fmt.Printf("emptied %s: %d object versions deleted\n", id, n)
		case "AWS::Lambda::Function":
			groups["/aws/lambda/"+id] = true
		case "AWS::ApiGateway::RestApi":
			restAPIs = append(restAPIs, id)
		case "AWS::ApiGateway::Stage":
			restStages = append(restStages, id)
		case "AWS::ApiGatewayV2::Api":
			wsAPIs = append(wsAPIs, id)
		case "AWS::ApiGatewayV2::Stage":
			wsStages = append(wsStages, id)
		}
	}
	// A stack's APIs and stages are few: every pair is a candidate name;
	// deleting one that does not exist is no error.
	for _, api := range restAPIs {
		for _, stage := range restStages {
			groups["API-Gateway-Execution-Logs_"+api+"/"+stage] = true
		}
	}
	for _, api := range wsAPIs {
		for _, stage := range wsStages {
			groups["API-Gateway-Execution-Logs_"+api+"/"+stage] = true
			groups["/aws/apigateway/"+api+"/"+stage] = true
		}
	}
	var names []string
	for g := range groups {
		names = append(names, g)
	}
	b, err := json.Marshal(names)
	if err != nil {
		return err
	}
	return os.WriteFile(leftovers, b, 0o644)
}

func deleteLogGroups(ctx context.Context, env integ.Env, leftovers string) error {
	b, err := os.ReadFile(leftovers)
	if err != nil {
		return err
	}
	var names []string
	if err := json.Unmarshal(b, &names); err != nil {
		return err
	}
	logs := cloudwatchlogs.NewFromConfig(env.Config)
	var errs []error
	for _, name := range names {
		_, err := logs.DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: &name})
		var missing *logtypes.ResourceNotFoundException
		switch {
		case err == nil:
			fmt.Println("deleted log group", name)
		case errors.As(err, &missing):
		default:
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}

func empty(ctx context.Context, client *s3.Client, bucket string) (int, error) {
	deleted := 0
	p := s3.NewListObjectVersionsPaginator(client, &s3.ListObjectVersionsInput{Bucket: &bucket})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return deleted, err
		}
		var objects []types.ObjectIdentifier
		for _, v := range page.Versions {
			objects = append(objects, types.ObjectIdentifier{Key: v.Key, VersionId: v.VersionId})
		}
		for _, m := range page.DeleteMarkers {
			objects = append(objects, types.ObjectIdentifier{Key: m.Key, VersionId: m.VersionId})
		}
		if len(objects) == 0 {
			continue
		}
		out, err := client.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: &bucket, Delete: &types.Delete{Objects: objects, Quiet: aws.Bool(true)}})
		if err != nil {
			return deleted, err
		}
		// DeleteObjects answers 200 and lists the keys it could not delete.
		if len(out.Errors) > 0 {
			e := out.Errors[0]
			return deleted, fmt.Errorf("%s: %d objects not deleted, such as %s: %s %s", bucket, len(out.Errors),
				aws.ToString(e.Key), aws.ToString(e.Code), aws.ToString(e.Message))
		}
		deleted += len(objects)
	}
	return deleted, nil
}

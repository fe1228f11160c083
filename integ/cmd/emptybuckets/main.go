//go:build integ

// Command emptybuckets deletes every object version of the S3 buckets of a
// deployed stack, so that `cdk destroy` can delete them: CloudFormation
// does not delete a bucket that holds objects ("AWS::S3::Bucket",
// DeletionPolicy; "You can only delete empty buckets"). `make integ` runs
// it before destroying a stack.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/blueprints-cdk/blueprints/integ"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: emptybuckets STACK")
		os.Exit(2)
	}
	if err := run(context.Background(), os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "emptybuckets:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, stack string) error {
	env, err := integ.Load(ctx)
	if err != nil {
		return err
	}
	cfn := cloudformation.NewFromConfig(env.Config)
	p := cloudformation.NewListStackResourcesPaginator(cfn, &cloudformation.ListStackResourcesInput{StackName: &stack})
	client := s3.NewFromConfig(env.Config)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, r := range page.StackResourceSummaries {
			if aws.ToString(r.ResourceType) != "AWS::S3::Bucket" || r.PhysicalResourceId == nil {
				continue
			}
			n, err := empty(ctx, client, *r.PhysicalResourceId)
			if err != nil {
				return err
			}
			fmt.Printf("emptied %s: %d object versions deleted\n", *r.PhysicalResourceId, n)
		}
	}
	return nil
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

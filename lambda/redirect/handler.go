// Package main is the redirect handler of the redirectapi construct, after
// "Redirection in a Serverless API with AWS Lambda and Amazon API Gateway".
// Unlike the post's function, it signals a redirect by succeeding, with
// {location, permanent} or {notFound: true}, which the integration
// response maps to the status and the Location header: only a real failure
// is a Lambda error, so the function's error metric means what it says.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/blueprints-cdk/blueprints/internal/lambdamain"
	"github.com/blueprints-cdk/blueprints/internal/redirects"
)

// Request is what the integration request template sends.
type Request struct {
	Slug string `json:"slug"`
}

// Result is what the integration response maps: a redirect, or not found.
type Result struct {
	Location  string `json:"location,omitempty"`
	Permanent bool   `json:"permanent,omitempty"`
	NotFound  bool   `json:"notFound,omitempty"`
}

// Table is the part of the DynamoDB API the handler uses.
type Table interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
}

// ErrInvalidTarget is a stored target the API must not redirect to: a
// function error, which the integration maps to 500.
var ErrInvalidTarget = errors.New("invalid redirect target")

// Handler serves redirects from the table.
type Handler struct {
	Config redirects.Config
	DB     Table
	Log    *slog.Logger
}

// Handle looks the slug up. A slug that is not valid is not found, without
// a table read; a stored target that fails the rules is an error.
func (h *Handler) Handle(ctx context.Context, req Request) (Result, error) {
	if !redirects.ValidSlug(req.Slug) {
		h.Log.InfoContext(ctx, "not a slug", "bytes", len(req.Slug)) // never the slug itself
		return Result{NotFound: true}, nil
	}
	out, err := h.DB.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(h.Config.TableName), ConsistentRead: aws.Bool(false),
		Key: map[string]types.AttributeValue{redirects.PartitionKey: &types.AttributeValueMemberS{Value: req.Slug}},
	})
	if err != nil {
		return Result{}, fmt.Errorf("reading the slug: %w", err)
	}
	if out.Item == nil {
		return Result{NotFound: true}, nil
	}
	loc, _ := out.Item[redirects.LocationAttribute].(*types.AttributeValueMemberS)
	if loc == nil {
		h.Log.ErrorContext(ctx, "stored redirect has no location", "slug", req.Slug)
		return Result{}, ErrInvalidTarget
	}
	if err := h.Config.CheckTarget(loc.Value); err != nil {
		h.Log.ErrorContext(ctx, "stored redirect refused", "slug", req.Slug, "reason", err.Error())
		return Result{}, ErrInvalidTarget
	}
	permanent := false
	if p, ok := out.Item[redirects.PermanentAttribute].(*types.AttributeValueMemberBOOL); ok {
		permanent = p.Value
	}
	return Result{Location: loc.Value, Permanent: permanent}, nil
}

// newHandler builds the handler from the environment the construct set.
func newHandler(getenv func(string) string) (*Handler, error) {
	cfg, err := redirects.FromEnv(getenv)
	if err != nil {
		return nil, err
	}
	awsCfg, err := lambdamain.AWSConfig(getenv)
	if err != nil {
		return nil, err
	}
	db := dynamodb.NewFromConfig(awsCfg, func(o *dynamodb.Options) { o.BaseEndpoint = lambdamain.Endpoint(getenv, "DYNAMODB") })
	return &Handler{Config: cfg, DB: db, Log: lambdamain.Logger(os.Stdout)}, nil
}

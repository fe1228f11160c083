package local

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// CreateTables creates, on the server, every AWS::DynamoDB::Table of a
// synthesized template with its key schema, attribute definitions and
// indexes. A table is named after its logical id unless the template names
// it; the returned map gives each logical id its name, ready for
// RestAPI.Refs (and "<id>.Arn" its local ARN).
func (d *Dynalite) CreateTables(ctx context.Context, template map[string]any) (map[string]string, error) {
	refs := map[string]string{}
	resources, _ := template["Resources"].(map[string]any)
	for id, r := range resources {
		r, _ := r.(map[string]any)
		if r["Type"] != "AWS::DynamoDB::Table" {
			continue
		}
		props, _ := r["Properties"].(map[string]any)
		name := id
		if n, ok := props["TableName"].(string); ok {
			name = n
		}
		req := map[string]any{
			"TableName":            name,
			"KeySchema":            props["KeySchema"],
			"AttributeDefinitions": props["AttributeDefinitions"],
			"BillingMode":          "PAY_PER_REQUEST",
		}
		if g, ok := props["GlobalSecondaryIndexes"].([]any); ok {
			var gsis []any
			for _, idx := range g {
				idx, _ := idx.(map[string]any)
				gsis = append(gsis, map[string]any{"IndexName": idx["IndexName"], "KeySchema": idx["KeySchema"], "Projection": idx["Projection"]})
			}
			req["GlobalSecondaryIndexes"] = gsis
		}
		body, _ := json.Marshal(req)
		status, resp, err := d.Call(ctx, "CreateTable", body)
		if err != nil {
			return nil, err
		}
		if status != 200 {
			return nil, fmt.Errorf("creating table %s: %d %s", id, status, resp)
		}
		if err := d.WaitActive(ctx, name); err != nil {
			return nil, err
		}
		refs[id] = name
		refs[id+".Arn"] = "arn:aws:dynamodb:us-east-1:123456789012:table/" + name
	}
	return refs, nil
}

// WaitActive waits until the server reports the table ACTIVE: dynalite, like
// DynamoDB, answers ResourceNotFound while a new table is still CREATING.
func (d *Dynalite) WaitActive(ctx context.Context, table string) error {
	body, _ := json.Marshal(map[string]string{"TableName": table})
	for range 200 {
		status, resp, err := d.Call(ctx, "DescribeTable", body)
		if err != nil {
			return err
		}
		if status == 200 && strings.Contains(string(resp), `"TableStatus":"ACTIVE"`) {
			return nil
		}
		time.Sleep(5 * time.Millisecond)
	}
	return fmt.Errorf("table %s did not become ACTIVE", table)
}

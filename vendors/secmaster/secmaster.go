// Package secmaster is the client for Huawei Cloud SecMaster's SOC incident
// APIs: batch-deleting incidents and cancelling associations between data
// objects (for example, unlinking alerts from an incident).
package secmaster

import (
	"context"
	"fmt"
	"time"

	sdk "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/secmaster/v1"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/secmaster/v1/model"

	"github.com/incidentbot/incidentbot/vendors"
	"github.com/incidentbot/incidentbot/vendors/huaweicloud"
)

// Vendor is the name shown to responders.
const Vendor = "SecMaster"

const contentType = "application/json;charset=UTF-8"

// Config configures a Client.
type Config struct {
	huaweicloud.Settings
	WorkspaceID string
	BatchSize   int // IDs per API call; larger requests are split
}

// Client calls SecMaster. It is safe for concurrent use.
type Client struct {
	api       *sdk.SecMasterClient
	workspace string
	batchSize int
	timeout   time.Duration
}

// New builds a Client. It makes no network call.
func New(cfg Config) (*Client, error) {
	cfg.Settings.ContentType = contentType
	hc, err := huaweicloud.NewHTTPClient(sdk.SecMasterClientBuilder(), cfg.Settings, huaweicloud.ProjectScope)
	if err != nil {
		return nil, fmt.Errorf("secmaster: %w", err)
	}
	return &Client{api: sdk.NewSecMasterClient(hc), workspace: cfg.WorkspaceID, batchSize: cfg.BatchSize, timeout: cfg.Timeout}, nil
}

// DeleteIncidents deletes SOC incidents by ID:
// DELETE /v1/{project_id}/workspaces/{workspace_id}/soc/incidents {"batch_ids": [...]}.
func (c *Client) DeleteIncidents(ctx context.Context, ids []string) (vendors.BatchResult, error) {
	return c.inBatches(ctx, ids, func(batch []string) (answer, error) {
		resp, err := c.api.DeleteIncident(&model.DeleteIncidentRequest{
			ContentType: contentType,
			WorkspaceId: c.workspace,
			Body:        &model.DeleteIncidentRequestBody{BatchIds: &batch},
		})
		if err != nil {
			return answer{}, err
		}
		a := answer{code: resp.Code, message: resp.Message}
		if resp.Data != nil {
			a.succeeded, a.failed = resp.Data.SuccessIds, resp.Data.ErrorIds
		}
		return a, nil
	})
}

// Association names the two sides of a data object relation, for example
// incidents -> alerts.
type Association struct {
	DataClass        string // data class of the subject, plural lowercase ("incidents")
	ObjectID         string // the subject's ID
	RelatedDataClass string // data class of the related objects ("alerts")
}

// CancelAssociation removes the relation between one data object and the
// related objects given by ids:
// DELETE /v1/{project_id}/workspaces/{workspace_id}/soc/{dataclass_type}/{data_object_id}/{related_dataclass_type} {"ids": [...]}.
func (c *Client) CancelAssociation(ctx context.Context, a Association, ids []string) (vendors.BatchResult, error) {
	return c.inBatches(ctx, ids, func(batch []string) (answer, error) {
		resp, err := c.api.DeleteDataobjectRelation(&model.DeleteDataobjectRelationRequest{
			ContentType:          contentType,
			WorkspaceId:          c.workspace,
			DataclassType:        a.DataClass,
			DataObjectId:         a.ObjectID,
			RelatedDataclassType: a.RelatedDataClass,
			Body:                 &model.CreateDataobjectRelationRequestBody{Ids: &batch},
		})
		if err != nil {
			return answer{}, err
		}
		a := answer{code: resp.Code, message: resp.Message}
		if resp.Data != nil {
			a.succeeded, a.failed = resp.Data.SuccessIds, resp.Data.ErrorIds
		}
		return a, nil
	})
}

// answer is what one SecMaster batch call said, whichever call it was.
type answer struct {
	succeeded, failed *[]string // data.success_ids, data.error_ids
	code, message     *string
}

// inBatches splits ids into calls of at most batchSize and turns each
// answer into per-ID results.
func (c *Client) inBatches(ctx context.Context, ids []string, call func(batch []string) (answer, error)) (vendors.BatchResult, error) {
	return vendors.InBatches(ctx, ids, c.batchSize, func(_ context.Context, chunk []string) (vendors.BatchResult, error) {
		a, err := call(append([]string(nil), chunk...))
		if err != nil {
			return vendors.BatchResult{}, huaweicloud.ClassifyError(Vendor, c.timeout, err)
		}
		return perID(chunk, a.succeeded, a.failed, a.code, a.message), nil
	})
}

// perID turns SecMaster's success_ids / error_ids into a per-ID result. An ID
// SecMaster put in neither list is reported as failed: we only claim what the
// vendor confirmed.
func perID(requested []string, succeeded, failed *[]string, code, message *string) vendors.BatchResult {
	ok := map[string]bool{}
	if succeeded != nil {
		for _, id := range *succeeded {
			ok[id] = true
		}
	}
	bad := map[string]bool{}
	if failed != nil {
		for _, id := range *failed {
			bad[id] = true
		}
	}
	reason := "listed in error_ids by SecMaster"
	if message != nil && *message != "" {
		reason += ": " + codeAndMessage(code, message)
	}
	var r vendors.BatchResult
	for _, id := range requested {
		switch {
		case bad[id]:
			r.Failed = append(r.Failed, vendors.Failure{ID: id, Reason: reason})
		case ok[id]:
			r.Succeeded = append(r.Succeeded, id)
		default:
			r.Failed = append(r.Failed, vendors.Failure{ID: id, Reason: "not confirmed: SecMaster listed it in neither success_ids nor error_ids"})
		}
	}
	return r
}

func codeAndMessage(code, message *string) string {
	var c, m string
	if code != nil {
		c = *code
	}
	if message != nil {
		m = *message
	}
	switch {
	case c != "" && m != "":
		return c + ": " + m
	default:
		return c + m
	}
}

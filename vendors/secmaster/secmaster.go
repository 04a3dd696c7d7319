// Package secmaster is the client for Huawei Cloud SecMaster's SOC incident
// APIs: batch-deleting incidents and cancelling associations between data
// objects (for example, unlinking alerts from an incident).
package secmaster

import (
	"context"
	"fmt"
	"time"

	core "github.com/huaweicloud/huaweicloud-sdk-go-v3/core"
	sdk "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/secmaster/v1"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/secmaster/v1/model"

	"github.com/incidentbot/incidentbot/vendors"
	"github.com/incidentbot/incidentbot/vendors/httpretry"
	"github.com/incidentbot/incidentbot/vendors/huaweicloud"
)

// Vendor is the name shown to responders.
const Vendor = vendors.SecMaster

const contentType = "application/json;charset=UTF-8"

// Config configures a Client.
type Config struct {
	huaweicloud.Settings
	WorkspaceID string
	BatchSize   int // IDs per API call; larger requests are split
}

// Client calls SecMaster. It is safe for concurrent use.
type Client struct {
	conn      *huaweicloud.Conn
	workspace string
	batchSize int
	timeout   time.Duration
}

// New builds a Client. It makes no network call.
func New(cfg Config) (*Client, error) {
	cfg.Settings.ContentType = contentType
	conn, err := huaweicloud.NewConn(Vendor, sdk.SecMasterClientBuilder, cfg.Settings, huaweicloud.ProjectScope)
	if err != nil {
		return nil, fmt.Errorf("secmaster: %w", err)
	}
	return &Client{conn: conn, workspace: cfg.WorkspaceID, batchSize: cfg.BatchSize, timeout: cfg.Timeout}, nil
}

// DeleteIncidents deletes SOC incidents by ID:
// DELETE /v1/{project_id}/workspaces/{workspace_id}/soc/incidents {"batch_ids": [...]}.
// Deleting is idempotent, so a 429 or 503 is retried (httpretry.Default).
func (c *Client) DeleteIncidents(ctx context.Context, ids []string) (vendors.BatchResult, error) {
	return c.inBatches(ctx, ids, func(hc *core.HcHttpClient, batch []string) error {
		_, err := sdk.NewSecMasterClient(hc).DeleteIncident(&model.DeleteIncidentRequest{
			ContentType: contentType,
			WorkspaceId: c.workspace,
			Body:        &model.DeleteIncidentRequestBody{BatchIds: &batch},
		})
		return err
	})
}

// CancelAssociation removes the relation between one data object and the
// related objects given by ids:
// DELETE /v1/{project_id}/workspaces/{workspace_id}/soc/{dataclass_type}/{data_object_id}/{related_dataclass_type} {"ids": [...]}.
// It is idempotent, so a 429 or 503 is retried (httpretry.Default).
func (c *Client) CancelAssociation(ctx context.Context, a vendors.Association, ids []string) (vendors.BatchResult, error) {
	return c.inBatches(ctx, ids, func(hc *core.HcHttpClient, batch []string) error {
		_, err := sdk.NewSecMasterClient(hc).DeleteDataobjectRelation(&model.DeleteDataobjectRelationRequest{
			ContentType:          contentType,
			WorkspaceId:          c.workspace,
			DataclassType:        a.DataClass,
			DataObjectId:         a.ObjectID,
			RelatedDataclassType: a.RelatedDataClass,
			Body:                 &model.CreateDataobjectRelationRequestBody{Ids: &batch},
		})
		return err
	})
}

// inBatches splits ids into calls of at most batchSize and turns each
// answer into per-ID results.
func (c *Client) inBatches(ctx context.Context, ids []string, call func(hc *core.HcHttpClient, batch []string) error) (vendors.BatchResult, error) {
	return vendors.InBatches(ctx, ids, c.batchSize, func(ctx context.Context, chunk []string) (vendors.BatchResult, error) {
		batch := append([]string(nil), chunk...)
		res, err := c.conn.Call(ctx, httpretry.Default, func(hc *core.HcHttpClient) error { return call(hc, batch) })
		if err != nil {
			return vendors.BatchResult{}, err
		}
		return perID(chunk, res)
	})
}

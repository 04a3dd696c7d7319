// Package coc is the client for Huawei Cloud COC (Cloud Operations Center)
// incident tickets: creating a ticket and verifying its handling result.
package coc

import (
	"context"
	"fmt"
	"strconv"
	"time"

	sdk "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/coc/v1"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/coc/v1/model"

	"github.com/incidentbot/incidentbot/vendors"
	"github.com/incidentbot/incidentbot/vendors/huaweicloud"
)

// Vendor is the name shown to responders.
const Vendor = "COC"

// successCode is what COC puts in error_code when a request succeeded.
const successCode = "GOM.00000000"

// Client calls COC. It is safe for concurrent use.
type Client struct {
	api     *sdk.CocClient
	timeout time.Duration
}

// New builds a Client. It makes no network call.
func New(s huaweicloud.Settings) (*Client, error) {
	hc, err := huaweicloud.NewHTTPClient(sdk.CocClientBuilder(), s, huaweicloud.GlobalScope)
	if err != nil {
		return nil, fmt.Errorf("coc: %w", err)
	}
	return &Client{api: sdk.NewCocClient(hc), timeout: s.Timeout}, nil
}

// NewIncident is an incident ticket to create. Field limits are checked by
// the caller (commands) before the call, so a responder hears of them first.
type NewIncident struct {
	Title             string
	Description       string
	Level             string // level_10 .. level_50
	Type              string // inc_type_p_...
	Source            string // incident_source_...
	ApplicationID     string
	ServiceInterrupt  bool
	Assignee          string // either Assignee, or Scene and Role
	Scene             string
	Role              string
	Region            string
	EnterpriseProject string
	Creator           string // the creator's cloud user ID
}

// CreateIncident creates a ticket (POST /v1/external/incident/create) and
// returns its number.
func (c *Client) CreateIncident(ctx context.Context, in NewIncident) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	body := &model.CreateExternalIncidentRequest{
		CurrentCloudService: &[]string{in.ApplicationID},
		IncidentLevel:       in.Level,
		IsServiceInterrupt:  strconv.FormatBool(in.ServiceInterrupt),
		IncidentType:        in.Type,
		IncidentTitle:       in.Title,
		IncidentDescription: &in.Description,
		IncidentSource:      in.Source,
		Creator:             in.Creator,
	}
	if in.Assignee != "" {
		body.IncidentAssignee = &[]string{in.Assignee}
	} else {
		body.AssigneeScene, body.AssigneeRole = &in.Scene, &in.Role
	}
	if in.Region != "" {
		body.Region = &[]string{in.Region}
	}
	if in.EnterpriseProject != "" {
		body.EnterpriseProject = &[]string{in.EnterpriseProject}
	}
	resp, err := c.api.CreateCocIncident(&model.CreateCocIncidentRequest{Body: body})
	if err != nil {
		return "", huaweicloud.ClassifyError(Vendor, c.timeout, err)
	}
	if err := refused(resp.HttpStatusCode, resp.ErrorCode, resp.ErrorMsg); err != nil {
		return "", err
	}
	if resp.Data == nil || resp.Data.IncidentNum == "" {
		return "", &vendors.Error{Vendor: Vendor, Status: resp.HttpStatusCode, Code: resp.ErrorCode, Message: "the answer carried no incident_num"}
	}
	return resp.Data.IncidentNum, nil
}

// Verification is the verdict on a ticket's handling result.
type Verification struct {
	Ticket   string
	Operator string // the operator's cloud user ID
	Passed   bool
	Comment  string
}

// VerifyIncident records the verification of a ticket's handling result:
// POST /v1/external/incident/handle with operate_key "confirm".
func (c *Client) VerifyIncident(ctx context.Context, v Verification) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	resp, err := c.api.HandleCocIncident(&model.HandleCocIncidentRequest{Body: &model.HandleExternalIncidentRequest{
		IncidentNum: v.Ticket,
		Operator:    v.Operator,
		OperateKey:  "confirm",
		Parameter: map[string]interface{}{
			"virtual_confirm_result":  v.Passed,
			"virtual_confirm_comment": v.Comment,
		},
	}})
	if err != nil {
		return huaweicloud.ClassifyError(Vendor, c.timeout, err)
	}
	return refused(resp.HttpStatusCode, resp.ErrorCode, resp.ErrorMsg)
}

// refused reports a 200 answer whose error_code says the request failed.
func refused(status int, code string, msg *string) error {
	if code == "" || code == successCode || code == "0" {
		return nil
	}
	e := &vendors.Error{Vendor: Vendor, Status: status, Code: code}
	if msg != nil {
		e.Message = *msg
	}
	return e
}

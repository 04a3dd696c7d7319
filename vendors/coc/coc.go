// Package coc is the client for Huawei Cloud COC (Cloud Operations Center)
// incident tickets: creating a ticket and taking it through its lifecycle
// (accept, submit a solution, verify). None of these calls is idempotent,
// so none is retried.
package coc

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	core "github.com/huaweicloud/huaweicloud-sdk-go-v3/core"
	sdk "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/coc/v1"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/coc/v1/model"

	"github.com/incidentbot/incidentbot/vendors"
	"github.com/incidentbot/incidentbot/vendors/httpretry"
	"github.com/incidentbot/incidentbot/vendors/huaweicloud"
)

// Vendor is the name shown to responders.
const Vendor = vendors.COC

// Client calls COC. It is safe for concurrent use.
type Client struct {
	conn    *huaweicloud.Conn
	timeout time.Duration
}

// New builds a Client. It makes no network call.
func New(s huaweicloud.Settings) (*Client, error) {
	conn, err := huaweicloud.NewConn(Vendor, sdk.CocClientBuilder, s, huaweicloud.GlobalScope)
	if err != nil {
		return nil, fmt.Errorf("coc: %w", err)
	}
	return &Client{conn: conn, timeout: s.Timeout}, nil
}

// CreateIncident creates a ticket (POST /v1/external/incident/create) and
// returns its number. It is sent once: a retry could open a second ticket.
func (c *Client) CreateIncident(ctx context.Context, in vendors.NewIncident) (vendors.Receipt, error) {
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
	a, res, err := c.send(ctx, func(hc *core.HcHttpClient) error {
		_, err := sdk.NewCocClient(hc).CreateCocIncident(&model.CreateCocIncidentRequest{Body: body})
		return err
	})
	if err != nil {
		return vendors.Receipt{RequestID: res.RequestID()}, err
	}
	if a.Data == nil || a.Data.IncidentNum == "" {
		// COC said it succeeded but named no ticket: one may exist.
		return vendors.Receipt{RequestID: res.RequestID()}, &vendors.UnreachableError{Vendor: Vendor, Timeout: c.timeout, RequestID: res.RequestID(), Status: 200,
			Reason: "COC reported success but named no incident_num; a ticket may have been created", Detail: string(res.Body)}
	}
	return vendors.Receipt{ID: a.Data.IncidentNum, RequestID: res.RequestID()}, nil
}

// HandleIncident takes a ticket one step through its lifecycle:
// POST /v1/external/incident/handle with the step's operate_key. It is
// sent once: COC's handle operations are not idempotent.
func (c *Client) HandleIncident(ctx context.Context, op vendors.TicketOp) (vendors.Receipt, error) {
	body, err := HandleBody(op)
	if err != nil {
		return vendors.Receipt{}, err
	}
	_, res, err := c.send(ctx, func(hc *core.HcHttpClient) error {
		_, err := sdk.NewCocClient(hc).HandleCocIncident(&model.HandleCocIncidentRequest{Body: body})
		return err
	})
	if err != nil {
		return vendors.Receipt{RequestID: res.RequestID()}, err
	}
	return vendors.Receipt{ID: op.Ticket, RequestID: res.RequestID()}, nil
}

// The operate_key of each lifecycle step (COC's handle API).
var operateKeys = map[vendors.TicketStep]string{
	vendors.Accept:  "acceptedIncident1",
	vendors.Resolve: "commitSolution1",
	vendors.Verify:  "confirm",
}

// HandleBody is the documented body of one lifecycle step.
func HandleBody(op vendors.TicketOp) (*model.HandleExternalIncidentRequest, error) {
	key, ok := operateKeys[op.Step]
	if !ok {
		return nil, fmt.Errorf("coc: unknown ticket step %d", op.Step)
	}
	body := &model.HandleExternalIncidentRequest{IncidentNum: op.Ticket, Operator: op.Operator, OperateKey: key}
	switch op.Step {
	case vendors.Resolve:
		body.Parameter = map[string]interface{}{
			"mtm_type":             op.Type,
			"is_service_interrupt": op.ServiceInterrupt,
			"cause":                op.Cause,
			"solution":             op.Solution,
		}
	case vendors.Verify:
		body.Parameter = map[string]interface{}{
			"virtual_confirm_result":  op.Passed,
			"virtual_confirm_comment": op.Comment,
		}
	}
	return body, nil
}

// answer is COC's documented answer to create and handle.
type answer struct {
	ErrorCode string  `json:"error_code"`
	ErrorMsg  *string `json:"error_msg"`
	Data      *struct {
		IncidentNum string `json:"incident_num"`
	} `json:"data"`
}

// send makes one call, never retried, and reads COC's answer: a 2xx whose
// error_code is not a success code is a refusal with that code (and the
// message, when COC gave one).
func (c *Client) send(ctx context.Context, call func(*core.HcHttpClient) error) (a answer, res huaweicloud.Result, err error) {
	defer func(started time.Time) { vendors.Observe(ctx, started, err) }(time.Now())
	return c.sendOnce(ctx, call)
}

func (c *Client) sendOnce(ctx context.Context, call func(*core.HcHttpClient) error) (answer, huaweicloud.Result, error) {
	res, err := c.conn.Call(ctx, httpretry.Once, call)
	if err != nil {
		return answer{}, res, err
	}
	var a answer
	if err := json.Unmarshal(res.Body, &a); err != nil {
		return answer{}, res, &vendors.UnreachableError{Vendor: Vendor, Timeout: c.timeout, RequestID: res.RequestID(), Status: 200,
			Reason: "a 2xx answer COC's documented shape does not fit: " + vendors.Cap(err.Error(), 120), Detail: string(res.Body), Err: err}
	}
	if !success(a.ErrorCode) {
		e := &vendors.Error{Vendor: Vendor, Status: 200, Code: a.ErrorCode, RequestID: res.RequestID(), Detail: string(res.Body)}
		if a.ErrorMsg != nil {
			e.Message = vendors.Cap(*a.ErrorMsg, vendors.MaxMessage)
		}
		return answer{}, res, e
	}
	return a, res, nil
}

// success reports whether error_code says the request succeeded. The
// pages give "GOM.00000000" as the success value and also say "0".
func success(code string) bool {
	return code == "" || code == "GOM.00000000" || code == "0"
}

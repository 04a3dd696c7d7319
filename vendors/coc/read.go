package coc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	core "github.com/huaweicloud/huaweicloud-sdk-go-v3/core"
	sdk "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/coc/v1"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/coc/v1/model"

	"github.com/incidentbot/incidentbot/vendors"
	"github.com/incidentbot/incidentbot/vendors/httpretry"
	"github.com/incidentbot/incidentbot/vendors/huaweicloud"
)

var _ vendors.COCReader = (*Client)(nil)

// ticketData is the part of IncidentTicketInfoResponseData we show.
type ticketData struct {
	IncidentNum string   `json:"incident_num"`
	Title       string   `json:"incident_title"`
	Level       string   `json:"incident_level"`
	Status      string   `json:"status"`
	Assignee    []string `json:"incident_assignee"`
	CreateTime  int64    `json:"create_time"` // ms since the epoch
	HandleTime  int64    `json:"handle_time"`
}

// Ticket reads one ticket: GET /v1/external/incident/{incident_num}.
//
// COC's page documents no "does not exist" code, so a ticket is NotFound
// only when COC positively says so: a 404 that carries COC's own
// error_code ("COC.…"; a gateway's 404, bare or with an APIGW code for an
// unpublished route, does not), or a success answer with no ticket in
// data. Any other answer is CouldNotLookUp with COC's code,
// message and request ID.
func (c *Client) Ticket(ctx context.Context, number string) vendors.Lookup[vendors.Ticket] {
	if !vendors.PathSafe(number) {
		return vendors.Lookup[vendors.Ticket]{ID: number, Presence: vendors.CouldNotLookUp,
			Err: &vendors.LookupError{Vendor: Vendor, Reason: "not a ticket number COC could be asked about (letters, digits, - _ . only)"}}
	}
	res, err := c.conn.Call(ctx, httpretry.Default, func(hc *core.HcHttpClient) error {
		_, err := sdk.NewCocClient(hc).ShowCocIncidentDetail(&model.ShowCocIncidentDetailRequest{IncidentNum: number})
		return err
	})
	if err != nil {
		var ve *vendors.Error
		if errors.As(err, &ve) && ve.Status == 404 && strings.HasPrefix(ve.Code, "COC.") {
			return vendors.Lookup[vendors.Ticket]{ID: number, Presence: vendors.NotFound}
		}
		return vendors.Lookup[vendors.Ticket]{ID: number, Presence: vendors.CouldNotLookUp, Err: err}
	}
	var a struct {
		ErrorCode string      `json:"error_code"`
		ErrorMsg  *string     `json:"error_msg"`
		Data      *ticketData `json:"data"`
	}
	if err := c.decode(res, &a); err != nil {
		return vendors.Lookup[vendors.Ticket]{ID: number, Presence: vendors.CouldNotLookUp, Err: err}
	}
	if !success(a.ErrorCode) {
		return vendors.Lookup[vendors.Ticket]{ID: number, Presence: vendors.CouldNotLookUp, Err: refusal(res, a.ErrorCode, a.ErrorMsg)}
	}
	if a.Data == nil || a.Data.IncidentNum == "" {
		return vendors.Lookup[vendors.Ticket]{ID: number, Presence: vendors.NotFound}
	}
	d := a.Data
	t := vendors.Ticket{Number: d.IncidentNum, Title: d.Title, Level: d.Level, Status: d.Status, Assignees: d.Assignee, Updated: millis(max(d.HandleTime, d.CreateTime))}
	return vendors.Lookup[vendors.Ticket]{ID: number, Presence: vendors.Found, Item: t}
}

// simpleTicket is IncidentSimpleTicketInfo.
type simpleTicket struct {
	TicketID string   `json:"ticket_id"`
	Title    string   `json:"title"`
	Status   string   `json:"status"`
	Level    string   `json:"level"`
	Assignee []string `json:"assignee"`
}

// ListTickets lists tickets: GET /v1/incident-tickets?offset=PAGE&limit=N
// (ListIncidentSimpleTickets; the page says offset is the page number,
// from 1, and limit at most 100). The API filters nothing, so Status,
// Severity (the level) and Assignee are applied to the page COC returns:
// a filtered page may hold fewer than Limit tickets, and Next still leads
// on. The cursor is the next page number.
//
// The page gives data's items but not its envelope; data is read either
// as the array of tickets or as an object holding it under "data", "list"
// or "tickets" (with "total" when sent). Anything else is not trusted.
func (c *Client) ListTickets(ctx context.Context, q vendors.ListQuery) (vendors.Page[vendors.Ticket], error) {
	pageNo := 1
	if q.Cursor != "" {
		n, err := strconv.Atoi(q.Cursor)
		if err != nil || n < 1 || n > 1_000_000 {
			return vendors.Page[vendors.Ticket]{}, fmt.Errorf("coc: page cursor %q is not a page number", vendors.Cap(q.Cursor, 40))
		}
		pageNo = n
	}
	limit, offset := int32(q.PageSize()), int32(pageNo)
	res, err := c.conn.Call(ctx, httpretry.Default, func(hc *core.HcHttpClient) error {
		_, err := sdk.NewCocClient(hc).ListIncidentSimpleTickets(&model.ListIncidentSimpleTicketsRequest{Offset: &offset, Limit: &limit})
		return err
	})
	if err != nil {
		return vendors.Page[vendors.Ticket]{}, err
	}
	var a struct {
		ErrorCode string          `json:"error_code"`
		ErrorMsg  *string         `json:"error_msg"`
		Data      json.RawMessage `json:"data"`
	}
	if err := c.decode(res, &a); err != nil {
		return vendors.Page[vendors.Ticket]{}, err
	}
	if !success(a.ErrorCode) {
		return vendors.Page[vendors.Ticket]{}, refusal(res, a.ErrorCode, a.ErrorMsg)
	}
	items, total, ok := simpleTickets(a.Data)
	if !ok {
		return vendors.Page[vendors.Ticket]{}, &vendors.UnreachableError{Vendor: Vendor, Timeout: c.timeout, RequestID: res.RequestID(), Status: 200,
			Reason: "a 2xx answer whose data holds no list of tickets", Detail: string(res.Body)}
	}
	p := vendors.Page[vendors.Ticket]{Total: total}
	for _, s := range items {
		t := vendors.Ticket{Number: s.TicketID, Title: s.Title, Level: s.Level, Status: s.Status, Assignees: s.Assignee}
		if keep(t, q) {
			p.Items = append(p.Items, t)
		}
	}
	if (total >= 0 && pageNo*int(limit) < total) || (total < 0 && len(items) == int(limit)) {
		p.Next = strconv.Itoa(pageNo + 1)
	}
	return p, nil
}

func simpleTickets(raw json.RawMessage) ([]simpleTicket, int, bool) {
	var list []simpleTicket
	if json.Unmarshal(raw, &list) == nil && list != nil {
		return list, -1, true
	}
	var obj struct {
		Data    []simpleTicket `json:"data"`
		List    []simpleTicket `json:"list"`
		Tickets []simpleTicket `json:"tickets"`
		Total   *int           `json:"total"`
	}
	if json.Unmarshal(raw, &obj) != nil {
		return nil, 0, false
	}
	total := -1
	if obj.Total != nil {
		total = *obj.Total
	}
	for _, l := range [][]simpleTicket{obj.Data, obj.List, obj.Tickets} {
		if l != nil {
			return l, total, true
		}
	}
	return nil, 0, false
}

func keep(t vendors.Ticket, q vendors.ListQuery) bool {
	if len(q.Status) > 0 && !slices.Contains(q.Status, t.Status) {
		return false
	}
	if len(q.Severity) > 0 && !slices.Contains(q.Severity, t.Level) {
		return false
	}
	return q.Assignee == "" || slices.Contains(t.Assignees, q.Assignee)
}

func (c *Client) decode(res huaweicloud.Result, v any) error {
	if err := json.Unmarshal(res.Body, v); err != nil {
		return &vendors.UnreachableError{Vendor: Vendor, Timeout: c.timeout, RequestID: res.RequestID(), Status: 200,
			Reason: "a 2xx answer COC's documented shape does not fit: " + vendors.Cap(err.Error(), 120), Detail: string(res.Body), Err: err}
	}
	return nil
}

func refusal(res huaweicloud.Result, code string, msg *string) *vendors.Error {
	e := &vendors.Error{Vendor: Vendor, Status: 200, Code: code, RequestID: res.RequestID(), Detail: string(res.Body)}
	if msg != nil {
		e.Message = vendors.Cap(*msg, vendors.MaxMessage)
	}
	return e
}

func millis(ms int64) time.Time {
	if ms <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

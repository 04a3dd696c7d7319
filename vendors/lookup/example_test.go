package lookup_test

import (
	"context"
	"fmt"
	"time"

	"github.com/incidentbot/incidentbot/vendors"
	"github.com/incidentbot/incidentbot/vendors/huaweicloud"
	"github.com/incidentbot/incidentbot/vendors/lookup"
	"github.com/incidentbot/incidentbot/vendors/sandbox"
	"github.com/incidentbot/incidentbot/vendors/secmaster"
)

// A confirmation of "delete inc-1001 inc-1003 inc-9999" looks its targets
// up after the acknowledgement and shows each as SecMaster sees it; after
// the delete runs, the write path invalidates the IDs it touched.
func Example() {
	sb := sandbox.New()
	url, _ := sb.Start()
	defer sb.Close()
	sm, _ := secmaster.New(secmaster.Config{WorkspaceID: "w", BatchSize: 100, Settings: huaweicloud.Settings{
		AccessKey: "ak", SecretKey: "sk", ProjectID: "p", Endpoint: url, Timeout: 5 * time.Second}})
	reader := lookup.New(lookup.Config{SecMaster: sm}) // 2 s deadline, 30 s cache, 4 calls per vendor

	ctx := context.Background()
	for _, l := range reader.SecMasterIncidents(ctx, []string{"inc-1001", "inc-1003", "inc-9999"}) {
		switch l.Presence {
		case vendors.Found:
			fmt.Printf("%s  %s  [%s, %s, owner %v]\n", l.ID, l.Item.Title, l.Item.Severity, l.Item.Status, l.Item.Owners)
		case vendors.NotFound:
			fmt.Printf("%s  not found\n", l.ID)
		default:
			fmt.Printf("%s  could not look up: %s\n", l.ID, vendors.LookupReason(l.Err))
		}
	}
	_, _ = sm.DeleteIncidents(ctx, []string{"inc-1003"})
	reader.Invalidate(ctx, "inc-1003")
	fmt.Println("after delete:", reader.SecMasterIncidents(ctx, []string{"inc-1003"})[0].Presence)
	// Output:
	// inc-1001  Brute-force logins against bastion-eu-1  [High, Open, owner [alice]]
	// inc-1003  Test incident from playbook dry run  [Tips, Open, owner []]
	// inc-9999  not found
	// after delete: not found
}

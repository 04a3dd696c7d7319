package main

import (
	"fmt"
	"time"

	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/config"
	"github.com/incidentbot/incidentbot/vendors/coc"
	"github.com/incidentbot/incidentbot/vendors/coralogix"
	"github.com/incidentbot/incidentbot/vendors/huaweicloud"
	"github.com/incidentbot/incidentbot/vendors/lookup"
	"github.com/incidentbot/incidentbot/vendors/sandbox"
	"github.com/incidentbot/incidentbot/vendors/secmaster"
)

// LookupDeadline bounds every vendor read: a confirmation's look-ups
// update it within a few seconds of the ack, or say why they could not.
const LookupDeadline = 2 * time.Second

// sandboxNote is shown at start and in the footer of every reply in sandbox mode.
const sandboxNote = "Sandbox mode: vendors are emulated; no real incident is touched."

// buildVendors makes the vendor clients the configuration asks for, or
// points them all at a sandbox on loopback. It returns the command registry
// built over them, the one lookup reader over them (reads: its cache and
// metrics), the note for every reply, and a func to stop the sandbox.
func buildVendors(cfg *config.Config, reads lookup.Config) (*commands.Registry, *lookup.Reader, string, func(), error) {
	note, closeFn := "", func() {}
	if cfg.UseSandbox() {
		faults, err := sandbox.ParseFaults(cfg.SandboxFaults)
		if err != nil {
			return nil, nil, "", nil, fmt.Errorf("INCIDENTBOT_SANDBOX_FAULTS: %w", err)
		}
		sb := sandbox.New(sandbox.WithFaults(faults))
		base, err := sb.Start()
		if err != nil {
			return nil, nil, "", nil, err
		}
		sandboxed := *cfg
		sandboxed.AccessKey, sandboxed.SecretKey = "sandbox-ak", "sandbox-sk"
		sandboxed.ProjectID, sandboxed.DomainID = "sandbox-project", "sandbox-domain"
		sandboxed.SecMasterEndpoint, sandboxed.SecMasterWorkspace = base, "sandbox-workspace"
		sandboxed.COCEndpoint, sandboxed.CoralogixEndpoint, sandboxed.CoralogixAPIKey = base, base, "sandbox-key"
		if sandboxed.COCOperator == "" {
			sandboxed.COCOperator = "sandbox-operator"
		}
		cfg, note, closeFn = &sandboxed, sandboxNote, sb.Close
	}

	deps := commands.Deps{NotConfigured: config.Hints, COCOperators: cfg.COCUsers, DefaultOperator: cfg.COCOperator, BatchSize: cfg.BatchSize}
	huawei := huaweicloud.Settings{AccessKey: cfg.AccessKey, SecretKey: cfg.SecretKey, ProjectID: cfg.ProjectID,
		DomainID: cfg.DomainID, Timeout: cfg.VendorTimeout}
	if cfg.SecMasterConfigured() {
		s := huawei
		s.Endpoint = cfg.SecMasterEndpoint
		sm, err := secmaster.New(secmaster.Config{Settings: s, WorkspaceID: cfg.SecMasterWorkspace, BatchSize: cfg.BatchSize})
		if err != nil {
			closeFn()
			return nil, nil, "", nil, err
		}
		deps.SecMaster, reads.SecMaster = sm, sm
	}
	if cfg.COCConfigured() {
		s := huawei
		s.Endpoint = cfg.COCEndpoint
		c, err := coc.New(s)
		if err != nil {
			closeFn()
			return nil, nil, "", nil, err
		}
		deps.COC, reads.COC = c, c
	}
	if cfg.CoralogixConfigured() {
		cx, err := coralogix.New(coralogix.Config{Endpoint: cfg.CoralogixEndpoint, APIKey: cfg.CoralogixAPIKey, APIVersion: cfg.CoralogixAPIVersion,
			Timeout: cfg.VendorTimeout, BatchSize: cfg.BatchSize})
		if err != nil {
			closeFn()
			return nil, nil, "", nil, fmt.Errorf("coralogix: %w", err)
		}
		deps.Coralogix, reads.Coralogix = cx, cx
	}
	// One reader for every look-up (confirmations, show, list, a ticket's
	// state), over the clients just made: cached, bounded per vendor, and
	// done within LookupDeadline.
	reads.Deadline = LookupDeadline
	reader := lookup.New(reads)
	deps.Reader = reader
	return commands.New(deps), reader, note, closeFn, nil
}

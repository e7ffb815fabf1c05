package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/portcullis-dev/portcullis/test/bench"
	"github.com/portcullis-dev/portcullis/test/bench/admission"
	"github.com/portcullis-dev/portcullis/test/controlplane"
)

// compareAudit runs each system's audit over the same seeded cluster
// shape, each against its own fresh control plane.
func compareAudit(ctx context.Context, w *bench.Workload, o options) ([]admission.AuditRow, error) {
	binDir, err := controlplane.DefaultBinDir(os.Getenv)
	if err != nil {
		return nil, err
	}
	pc, err := bench.PortcullisCLI.Ensure(ctx, ".")
	if err != nil {
		return nil, err
	}
	gk, err := bench.GatekeeperManager.Ensure(ctx, ".")
	if err != nil {
		return nil, err
	}
	gkDir, err := upstreamModuleDir(ctx)
	if err != nil {
		return nil, err
	}
	systems := []admission.AuditSystem{
		admission.PortcullisAudit(pc, filepath.Join("..", "..", "config", "crd", "bases")),
		admission.GatekeeperAudit(gk, filepath.Join(gkDir, "manifest_staging", "charts", "gatekeeper", "crds")),
	}
	opts := admission.AuditOptions{
		Options:    admission.Options{BinDir: binDir, Workload: w, Log: os.Stderr},
		Namespaces: o.auditNamespaces, PodsPerNamespace: 100, Timeout: 10 * time.Minute,
	}
	var rows []admission.AuditRow
	for _, s := range systems {
		if !slices.Contains(strings.Split(o.auditSystems, ","), s.Name) {
			continue
		}
		row, err := admission.RunAudit(ctx, opts, s)
		if err != nil {
			return rows, fmt.Errorf("audit: %w", err)
		}
		rows = append(rows, *row)
	}
	return rows, nil
}

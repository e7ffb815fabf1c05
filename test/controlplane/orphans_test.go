package controlplane

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// envOrphanHelper makes the test binary act as a test process that starts a
// control plane, prints its pids and hangs until killed.
const envOrphanHelper = "PORTCULLIS_ORPHAN_HELPER"

func TestOrphanHelper(t *testing.T) {
	if os.Getenv(envOrphanHelper) != "1" {
		t.Skip("helper process for TestReapOrphans")
	}
	p, err := Start(context.Background(), Options{BinDir: os.Getenv("PORTCULLIS_ORPHAN_BINDIR")})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	procs, _ := readPIDFile(p.pidFile())
	for _, proc := range procs {
		fmt.Println("pid", proc.pid, proc.path)
	}
	time.Sleep(5 * time.Minute)
}

// TestReapOrphans kills a process that runs a control plane, as a go test
// timeout would, and checks that ReapOrphans stops what it left behind.
func TestReapOrphans(t *testing.T) {
	binDir := requireBinaries(t)
	helper := exec.Command(os.Args[0], "-test.run=^TestOrphanHelper$", "-test.v")
	helper.Env = append(os.Environ(), envOrphanHelper+"=1", "PORTCULLIS_ORPHAN_BINDIR="+binDir)
	out, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	orphans := readHelperPIDs(t, out)
	_ = helper.Process.Kill()
	_ = helper.Wait()
	waitReparented(t, orphans)

	if err := ReapOrphans(binDir); err != nil {
		t.Fatal(err)
	}
	for _, p := range orphans {
		if runsBinary(p.pid, p.path) {
			t.Errorf("orphaned %s (pid %d) still runs", p.path, p.pid)
			_ = terminate(p.pid, p.path)
		}
	}
}

func readHelperPIDs(t *testing.T, out interface{ Read([]byte) (int, error) }) []process {
	t.Helper()
	var procs []process
	scanner := bufio.NewScanner(out)
	for len(procs) < 2 && scanner.Scan() {
		fields := strings.Fields(scanner.Text())
		if len(fields) >= 1 && fields[0] == "error" {
			t.Fatalf("helper: %s", scanner.Text())
		}
		if len(fields) == 3 && fields[0] == "pid" {
			pid, _ := strconv.Atoi(fields[1])
			procs = append(procs, process{pid: pid, path: fields[2]})
		}
	}
	if len(procs) != 2 {
		t.Fatalf("helper reported %v, want etcd and kube-apiserver", procs)
	}
	return procs
}

// waitReparented waits until the orphans' parent is pid 1; where a
// subreaper adopts them instead, reaping does not apply and the test stops
// them itself and skips.
func waitReparented(t *testing.T, procs []process) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for _, p := range procs {
		for {
			_, ppid, err := statOf(p.pid)
			if err != nil || ppid == 1 {
				break
			}
			if time.Now().After(deadline) {
				for _, q := range procs {
					_ = terminate(q.pid, q.path)
				}
				t.Skipf("orphan pid %d was adopted by pid %d, not 1 (subreaper)", p.pid, ppid)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

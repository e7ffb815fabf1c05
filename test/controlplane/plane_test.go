package controlplane

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestStartRejectsPortInUse(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port

	_, err = Start(context.Background(), Options{BinDir: t.TempDir(), StateDir: t.TempDir(), APIServerPort: port})
	if !errors.Is(err, ErrPortInUse) {
		t.Fatalf("Start() error = %v, want ErrPortInUse", err)
	}
	if !strings.Contains(err.Error(), l.Addr().String()) {
		t.Errorf("Start() error %q does not name %s", err, l.Addr())
	}
}

func TestPIDFileRoundTrip(t *testing.T) {
	file := t.TempDir() + "/pids"
	want := []process{{pid: 12, path: "/a/etcd"}, {pid: 34, path: "/a/b c/kube-apiserver"}}
	if err := writePIDFile(file, want); err != nil {
		t.Fatal(err)
	}
	got, err := readPIDFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("readPIDFile() = %v, want %v", got, want)
	}
}

// TestStopStaleSparesOtherProcesses: a recycled pid running another binary
// must not be signalled.
func TestStopStaleSparesOtherProcesses(t *testing.T) {
	sleeper := exec.Command("sleep", "30")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sleeper.Process.Kill(); _ = sleeper.Wait() }()

	dir := t.TempDir()
	if err := writePIDFile(dir+"/"+pidFileName, []process{{pid: sleeper.Process.Pid, path: "/not/our/etcd"}}); err != nil {
		t.Fatal(err)
	}
	if err := StopStale(dir); err != nil {
		t.Fatal(err)
	}
	if !processAlive(sleeper.Process.Pid) {
		t.Error("StopStale killed a process that was not running the recorded binary")
	}
}

// TestRestartAfterKilledRun models `make run` being killed: the first
// control plane is abandoned without Stop, and a second start in the same
// state dir must stop its processes and come up fresh.
func TestRestartAfterKilledRun(t *testing.T) {
	binDir := requireBinaries(t)
	stateDir := t.TempDir()
	ctx := context.Background()

	first, err := Start(ctx, Options{BinDir: binDir, StateDir: stateDir})
	if err != nil {
		t.Fatal(err)
	}
	leftovers, err := readPIDFile(first.pidFile())
	if err != nil || len(leftovers) != 2 {
		t.Fatalf("pid file after start = %v, %v; want etcd and kube-apiserver", leftovers, err)
	}

	second, err := Start(ctx, Options{BinDir: binDir, StateDir: stateDir})
	if err != nil {
		t.Fatalf("start over a stale state dir: %v", err)
	}
	for _, p := range leftovers {
		if runsBinary(p.pid, p.path) {
			t.Errorf("leftover %s (pid %d) still runs", p.path, p.pid)
		}
	}
	out, err := exec.Command(second.KubectlPath, "--kubeconfig", second.KubeconfigPath, "get", "ns", "default").CombinedOutput()
	if err != nil {
		t.Errorf("kubectl get ns against restarted plane: %v: %s", err, out)
	}

	running, _ := readPIDFile(second.pidFile())
	if err := second.Stop(); err != nil {
		t.Fatal(err)
	}
	for _, p := range running {
		if runsBinary(p.pid, p.path) {
			t.Errorf("%s (pid %d) still runs after Stop", p.path, p.pid)
		}
	}
	if _, err := os.Stat(second.pidFile()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("pid file left after Stop: %v", err)
	}
}

func processAlive(pid int) bool {
	state, _, err := statOf(pid)
	return err == nil && state != "Z"
}

// requireBinaries returns the binary dir, skipping the test when the
// binaries are missing (failing under CI=true).
func requireBinaries(t *testing.T) string {
	t.Helper()
	dir, err := DefaultBinDir(os.Getenv)
	if err == nil {
		err = CheckPresent(dir)
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v; run `make controlplane` [CI=true: not skipping]", err)
		}
		t.Skipf("%v; run `make controlplane`", err)
	}
	return dir
}

func TestTempStateDir(t *testing.T) {
	tests := []struct {
		name    string
		cmdline string
		want    string
		wantOK  bool
	}{
		{name: "etcd of a test plane", cmdline: "etcd\x00--data-dir=/tmp/portcullis-controlplane-123/etcd\x00--x=1\x00",
			want: "/tmp/portcullis-controlplane-123", wantOK: true},
		{name: "apiserver of a test plane", cmdline: "kube-apiserver\x00--cert-dir=/tmp/portcullis-controlplane-9/apiserver\x00",
			want: "/tmp/portcullis-controlplane-9", wantOK: true},
		// make run keeps its state in the repository, never under tmp.
		{name: "make run state", cmdline: "etcd\x00--data-dir=/work/main/.dev/etcd\x00"},
		{name: "someone else's temp dir", cmdline: "etcd\x00--data-dir=/tmp/k8s_test_framework_1/etcd\x00"},
		{name: "nested deeper", cmdline: "etcd\x00--data-dir=/tmp/x/portcullis-controlplane-1/etcd\x00"},
		{name: "no dir flag", cmdline: "etcd\x00--version\x00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tempStateDir([]byte(tt.cmdline), "/tmp")
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("tempStateDir() = %q, %v; want %q, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

// TestPlanesInOneProcessStayApart: tests in one package may run several
// planes at once; each must record and stop only its own processes.
func TestPlanesInOneProcessStayApart(t *testing.T) {
	binDir := requireBinaries(t)
	ctx := context.Background()
	a, err := Start(ctx, Options{BinDir: binDir})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Start(ctx, Options{BinDir: binDir})
	if err != nil {
		_ = a.Stop()
		t.Fatal(err)
	}
	defer func() { _ = b.Stop() }()

	aProcs, _ := readPIDFile(a.pidFile())
	bProcs, _ := readPIDFile(b.pidFile())
	if len(aProcs) != 2 || len(bProcs) != 2 {
		t.Fatalf("pid files list %v and %v, want two processes each", aProcs, bProcs)
	}
	if err := a.Stop(); err != nil {
		t.Fatal(err)
	}
	for _, p := range bProcs {
		if !runsBinary(p.pid, p.path) {
			t.Errorf("stopping one plane stopped the other's %s (pid %d)", p.path, p.pid)
		}
	}
	if err := waitReady(ctx, b.Config, 10*time.Second); err != nil {
		t.Errorf("other plane not ready after the first stopped: %v", err)
	}
}

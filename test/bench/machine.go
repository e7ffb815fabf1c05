package bench

import (
	"bufio"
	"os"
	"runtime"
	"strings"
	"time"
)

// Machine describes where a comparison ran.
type Machine struct {
	CPUs     int    `json:"nproc"`
	CPUModel string `json:"cpuModel"`
	GoVer    string `json:"go"`
	// LoadAvg is /proc/loadavg at the start of the run; the machine is
	// shared, so absolute timings depend on it while ratios mostly do not.
	LoadAvg    string    `json:"loadAvg"`
	Date       time.Time `json:"date"`
	Gatekeeper string    `json:"gatekeeper"`
}

// ThisMachine reads the machine description.
func ThisMachine(now time.Time) Machine {
	m := Machine{CPUs: runtime.NumCPU(), GoVer: runtime.Version(), Date: now.UTC(), Gatekeeper: GatekeeperVersion}
	if raw, err := os.ReadFile("/proc/loadavg"); err == nil {
		m.LoadAvg = strings.Join(strings.Fields(string(raw))[:3], " ")
	}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		defer f.Close()
		s := bufio.NewScanner(f)
		for s.Scan() {
			if k, v, ok := strings.Cut(s.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}

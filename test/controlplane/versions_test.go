package controlplane

import (
	"strings"
	"testing"
	"time"
)

func TestMajorMinor(t *testing.T) {
	tests := []struct {
		in                   string
		wantMajor, wantMinor string
		wantErr              bool
	}{
		{in: "v1.36.4", wantMajor: "1", wantMinor: "36"},
		{in: "v1.36", wantMajor: "1", wantMinor: "36"},
		{in: "1.36.4", wantErr: true},
		{in: "v1", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			major, minor, err := majorMinor(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("majorMinor(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if major != tt.wantMajor || minor != tt.wantMinor {
				t.Errorf("majorMinor(%q) = %q, %q; want %q, %q", tt.in, major, minor, tt.wantMajor, tt.wantMinor)
			}
		})
	}
}

func TestKubeLDFlagsStampBothVersionPackages(t *testing.T) {
	date := time.Date(2026, 8, 20, 11, 51, 43, 0, time.UTC)
	flags, err := kubeLDFlags(Versions{Kubernetes: "v1.36.4"}, date)
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range []string{"k8s.io/component-base/version", "k8s.io/client-go/pkg/version"} {
		for _, want := range []string{
			pkg + ".gitVersion=v1.36.4", pkg + ".gitMajor=1", pkg + ".gitMinor=36",
			pkg + ".gitTreeState=clean", pkg + ".buildDate=2026-08-20T11:51:43Z", pkg + ".gitCommit=",
		} {
			if !strings.Contains(flags, "-X '"+want) {
				t.Errorf("ldflags lack %q:\n%s", want, flags)
			}
		}
	}
}

package main

import (
	"context"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	cache := t.TempDir()
	env := map[string]string{"PORTCULLIS_CACHE_DIR": cache}
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{name: "no command prints usage", args: nil, wantCode: 2, wantStderr: "usage: portcullis-controlplane"},
		{name: "unknown command", args: []string{"frobnicate"}, wantCode: 2, wantStderr: `unknown command "frobnicate"`},
		{name: "help", args: []string{"help"}, wantCode: 0, wantStdout: "commands:"},
		{
			name: "bin-dir follows the cache env var", args: []string{"bin-dir"}, wantCode: 0,
			wantStdout: cache + "/controlplane/k8s-v1.36.4-etcd-v3.6.16\n",
		},
		{
			name: "stop with nothing left behind", args: []string{"stop", "-state-dir", t.TempDir()}, wantCode: 0,
			wantStdout: "no control-plane processes left",
		},
		{name: "bad flag", args: []string{"run", "-nope"}, wantCode: 1, wantStderr: "flag provided but not defined: -nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			code := run(context.Background(), tt.args, func(k string) string { return env[k] }, &stdout, &stderr)
			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d (stderr: %s)", code, tt.wantCode, stderr.String())
			}
			if !strings.Contains(stdout.String(), tt.wantStdout) {
				t.Errorf("stdout = %q, want it to contain %q", stdout.String(), tt.wantStdout)
			}
			if !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tt.wantStderr)
			}
		})
	}
}

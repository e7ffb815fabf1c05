package audit

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// decoded returns v as an API server would hand it back: JSON-decoded.
func decoded(t *testing.T, v any) map[string]any {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestStatusPatch(t *testing.T) {
	now := time.Date(2026, 11, 22, 6, 0, 0, 0, time.UTC)
	ts := "2026-11-22T06:00:00Z"
	earlier := "2026-11-22T05:59:00Z"
	one := []Violation{pod("a", "p", "bad")}
	result := constraintResult{Total: 3, Violations: one}
	tests := []struct {
		name    string
		current map[string]any
		result  constraintResult
		want    map[string]any
		wantOK  bool
	}{
		{
			name:    "first run writes everything, byPod untouched",
			current: map[string]any{"byPod": []any{map[string]any{"id": "pod-0"}}},
			result:  result,
			want:    map[string]any{fieldTimestamp: ts, fieldTotal: int64(3), fieldViolations: violationsValue(one)},
			wantOK:  true,
		},
		{
			name:    "unchanged results: only the timestamp advances",
			current: decoded(t, map[string]any{fieldTimestamp: earlier, fieldTotal: 3, fieldViolations: violationsValue(one)}),
			result:  result,
			want:    map[string]any{fieldTimestamp: ts},
			wantOK:  true,
		},
		{
			name:    "unchanged results and timestamp: no write",
			current: decoded(t, map[string]any{fieldTimestamp: ts, fieldTotal: 3, fieldViolations: violationsValue(one)}),
			result:  result,
			want:    map[string]any{},
			wantOK:  false,
		},
		{
			name:    "total changed",
			current: decoded(t, map[string]any{fieldTimestamp: earlier, fieldTotal: 4, fieldViolations: violationsValue(one)}),
			result:  result,
			want:    map[string]any{fieldTimestamp: ts, fieldTotal: int64(3), fieldViolations: violationsValue(one)},
			wantOK:  true,
		},
		{
			name:    "violations fixed: written as an empty list, not dropped",
			current: decoded(t, map[string]any{fieldTimestamp: earlier, fieldTotal: 3, fieldViolations: violationsValue(one)}),
			result:  constraintResult{},
			want:    map[string]any{fieldTimestamp: ts, fieldTotal: int64(0), fieldViolations: []any{}},
			wantOK:  true,
		},
		{
			name:    "same violations in another order count as changed",
			current: decoded(t, map[string]any{fieldTimestamp: earlier, fieldTotal: 2, fieldViolations: violationsValue([]Violation{pod("b", "q", "m"), pod("a", "p", "m")})}),
			result:  constraintResult{Total: 2, Violations: []Violation{pod("a", "p", "m"), pod("b", "q", "m")}},
			want: map[string]any{fieldTimestamp: ts, fieldTotal: int64(2),
				fieldViolations: violationsValue([]Violation{pod("a", "p", "m"), pod("b", "q", "m")})},
			wantOK: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := statusPatch(tc.current, tc.result, now)
			if ok != tc.wantOK {
				t.Errorf("ok = %v, want %v", ok, tc.wantOK)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("patch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestViolationsValueOmitsEmptyNamespace(t *testing.T) {
	got := violationsValue([]Violation{{EnforcementAction: "deny", Version: "v1", Kind: "Namespace", Name: "prod", Message: "m"}})
	want := []any{map[string]any{"enforcementAction": "deny", "group": "", "version": "v1", "kind": "Namespace", "name": "prod", "message": "m"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

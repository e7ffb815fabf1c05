package controllers

import "testing"

func TestReadyTracker(t *testing.T) {
	type step struct {
		op  string // expect, observe, cancel, populated
		key string
	}
	cases := []struct {
		name  string
		steps []step
		ready bool
	}{
		{name: "nothing listed yet", ready: false},
		{name: "empty cluster", steps: []step{{op: "populated"}}, ready: true},
		{
			name:  "expectation pending",
			steps: []step{{"expect", "template/a"}, {op: "populated"}},
			ready: false,
		},
		{
			name:  "all observed",
			steps: []step{{"expect", "template/a"}, {"expect", "constraint/A/x"}, {op: "populated"}, {"observe", "template/a"}, {"observe", "constraint/A/x"}},
			ready: true,
		},
		{
			// A controller may load an object before the start-up lister sees it.
			name:  "observed before expected",
			steps: []step{{"observe", "template/a"}, {"expect", "template/a"}, {op: "populated"}},
			ready: true,
		},
		{
			name:  "not populated although all observed",
			steps: []step{{"expect", "template/a"}, {"observe", "template/a"}},
			ready: false,
		},
		{
			// A broken template cancels its constraints, even ones listed later.
			name:  "cancelled prefix",
			steps: []step{{"expect", "constraint/A/x"}, {"cancel", "constraint/A/"}, {"expect", "constraint/A/y"}, {op: "populated"}},
			ready: true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr := NewReadyTracker()
			for _, s := range tc.steps {
				switch s.op {
				case "expect":
					tr.Expect(s.key)
				case "observe":
					tr.Observe(s.key)
				case "cancel":
					tr.CancelPrefix(s.key)
				case "populated":
					tr.Populated()
				}
			}
			if got := tr.Ready(); got != tc.ready {
				t.Fatalf("Ready() = %v, want %v (pending %v)", got, tc.ready, tr.Pending())
			}
			if err := tr.Check(nil); (err == nil) != tc.ready {
				t.Fatalf("Check() = %v, want ready=%v", err, tc.ready)
			}
		})
	}
}

func TestReadyTrackerSticky(t *testing.T) {
	tr := NewReadyTracker()
	tr.Populated()
	tr.Expect("template/late")
	if !tr.Ready() {
		t.Fatal("tracker became unready after an expectation added once ready")
	}
}

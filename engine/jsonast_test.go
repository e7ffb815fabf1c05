package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	admissionv1 "k8s.io/api/admission/v1"
	authnv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// viaEncodingJSON is the slow reference: encoding/json with UseNumber,
// then OPA's conversion.
func viaEncodingJSON(data []byte) (ast.Value, error) {
	if !json.Valid(data) {
		return nil, errInvalid
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return ast.InterfaceToValue(v)
}

var errInvalid = errors.New("invalid JSON")

var jsonSeeds = []string{
	`{"a":1,"b":[true,false,null],"c":{"d":"e"}}`, `[]`, `{}`, `"x"`, `-0.5e+3`, `0`, `1.0`,
	`{"a":1,"a":2}`, `"\u00e9\n\t\"\\\/"`, `"\ud83d\ude00"`, "\"\xff\"", `"é"`, ` [ 1 , 2 ] `,
	`{"a":}`, `[1,]`, `01`, `1.`, `-`, `tru`, `nul`, `{"a" 1}`, `[1 2]`, `"abc`, "\"\x01\"", `1 2`, `{}}`,
	`1e999`, `{"n":12345678901234567890123}`,
	// More than 16 keys, with and without a repeat.
	`{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11,"l":12,"m":13,"n":14,"o":15,"p":16,"q":17,"r":18}`,
	`{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11,"l":12,"m":13,"n":14,"o":15,"p":16,"q":17,"a":18}`,
}

func TestParseJSONTermMatchesEncodingJSON(t *testing.T) {
	for _, s := range jsonSeeds {
		checkJSONTerm(t, []byte(s))
	}
}

func FuzzParseJSONTerm(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkJSONTerm(t, data) })
}

// checkJSONTerm requires parseJSONTerm to accept exactly what the
// reference accepts and to produce an equal value.
func checkJSONTerm(t *testing.T, data []byte) {
	t.Helper()
	want, wantErr := viaEncodingJSON(data)
	got, err := parseJSONTerm(data)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("%q: error %v, reference error %v", data, err, wantErr)
	}
	if err != nil {
		return
	}
	if got.Value.Compare(want) != 0 {
		t.Fatalf("%q: got %v, want %v", data, got, want)
	}
}

// TestAdmissionTermMatchesJSON checks the direct builder against the JSON
// of the request, field for field.
func TestAdmissionTermMatchesJSON(t *testing.T) {
	dry := false
	full := &admissionv1.AdmissionRequest{
		UID:                "u",
		Kind:               metav1.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"},
		Resource:           metav1.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"},
		SubResource:        "scale",
		RequestKind:        &metav1.GroupVersionKind{Group: "apps", Version: "v1beta1", Kind: "Deployment"},
		RequestResource:    &metav1.GroupVersionResource{Group: "apps", Version: "v1beta1", Resource: "deployments"},
		RequestSubResource: "scale",
		Name:               "d",
		Namespace:          "ns",
		Operation:          admissionv1.Update,
		UserInfo: authnv1.UserInfo{Username: "u", UID: "1", Groups: []string{"a", "b"},
			Extra: map[string]authnv1.ExtraValue{"k": {"v1", "v2"}, "empty": nil}},
		Object:    runtime.RawExtension{Raw: []byte(`{"metadata":{"name":"d","labels":{"a":"b"}},"spec":{"replicas":3}}`)},
		OldObject: runtime.RawExtension{Raw: []byte(`{"metadata":{"name":"d"},"spec":{"replicas":2.5}}`)},
		DryRun:    &dry,
		Options:   runtime.RawExtension{Raw: []byte(`{"kind":"UpdateOptions","fieldManager":"kubectl"}`)},
	}
	tests := []struct {
		name string
		req  *admissionv1.AdmissionRequest
	}{
		{name: "every field", req: full},
		{name: "empty request", req: &admissionv1.AdmissionRequest{}},
		{name: "delete", req: &admissionv1.AdmissionRequest{Operation: admissionv1.Delete, OldObject: full.OldObject}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, err := admissionTerm(tc.req)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := json.Marshal(tc.req)
			if err != nil {
				t.Fatal(err)
			}
			want, err := viaEncodingJSON(raw)
			if err != nil {
				t.Fatal(err)
			}
			if tc.req.Operation == admissionv1.Delete {
				want.(ast.Object).Insert(ast.StringTerm("object"), want.(ast.Object).Get(ast.StringTerm("oldObject")))
			}
			if in.review.Value.Compare(want) != 0 {
				t.Errorf("review:\n got %v\nwant %v", in.review, want)
			}
		})
	}
}

// TestParseJSONTermSharesCommonStrings checks that common Kubernetes keys
// and values come from the shared table, and that other strings, escaped
// strings and strings with non-ASCII text are still read exactly.
func TestParseJSONTermSharesCommonStrings(t *testing.T) {
	doc := `{"metadata": {"name": "web", "namespace": "Pod"}, "spe\u0063": "caf\u00e9", "ünicode": "Always"}`
	first, err := parseJSONTerm([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	second, err := parseJSONTerm([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := ast.MustParseTerm(`{"metadata": {"name": "web", "namespace": "Pod"}, "spec": "café", "ünicode": "Always"}`)
	if !first.Equal(want) {
		t.Fatalf("parsed %v, want %v", first, want)
	}
	keyOf := func(term *ast.Term, key string) *ast.Term {
		t.Helper()
		for _, k := range term.Value.(ast.Object).Keys() {
			if k.Value.Compare(ast.String(key)) == 0 {
				return k
			}
		}
		t.Fatalf("no key %q in %v", key, term)
		return nil
	}
	if keyOf(first, "metadata") != keyOf(second, "metadata") {
		t.Error(`"metadata" was not shared between two parses`)
	}
	if first.Get(ast.StringTerm("ünicode")) != second.Get(ast.StringTerm("ünicode")) {
		t.Error(`the common value "Always" was not shared between two parses`)
	}
	meta := first.Get(ast.StringTerm("metadata"))
	if keyOf(meta, "name") != commonStrings["name"] {
		t.Error(`"name" is not the shared term`)
	}
}

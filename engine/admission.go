package engine

import (
	"encoding/json"
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
	admissionv1 "k8s.io/api/admission/v1"
	authnv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// admissionInput is an admission request as Rego reads it.
type admissionInput struct {
	review, object, oldObject *ast.Term
}

// admissionTerm builds input.review from req directly as Rego values, with
// the same keys and omissions as the JSON of admission/v1
// AdmissionRequest. On DELETE, which carries no object, object is the old
// object.
func admissionTerm(req *admissionv1.AdmissionRequest) (admissionInput, error) {
	object, err := rawTerm(req.Object)
	if err != nil {
		return admissionInput{}, fmt.Errorf("object: %w", err)
	}
	oldObject, err := rawTerm(req.OldObject)
	if err != nil {
		return admissionInput{}, fmt.Errorf("oldObject: %w", err)
	}
	options, err := rawTerm(req.Options)
	if err != nil {
		return admissionInput{}, fmt.Errorf("options: %w", err)
	}
	if req.Operation == admissionv1.Delete && ast.NullTerm().Equal(object) {
		object = oldObject
	}
	items := make([][2]*ast.Term, 0, 16)
	add := func(k string, v *ast.Term) { items = append(items, [2]*ast.Term{ast.StringTerm(k), v}) }
	addString := func(k, v string) {
		if v != "" {
			add(k, ast.StringTerm(v))
		}
	}
	add("uid", ast.StringTerm(string(req.UID)))
	add("kind", gvkTerm(req.Kind))
	add("resource", gvrTerm(req.Resource))
	addString("subResource", req.SubResource)
	if req.RequestKind != nil {
		add("requestKind", gvkTerm(*req.RequestKind))
	}
	if req.RequestResource != nil {
		add("requestResource", gvrTerm(*req.RequestResource))
	}
	addString("requestSubResource", req.RequestSubResource)
	addString("name", req.Name)
	addString("namespace", req.Namespace)
	add("operation", ast.StringTerm(string(req.Operation)))
	add("userInfo", userInfoTerm(req.UserInfo))
	add("object", object)
	add("oldObject", oldObject)
	if req.DryRun != nil {
		add("dryRun", ast.BooleanTerm(*req.DryRun))
	}
	add("options", options)
	return admissionInput{review: ast.ObjectTerm(items...), object: object, oldObject: oldObject}, nil
}

// rawTerm converts an embedded object; empty is null, as in JSON.
func rawTerm(raw runtime.RawExtension) (*ast.Term, error) {
	data := raw.Raw
	if len(data) == 0 {
		if raw.Object == nil {
			return ast.NullTerm(), nil
		}
		var err error
		if data, err = json.Marshal(raw.Object); err != nil {
			return nil, fmt.Errorf("encode: %w", err)
		}
	}
	return parseJSONTerm(data)
}

func gvkTerm(k metav1.GroupVersionKind) *ast.Term {
	return ast.ObjectTerm(
		ast.Item(ast.StringTerm("group"), ast.StringTerm(k.Group)),
		ast.Item(ast.StringTerm("version"), ast.StringTerm(k.Version)),
		ast.Item(ast.StringTerm("kind"), ast.StringTerm(k.Kind)),
	)
}

func gvrTerm(r metav1.GroupVersionResource) *ast.Term {
	return ast.ObjectTerm(
		ast.Item(ast.StringTerm("group"), ast.StringTerm(r.Group)),
		ast.Item(ast.StringTerm("version"), ast.StringTerm(r.Version)),
		ast.Item(ast.StringTerm("resource"), ast.StringTerm(r.Resource)),
	)
}

// userInfoTerm follows the JSON of UserInfo, where every field is
// omitted when empty.
func userInfoTerm(u authnv1.UserInfo) *ast.Term {
	var items [][2]*ast.Term
	if u.Username != "" {
		items = append(items, ast.Item(ast.StringTerm("username"), ast.StringTerm(u.Username)))
	}
	if u.UID != "" {
		items = append(items, ast.Item(ast.StringTerm("uid"), ast.StringTerm(u.UID)))
	}
	if len(u.Groups) > 0 {
		items = append(items, ast.Item(ast.StringTerm("groups"), stringsTerm(u.Groups)))
	}
	if len(u.Extra) > 0 {
		extra := make([][2]*ast.Term, 0, len(u.Extra))
		for k, v := range u.Extra {
			var vt *ast.Term = ast.NullTerm()
			if v != nil {
				vt = stringsTerm(v)
			}
			extra = append(extra, ast.Item(ast.StringTerm(k), vt))
		}
		items = append(items, ast.Item(ast.StringTerm("extra"), ast.ObjectTerm(extra...)))
	}
	return ast.ObjectTerm(items...)
}

func stringsTerm(s []string) *ast.Term {
	terms := make([]*ast.Term, len(s))
	for i, x := range s {
		terms[i] = ast.StringTerm(x)
	}
	return ast.ArrayTerm(terms...)
}

// termLabels returns metadata.labels of an object term, string values
// only.
func termLabels(obj *ast.Term) map[string]string {
	labels, ok := termPath(obj, "metadata", "labels").(ast.Object)
	if !ok || labels.Len() == 0 {
		return nil
	}
	out := make(map[string]string, labels.Len())
	labels.Foreach(func(k, v *ast.Term) {
		ks, kok := k.Value.(ast.String)
		vs, vok := v.Value.(ast.String)
		if kok && vok {
			out[string(ks)] = string(vs)
		}
	})
	return out
}

// termMetaString returns a string field of metadata, "" when absent.
func termMetaString(obj *ast.Term, field string) string {
	s, _ := termPath(obj, "metadata", field).(ast.String)
	return string(s)
}

func termPath(t *ast.Term, path ...string) ast.Value {
	v := t.Value
	for _, p := range path {
		obj, ok := v.(ast.Object)
		if !ok {
			return nil
		}
		next := obj.Get(ast.StringTerm(p))
		if next == nil {
			return nil
		}
		v = next.Value
	}
	return v
}

package manager

import (
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"

	configv1alpha1 "github.com/portcullis-dev/portcullis/apis/config/v1alpha1"
	templatesv1 "github.com/portcullis-dev/portcullis/apis/templates/v1"
	templatesv1alpha1 "github.com/portcullis-dev/portcullis/apis/templates/v1alpha1"
	templatesv1beta1 "github.com/portcullis-dev/portcullis/apis/templates/v1beta1"
)

// NewScheme returns a scheme with the built-in kinds, CRDs and Portcullis's
// API types.
func NewScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(apiextensionsv1.AddToScheme(s))
	utilruntime.Must(templatesv1.AddToScheme(s))
	utilruntime.Must(templatesv1beta1.AddToScheme(s))
	utilruntime.Must(templatesv1alpha1.AddToScheme(s))
	utilruntime.Must(configv1alpha1.AddToScheme(s))
	return s
}

// Package constraintcrd builds the CustomResourceDefinition of the
// constraint kind a ConstraintTemplate declares.
package constraintcrd

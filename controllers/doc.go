// Package controllers keeps the policy engine in step with the cluster:
// ConstraintTemplates, the constraints they define, the Config, and the
// objects Config asks to sync into data.inventory. It also tracks readiness.
package controllers

//go:build tools

// Package tools pins the Pulumi CLI's main package in this module's requirements, so
// `go build github.com/pulumi/pulumi/pkg/v3/cmd/pulumi` resolves from go.mod/go.sum here.
package tools

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
)

//go:build !gendocs

package main

import "github.com/spf13/cobra"

// extraCommands: the product has none (gen-docs is the docs build's, gendocs.go).
func extraCommands() []func() *cobra.Command { return nil }

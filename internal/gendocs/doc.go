// Package gendocs owns the files a release ships beside the binary that are
// generated from the command tree: shell completions for bash, zsh and fish,
// and one man page (section 1) per command, written by spf13/cobra and its
// doc package. The hidden `mcpbridge gen-docs DIR` command calls [Write];
// goreleaser runs it as a before hook (see .goreleaser.yaml). All of it is in
// gendocs.go.
package gendocs

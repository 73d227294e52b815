package gendocs

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// Options say where the files go and what the man pages carry.
type Options struct {
	// Dir receives completions/ and man/ (created if missing).
	Dir string
	// Source is the man pages' footer source, e.g. "mcpbridge 1.2.3".
	Source string
	// Date is the man pages' date; zero means SOURCE_DATE_EPOCH if set
	// (reproducible builds), else now.
	Date time.Time
}

// Write generates Dir/completions/NAME.{bash,zsh,fish} and Dir/man/*.1 for
// root and every visible subcommand. It empties those two folders first, so
// a command that was removed leaves no page behind.
func Write(root *cobra.Command, o Options) error {
	if o.Dir == "" {
		return fmt.Errorf("gendocs: no output folder given")
	}
	for _, sub := range []string{"completions", "man"} {
		if err := os.RemoveAll(filepath.Join(o.Dir, sub)); err != nil {
			return fmt.Errorf("clear %s: %w", filepath.Join(o.Dir, sub), err)
		}
	}
	if err := writeCompletions(root, filepath.Join(o.Dir, "completions")); err != nil {
		return err
	}
	return writeMan(root, filepath.Join(o.Dir, "man"), o)
}

// writeCompletions writes the three scripts, each with descriptions.
func writeCompletions(root *cobra.Command, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create the completions folder: %w", err)
	}
	name := root.Name()
	gens := map[string]func(f *os.File) error{
		"bash": func(f *os.File) error { return root.GenBashCompletionV2(f, true) },
		"zsh":  func(f *os.File) error { return root.GenZshCompletion(f) },
		"fish": func(f *os.File) error { return root.GenFishCompletion(f, true) },
	}
	for shell, gen := range gens {
		if err := writeFile(filepath.Join(dir, name+"."+shell), gen); err != nil {
			return fmt.Errorf("write the %s completion: %w", shell, err)
		}
	}
	return nil
}

// writeMan writes one page per command, without cobra's dated
// "Auto generated" footer so that a rebuild gives the same bytes.
func writeMan(root *cobra.Command, dir string, o Options) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create the man folder: %w", err)
	}
	date, err := manDate(o.Date)
	if err != nil {
		return err
	}
	root.DisableAutoGenTag = true
	header := &doc.GenManHeader{Section: "1", Source: o.Source, Manual: "mcpbridge manual", Date: &date}
	if err := doc.GenManTree(root, header, dir); err != nil {
		return fmt.Errorf("write the man pages: %w", err)
	}
	return nil
}

// manDate picks the pages' date: given, else SOURCE_DATE_EPOCH, else now.
func manDate(given time.Time) (time.Time, error) {
	if !given.IsZero() {
		return given.UTC(), nil
	}
	epoch := os.Getenv("SOURCE_DATE_EPOCH")
	if epoch == "" {
		return time.Now().UTC(), nil
	}
	sec, err := strconv.ParseInt(epoch, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q is not a number of seconds: unset it or give a Unix time", epoch)
	}
	return time.Unix(sec, 0).UTC(), nil
}

func writeFile(path string, fill func(f *os.File) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := fill(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

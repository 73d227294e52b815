package hostconfig

import (
	"errors"
	"fmt"
	"os"
)

// ErrNoProjectFile is returned for a project file of a host that has none.
var ErrNoProjectFile = errors.New("no per-project configuration file")

// File is the file to change for h: explicit when given, the project's file
// in the current folder when project is set, else the user's file.
func (h Host) File(explicit string, project bool) (string, error) {
	switch {
	case explicit != "":
		return explicit, nil
	case project:
		wd, err := os.Getwd()
		if err != nil {
			return "", fmt.Errorf("find the project folder: %w", err)
		}
		return h.ProjectFile(wd)
	}
	return h.UserFile()
}

// Install is the change that adds one entry to a host's file: the file's
// content before and after.
type Install struct {
	Host          Host
	Path          string
	Before, After []byte
}

// PlanInstall reads path and adds the entry name to it, replacing one of
// that name only with replace (else the error wraps ErrExists). Nothing is
// written.
func PlanInstall(h Host, path, name string, e Entry, replace bool) (*Install, error) {
	before, err := Read(path)
	if err != nil {
		return nil, err
	}
	doc, err := Parse(h, before)
	if err != nil {
		return nil, fmt.Errorf("%s is not a file %s can read (%w); fix it by hand, then try again", path, h.Name, err)
	}
	after, err := doc.Put(name, e, replace)
	if err != nil {
		return nil, fmt.Errorf("add %q to %s: %w", name, path, err)
	}
	return &Install{Host: h, Path: path, Before: before, After: after}, nil
}

// PlanInstallFor is PlanInstall on the file install changes for h: explicit
// when given, else the project's with project (a host without one: an
// ErrNoProjectFile), else the user's. An entry of that name there, without
// replace, is an error that says how to replace it.
func PlanInstallFor(h Host, explicit string, project bool, name string, e Entry, replace bool) (*Install, error) {
	path, err := h.File(explicit, project)
	if err != nil {
		return nil, err
	}
	plan, err := PlanInstall(h, path, name, e, replace)
	if errors.Is(err, ErrExists) {
		return nil, fmt.Errorf("%s already has a server named %q in %s; pass --force to replace it, or choose another name", h.Name, name, path)
	}
	return plan, err
}

// Diff is the change as a unified diff of the file.
func (p *Install) Diff() string { return Diff(p.Path, p.Before, p.After) }

// Save writes the change, keeping the old file; backup is its copy ("" when
// there was no file).
func (p *Install) Save() (backup string, err error) {
	return Saver{}.Save(p.Path, p.Before, p.After)
}

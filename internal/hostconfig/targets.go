package hostconfig

import "errors"

// Target is one host's configuration file.
type Target struct {
	Host Host
	Path string
}

// Targets are the files of the hosts ids (every host when ids is empty)
// that exist on this machine: the project's files in the current folder
// with project, else the user's. explicit, when given, is the one file of
// the first host in ids. With every host, those without a project file are
// left out.
func Targets(ids []string, explicit string, project bool) ([]Target, error) {
	all := len(ids) == 0
	if all {
		ids = IDs()
	}
	var out []Target
	for _, id := range ids {
		h, err := Lookup(id)
		if err != nil {
			return nil, err
		}
		if explicit != "" {
			return []Target{{h, explicit}}, nil
		}
		path, err := h.File("", project)
		if all && errors.Is(err, ErrNoProjectFile) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if b, err := Read(path); err == nil && b != nil {
			out = append(out, Target{h, path})
		}
	}
	return out, nil
}

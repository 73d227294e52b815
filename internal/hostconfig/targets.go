package hostconfig

import "errors"

// Target is one host's configuration file.
type Target struct {
	Host Host
	Path string
}

// ErrNotOneHost is returned for a file given (--config) without exactly
// one host saying whose it is.
var ErrNotOneHost = errors.New("a configuration file given needs exactly one host")

// usage is an ErrNotOneHost that says it in the command's words.
type usage string

func (u usage) Error() string        { return string(u) }
func (u usage) Is(target error) bool { return target == ErrNotOneHost }

// Targets are the files of the hosts ids (every host when ids is empty)
// that exist on this machine: the project's files in the current folder
// with project, else the user's. explicit, when given, is the one file of
// the one host in ids (else an ErrNotOneHost). With every host, those
// without a project file are left out.
func Targets(ids []string, explicit string, project bool) ([]Target, error) {
	switch {
	case explicit != "" && len(ids) == 0:
		return nil, usage("--config needs --host to say whose file it is")
	case explicit != "" && len(ids) != 1:
		return nil, usage("--config goes with exactly one --host")
	}
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

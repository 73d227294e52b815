package hostconfig

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// ErrExists is returned by Put when an entry of that name is there already.
var ErrExists = errors.New("an entry of that name exists")

// Entry is a stdio server as a host starts it.
type Entry struct {
	Command string
	Args    []string
	Env     map[string]string
}

// Server is an entry found in a host's file.
type Server struct {
	Path []string // the object holding it: ["mcpServers"], or ["projects", "/home/me/app", "mcpServers"]
	Name string
	Entry
	URL string // a remote entry's url (or Windsurf's serverUrl); such entries have no Command
}

// Document is a host's configuration file, parsed and ready for a minimal
// edit. Edits return the new file content and leave the Document as it was.
type Document struct {
	host Host
	src  []byte
	root *node // nil when the file holds no value yet
	nl   string
}

// Parse reads a host's file; src may be empty (a file to create).
func Parse(h Host, src []byte) (*Document, error) {
	root, err := parse(src)
	if err != nil {
		return nil, err
	}
	if root != nil && root.kind != '{' {
		return nil, errors.New("the file holds a JSON value that is not an object; an MCP host expects { … }")
	}
	nl := "\n"
	if bytes.Contains(src, []byte("\r\n")) {
		nl = "\r\n"
	}
	return &Document{host: h, src: src, root: root, nl: nl}, nil
}

// Servers lists the entries under the host's server keys.
func (d *Document) Servers() ([]Server, error) {
	var out []Server
	for _, c := range d.containers() {
		for _, m := range c.obj.members {
			s, err := d.server(c.path, m)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
	}
	return out, nil
}

type container struct {
	path []string
	obj  *node
}

// containers are the objects the host's Key paths lead to, "*" expanded.
func (d *Document) containers() []container {
	var out []container
	for _, key := range d.host.Key {
		out = append(out, walk(d.root, nil, key)...)
	}
	return out
}

func walk(n *node, at, rest []string) []container {
	if n == nil || n.kind != '{' {
		return nil
	}
	if len(rest) == 0 {
		return []container{{path: append([]string(nil), at...), obj: n}}
	}
	if rest[0] != "*" {
		if m := n.get(rest[0]); m != nil {
			return walk(m.val, append(at, rest[0]), rest[1:])
		}
		return nil
	}
	var out []container
	for _, m := range n.members {
		out = append(out, walk(m.val, append(at, m.key), rest[1:])...)
	}
	return out
}

// server decodes one entry; Zed's older {"command": {"path", "args", "env"}}
// shape is read as well.
func (d *Document) server(path []string, m *member) (Server, error) {
	var raw struct {
		Command   json.RawMessage   `json:"command"`
		Args      []string          `json:"args"`
		Env       map[string]string `json:"env"`
		URL       string            `json:"url"`
		ServerURL string            `json:"serverUrl"`
	}
	s := Server{Path: path, Name: m.key}
	if err := json.Unmarshal(plain(d.src[m.val.start:m.val.end]), &raw); err != nil {
		return s, fmt.Errorf("entry %q: %w", m.key, err)
	}
	s.Args, s.Env, s.URL = raw.Args, raw.Env, cmpOr(raw.URL, raw.ServerURL)
	if len(raw.Command) > 0 && raw.Command[0] == '{' {
		var old struct {
			Path string            `json:"path"`
			Args []string          `json:"args"`
			Env  map[string]string `json:"env"`
		}
		if err := json.Unmarshal(raw.Command, &old); err != nil {
			return s, fmt.Errorf("entry %q: %w", m.key, err)
		}
		s.Command, s.Args, s.Env = old.Path, old.Args, old.Env
		return s, nil
	}
	if len(raw.Command) > 0 {
		if err := json.Unmarshal(raw.Command, &s.Command); err != nil {
			return s, fmt.Errorf("entry %q: the command is not a string", m.key)
		}
	}
	return s, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// find is the member named name in the object at path.
func (d *Document) find(path []string, name string) *member {
	n := d.root
	for _, k := range path {
		m := n.get(k)
		if m == nil {
			return nil
		}
		n = m.val
	}
	return n.get(name)
}

// Put adds the entry name, or replaces it when replace is set; without
// replace an existing entry is an ErrExists.
func (d *Document) Put(name string, e Entry, replace bool) ([]byte, error) {
	if d.root == nil {
		return d.newFile(name, e), nil
	}
	path := d.host.Key[0]
	obj := d.root
	for i, k := range path {
		m := obj.get(k)
		if m == nil {
			return d.apply(d.insertMember(obj, k, func(ind string) string {
				return d.nest(path[i+1:], name, e, ind)
			})), nil
		}
		if m.val.kind != '{' {
			return nil, fmt.Errorf("%q in the file is not an object; fix it by hand, then try again", k)
		}
		obj = m.val
	}
	if m := obj.get(name); m != nil {
		if !replace {
			return nil, fmt.Errorf("%w: %q", ErrExists, name)
		}
		ind := d.lineIndent(m.keyStart)
		return d.apply([]edit{{m.val.start, m.val.end, d.entry(e, ind)}}), nil
	}
	return d.apply(d.insertMember(obj, name, func(ind string) string { return d.entry(e, ind) })), nil
}

// newFile is a whole file holding only the entry, after any comments the
// file already had.
func (d *Document) newFile(name string, e Entry) []byte {
	out := append([]byte(nil), d.src...)
	if len(bytes.TrimSpace(out)) > 0 && !bytes.HasSuffix(out, []byte("\n")) {
		out = append(out, d.nl...)
	}
	out = append(out, d.nest(d.host.Key[0], name, e, "")...)
	return append(out, d.nl...)
}

// nest renders {"k1": {"k2": … {"name": entry}}} at indentation ind.
func (d *Document) nest(keys []string, name string, e Entry, ind string) string {
	in := ind + d.unit()
	if len(keys) == 0 {
		return "{" + d.nl + in + quote(name) + ": " + d.entry(e, in) + d.nl + ind + "}"
	}
	return "{" + d.nl + in + quote(keys[0]) + ": " + d.nest(keys[1:], name, e, in) + d.nl + ind + "}"
}

// stdioJSON is an entry in the hosts' field order.
type stdioJSON struct {
	Type    string            `json:"type,omitempty"`
	Command string            `json:"command"`
	Args    []string          `json:"args"`
	Env     map[string]string `json:"env,omitzero"`
}

// entry renders e as the host writes it, its lines after the first
// indented by ind.
func (d *Document) entry(e Entry, ind string) string {
	v := stdioJSON{Command: e.Command, Args: append([]string{}, e.Args...), Env: e.Env}
	if d.host.StdioType {
		v.Type = "stdio"
	}
	if len(v.Env) == 0 {
		v.Env = nil
		if d.host.EmptyEnv {
			v.Env = map[string]string{}
		}
	}
	return d.encode(v, ind)
}

func (d *Document) encode(v any, ind string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // URLs keep their & as they are
	enc.SetIndent(ind, d.unit())
	_ = enc.Encode(v) // strings, slices and maps of strings always encode
	return strings.ReplaceAll(strings.TrimSuffix(b.String(), "\n"), "\n", d.nl)
}

// quote is s as a JSON string, without HTML escaping.
func quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

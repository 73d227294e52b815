package bridge

import (
	"bytes"
	"strconv"
)

// Rewriting a message for the other protocol era touches a few members of
// params and leaves every other byte as the client wrote it. Each helper
// returns a new, valid message; the original is never modified.

// withMeta returns m with the members in fields (key, raw JSON value)
// added to params._meta. A key the message already has
// in _meta keeps the client's value.
func withMeta(m *message, fields [][2][]byte) *message {
	meta := field(m.params, "_meta")
	var add [][]byte
	for _, kv := range fields {
		if meta != nil && field(meta, string(kv[0])) != nil {
			continue
		}
		add = append(add, member(kv[0], kv[1]))
	}
	if len(add) == 0 {
		return m
	}
	pairs := bytes.Join(add, []byte{','})
	switch {
	case m.params == nil:
		return reparse(m, insertMember(m.raw, m.raw, member([]byte("params"), wrapObject(member([]byte("_meta"), wrapObject(pairs))))))
	case meta == nil:
		return reparse(m, insertMember(m.raw, m.params, member([]byte("_meta"), wrapObject(pairs))))
	default:
		return reparse(m, insertMember(m.raw, meta, pairs))
	}
}

// withParams returns m with the given members of params set, replacing
// members of the same name.
func withParams(m *message, fields [][2][]byte) *message {
	raw := m.raw
	if m.params == nil {
		raw = insertMember(raw, raw, member([]byte("params"), []byte("{}")))
	}
	for _, kv := range fields {
		re, err := parseMessage(raw)
		if err != nil {
			return m
		}
		if old := field(re.params, string(kv[0])); old != nil {
			raw = splice(re.raw, old, kv[1])
			continue
		}
		raw = insertMember(re.raw, re.params, member(kv[0], kv[1]))
	}
	return reparse(m, raw)
}

// withRequestID returns a request like m under another id.
func withRequestID(m *message, id []byte) *message {
	re := m.withID(id)
	re.modern, re.header = m.modern, m.header
	return re
}

// member renders "key":value.
func member(key, value []byte) []byte {
	out := make([]byte, 0, len(key)+len(value)+3)
	out = strconv.AppendQuote(out, string(key))
	out = append(out, ':')
	return append(out, value...)
}

func wrapObject(members []byte) []byte {
	out := make([]byte, 0, len(members)+2)
	out = append(out, '{')
	out = append(out, members...)
	return append(out, '}')
}

// insertMember returns a copy of whole with pairs added as the first
// members of obj, an object that is a sub-slice of whole.
func insertMember(whole, obj, pairs []byte) []byte {
	inner := trimSpace(obj[1 : len(obj)-1])
	with := make([]byte, 0, len(obj)+len(pairs)+1)
	with = append(with, '{')
	with = append(with, pairs...)
	if len(inner) > 0 {
		with = append(with, ',')
		with = append(with, inner...)
	}
	with = append(with, '}')
	return splice(whole, obj, with)
}

// reparse turns rewritten bytes back into a message, keeping m when they
// cannot be parsed (which valid input never causes).
func reparse(m *message, raw []byte) *message {
	re, err := parseMessage(raw)
	if err != nil {
		return m
	}
	return re
}

// withoutMeta returns m without the params._meta members whose names
// start with prefix.
func withoutMeta(m *message, prefix string) *message {
	meta := field(m.params, "_meta")
	if meta == nil || !bytes.Contains(meta, []byte(prefix)) {
		return m
	}
	var kept [][]byte
	dropped := false
	_ = members(meta, func(k, v []byte) {
		if bytes.HasPrefix(k, []byte(prefix)) {
			dropped = true
			return
		}
		kept = append(kept, append(append(append([]byte{'"'}, k...), '"', ':'), v...))
	})
	if !dropped {
		return m
	}
	return reparse(m, splice(m.raw, meta, wrapObject(joinMembers(kept...))))
}

package jsonrpc

import (
	"bytes"
	"strconv"
)

// Rewriting a message for the other protocol era touches a few members of
// params and leaves every other byte as the client wrote it. Each helper
// returns a new, valid message; the original is never modified.

// WithMeta returns m with the members in fields (key, raw JSON value)
// added to params._meta. A key the message already has
// in _meta keeps the client's value.
func WithMeta(m *Message, fields [][2][]byte) *Message {
	meta := Field(m.Params, "_meta")
	var add [][]byte
	for _, kv := range fields {
		if meta != nil && Field(meta, string(kv[0])) != nil {
			continue
		}
		add = append(add, Member(kv[0], kv[1]))
	}
	if len(add) == 0 {
		return m
	}
	pairs := bytes.Join(add, []byte{','})
	switch {
	case m.Params == nil:
		return Reparse(m, InsertMember(m.Raw, m.Raw, Member([]byte("params"), WrapObject(Member([]byte("_meta"), WrapObject(pairs))))))
	case meta == nil:
		return Reparse(m, InsertMember(m.Raw, m.Params, Member([]byte("_meta"), WrapObject(pairs))))
	default:
		return Reparse(m, InsertMember(m.Raw, meta, pairs))
	}
}

// WithParams returns m with the given members of params set, replacing
// members of the same name.
func WithParams(m *Message, fields [][2][]byte) *Message {
	raw := m.Raw
	if m.Params == nil {
		raw = InsertMember(raw, raw, Member([]byte("params"), []byte("{}")))
	}
	for _, kv := range fields {
		re, err := Parse(raw)
		if err != nil {
			return m
		}
		if old := Field(re.Params, string(kv[0])); old != nil {
			raw = Splice(re.Raw, old, kv[1])
			continue
		}
		raw = InsertMember(re.Raw, re.Params, Member(kv[0], kv[1]))
	}
	return Reparse(m, raw)
}

// WithRequestID returns a request like m under another id.
func WithRequestID(m *Message, id []byte) *Message {
	re := m.WithID(id)
	re.Modern, re.Header = m.Modern, m.Header
	return re
}

// Member renders "key":value.
func Member(key, value []byte) []byte {
	out := make([]byte, 0, len(key)+len(value)+3)
	out = strconv.AppendQuote(out, string(key))
	out = append(out, ':')
	return append(out, value...)
}

func WrapObject(members []byte) []byte {
	out := make([]byte, 0, len(members)+2)
	out = append(out, '{')
	out = append(out, members...)
	return append(out, '}')
}

// InsertMember returns a copy of whole with pairs added as the first
// members of obj, an object that is a sub-slice of whole.
func InsertMember(whole, obj, pairs []byte) []byte {
	inner := TrimSpace(obj[1 : len(obj)-1])
	with := make([]byte, 0, len(obj)+len(pairs)+1)
	with = append(with, '{')
	with = append(with, pairs...)
	if len(inner) > 0 {
		with = append(with, ',')
		with = append(with, inner...)
	}
	with = append(with, '}')
	return Splice(whole, obj, with)
}

// Reparse turns rewritten bytes back into a message, keeping m when they
// cannot be parsed (which valid input never causes).
func Reparse(m *Message, raw []byte) *Message {
	re, err := Parse(raw)
	if err != nil {
		return m
	}
	return re
}

// WithoutMeta returns m without the params._meta members whose names
// start with prefix.
func WithoutMeta(m *Message, prefix string) *Message {
	meta := Field(m.Params, "_meta")
	if meta == nil || !bytes.Contains(meta, []byte(prefix)) {
		return m
	}
	var kept [][]byte
	dropped := false
	_ = Members(meta, func(k, v []byte) {
		if bytes.HasPrefix(k, []byte(prefix)) {
			dropped = true
			return
		}
		kept = append(kept, append(append(append([]byte{'"'}, k...), '"', ':'), v...))
	})
	if !dropped {
		return m
	}
	return Reparse(m, Splice(m.Raw, meta, WrapObject(JoinMembers(kept...))))
}

// JoinArray builds a JSON array from raw elements.
func JoinArray(elems [][]byte) []byte {
	n := 2
	for _, e := range elems {
		n += len(e) + 1
	}
	out := make([]byte, 0, n)
	out = append(out, '[')
	for i, e := range elems {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, e...)
	}
	return append(out, ']')
}

// Splice returns a copy of whole with part (a sub-slice of whole) replaced.
func Splice(whole, part, with []byte) []byte {
	off := cap(whole) - cap(part)
	out := make([]byte, 0, len(whole)-len(part)+len(with))
	out = append(out, whole[:off]...)
	out = append(out, with...)
	return append(out, whole[off+len(part):]...)
}

func JoinMembers(ms ...[]byte) []byte {
	n := len(ms)
	for _, m := range ms {
		n += len(m)
	}
	out := make([]byte, 0, n)
	for i, m := range ms {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, m...)
	}
	return out
}

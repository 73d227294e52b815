package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// play runs what the scenario asks of a host, after opening the session.
// What each scenario expects was read from the suite's own server side
// (see conformance/README.md).
func (s *session) play() error {
	if err := s.open(); err != nil {
		return err
	}
	switch s.scenario {
	case "initialize", "request-metadata", "json-schema-ref-no-deref":
		// Connect and list: the checks are on the handshake, on each
		// request's _meta and headers, or on what the host must NOT fetch.
		_, err := s.listTools()
		return err

	case "tools_call":
		if _, err := s.listTools(); err != nil {
			return err
		}
		_, err := s.callTool("add_numbers", map[string]any{"a": 2, "b": 3})
		return err

	case "elicitation-sep1034-client-defaults":
		if _, err := s.listTools(); err != nil {
			return err
		}
		_, err := s.callTool("test_client_elicitation_defaults", nil)
		return err

	case "sse-retry":
		// The answer's stream closes after a priming event with retry: 500;
		// the answer only comes on the GET that resumes it.
		if _, err := s.listTools(); err != nil {
			return err
		}
		_, err := s.callTool("test_reconnection", nil)
		return err

	case "sep-2322-client-request-state":
		return s.playMRTR()

	case "http-standard-headers":
		return s.playEverything()

	case "http-custom-headers":
		return s.playContextToolCalls()

	case "http-invalid-tool-headers":
		// Call every tool the bridge lets through: it must have dropped the
		// ones with invalid x-mcp-header annotations and kept valid_tool.
		tools, err := s.listTools()
		if err != nil {
			return err
		}
		var errs []error
		for _, t := range tools {
			if _, err := s.callTool(t.Name, sampleArgs(t.InputSchema)); err != nil {
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)

	case "json-schema-2020-12-preservation":
		tools, err := s.listTools()
		if err != nil {
			return err
		}
		focal := findTool(tools, "json_schema_2020_12_tool")
		if focal == nil {
			return fmt.Errorf("json_schema_2020_12_tool not listed")
		}
		_, err = s.callTool("json_schema_echo", map[string]any{"schema": focal.InputSchema})
		return err

	case "sep-2640-client-no-prefetch":
		_, err := s.request("skills/list", nil)
		return err

	case "sep-2640-client-verify-digest", "sep-2640-client-verify-size", "sep-2640-client-verify-frontmatter":
		return s.playSkills()
	}

	if strings.HasPrefix(s.scenario, "auth/") {
		// Every auth scenario: list tools, then call one (scope step-up asks
		// for more scope on the call; the authorization-server migration
		// happens between the two).
		tools, err := s.listTools()
		if err != nil {
			return err
		}
		if t := findTool(tools, "test-tool"); t != nil {
			_, err = s.callTool(t.Name, nil)
		}
		return err
	}

	s.log.printf("unknown scenario %q: listing tools only", s.scenario)
	_, err := s.listTools()
	return err
}

// playEverything lists and uses each kind of thing the server offers:
// every tool (called with arguments made from its schema), every resource
// (read), every prompt (got).
func (s *session) playEverything() error {
	var errs []error
	tools, err := s.listTools()
	if err != nil {
		return err
	}
	for _, t := range tools {
		if _, err := s.callTool(t.Name, sampleArgs(t.InputSchema)); err != nil {
			errs = append(errs, err)
		}
	}
	res, err := s.request("resources/list", nil)
	if err != nil {
		errs = append(errs, fmt.Errorf("resources/list: %w", err))
	} else {
		var r struct {
			Resources []struct {
				URI string `json:"uri"`
			} `json:"resources"`
		}
		_ = json.Unmarshal(res, &r)
		for _, rs := range r.Resources {
			if _, err := s.request("resources/read", map[string]any{"uri": rs.URI}); err != nil {
				errs = append(errs, fmt.Errorf("resources/read %s: %w", rs.URI, err))
			}
		}
	}
	res, err = s.request("prompts/list", nil)
	if err != nil {
		errs = append(errs, fmt.Errorf("prompts/list: %w", err))
	} else {
		var r struct {
			Prompts []struct {
				Name string `json:"name"`
			} `json:"prompts"`
		}
		_ = json.Unmarshal(res, &r)
		for _, p := range r.Prompts {
			if _, err := s.request("prompts/get", map[string]any{"name": p.Name}); err != nil {
				errs = append(errs, fmt.Errorf("prompts/get %s: %w", p.Name, err))
			}
		}
	}
	return errors.Join(errs...)
}

// playContextToolCalls makes the tool calls the scenario's context lists,
// with their arguments byte for byte.
func (s *session) playContextToolCalls() error {
	if _, err := s.listTools(); err != nil {
		return err
	}
	var calls []struct {
		Name      string          `json:"name"`
		Arguments json.RawMessage `json:"arguments"`
	}
	if err := json.Unmarshal(s.context["toolCalls"], &calls); err != nil || len(calls) == 0 {
		return fmt.Errorf("context has no toolCalls: %v", err)
	}
	var errs []error
	for _, c := range calls {
		if _, err := s.callTool(c.Name, c.Arguments); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// playMRTR drives SEP-2322's tools; complete() does the input_required
// rounds. An unrelated call runs while the first flow waits, to show that
// requestState and inputResponses stay with their own request.
func (s *session) playMRTR() error {
	if _, err := s.listTools(); err != nil {
		return err
	}
	var errs []error
	params := map[string]any{"name": "test_mrtr_echo_state", "arguments": map[string]any{}}
	first, err := s.round("tools/call", params)
	if err != nil {
		errs = append(errs, fmt.Errorf("tools/call test_mrtr_echo_state: %w", err))
	} else {
		if _, err := s.callTool("test_mrtr_unrelated", nil); err != nil {
			errs = append(errs, err)
		}
		if _, err := s.complete("tools/call", params, first); err != nil {
			errs = append(errs, fmt.Errorf("tools/call test_mrtr_echo_state: %w", err))
		}
	}
	for _, name := range []string{"test_mrtr_no_state", "test_mrtr_no_result_type"} {
		if _, err := s.callTool(name, nil); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// playSkills is a host that loads every skill the server lists (SEP-2640):
// it reads SKILL.md, checks it against the listing's digest, size and
// frontmatter, and reads the skill's other files only if it passes.
func (s *session) playSkills() error {
	res, err := s.request("skills/list", nil)
	if err != nil {
		return fmt.Errorf("skills/list: %w", err)
	}
	var r struct {
		Skills []struct {
			URI         string            `json:"uri"`
			Frontmatter map[string]string `json:"frontmatter"`
			Resources   []struct {
				URI    string `json:"uri"`
				Digest string `json:"digest"`
				Size   *int   `json:"size"`
			} `json:"resources"`
		} `json:"skills"`
	}
	if err := json.Unmarshal(res, &r); err != nil {
		return fmt.Errorf("skills/list: %v", err)
	}
	for _, sk := range r.Skills {
		text, err := s.readText(sk.URI)
		if err != nil {
			return err
		}
		ok := true
		for _, f := range sk.Resources {
			if f.URI != sk.URI {
				continue
			}
			sum := sha256.Sum256([]byte(text))
			if f.Digest != "" && f.Digest != "sha256:"+hex.EncodeToString(sum[:]) {
				s.log.printf("skill %s: digest mismatch; not loading it", sk.URI)
				ok = false
			}
			if f.Size != nil && *f.Size != len(text) {
				s.log.printf("skill %s: size %d, listed %d; not loading it", sk.URI, len(text), *f.Size)
				ok = false
			}
		}
		fm := frontmatter(text)
		for k, v := range sk.Frontmatter {
			if fm[k] != v {
				s.log.printf("skill %s: frontmatter %s is %q, listed %q; not loading it", sk.URI, k, fm[k], v)
				ok = false
			}
		}
		if !ok {
			continue
		}
		for _, f := range sk.Resources {
			if f.URI == sk.URI {
				continue
			}
			if _, err := s.readText(f.URI); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *session) readText(uri string) (string, error) {
	res, err := s.request("resources/read", map[string]any{"uri": uri})
	if err != nil {
		return "", fmt.Errorf("resources/read %s: %w", uri, err)
	}
	var r struct {
		Contents []struct {
			Text string `json:"text"`
		} `json:"contents"`
	}
	_ = json.Unmarshal(res, &r)
	if len(r.Contents) == 0 {
		return "", fmt.Errorf("resources/read %s: no contents", uri)
	}
	return r.Contents[0].Text, nil
}

// frontmatter reads the "key: value" lines between the leading --- lines.
func frontmatter(text string) map[string]string {
	m := map[string]string{}
	lines := strings.Split(text, "\n")
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != "---" {
		return m
	}
	for _, l := range lines[1:] {
		if strings.TrimSpace(l) == "---" {
			break
		}
		if k, v, ok := strings.Cut(l, ":"); ok {
			m[strings.TrimSpace(k)] = strings.Trim(strings.TrimSpace(v), `"'`)
		}
	}
	return m
}

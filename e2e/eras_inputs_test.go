package e2e

//lint:file-ignore SA1019 the era tools ask for sampling and roots on purpose: mcpbridge must carry these 2025-11-25 features (deprecated in 2026-07-28, SEP-2577) between eras, and these tests are what show it does.

import (
	"context"
	"fmt"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The era fixture's tools that need the client: each answers its first call
// with input requests and a requestState (2026-07-28
// basic/patterns/mrtr §Basic Workflow), and completes when the call is
// retried with the matching inputResponses and the same requestState. For a
// 2025-11-25 session the SDK fulfils the input requests itself with
// sampling/createMessage, elicitation/create and roots/list requests to the
// client, then calls the handler again.

// inputArgs are the arguments of those tools (list_roots needs none).
type inputArgs struct {
	Question string `json:"question,omitempty" jsonschema:"what to ask"`
}

// inputTool describes one such tool.
type inputTool struct {
	name string
	// ask builds the input requests, or returns a refusal when the client
	// did not declare what they need (mrtr: a server MUST NOT send input
	// requests the client has not declared support for).
	ask func(caps *mcp.ClientCapabilities, a inputArgs) (mcp.InputRequestMap, string)
	// done makes the final text from the client's answers.
	done func(a inputArgs, answers mcp.InputResponseMap) (string, error)
}

func samplingRequest(question string) *mcp.CreateMessageParams {
	return &mcp.CreateMessageParams{
		Messages:  []*mcp.SamplingMessage{{Role: "user", Content: &mcp.TextContent{Text: question}}},
		MaxTokens: 50,
	}
}

func elicitRequest(question string) *mcp.ElicitParams {
	return &mcp.ElicitParams{
		Mode:    "form",
		Message: question,
		RequestedSchema: map[string]any{
			"type":       "object",
			"properties": map[string]any{"name": map[string]any{"type": "string"}},
			"required":   []string{"name"},
		},
	}
}

func sampled(answers mcp.InputResponseMap) (string, error) {
	resp, ok := answers["llm"]
	if !ok {
		return "", fmt.Errorf(`the retry carries no inputResponses["llm"]`)
	}
	model, text, err := samplingText(resp)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("model %s said: %s", model, text), nil
}

func elicited(answers mcp.InputResponseMap) (string, error) {
	resp, ok := answers["user"].(*mcp.ElicitResult)
	if !ok {
		return "", fmt.Errorf(`inputResponses["user"] is a %T, not an elicitation answer`, answers["user"])
	}
	return fmt.Sprintf("action=%s name=%v", resp.Action, resp.Content["name"]), nil
}

var inputTools = []inputTool{
	{
		name: "ask_llm",
		ask: func(caps *mcp.ClientCapabilities, a inputArgs) (mcp.InputRequestMap, string) {
			if caps.Sampling == nil {
				return nil, "the client did not declare the sampling capability"
			}
			return mcp.InputRequestMap{"llm": samplingRequest(a.Question)}, ""
		},
		done: func(_ inputArgs, answers mcp.InputResponseMap) (string, error) { return sampled(answers) },
	},
	{
		name: "ask_user",
		ask: func(caps *mcp.ClientCapabilities, a inputArgs) (mcp.InputRequestMap, string) {
			if caps.Elicitation == nil {
				return nil, "the client did not declare the elicitation capability"
			}
			return mcp.InputRequestMap{"user": elicitRequest(a.Question)}, ""
		},
		done: func(_ inputArgs, answers mcp.InputResponseMap) (string, error) { return elicited(answers) },
	},
	{
		name: "list_roots",
		ask: func(*mcp.ClientCapabilities, inputArgs) (mcp.InputRequestMap, string) {
			return mcp.InputRequestMap{"roots": &mcp.ListRootsParams{}}, ""
		},
		done: func(_ inputArgs, answers mcp.InputResponseMap) (string, error) {
			resp, ok := answers["roots"].(*mcp.ListRootsResult)
			if !ok {
				return "", fmt.Errorf(`inputResponses["roots"] is a %T, not a roots list`, answers["roots"])
			}
			var uris []string
			for _, r := range resp.Roots {
				uris = append(uris, r.URI)
			}
			return "roots: " + strings.Join(uris, ","), nil
		},
	},
	{
		name: "ask_both",
		ask: func(caps *mcp.ClientCapabilities, a inputArgs) (mcp.InputRequestMap, string) {
			if caps.Sampling == nil || caps.Elicitation == nil {
				return nil, "the client did not declare both sampling and elicitation"
			}
			return mcp.InputRequestMap{"llm": samplingRequest(a.Question), "user": elicitRequest(a.Question)}, ""
		},
		done: func(_ inputArgs, answers mcp.InputResponseMap) (string, error) {
			llm, err := sampled(answers)
			if err != nil {
				return "", err
			}
			user, err := elicited(answers)
			if err != nil {
				return "", err
			}
			return llm + "; " + user, nil
		},
	},
}

func (f *eraFixture) addInputTools() {
	for _, it := range inputTools {
		mcp.AddTool(f.srv, &mcp.Tool{Name: it.name, Description: "Needs the client: " + it.name}, it.handler)
	}
}

// requestState is the opaque state the tool hands out and wants back.
func (it inputTool) requestState(a inputArgs) string { return "state/" + it.name + "/" + a.Question }

func (it inputTool) handler(_ context.Context, req *mcp.CallToolRequest, a inputArgs) (*mcp.CallToolResult, any, error) {
	if len(req.Params.InputResponses) == 0 {
		caps := req.ClientCapabilities()
		if caps == nil {
			caps = &mcp.ClientCapabilities{}
		}
		asks, refusal := it.ask(caps, a)
		if refusal != "" {
			return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: refusal}}}, nil, nil
		}
		return &mcp.CallToolResult{InputRequests: asks, RequestState: it.requestState(a)}, nil, nil
	}
	if got, want := req.Params.RequestState, it.requestState(a); got != want {
		return nil, nil, fmt.Errorf("%s: the retry carries requestState %q, want %q echoed back unchanged", it.name, got, want)
	}
	text, err := it.done(a, req.Params.InputResponses)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", it.name, err)
	}
	return textResult(text), nil, nil
}

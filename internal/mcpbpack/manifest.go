package main

import (
	"encoding/json"
	"fmt"
)

// manifestVersion is the MCPB spec version written: "0.2" is the spec's
// current version (MANIFEST.md) and what `mcpb init` writes; the manifest
// uses nothing from 0.3 or later, so every Claude Desktop with extensions
// reads it.
const manifestVersion = "0.2"

const repoURL = "https://github.com/mcpbridge/mcpbridge"

// license is the manifest's license field (an SPDX identifier, as the spec
// asks); the bundle carries the text itself as LICENSE at its root.
const license = "Apache-2.0"

// platforms maps GOOS to the spec's compatibility.platforms names (Node's
// process.platform).
var platforms = map[string]string{"darwin": "darwin", "windows": "win32", "linux": "linux"}

// binaryName is the executable's name on goos.
func binaryName(goos string) string {
	if goos == "windows" {
		return "mcpbridge.exe"
	}
	return "mcpbridge"
}

type manifest struct {
	ManifestVersion  string                `json:"manifest_version"`
	Name             string                `json:"name"`
	DisplayName      string                `json:"display_name"`
	Version          string                `json:"version"`
	Description      string                `json:"description"`
	LongDescription  string                `json:"long_description"`
	Author           author                `json:"author"`
	Repository       repository            `json:"repository"`
	Homepage         string                `json:"homepage"`
	Documentation    string                `json:"documentation"`
	Support          string                `json:"support"`
	License          string                `json:"license"`
	Server           server                `json:"server"`
	ToolsGenerated   bool                  `json:"tools_generated"`
	PromptsGenerated bool                  `json:"prompts_generated"`
	Keywords         []string              `json:"keywords"`
	Compatibility    compatibility         `json:"compatibility"`
	UserConfig       map[string]userOption `json:"user_config"`
}

type author struct {
	Name string `json:"name"`
	URL  string `json:"url,omitempty"`
}

type repository struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

type server struct {
	Type       string    `json:"type"`
	EntryPoint string    `json:"entry_point"`
	MCPConfig  mcpConfig `json:"mcp_config"`
}

type mcpConfig struct {
	Command string   `json:"command"`
	Args    []string `json:"args"`
}

type compatibility struct {
	Platforms []string `json:"platforms"`
}

type userOption struct {
	Type        string `json:"type"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Required    bool   `json:"required"`
	Default     any    `json:"default,omitempty"`
}

// newManifest describes the bundle of the mcpbridge binary for goos.
func newManifest(version, goos string) (manifest, error) {
	platform, ok := platforms[goos]
	if !ok {
		return manifest{}, fmt.Errorf("no Claude Desktop platform for GOOS %q: use darwin, windows or linux", goos)
	}
	if version == "" {
		return manifest{}, fmt.Errorf("no version given: pass -version (goreleaser's {{ .Version }})")
	}
	entry := "server/" + binaryName(goos)
	return manifest{
		ManifestVersion: manifestVersion,
		Name:            "mcpbridge",
		DisplayName:     "mcpbridge: remote MCP server",
		Version:         version,
		Description:     "Use a remote MCP server (Streamable HTTP or HTTP+SSE, with OAuth sign-in) from Claude Desktop.",
		LongDescription: longDescription,
		Author:          author{Name: "mcpbridge", URL: repoURL},
		Repository:      repository{Type: "git", URL: repoURL},
		Homepage:        repoURL,
		Documentation:   repoURL + "#readme",
		Support:         repoURL + "/issues",
		License:         license,
		Server: server{Type: "binary", EntryPoint: entry, MCPConfig: mcpConfig{
			Command: "${__dirname}/" + entry,
			Args:    args,
		}},
		ToolsGenerated:   true, // the remote server's tools, prompts and resources pass through
		PromptsGenerated: true,
		Keywords:         []string{"mcp", "remote", "oauth", "streamable-http", "sse", "proxy", "mcp-remote"},
		Compatibility:    compatibility{Platforms: []string{platform}},
		UserConfig:       userConfig,
	}, nil
}

const longDescription = `mcpbridge connects Claude Desktop to a remote MCP server. Give the server's URL;
if the server asks for a sign-in, your browser opens once and the tokens are kept in
the system keychain. It is a drop-in for mcp-remote: the same flags work.`

// args is the command line Claude Desktop runs. Every optional value has a
// default and sits in --flag=value form, so an option left alone still
// yields a valid argument (an unset value would otherwise pass through as
// the literal "${user_config.…}").
var args = []string{
	"${user_config.server_url}",
	"--transport=${user_config.transport}",
	"--header-file=${user_config.header_file}",
	"--allow-http=${user_config.allow_http}",
	"--debug=${user_config.debug}",
}

var userConfig = map[string]userOption{
	"server_url": {
		Type: "string", Title: "Server URL", Required: true,
		Description: "The remote MCP server's address, e.g. https://example.com/mcp",
	},
	"transport": {
		Type: "string", Title: "Transport", Default: "http-first",
		Description: "http-first (Streamable HTTP, then the legacy HTTP+SSE), sse-first, http-only or sse-only",
	},
	"header_file": {
		Type: "file", Title: "Header file", Default: "",
		Description: `Optional: a file of extra request headers, one "Name: value" a line (# for comments), e.g. an API key; an Authorization header there replaces the OAuth sign-in`,
	},
	"allow_http": {
		Type: "boolean", Title: "Allow plain HTTP", Default: false,
		Description: "Allow an http:// server that is not on this machine (traffic is not encrypted)",
	},
	"debug": {
		Type: "boolean", Title: "Debug log", Default: false,
		Description: "Write a detailed log (no secrets) to a file in mcpbridge's config folder",
	},
}

// manifestJSON is the manifest as the bundle carries it.
func manifestJSON(version, goos string) ([]byte, error) {
	m, err := newManifest(version, goos)
	if err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode the manifest: %w", err)
	}
	return append(b, '\n'), nil
}

// Package tokencache keeps mcpbridge's credentials — OAuth tokens and client
// registrations — and coordinates the processes that share them.
//
// It owns where secrets live: the OS keychain (macOS Keychain, Windows
// Credential Manager, the Secret Service on Linux, through
// github.com/zalando/go-keyring), or, where no keychain answers, files
// readable by the user alone. Secrets too large for a keychain item are
// split across several. A small index of non-secret facts (which server,
// which issuer, when the token expires, which backend) lets `mcpbridge
// status` list what is stored without reading a secret. Cross-process locks
// (github.com/gofrs/flock, on separate .lock files) let one process log in
// or refresh while the others wait and then re-read.
//
// It knows nothing of HTTP, OAuth flows or the bridge: callers hand it
// bytes under a name and read them back.
package tokencache

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
// No secret outlives a crash. Open calls Store.Sweep, which removes what a
// process killed mid-write left behind, in any process, and never what a
// live writer is about to use: temporary files of an atomic replace
// (beside the index and among the secret files) whose writer's lock is
// free; secret files the index does not name as file-backed, under the
// name's write lock (Put and Delete hold it over the secret and the index
// entry); and, from keychain journals (small files naming the items a
// keychain write or removal touches, since go-keyring cannot list items),
// the chunks of a replaced or half-written split secret and any keychain
// secret the index never came to name. `mcpbridge logout --all` opens the
// store, so it sweeps; `logout URL` opens it only when something is stored
// for URL.
//
// The store names what it keeps (names.go): callers hand TokensName the
// server, resource and identity parts, and ClientName or DeviceClientName
// the issuer, and never derive a name themselves; the derivation is pinned
// by tests, since a change would orphan every stored credential.
//
// oauthflow.Store is the part of a Store a sign-in uses — Stored (from the
// index alone), Get, Put, Delete and Lock — and both *Store and *Lazy meet
// it (asserted in oauthflow; cmd/mcpbridge wires them). Lazy opens the store
// at the first Get, Put, Delete or Lock, so a bridge that never signs in
// never opens the store or wakes a keychain.
//
// Beside the credentials the folder keeps one non-secret fact about
// servers (eras.go, eras.json): which ones were found to speak a legacy
// protocol version, so that the next bridge to one sends the client's
// initialize at once instead of probing first. EraMemo meets bridge/era's
// Memo; the file names servers by a hash, never by URL.
//
// Files: store.go (Open, Get, Put, Delete, Stored, List, Indexed), dir.go
// (DefaultDir, the config folder), names.go
// (TokensName, ClientName, DeviceClientName, AccountName, Name), lazy.go (Lazy,
// OpenLazily), file.go (file backend, atomic replace), tempfile_*.go (the
// temporary file's lock and rename, per OS: tempfile_flock.go,
// tempfile_commit.go, tempfile_other.go, tempfile_windows.go), keychain.go
// (keychain backend, split secrets), journal.go (keychain journals),
// index.go (credentials.json), lock.go (cross-process locks), sweep.go
// (Sweep), eras.go (EraMemo, eras.json).
//
// It knows nothing of HTTP, OAuth flows or the bridge: callers hand it
// bytes under a name it derives and read them back.
package tokencache

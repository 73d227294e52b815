// Package ledger is the grant ledger: an append-only local record of every
// event that changed what mcpbridge may do for the user — a sign-in
// granted, a token refreshed, a step-up, a refusal by the authorization
// server, a logout's revocation, credentials forgotten — for the user to
// review with `mcpbridge grants`.
//
// It never holds a secret: an Event has no field for a token, a code, a
// verifier, a client secret or an assertion, only what identifies the
// grant (server, resource, issuer, client id, grant type, scopes, expiry)
// and the process that made it. The file (grants.jsonl, one JSON event a
// line, in the config folder beside the credentials index) is private
// (0600), written under the token store's cross-process lock (the Locker
// a Ledger is given; tokencache.Store.Lock), and bounded: it keeps the
// newest MaxEvents events within MaxBytes.
//
// Files:
//   - event.go: Event, its kinds, its bounds (a hostile authorization
//     server cannot fill the ledger with one grant) and Process
//   - file.go: Ledger (Record, the bound), Read
//   - process.go: the recording process and its host program's name; per
//     OS: process_linux.go (/proc), process_darwin.go (ps),
//     process_other.go (none)
//   - summary.go: filtering (server, account, since) and the per-server
//     summary `grants` prints
package ledger

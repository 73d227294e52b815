// Package accountview renders what `mcpbridge status` and `mcpbridge
// grants` print: the stored sign-ins from the credentials index
// (tokencache.Meta) with the last grant-ledger event of each, and the
// ledger's events per server (internal/ledger), as tables or JSON. Every
// text from the index, the ledger or the network is shown inert (logx.Clean)
// and every server URL redacted (netrule.RedactString).
//
// Files: status.go (Status, StatusRows, WriteStatus), grants.go (Grants,
// WriteGrants).
package accountview

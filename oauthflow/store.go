package oauthflow

import (
	"context"

	"github.com/mcpbridge/mcpbridge/tokencache"
)

// Store is what a Flow needs of the token store; *tokencache.Store and
// *tokencache.Lazy satisfy it. Names come from the store's own derivation
// (tokencache.TokensName, ClientName, DeviceClientName): oauthflow hands
// over what identifies a credential, never a key of its own.
type Store interface {
	// Stored reports whether anything is kept under name, from the
	// store's index alone: it must not wake a keychain, so a bridge with
	// nothing stored starts without prompting for one.
	Stored(name string) (bool, error)
	// Get returns the secret under name, or an error wrapping
	// tokencache.ErrNotFound when there is none.
	Get(ctx context.Context, name string) ([]byte, error)
	// Put keeps secret under name, with the facts that `mcpbridge status`
	// shows without reading it.
	Put(ctx context.Context, name string, secret []byte, meta tokencache.Meta) error
	// Delete removes what is kept under name; nothing there is no error.
	Delete(ctx context.Context, name string) error
	// Lock takes name's cross-process lock for a read → refresh or sign
	// in → write, waiting until ctx's deadline.
	Lock(ctx context.Context, name string) (unlock func(), err error)
}

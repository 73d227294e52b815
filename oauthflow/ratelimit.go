package oauthflow

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mcpbridge/mcpbridge/internal/safetext"
)

// A server decides when mcpbridge signs in: a 401, or a 403
// insufficient_scope with a new scope each time (MCP authorization §Scope
// Challenge Handling), starts one. So that a hostile server cannot open
// browser windows or device prompts on demand, the sign-ins a server
// starts are limited per Flow; the one the user asks for (Flow.Login,
// `mcpbridge login`) is not.
const (
	maxUnaskedSignIns   = 3
	unaskedSignInWindow = 10 * time.Minute
)

// ErrTooManySignIns is the refusal of a sign-in past the limit.
var ErrTooManySignIns = errors.New("too many sign-ins asked for by the server")

// signInLimiter remembers when the recent unasked sign-ins started.
type signInLimiter struct{ started []time.Time }

// allow records a sign-in at now, unless maxUnaskedSignIns started within
// unaskedSignInWindow before it.
func (l *signInLimiter) allow(now time.Time) bool {
	recent := l.started[:0]
	for _, t := range l.started {
		if now.Sub(t) < unaskedSignInWindow {
			recent = append(recent, t)
		}
	}
	l.started = recent
	if len(recent) >= maxUnaskedSignIns {
		return false
	}
	l.started = append(l.started, now)
	return true
}

// mayPrompt applies the limit to a sign-in the server asked for; it
// returns the error for the request when the limit is reached.
func (f *Flow) mayPrompt(ch Challenge) error {
	f.mu.Lock()
	ok := f.prompts.allow(f.cfg.Now())
	f.mu.Unlock()
	if ok {
		return nil
	}
	demanded := "none named"
	if len(ch.Scope) > 0 {
		demanded = safetext.Escape(strings.Join(ch.Scope, " "))
	}
	return fmt.Errorf("%w: the server asked for another sign-in (scopes demanded: %s), after %d in %v; not opening another. Sign in by hand with: mcpbridge login %s",
		ErrTooManySignIns, demanded, maxUnaskedSignIns, unaskedSignInWindow, f.shown())
}

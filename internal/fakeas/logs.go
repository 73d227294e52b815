package fakeas

import (
	"maps"
	"net/url"
	"slices"
)

// Registration is one request to the registration endpoint.
type Registration struct {
	// Request is the client metadata the client sent (nil if it was not
	// JSON).
	Request map[string]any
	// ClientID is the client_id issued ("" when refused).
	ClientID string
	// Error is the error code answered ("" on success).
	Error string
}

// AuthorizeRequest is one request to the authorization endpoint.
type AuthorizeRequest struct {
	Params   url.Values // the query (or form) as received
	ClientID string
	// Resource holds every resource parameter (RFC 8707 allows several).
	Resource []string
	Scope    string
	// Location is where the browser was redirected ("" when the server
	// answered with an error page: unknown client, bad redirect_uri).
	Location string
	// Error is the error code answered ("" when a code was issued).
	Error string
}

// TokenRequest is one request to the token endpoint.
type TokenRequest struct {
	GrantType string
	ClientID  string // as authenticated, or as claimed when that failed
	// AuthMethod is how the client authenticated: "none",
	// "client_secret_post" or "client_secret_basic".
	AuthMethod string
	// Resource holds every resource parameter; nil when none was sent.
	Resource []string
	// Scope is the scope parameter; HasScope tells "" from absent.
	Scope    string
	HasScope bool
	Form     url.Values // the whole form, secrets included
	// Error is the error code answered ("" on success); Status the HTTP
	// status.
	Error  string
	Status int
}

// Revocation is one request to the revocation endpoint.
type Revocation struct {
	ClientID      string
	TokenTypeHint string
	// Kind is what the token was: "access_token", "refresh_token", or ""
	// for an unknown token (answered 200 all the same, RFC 7009 §2.2).
	Kind  string
	Error string
}

// Stats counts what the server saw.
type Stats struct {
	MetadataServed    int // metadata documents served (RFC 8414 or OpenID)
	RegisterRequests  int // POSTs to the registration endpoint
	ClientsRegistered int // of which succeeded
	AuthorizeRequests int
	CodesIssued       int
	// TokenRequests counts token requests by grant_type as sent.
	TokenRequests map[string]int
	Refreshes     int // token requests with grant_type=refresh_token
	InvalidGrants int // invalid_grant answers
	TokenErrors   int // error answers of the token endpoint, all codes
	// GrantsRevokedOnReuse counts grants revoked because a used code or
	// rotated refresh token was presented again.
	GrantsRevokedOnReuse int
	Revocations          int // requests to the revocation endpoint
}

type logs struct {
	requests       []string
	metadataServed int
	registrations  []Registration
	authorizes     []AuthorizeRequest
	codesIssued    int
	tokens         []TokenRequest
	revocations    []Revocation
	reuseRevoked   int
}

// Stats returns the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Stats{
		MetadataServed:       s.log.metadataServed,
		RegisterRequests:     len(s.log.registrations),
		AuthorizeRequests:    len(s.log.authorizes),
		CodesIssued:          s.log.codesIssued,
		TokenRequests:        map[string]int{},
		GrantsRevokedOnReuse: s.log.reuseRevoked,
		Revocations:          len(s.log.revocations),
	}
	for _, r := range s.log.registrations {
		if r.Error == "" {
			st.ClientsRegistered++
		}
	}
	for _, t := range s.log.tokens {
		st.TokenRequests[t.GrantType]++
		if t.GrantType == "refresh_token" {
			st.Refreshes++
		}
		if t.Error != "" {
			st.TokenErrors++
		}
		if t.Error == "invalid_grant" {
			st.InvalidGrants++
		}
	}
	return st
}

// Requests lists every request the server received, as "METHOD /path",
// in order: discovery probes included, 404s included.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log.requests)
}

// Registrations lists the registration requests, refused ones included.
func (s *Server) Registrations() []Registration {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.log.registrations)
	for i := range out {
		out[i].Request = maps.Clone(out[i].Request)
	}
	return out
}

// AuthorizeRequests lists the authorization requests.
func (s *Server) AuthorizeRequests() []AuthorizeRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.log.authorizes)
	for i := range out {
		out[i].Params = cloneValues(out[i].Params)
		out[i].Resource = slices.Clone(out[i].Resource)
	}
	return out
}

// TokenRequests lists the token requests, all grant types.
func (s *Server) TokenRequests() []TokenRequest {
	return s.tokenRequests("")
}

// Refreshes lists the token requests with grant_type=refresh_token, with
// the resource and scope each carried.
func (s *Server) Refreshes() []TokenRequest {
	return s.tokenRequests("refresh_token")
}

func (s *Server) tokenRequests(grantType string) []TokenRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []TokenRequest
	for _, t := range s.log.tokens {
		if grantType != "" && t.GrantType != grantType {
			continue
		}
		t.Form = cloneValues(t.Form)
		t.Resource = slices.Clone(t.Resource)
		out = append(out, t)
	}
	return out
}

// Revocations lists the revocation requests.
func (s *Server) Revocations() []Revocation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log.revocations)
}

func cloneValues(v url.Values) url.Values {
	if v == nil {
		return nil
	}
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

package fakeas

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mcpbridge/mcpbridge/internal/netrule"
)

// grant is what one user approval produced: the access and refresh
// tokens issued from one authorization code share it, and revoking it
// revokes them all.
type grant struct {
	clientID string
	scopes   []string
	resource string
	revoked  bool
}

// authCode is an issued authorization code, bound to everything the
// token request must repeat or prove.
type authCode struct {
	clientID      string
	redirectURI   string
	redirectGiven bool // redirect_uri was in the authorization request
	challenge     string
	scopes        []string
	resource      string
	expires       time.Time
	used          bool
	grant         *grant // set when exchanged
}

// Compiled on first use: a test server that never sees an authorization
// request does not pay for them.
var (
	s256Challenge = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`) })       // BASE64URL(SHA256(verifier)), RFC 7636 §4.2
	codeVerifier  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`) }) // RFC 7636 §4.1
)

// authorize is the authorization endpoint (RFC 6749 §4.1.1, RFC 7636
// §4.3, RFC 8707 §2.1, RFC 9207 §2). It approves at once: no login page.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, "invalid_request: "+err.Error(), http.StatusBadRequest)
		return
	}
	q := r.Form
	rec := AuthorizeRequest{
		Params:   cloneValues(q),
		ClientID: q.Get("client_id"),
		Resource: slices.Clone(q["resource"]),
		Scope:    q.Get("scope"),
	}
	defer func() {
		s.mu.Lock()
		s.log.authorizes = append(s.log.authorizes, rec)
		s.mu.Unlock()
	}()

	// Until client and redirect URI are known good, errors go to the
	// user, never to a redirect (RFC 6749 §4.1.2.1).
	page := func(e *oauthError) {
		rec.Error = e.Code
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = fmt.Fprintf(w, "%s: %s\n", e.Code, e.Description)
	}
	for _, p := range []string{"client_id", "redirect_uri"} {
		if len(q[p]) > 1 {
			page(errorf("invalid_request", p+" is repeated (RFC 6749 §3.1)"))
			return
		}
	}
	c, cerr := s.lookupClient(r.Context(), q.Get("client_id"))
	if cerr != nil {
		page(cerr)
		return
	}
	s.mu.Lock()
	o := s.opts
	s.mu.Unlock()
	redirect, rerr := matchRedirect(c, q.Get("redirect_uri"), o.LoopbackAnyPort)
	if rerr != nil {
		page(rerr)
		return
	}

	iss := s.issuer
	if o.WrongIss != "" {
		iss = o.WrongIss
	}
	respond := func(params url.Values) {
		u, _ := url.Parse(redirect) // checked when registered or matched
		v := u.Query()              // keep the redirect URI's own query (RFC 6749 §3.1.2)
		for k, vs := range params {
			v[k] = vs
		}
		if q.Has("state") {
			v.Set("state", q.Get("state"))
		}
		if !o.OmitIss {
			v.Set("iss", iss)
		}
		u.RawQuery = v.Encode()
		rec.Location = u.String()
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, rec.Location, http.StatusFound)
	}
	fail := func(e *oauthError) {
		rec.Error = e.Code
		respond(url.Values{"error": {e.Code}, "error_description": {e.Description}})
	}

	for p, vs := range q {
		if len(vs) > 1 && p != "resource" {
			fail(errorf("invalid_request", p+" is repeated (RFC 6749 §3.1)"))
			return
		}
	}
	switch {
	case q.Get("response_type") != "code":
		fail(errorf("unsupported_response_type", "only response_type=code is supported"))
		return
	case !slices.Contains(c.GrantTypes, "authorization_code"):
		fail(errorf("unauthorized_client", "the client did not register the authorization_code grant"))
		return
	case !q.Has("code_challenge"):
		fail(errorf("invalid_request", "code_challenge is required (PKCE, RFC 7636)"))
		return
	case q.Get("code_challenge_method") != "S256":
		fail(errorf("invalid_request", "code_challenge_method must be S256, got "+describeMethod(q, "code_challenge_method")))
		return
	case !s256Challenge().MatchString(q.Get("code_challenge")):
		fail(errorf("invalid_request", "code_challenge is not a base64url SHA-256 digest"))
		return
	}
	scopes := strings.Fields(q.Get("scope"))
	if len(scopes) == 0 {
		scopes = slices.Clone(o.DefaultScopes)
	}
	if o.StrictScopes {
		for _, x := range scopes {
			if !slices.Contains(o.ScopesSupported, x) {
				fail(errorf("invalid_scope", "unknown scope "+x))
				return
			}
		}
	}
	for _, x := range o.ExtraScopes { // more than asked (RFC 6749 §3.3 allows it)
		if !slices.Contains(scopes, x) {
			scopes = append(scopes, x)
		}
	}
	resource, terr := checkResource(q["resource"], o)
	if terr != nil {
		fail(terr)
		return
	}
	if o.AuthorizeError != "" {
		fail(errorf(o.AuthorizeError, "refused by Options.AuthorizeError"))
		return
	}

	code := "code_" + rand.Text()
	s.mu.Lock()
	s.codes[code] = &authCode{
		clientID:      c.ID,
		redirectURI:   redirect,
		redirectGiven: q.Has("redirect_uri"),
		challenge:     q.Get("code_challenge"),
		scopes:        scopes,
		resource:      resource,
		expires:       s.now().Add(o.CodeTTL),
	}
	s.log.codesIssued++
	s.mu.Unlock()
	respond(url.Values{"code": {code}})
}

func describeMethod(q url.Values, p string) string {
	if !q.Has(p) {
		return "none (which means plain)"
	}
	return fmt.Sprintf("%q", q.Get(p))
}

// checkResource applies the resource rules of the options to the resource
// parameters of a request (RFC 8707 §2) and returns the one resource.
func checkResource(rs []string, o Options) (string, *oauthError) {
	switch {
	case len(rs) > 0 && o.RejectResource:
		return "", errorf("invalid_target", "the resource parameter is not supported")
	case len(rs) == 0 && o.RequireResource:
		return "", errorf("invalid_target", "the resource parameter is required")
	case len(rs) > 1:
		return "", errorf("invalid_target", "one resource per request")
	case len(rs) == 0:
		return "", nil
	}
	u, err := url.Parse(rs[0])
	if err != nil || !u.IsAbs() || u.Fragment != "" || strings.Contains(rs[0], "#") {
		return "", errorf("invalid_target", "resource must be an absolute URI without a fragment")
	}
	if len(o.Resources) > 0 && !slices.Contains(o.Resources, rs[0]) {
		return "", errorf("invalid_target", "unknown resource "+rs[0])
	}
	return rs[0], nil
}

// matchRedirect returns the redirect URI to use: the one given if it is
// registered (OAuth 2.1 §4.1.1: exact string comparison, but for the port
// of a loopback URI when anyPort), or the only one registered when none is
// given.
func matchRedirect(c *Client, given string, anyPort bool) (string, *oauthError) {
	if given == "" {
		if len(c.RedirectURIs) == 1 {
			return c.RedirectURIs[0], nil
		}
		return "", errorf("invalid_request", "redirect_uri is required")
	}
	if len(c.RedirectURIs) == 0 { // pre-registered or unfetched CIMD: loopback
		u, err := url.Parse(given)
		if err != nil || u.Scheme != "http" || !netrule.IsLoopback(u.Hostname()) || u.Fragment != "" {
			return "", errorf("invalid_request", "redirect_uri must be a loopback http URI: "+given)
		}
		return given, nil
	}
	if slices.Contains(c.RedirectURIs, given) {
		return given, nil
	}
	if anyPort {
		g, err := url.Parse(given)
		if err == nil && g.Scheme == "http" && netrule.IsLoopback(g.Hostname()) {
			for _, reg := range c.RedirectURIs {
				if ru, err := url.Parse(reg); err == nil && ru.Scheme == "http" && ru.Hostname() == g.Hostname() &&
					ru.EscapedPath() == g.EscapedPath() && ru.RawQuery == g.RawQuery && g.Fragment == "" {
					return given, nil
				}
			}
		}
	}
	return "", errorf("invalid_request", "redirect_uri is not registered for this client: "+given)
}

// lookupClient finds a known client, or accepts a client ID metadata
// document URL when CIMD is on.
func (s *Server) lookupClient(ctx context.Context, id string) (*Client, *oauthError) {
	if id == "" {
		return nil, errorf("invalid_request", "client_id is required")
	}
	s.mu.Lock()
	c, ok := s.clients[id]
	o := s.opts
	s.mu.Unlock()
	if ok {
		return c, nil
	}
	if !o.CIMD || !strings.HasPrefix(id, "https:") {
		return nil, errorf("invalid_client", "unknown client_id "+id)
	}
	c, err := fetchCIMD(ctx, id, o.CIMDHTTPClient)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if prev, ok := s.clients[id]; ok {
		return prev, nil
	}
	s.clients[id] = c
	return c, nil
}

// fetchCIMD checks a URL client_id and, with hc, fetches and checks its
// document (draft-ietf-oauth-client-id-metadata-document-00 §3, §4).
func fetchCIMD(ctx context.Context, id string, hc *http.Client) (*Client, *oauthError) {
	u, err := url.Parse(id)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.Fragment != "" ||
		strings.Contains(id, "#") || u.Path == "" || u.Path == "/" ||
		slices.ContainsFunc(strings.Split(u.Path, "/"), func(seg string) bool { return seg == "." || seg == ".." }) {
		return nil, errorf("invalid_client", "not a valid client ID metadata document URL: "+id)
	}
	c := &Client{ID: id, AuthMethod: "none", CIMD: true}
	if hc == nil {
		c.GrantTypes = []string{"authorization_code", "refresh_token"}
		return c, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, id, nil)
	if err != nil {
		return nil, errorf("invalid_client", err.Error())
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, errorf("invalid_client", "fetching the client metadata document: "+err.Error())
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 5<<10+1))
	if err != nil || resp.StatusCode != http.StatusOK || len(body) > 5<<10 {
		return nil, errorf("invalid_client", fmt.Sprintf("the client metadata document: HTTP %d, %d bytes, %v", resp.StatusCode, len(body), err))
	}
	var md map[string]any
	if err := json.Unmarshal(body, &md); err != nil || md == nil {
		return nil, errorf("invalid_client", "the client metadata document is not a JSON object")
	}
	if md["client_id"] != id {
		return nil, errorf("invalid_client", fmt.Sprintf("the document's client_id %v is not its URL %s", md["client_id"], id))
	}
	if name, _ := md["client_name"].(string); name == "" {
		return nil, errorf("invalid_client", "the client metadata document lacks client_name")
	}
	uris, ok := stringList(md["redirect_uris"])
	if !ok || len(uris) == 0 {
		return nil, errorf("invalid_client", "the client metadata document lacks redirect_uris")
	}
	for _, r := range uris {
		if err := checkRedirectURI(r); err != nil {
			return nil, errorf("invalid_client", err.Error())
		}
	}
	if m, present := md["token_endpoint_auth_method"]; present && m != "none" {
		return nil, errorf("invalid_client", fmt.Sprintf("token_endpoint_auth_method %v is not supported for URL clients", m))
	}
	c.RedirectURIs = uris
	c.GrantTypes = []string{"authorization_code"}
	if gt, ok := stringList(md["grant_types"]); ok && len(gt) > 0 {
		c.GrantTypes = gt
	}
	c.Metadata = md
	return c, nil
}

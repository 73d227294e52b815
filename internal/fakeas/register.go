package fakeas

import (
	"crypto/rand"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/mcpbridge/mcpbridge/internal/netrule"
)

// register is the dynamic client registration endpoint (RFC 7591 §3).
func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	rec := Registration{}
	resp, err := s.doRegister(r, &rec)
	s.mu.Lock()
	if err != nil {
		rec.Error = err.Code
	}
	s.log.registrations = append(s.log.registrations, rec)
	s.mu.Unlock()
	if err != nil {
		writeJSON(w, http.StatusBadRequest, err)
		return
	}
	writeJSON(w, http.StatusCreated, resp)
}

func (s *Server) doRegister(r *http.Request, rec *Registration) (map[string]any, *oauthError) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		return nil, errorf("invalid_client_metadata", "the request must be application/json (RFC 7591 §3.1)")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return nil, errorf("invalid_client_metadata", err.Error())
	}
	var md map[string]any
	if err := json.Unmarshal(body, &md); err != nil || md == nil {
		return nil, errorf("invalid_client_metadata", "the body is not a JSON object")
	}
	rec.Request = md

	s.mu.Lock()
	o := s.opts
	s.mu.Unlock()

	uris, ok := stringList(md["redirect_uris"])
	if !ok || len(uris) == 0 {
		return nil, errorf("invalid_redirect_uri", "redirect_uris is required: a non-empty array of strings")
	}
	for _, u := range uris {
		if err := checkRedirectURI(u); err != nil {
			return nil, err.(*oauthError)
		}
	}

	method := "client_secret_basic" // RFC 7591 §2: the default when omitted
	if v, present := md["token_endpoint_auth_method"]; present {
		m, ok := v.(string)
		if !ok || !slices.Contains([]string{"none", "client_secret_post", "client_secret_basic"}, m) {
			return nil, errorf("invalid_client_metadata", "unsupported token_endpoint_auth_method")
		}
		method = m
	}
	if o.ForceAuthMethod != "" {
		method = o.ForceAuthMethod
	}

	grantTypes := []string{"authorization_code"}
	if v, present := md["grant_types"]; present {
		gt, ok := stringList(v)
		if !ok {
			return nil, errorf("invalid_client_metadata", "grant_types must be an array of strings")
		}
		for _, g := range gt {
			if g != "authorization_code" && g != "refresh_token" {
				return nil, errorf("invalid_client_metadata", "unsupported grant type "+g)
			}
		}
		grantTypes = gt
	}
	if !slices.Contains(grantTypes, "authorization_code") {
		return nil, errorf("invalid_client_metadata", "redirect_uris are for the authorization_code grant, which grant_types lacks")
	}
	responseTypes := []string{"code"}
	if v, present := md["response_types"]; present {
		rt, ok := stringList(v)
		if !ok || len(rt) == 0 || slices.ContainsFunc(rt, func(t string) bool { return t != "code" }) {
			return nil, errorf("invalid_client_metadata", `response_types must be ["code"]`)
		}
		responseTypes = rt
	}

	if o.StrictApplicationType {
		appType := "web" // OpenID Connect Registration §2
		if v, present := md["application_type"]; present {
			appType, _ = v.(string)
		}
		switch appType {
		case "native":
		case "web":
			for _, raw := range uris {
				u, _ := url.Parse(raw)
				if u.Scheme != "https" || netrule.IsLoopback(u.Hostname()) {
					return nil, errorf("invalid_redirect_uri", "a web client (application_type absent or \"web\") may not use "+raw)
				}
			}
		default:
			return nil, errorf("invalid_client_metadata", "application_type must be \"native\" or \"web\"")
		}
	}

	if v, present := md["scope"]; present {
		sc, ok := v.(string)
		if !ok {
			return nil, errorf("invalid_client_metadata", "scope must be a string")
		}
		if o.StrictScopes {
			for _, x := range strings.Fields(sc) {
				if !slices.Contains(o.ScopesSupported, x) {
					return nil, errorf("invalid_client_metadata", "unknown scope "+x)
				}
			}
		}
	}

	c := &Client{
		ID:           "client_" + rand.Text(),
		AuthMethod:   method,
		RedirectURIs: uris,
		GrantTypes:   grantTypes,
	}
	resp := make(map[string]any, len(md)+6)
	for k, v := range md {
		resp[k] = v
	}
	resp["client_id"] = c.ID
	resp["client_id_issued_at"] = o.Now().Unix()
	resp["token_endpoint_auth_method"] = method
	resp["grant_types"] = grantTypes
	resp["response_types"] = responseTypes
	if method != "none" {
		c.Secret = "secret_" + rand.Text()
		resp["client_secret"] = c.Secret
		resp["client_secret_expires_at"] = 0
	}
	c.Metadata = resp
	s.mu.Lock()
	s.clients[c.ID] = c
	s.mu.Unlock()
	rec.ClientID = c.ID
	return resp, nil
}

// stringList reads a JSON array of strings.
func stringList(v any) ([]string, bool) {
	a, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(a))
	for _, x := range a {
		s, ok := x.(string)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

package fakeas

import (
	"net/http"
	"slices"
	"testing"
)

// TestMetadataWellKnownPaths: the documents are where RFC 8414 §3.1 and
// OpenID Connect Discovery put them, and nowhere else.
func TestMetadataWellKnownPaths(t *testing.T) {
	for _, tc := range []struct {
		name     string
		opts     Options
		served   []string // paths under the origin answering 200
		notFound []string
	}{
		{"root issuer", Options{},
			[]string{"/.well-known/oauth-authorization-server"},
			[]string{"/.well-known/openid-configuration", "/.well-known/oauth-authorization-server/x"}},
		{"root issuer with OpenID", Options{OpenIDConfiguration: true},
			[]string{"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"}, nil},
		{"root issuer, OpenID only", Options{OIDCOnly: true},
			[]string{"/.well-known/openid-configuration"}, []string{"/.well-known/oauth-authorization-server"}},
		{"path issuer", Options{IssuerPath: "/tenant1"},
			[]string{"/.well-known/oauth-authorization-server/tenant1"},
			[]string{"/.well-known/oauth-authorization-server", "/tenant1/.well-known/oauth-authorization-server",
				"/.well-known/openid-configuration/tenant1", "/tenant1/.well-known/openid-configuration"}},
		{"path issuer with OpenID", Options{IssuerPath: "/tenant1", OpenIDConfiguration: true},
			[]string{"/.well-known/oauth-authorization-server/tenant1", "/.well-known/openid-configuration/tenant1",
				"/tenant1/.well-known/openid-configuration"},
			[]string{"/.well-known/openid-configuration"}},
		{"path issuer, OpenID only", Options{IssuerPath: "tenant1/", OIDCOnly: true},
			[]string{"/.well-known/openid-configuration/tenant1", "/tenant1/.well-known/openid-configuration"},
			[]string{"/.well-known/oauth-authorization-server/tenant1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, tc.opts)
			for _, p := range tc.served {
				a := get(t, s.Origin()+p)
				if a.Status != http.StatusOK || a.str("issuer") != s.URL() {
					t.Errorf("%s: %d issuer %q, want 200 and %q", p, a.Status, a.str("issuer"), s.URL())
				}
				if a.str("authorization_endpoint") != s.URL()+"/authorize" || a.str("token_endpoint") != s.URL()+"/token" ||
					a.str("registration_endpoint") != s.URL()+"/register" || a.str("revocation_endpoint") != s.URL()+"/revoke" {
					t.Errorf("%s: endpoints %v", p, a.JSON)
				}
			}
			for _, p := range tc.notFound {
				if a := get(t, s.Origin()+p); a.Status != http.StatusNotFound {
					t.Errorf("%s: %d, want 404", p, a.Status)
				}
			}
			if st := s.Stats(); st.MetadataServed != len(tc.served) {
				t.Errorf("MetadataServed %d", st.MetadataServed)
			}
			if got := s.Requests(); len(got) != len(tc.served)+len(tc.notFound) || got[0] != "GET "+tc.served[0] {
				t.Errorf("Requests %q", got)
			}
		})
	}
}

func TestMetadataHelpers(t *testing.T) {
	s := newServer(t, Options{IssuerPath: "/tenant1", OpenIDConfiguration: true})
	if want := s.Origin() + "/.well-known/oauth-authorization-server/tenant1"; s.MetadataURL() != want {
		t.Errorf("MetadataURL %s", s.MetadataURL())
	}
	want := []string{s.Origin() + "/.well-known/openid-configuration/tenant1", s.Origin() + "/tenant1/.well-known/openid-configuration"}
	if !slices.Equal(s.OpenIDConfigurationURLs(), want) {
		t.Errorf("OpenIDConfigurationURLs %v", s.OpenIDConfigurationURLs())
	}
	for _, u := range append(want, s.MetadataURL()) {
		if a := get(t, u); a.Status != 200 {
			t.Errorf("%s: %d", u, a.Status)
		}
	}
	if s.Metadata()["issuer"] != s.URL() {
		t.Errorf("Metadata %v", s.Metadata())
	}
}

// TestMetadataFields: the defaults, and each option that changes the
// document.
func TestMetadataFields(t *testing.T) {
	doc := func(o Options) map[string]any {
		s := newServer(t, o)
		a := get(t, s.MetadataURL())
		if o.OIDCOnly {
			a = get(t, s.OpenIDConfigurationURLs()[0])
		}
		if a.Status != 200 {
			t.Fatalf("metadata: %d", a.Status)
		}
		return a.JSON
	}
	list := func(v any) []string { l, _ := stringList(v); return l }

	d := doc(Options{})
	for k, want := range map[string][]string{
		"code_challenge_methods_supported":      {"S256"},
		"scopes_supported":                      {"mcp:read", "mcp:write", "offline_access"},
		"grant_types_supported":                 {"authorization_code", "refresh_token"},
		"response_types_supported":              {"code"},
		"token_endpoint_auth_methods_supported": {"none", "client_secret_post", "client_secret_basic"},
	} {
		if !slices.Equal(list(d[k]), want) {
			t.Errorf("%s: %v, want %v", k, d[k], want)
		}
	}
	if d["authorization_response_iss_parameter_supported"] != true {
		t.Error("iss support not advertised by default")
	}
	if _, ok := d["client_id_metadata_document_supported"]; ok {
		t.Error("CIMD advertised without Options.CIMD")
	}

	if d := doc(Options{CodeChallengeMethods: []string{}}); d["code_challenge_methods_supported"] != nil {
		t.Errorf("empty CodeChallengeMethods: %v", d["code_challenge_methods_supported"])
	}
	if d := doc(Options{CodeChallengeMethods: []string{"plain"}}); !slices.Equal(list(d["code_challenge_methods_supported"]), []string{"plain"}) {
		t.Errorf("plain only: %v", d["code_challenge_methods_supported"])
	}
	if d := doc(Options{ScopesSupported: []string{"files:read"}}); !slices.Equal(list(d["scopes_supported"]), []string{"files:read"}) {
		t.Errorf("scopes %v", d["scopes_supported"])
	}
	if d := doc(Options{HideIssSupport: true}); d["authorization_response_iss_parameter_supported"] != nil {
		t.Error("HideIssSupport still advertises iss")
	}
	if d := doc(Options{CIMD: true}); d["client_id_metadata_document_supported"] != true {
		t.Error("CIMD not advertised")
	}
	if d := doc(Options{WrongIssuer: "https://honest.example"}); d["issuer"] != "https://honest.example" {
		t.Errorf("WrongIssuer: issuer %v", d["issuer"])
	}
	if d := doc(Options{OIDCOnly: true}); d["jwks_uri"] == nil || d["subject_types_supported"] == nil {
		t.Errorf("OpenID document lacks its required fields: %v", d)
	}
}

// TestNoRegistration: no registration_endpoint, and no endpoint.
func TestNoRegistration(t *testing.T) {
	s := newServer(t, Options{NoRegistration: true})
	if a := get(t, s.MetadataURL()); a.JSON["registration_endpoint"] != nil {
		t.Errorf("registration_endpoint %v", a.JSON["registration_endpoint"])
	}
	if a := register(t, s, nil); a.Status != http.StatusNotFound {
		t.Errorf("POST /register: %d", a.Status)
	}
	if st := s.Stats(); st.RegisterRequests != 0 {
		t.Errorf("RegisterRequests %d", st.RegisterRequests)
	}
}

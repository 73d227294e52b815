package oauthflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mcpbridge/mcpbridge/internal/ctxtime"
	"github.com/mcpbridge/mcpbridge/internal/netrule"
	"github.com/mcpbridge/mcpbridge/internal/safetext"
	"github.com/mcpbridge/mcpbridge/tokencache"
)

// The device authorization grant (RFC 8628, --device-code) for machines
// without a browser: the user opens a URL anywhere and types a short code;
// mcpbridge polls the token endpoint until they have.

const deviceGrant = "urn:ietf:params:oauth:grant-type:device_code"

type deviceAuthorization struct {
	DeviceCode              string `json:"device_code"`
	UserCode                string `json:"user_code"`
	VerificationURI         string `json:"verification_uri"`
	VerificationURIComplete string `json:"verification_uri_complete"`
	ExpiresIn               int    `json:"expires_in"`
	Interval                int    `json:"interval"`
}

// deviceSignIn runs the device grant with the client for as.
func (f *Flow) deviceSignIn(ctx context.Context, as *AuthServer, client *Client, scopes []string, resource string) (*Token, error) {
	if as.DeviceAuthorizationEndpoint == "" {
		return nil, errors.New("the authorization server offers no device authorization (RFC 8628); sign in with the browser instead")
	}
	form := url.Values{}
	if len(scopes) > 0 {
		form.Set("scope", strings.Join(scopes, " "))
	}
	setResource(form, resource)
	da, err := requestDeviceCode(ctx, f.cfg.HTTP, as.DeviceAuthorizationEndpoint, client, form)
	if err != nil {
		return nil, err
	}
	where := da.VerificationURI
	if da.VerificationURIComplete != "" {
		where = da.VerificationURIComplete
	}
	f.cfg.Notify(fmt.Sprintf("to sign in to %s, open %s on any device and enter the code %s",
		f.shown(), safetext.EscapeN(where, 0), safetext.EscapeN(da.UserCode, 40)))
	interval := deviceInterval(da.Interval, f.cfg.DevicePollInterval)
	if da.ExpiresIn > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(da.ExpiresIn)*time.Second)
		defer cancel()
	}
	poll := url.Values{"grant_type": {deviceGrant}, "device_code": {da.DeviceCode}}
	setResource(poll, resource)
	for {
		if err := ctxtime.Sleep(ctx, interval); err != nil {
			return nil, fmt.Errorf("the code was not entered in time: %w", err)
		}
		tok, err := tokenRequest(ctx, f.cfg.HTTP, as.TokenEndpoint, client, cloneValues(poll), f.cfg.Now)
		switch {
		case err == nil:
			return tok, nil
		case isTokenError(err, "authorization_pending"):
		case isTokenError(err, "slow_down"):
			interval += f.cfg.DevicePollInterval // RFC 8628 §3.5: 5 s more, for this and every later request
		default: // access_denied, expired_token, anything else
			return nil, err
		}
	}
}

// deviceInterval is the first wait between polls: the interval the
// authorization server names, in seconds, or step when it names none or
// a shorter one (RFC 8628 §3.2: 5 s when it names none).
func deviceInterval(named int, step time.Duration) time.Duration {
	return max(time.Duration(named)*time.Second, step)
}

func requestDeviceCode(ctx context.Context, hc *http.Client, endpoint string, c *Client, form url.Values) (*deviceAuthorization, error) {
	endpoint, err := sendTo("device_authorization_endpoint", endpoint)
	if err != nil {
		return nil, fmt.Errorf("device authorization: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, nil)
	if err != nil {
		return nil, err
	}
	authenticate(req, form, c)
	status, raw, err := exchange(hc, req, "device authorization")
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, refusal("device authorization", status, raw)
	}
	var da deviceAuthorization
	if err := json.Unmarshal(raw, &da); err != nil || da.DeviceCode == "" || da.UserCode == "" || da.VerificationURI == "" {
		return nil, errors.New("the device authorization answer lacks device_code, user_code or verification_uri")
	}
	// The user is told to open these (RFC 8628 §3.2): the rule first.
	if da.VerificationURI, err = netrule.CheckString("verification_uri", da.VerificationURI); err != nil {
		return nil, fmt.Errorf("device authorization: %w", err)
	}
	if da.VerificationURIComplete != "" {
		if da.VerificationURIComplete, err = netrule.CheckString("verification_uri_complete", da.VerificationURIComplete); err != nil {
			return nil, fmt.Errorf("device authorization: %w", err)
		}
	}
	return &da, nil
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// deviceRecord signs in with the device grant and builds the record.
func (f *Flow) deviceRecord(ctx context.Context, as *AuthServer, scopes []string, resource string) (*record, error) {
	client, err := f.deviceClient(ctx, as)
	if err != nil {
		return nil, err
	}
	tok, err := f.deviceSignIn(ctx, as, client, scopes, resource)
	if err != nil {
		return nil, err
	}
	rec := &record{Token: *tok, Issuer: as.Issuer, TokenEndpoint: as.TokenEndpoint, Client: *client, Scopes: scopes, Resource: resource}
	return rec, nil
}

// deviceClient is the pre-registered client, or one registered for the
// device grant (no redirect URI) and kept per issuer.
func (f *Flow) deviceClient(ctx context.Context, as *AuthServer) (*Client, error) {
	if f.cfg.StaticClient != nil {
		return StaticClient(f.cfg.StaticClient, as.Issuer)
	}
	name := tokencache.DeviceClientName(as.Issuer)
	if raw, err := f.cfg.Store.Get(ctx, name); err == nil {
		var c Client
		if json.Unmarshal(raw, &c) == nil && c.ClientID != "" && c.Issuer == as.Issuer {
			return &c, nil
		}
	}
	c, err := Register(ctx, f.cfg.HTTP, as, "", f.cfg.ClientMetadata)
	if err != nil {
		return nil, err
	}
	raw, _ := json.Marshal(c)
	if err := f.cfg.Store.Put(ctx, name, raw, clientMeta(f, as.Issuer)); err != nil {
		f.cfg.Log.Warn("could not store the client registration", "error", err)
	}
	return c, nil
}

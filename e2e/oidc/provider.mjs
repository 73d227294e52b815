// Starts npm's oidc-provider on 127.0.0.1 as the authorization server of
// the e2e/oidc test. Configuration comes from the environment:
//
//   OIDC_RESOURCE      the protected MCP server's URL (the one allowed
//                      RFC 8707 resource indicator)
//   OIDC_SCOPE         the resource's scope (default "mcp:tools")
//   OIDC_AT_TTL        access token lifetime in seconds (default 20)
//   OIDC_EVENTS        file to append the provider's events to, one JSON
//                      object a line (no secrets)
//   OIDC_NODE_MODULES  where oidc-provider is installed (default: the
//                      repo's .cache/npm-oidc/node_modules)
//
// It listens on a free port and prints one line on stdout once it serves:
// {"issuer":"http://127.0.0.1:PORT"}.
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const modules = process.env.OIDC_NODE_MODULES || join(here, '..', '..', '.cache', 'npm-oidc', 'node_modules');
const require = createRequire(join(modules, 'noop.js'));
const { default: Provider, errors } = await import(pathToFileURL(require.resolve('oidc-provider')).href);

const resource = process.env.OIDC_RESOURCE;
if (!resource) {
  console.error('provider.mjs: OIDC_RESOURCE is not set');
  process.exit(2);
}
const scope = process.env.OIDC_SCOPE || 'mcp:tools';
const accessTokenTTL = Number(process.env.OIDC_AT_TTL || 20);
const eventsFile = process.env.OIDC_EVENTS;

function record(event, fields) {
  const line = JSON.stringify({ time: new Date().toISOString(), event, ...fields });
  if (eventsFile) appendFileSync(eventsFile, line + '\n');
  else console.error(line);
}

// The signing key of the access tokens (RS256), new on every start.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'e2e-rs256', use: 'sig', alg: 'RS256' };

const server = createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  jwks: { keys: [jwk] },
  // Any account: the dev login page takes any login.
  async findAccount(_ctx, sub) {
    return { accountId: sub, async claims() { return { sub }; } };
  },
  scopes: ['openid', 'offline_access'],
  features: {
    devInteractions: { enabled: true }, // real login and consent pages
    registration: { enabled: true }, // RFC 7591, open
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      // No resource asked for: none (the token is for userinfo only).
      defaultResource: async () => undefined,
      getResourceServerInfo: async (_ctx, indicator) => {
        if (indicator !== resource) throw new errors.InvalidTarget(`unknown resource ${indicator}`);
        return {
          scope,
          audience: resource,
          accessTokenTTL,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        };
      },
      useGrantedResource: async () => false,
    },
  },
  pkce: { required: () => true }, // S256 only (the provider's default methods)
  // Refresh tokens for every client registered for the refresh_token
  // grant, as MCP deployments do. (The provider's default issues them only
  // with offline_access, which OpenID Connect Core grants only together
  // with prompt=consent: a client that does not send it gets offline_access
  // dropped from the granted scope, and must refresh within what was
  // granted, RFC 6749 §6.)
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  ttl: {
    AccessToken: accessTokenTTL,
    AuthorizationCode: 60,
    Interaction: 300,
    Grant: 3600,
    Session: 3600,
    RefreshToken: 3600,
    IdToken: 3600,
  },
  cookies: { keys: ['e2e-oidc-cookie-key'] },
});

// Events worth checking, without secrets: which grant, which resource.
const params = (ctx) => ctx.oidc?.params || {};
provider.on('registration_create.success', (ctx, client) => record('registration_create.success', {
  client_id: client.clientId, application_type: client.applicationType, redirect_uris: client.redirectUris,
  token_endpoint_auth_method: client.clientAuthMethod, grant_types: client.grantTypes,
}));
provider.on('registration_create.error', (ctx, err) => record('registration_create.error', { error: err.error, description: err.error_description }));
provider.on('authorization.success', (ctx) => record('authorization.success', {
  client_id: params(ctx).client_id, resource: params(ctx).resource, scope: params(ctx).scope,
  code_challenge_method: params(ctx).code_challenge_method,
}));
provider.on('authorization.error', (ctx, err) => record('authorization.error', { error: err.error, description: err.error_description }));
provider.on('grant.success', (ctx) => record('grant.success', {
  grant_type: params(ctx).grant_type, resource: params(ctx).resource, scope: params(ctx).scope,
  client_id: ctx.oidc?.client?.clientId,
}));
provider.on('grant.error', (ctx, err) => record('grant.error', {
  grant_type: params(ctx).grant_type, resource: params(ctx).resource, scope: params(ctx).scope,
  error: err.error, description: err.error_description,
}));
provider.on('server_error', (ctx, err) => record('server_error', { message: String(err?.stack || err) }));

server.on('request', provider.callback());
process.stdout.write(JSON.stringify({ issuer }) + '\n');

for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => server.close(() => process.exit(0)));

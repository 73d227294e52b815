// The user's browser for the e2e/oidc test: mcpbridge runs it through
// $BROWSER ("node browser.mjs %s"). It opens the authorization URL in
// headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core),
// signs in on oidc-provider's login page (any login works with its
// devInteractions), confirms consent, and waits until Chromium shows
// mcpbridge's loopback callback page saying "Signed in".
//
//   OIDC_NODE_MODULES  where playwright-core is installed (default: the
//                      repo's .cache/npm-oidc/node_modules)
//   OIDC_SHOTS         folder for screenshots (default: a new temp folder)
//   OIDC_BROWSER_DONE  file written when it finishes: "ok" or the error
//   OIDC_LOGIN         the login to type (default "alice")
//
// Its stdout and stderr go to mcpbridge's stderr; it exits 0 once the
// callback page says "Signed in", 1 otherwise, within 60 seconds.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const done = process.env.OIDC_BROWSER_DONE;
const log = (msg) => console.error(`browser.mjs: ${msg}`);
// Whatever goes wrong, the test learns it at once from the done file.
process.on('uncaughtException', (err) => {
  log(String(err?.stack || err));
  if (done) writeFileSync(done, String(err?.message || err));
  process.exit(1);
});

const here = dirname(fileURLToPath(import.meta.url));
const modules = process.env.OIDC_NODE_MODULES || join(here, '..', '..', '.cache', 'npm-oidc', 'node_modules');
const { chromium } = createRequire(join(modules, 'noop.js'))('playwright-core');

const authURL = process.argv[2];
const shots = process.env.OIDC_SHOTS || mkdtempSync(join(tmpdir(), 'e2e-oidc-shots-'));
mkdirSync(shots, { recursive: true });

// Where the authorization server must send Chromium back: mcpbridge's
// loopback callback, named by the authorization URL's redirect_uri.
const redirect = new URL(new URL(authURL).searchParams.get('redirect_uri'));
const atCallback = (u) => {
  const url = new URL(u);
  return url.origin === redirect.origin && url.pathname === redirect.pathname;
};

const deadline = setTimeout(() => {
  log('gave up after 60 s');
  if (done) writeFileSync(done, 'timeout after 60 s');
  process.exit(1);
}, 60_000);

// Chromium runs as root here (--no-sandbox), without GPU, and without the
// background services that would try to reach the network, in a fresh
// profile.
const profile = mkdtempSync(join(tmpdir(), 'e2e-oidc-chromium-'));
let context;
let page;
let outcome = 'ok';
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.OIDC_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    timeout: 30_000,
    args: [
      '--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(20_000);
  await page.goto(authURL);

  // The login page: any login and password.
  await page.waitForSelector('input[name="login"]');
  await page.screenshot({ path: join(shots, '1-login.png') });
  await page.fill('input[name="login"]', process.env.OIDC_LOGIN || 'alice');
  await page.fill('input[name="password"]', 'any password');
  await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);

  // The consent page (skipped by the provider when already granted).
  if (!atCallback(page.url())) {
    await page.waitForSelector('input[name="prompt"][value="consent"]', { state: 'attached' });
    await page.screenshot({ path: join(shots, '2-consent.png') });
    await Promise.all([page.waitForURL((u) => atCallback(u.href)), page.click('button[type="submit"]')]);
  }

  // mcpbridge's page.
  await page.waitForSelector('text=Signed in');
  log(`reached ${redirect.origin}${redirect.pathname}: Signed in`);
} catch (err) {
  outcome = String(err?.message || err);
  log(`failed at ${page?.url()}: ${outcome}`);
} finally {
  if (page) await page.screenshot({ path: join(shots, 'final.png') }).catch(() => {});
  await context?.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
  if (done) writeFileSync(done, outcome);
  clearTimeout(deadline);
}
process.exit(outcome === 'ok' ? 0 : 1);

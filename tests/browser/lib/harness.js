// One service and one browser for the whole run, shared by every suite in pages/.
// all.test.js starts them before the first test and stops them after the last.
import { startServer } from './server.js';
import { launchBrowser } from './browser.js';

let server;
let browser;

export async function setup() {
  server = await startServer();
  try {
    browser = await launchBrowser();
  } catch (e) {
    await server.stop();
    throw e;
  }
}

export async function teardown() {
  await browser?.close();
  await server?.stop();
}

/** The running service's base URL, e.g. http://127.0.0.1:41234. */
export function baseUrl() {
  if (!server) throw new Error('harness not started: run the suites through all.test.js');
  return server.url;
}

/** The running service's data folder (its SQLite register and its .eml outbox). */
export function dataDir() {
  if (!server) throw new Error('harness not started: run the suites through all.test.js');
  return server.dataDir;
}

/**
 * Runs a protectcert subcommand against the running service's database, with its
 * environment (for set-up only the command line can do, such as the first admin):
 * `await cli(['admin', 'create', …], password)` or `…, { input: password })`.
 */
export async function cli(args, input) {
  if (!server) throw new Error('harness not started: run the suites through all.test.js');
  return server.cli(args, input);
}

/**
 * Runs a subcommand of the binary with the service's own settings and data dir,
 * e.g. `runCli(['admin', 'create', '--email', e, '--name', n], { input: password })`.
 */
export function runCli(args, opts) {
  if (!server) throw new Error('harness not started: run the suites through all.test.js');
  return server.runCli(args, opts);
}


/**
 * A page in a fresh browser context (its own cookies and storage), closed when
 * test `t` ends. Relative URLs in page.goto() resolve against the service.
 */
export async function openPage(t) {
  const context = await browser.newContext({ baseURL: baseUrl(), viewport: { width: 1280, height: 800 } });
  t.after(() => context.close());
  const page = await context.newPage();
  // A page that throws in the browser is broken for its users, whatever the DOM says;
  // so is one whose own Content-Security-Policy blocks part of it (an inline script,
  // a style= attribute) or that logs any other error. (A 404 answer's "Failed to
  // load resource" is what some tests ask for.)
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`Content-Security-Policy violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile || document.location.href}:${e.lineNumber}`);
    });
  });
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(`${page.url()}: ${m.text()}`);
  });
  t.after(() => {
    if (errors.length) throw new Error(`Errors on the page:\n${errors.map(String).join('\n')}`);
  });
  return page;
}

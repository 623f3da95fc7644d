// Starts the real protectcert binary for one test run: a free port, a fresh
// temporary data dir (so SQLite, keys and the outbox start empty), stopped at the end.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, openSync, closeSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

function freePort() {
  return new Promise((ok, fail) => {
    const probe = createServer();
    probe.on('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => ok(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * @returns {Promise<{url: string, dataDir: string, log: () => string, stop: () => Promise<void>,
 *   cli: (args: string[], input?: string | {input?: string}) => Promise<{code: number, stdout: string, stderr: string}>,
 *   runCli: (args: string[], opts?: {input?: string}) => {status: number, stdout: string, stderr: string}}>}
 */
export async function startServer({ timeoutMs = 60_000 } = {}) {
  const bin = resolve(repoRoot, process.env.PROTECTCERT_BIN ?? 'target/debug/protectcert');
  // The port is free when probed, not necessarily when the binary binds it: on
  // that race, try another port rather than fail the run.
  let lastError;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      return await startOnce(bin, await freePort(), timeoutMs);
    } catch (e) {
      lastError = e;
      if (!e.portTaken) break;
    }
  }
  throw lastError;
}

// The service sees the defaults plus what is set here: a PROTECTCERT_CONFIG or
// PROTECTCERT_DATABASE_URL in the caller's shell would otherwise move it off
// SQLite, or point it at a real SMTP server.
function inheritedEnv() {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PROTECTCERT_')));
}

async function startOnce(bin, port, timeoutMs) {
  const dataDir = mkdtempSync(join(tmpdir(), 'protectcert-browser-'));
  const url = `http://127.0.0.1:${port}`;
  const logPath = join(dataDir, 'server.log');
  const logFd = openSync(logPath, 'a');
  const log = () => readFileSync(logPath, 'utf8');
  const env = {
    ...inheritedEnv(),
    PROTECTCERT_LISTEN: `127.0.0.1:${port}`,
    PROTECTCERT_PUBLIC_URL: url,
    PROTECTCERT_DATA_DIR: dataDir,
    // Every suite verifies from one address, far more than a visitor would; the
    // limit itself is tested in tests/api/public_register.rs.
    PROTECTCERT_PUBLIC_RATE_PER_MINUTE: '0',
    RUST_LOG: process.env.RUST_LOG ?? 'info',
  };
  const child = spawn(bin, ['serve'], {
    // config/checklists and certificate-templates are relative paths.
    cwd: repoRoot,
    env,
    stdio: ['ignore', logFd, logFd],
  });
  // Another subcommand of the same binary against the same data dir and settings
  // (e.g. `admin create`, which reads the password from standard input); throws
  // unless it exits 0.
  const runCliSync = (args, { input = '' } = {}) => {
    const r = spawnSync(bin, args, { cwd: repoRoot, env, input, encoding: 'utf8', timeout: 60_000 });
    if (r.error) throw r.error;
    if (r.status !== 0) {
      throw new Error(`protectcert ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
    }
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  closeSync(logFd);
  let exited = null;
  const exit = new Promise((r) => child.once('exit', (code, signal) => r((exited = { code, signal }))));
  child.once('error', (e) => (exited = { code: null, signal: null, error: e }));

  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exit;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited) {
      const why = exited.error ? exited.error.message : `exit code ${exited.code}, signal ${exited.signal}`;
      const err = new Error(`protectcert (${bin}) stopped before it was healthy: ${why}\n${log()}`);
      err.portTaken = /cannot listen/.test(log());
      await stop();
      throw err;
    }
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) {
        return { url, dataDir, log, stop, cli: (args, input) => runCli(bin, env, args, input), runCli: runCliSync };
      }
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  await stop();
  throw new Error(`protectcert did not answer 200 on /healthz within ${timeoutMs} ms\n${log()}`);
}

/**
 * Runs a command of the binary (e.g. `['admin', 'create', '--email', E, '--name', N]`)
 * against the running server's data dir: the same environment and working folder,
 * `input` (a string, or `{ input }`) on standard input. Resolves with the exit code
 * and output; never rejects on a non-zero exit (the caller asserts).
 */
export function runCli(bin, env, args, input = '') {
  const text = typeof input === 'string' ? input : (input?.input ?? '');
  return new Promise((ok, fail) => {
    const child = spawn(bin, args, { cwd: repoRoot, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', fail);
    child.once('close', (code) => ok({ code, stdout, stderr }));
    child.stdin.end(text);
  });
}

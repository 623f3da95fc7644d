// The single entry point: node's test runner gives every test file a process of
// its own, so the suites are modules in pages/ imported here, and all of them
// share one service and one browser.
import { before, after } from 'node:test';
import { readdirSync } from 'node:fs';
import { setup, teardown } from './lib/harness.js';

before(setup, { timeout: 120_000 });
after(teardown);

const pagesDir = new URL('./pages/', import.meta.url);
for (const file of readdirSync(pagesDir).filter((f) => f.endsWith('.js')).sort()) {
  await import(new URL(file, pagesDir));
}

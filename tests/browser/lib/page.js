// Checks every page test makes: accessibility (axe-core) and layout at a phone's
// and a desktop's width.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

// Evaluated through the DevTools protocol, which the pages' CSP does not govern
// (a <script> tag added to the page would be refused by `script-src 'self'`).
const axeSource = readFileSync(fileURLToPath(import.meta.resolve('axe-core/axe.min.js')), 'utf8');
export const screenshotDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'screenshots');

const BLOCKING = new Set(['serious', 'critical']);

/** Fails on any axe violation of impact serious or critical; lesser ones are only printed. */
export async function checkAccessibility(page, name) {
  await page.evaluate(axeSource);
  const results = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const describe = (v) =>
    `  [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})\n` +
    v.nodes.map((n) => `      at ${n.target.join(' ')}\n        ${n.failureSummary?.replace(/\n/g, '\n        ')}`).join('\n');
  const blocking = results.violations.filter((v) => BLOCKING.has(v.impact));
  const minor = results.violations.filter((v) => !BLOCKING.has(v.impact));
  if (minor.length) console.log(`axe, ${name}: minor violations (not failing)\n${minor.map(describe).join('\n')}`);
  assert.equal(
    blocking.length,
    0,
    `axe, ${name}: ${blocking.length} serious or critical violation(s)\n${blocking.map(describe).join('\n')}`,
  );
}

/**
 * Full-page PNGs at 375 px (a small phone) and 1280 px into screenshots/<name>-<width>.png,
 * and no sideways scrolling at either width. Restores the viewport it found.
 */
export async function screenshots(page, name) {
  mkdirSync(screenshotDir, { recursive: true });
  const original = page.viewportSize();
  try {
    for (const width of [375, 1280]) {
      await page.setViewportSize({ width, height: width === 375 ? 812 : 800 });
      const { scrollWidth, innerWidth } = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: window.innerWidth,
      }));
      assert.ok(
        scrollWidth <= innerWidth,
        `${name}: scrolls sideways at ${width} px (content ${scrollWidth} px wide, window ${innerWidth} px)`,
      );
      if (width === 1280) {
        const broken = await wordsBrokenInCells(page);
        assert.deepEqual(broken, [], `${name}: table cells break words across lines at 1280 px`);
      }
      await page.screenshot({ path: join(screenshotDir, `${name}-${width}.png`), fullPage: true });
    }
  } finally {
    if (original) await page.setViewportSize(original);
  }
}

/**
 * Words (up to 24 characters, split at spaces, hyphens and slashes) that a table
 * cell shows across two lines: a column squeezed below its longest word.
 */
async function wordsBrokenInCells(page) {
  return page.evaluate(() => {
    const broken = [];
    for (const cell of document.querySelectorAll('td, th')) {
      const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
      for (let text = walker.nextNode(); text; text = walker.nextNode()) {
        for (const m of text.data.matchAll(/[^\s\-\/]+/g)) {
          if (m[0].length > 24) continue;
          const range = document.createRange();
          range.setStart(text, m.index);
          range.setEnd(text, m.index + m[0].length);
          const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
          if (lines.size > 1) broken.push(m[0]);
        }
      }
    }
    return broken;
  });
}

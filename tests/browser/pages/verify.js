// The public check of a certificate: /verify (a typed number) and /v/{token}
// (a QR code). Someone at a venue's door reads the large headline, so that is
// what these tests assert.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage } from '../lib/harness.js';
import { checkAccessibility, screenshots } from '../lib/page.js';

const headline = (page) => page.locator('section[role=status] h1').innerText();
const explanation = (page) => page.locator('section[role=status] p').innerText();

describe('/verify', () => {
  test('asks for a certificate number', async (t) => {
    const page = await openPage(t);
    const res = await page.goto('/verify');
    assert.equal(res.status(), 200);
    assert.equal(await headline(page), 'CHECK A CERTIFICATE');
    assert.match(await explanation(page), /Enter the number printed on the certificate/);
    // The field is found by its visible label, as a screen reader user finds it.
    const field = page.getByLabel('Check a certificate number');
    assert.equal(await field.inputValue(), '');
    assert.equal(await page.getByRole('button', { name: 'Check' }).isVisible(), true);
    await checkAccessibility(page, 'verify-form');
    await screenshots(page, 'verify-form');
  });

  test('says a malformed number is not valid and keeps what was typed', async (t) => {
    const page = await openPage(t);
    await page.goto('/verify');
    await page.getByLabel('Check a certificate number').fill('NOT-A-CERT-123');
    await Promise.all([page.waitForURL(/\/verify\?number=/), page.getByRole('button', { name: 'Check' }).click()]);
    assert.equal(await headline(page), 'CHECK THE NUMBER');
    const text = await explanation(page);
    assert.match(text, /not a valid certificate number/);
    assert.match(text, /mistyped/);
    assert.match(text, /PSC-2026-K7QMT-94HRX-T/, 'shows what a number looks like');
    assert.match(await page.title(), /^CHECK THE NUMBER/);
    // Nothing that looks like a certificate's details.
    assert.equal(await page.locator('dl').count(), 0);
    assert.equal(await page.getByLabel('Check a certificate number').inputValue(), 'NOT-A-CERT-123');
    await checkAccessibility(page, 'verify-malformed');
    await screenshots(page, 'verify-malformed');
  });
});

describe('/v/{token}', () => {
  test('a token the scheme did not sign is NOT GENUINE', async (t) => {
    const page = await openPage(t);
    const res = await page.goto('/v/eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJQU0MtMjAyNi0wMDAxMjMtSyJ9.Zm9yZ2Vk');
    assert.equal(res.status(), 200);
    assert.equal(await headline(page), 'NOT GENUINE');
    assert.match(await explanation(page), /not issued by the scheme, or it has been altered\. Do not rely on the certificate\./);
    assert.equal(await page.locator('dl').count(), 0);
    // The form stays, so a number can still be typed in.
    assert.equal(await page.getByLabel('Check a certificate number').isVisible(), true);
    await checkAccessibility(page, 'verify-token-not-genuine');
    await screenshots(page, 'verify-token-not-genuine');
  });
});

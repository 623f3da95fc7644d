// Issue 12 part C: the police search by district, a page at a time. 21
// certificates in one district (a page holds 20) and one in the next district
// up (BS10 is not BS1): the officer searches by district, follows "Next page" to
// the oldest one, and "First page" back.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { openPage } from '../lib/harness.js';
import { checkAccessibility, screenshots } from '../lib/page.js';
import {
  accreditAdvisor,
  assess,
  createAdmin,
  createPolice,
  logIn,
  registerBuilding,
  signUpOperator,
  submitApplication,
  unique,
} from '../lib/scheme.js';

describe('police search by district', () => {
  const tag = unique();
  // A district of its own for this run, so that other suites' BS1 premises do
  // not crowd the pages.
  const district = 'TR21';
  let police;

  before(async () => {
    const admin = await createAdmin();
    const advisor = await accreditAdvisor(admin, { name: 'Dee Advisor', scopes: ['building'] });
    police = await createPolice(admin);
    const operator = await signUpOperator();
    for (let i = 0; i <= 20; i++) {
      const premises = await registerBuilding(operator, {
        name: `Gate ${tag} Hall ${String(i).padStart(2, '0')}`,
        postcode: `${district} 0${String.fromCharCode(65 + (i % 20))}B`,
        capacity: 300,
      });
      await assess(advisor, await submitApplication(operator, premises.id));
    }
    const far = await registerBuilding(operator, { name: `Gate ${tag} Far Hall`, postcode: 'TR2 1AA', capacity: 300 });
    await assess(advisor, await submitApplication(operator, far.id));
  });

  test('searches a district and follows Next page', async (t) => {
    const page = await openPage(t);
    await logIn(page, police.email, '/police');
    await page.getByLabel('District').fill(district.toLowerCase());
    await Promise.all([page.waitForURL(/\/police\?/), page.getByRole('button', { name: 'Search' }).click()]);
    assert.equal(await page.locator('li.result').count(), 20);
    // Newest first: the last one issued leads.
    assert.match(await page.locator('li.result h3').first().innerText(), /Hall 20/);
    assert.equal(await page.getByText(`Gate ${tag} Far Hall`).count(), 0);
    assert.equal(await page.getByRole('link', { name: 'First page' }).count(), 0);
    await checkAccessibility(page, 'police-district');
    await screenshots(page, 'police-district');

    await Promise.all([page.waitForURL(/after=/), page.getByRole('link', { name: 'Next page' }).click()]);
    assert.equal(await page.locator('li.result').count(), 1);
    assert.match(await page.locator('li.result h3').first().innerText(), /Hall 00/);
    assert.match(await page.getByRole('heading', { level: 2 }).first().innerText(), /later page/);
    assert.equal(await page.getByRole('link', { name: 'Next page' }).count(), 0);
    await checkAccessibility(page, 'police-district-next');
    await screenshots(page, 'police-district-next');

    await Promise.all([page.waitForURL((u) => !u.search.includes('after=')), page.getByRole('link', { name: 'First page' }).click()]);
    assert.equal(await page.locator('li.result').count(), 20);
  });
});

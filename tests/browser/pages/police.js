// The police officer's journey on a phone at a gate: search the register, open a
// certificate's full record, check a number as it was typed. The certificate and
// its history come from other roles through the JSON API of the same running
// service: an operator registers and submits an enhanced-tier building with a
// designated senior individual, an advisor certifies it with a condition, and an
// admin (made with the CLI) suspends and reinstates it, giving reasons.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { openPage } from '../lib/harness.js';
import { checkAccessibility, screenshots } from '../lib/page.js';
import {
  api,
  accreditAdvisor,
  assess,
  createAdmin,
  createPolice,
  logIn,
  longDate,
  registerBuilding,
  signUpOperator,
  submitApplication,
  unique,
} from '../lib/scheme.js';

const headline = (page) => page.locator('.verdict h1').innerText();

describe('police', () => {
  const tag = unique();
  const name = `Harbour Exchange ${tag}`;
  const postcode = 'LS2 7EW';
  let police;
  let number;
  let gapItem;
  let naItem;
  let advisor;

  before(async () => {
    const admin = await createAdmin();
    advisor = await accreditAdvisor(admin, { name: 'Gwen Advisor', scopes: ['building'] });
    police = await createPolice(admin);
    const operator = await signUpOperator();
    const premises = await registerBuilding(operator, {
      name,
      address: '12 Wellington Street, Leeds',
      postcode,
      capacity: 1200,
      designated_senior_individual: { name: 'Dana Senior', email: 'dana.senior@venue.test' },
    });
    const app = await submitApplication(operator, premises.id);
    gapItem = app.items.find((i) => !i.critical);
    naItem = app.items.find((i) => !i.critical && i.id !== gapItem.id);
    const done = await assess(advisor, app, (item) =>
      item.id === gapItem.id ? 2 : item.id === naItem.id ? null : item.max_score,
    );
    assert.equal(done.outcome, 'certified_with_conditions');
    number = done.certificate.number;
    for (const [action, reason] of [
      ['suspend', 'Lockdown procedure under review after a test'],
      ['reinstate', 'Procedure re-tested on site and working'],
    ]) {
      await api('POST', `/api/v1/certificates/${number}/${action}`, { token: admin.token, body: { reason } });
    }
  });

  test('searches by postcode and by name, and reads the full record with its history', async (t) => {
    const page = await openPage(t);
    await logIn(page, police.email, '/police');
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Search the register');
    await checkAccessibility(page, 'police-search');
    await screenshots(page, 'police-search');

    // A postcode typed any old way.
    await page.getByLabel('Postcode').fill('  ls27ew ');
    await Promise.all([page.waitForURL(/\/police\?/), page.getByRole('button', { name: 'Search' }).click()]);
    const card = page.locator('li.result').filter({ hasText: name });
    assert.equal(await card.count(), 1);
    const text = await card.innerText();
    assert.match(text, /Valid/);
    assert.match(text, /Leeds, LS2 7EW/);
    assert.match(text, /Enhanced tier/);
    assert.match(text, /Valid until/);
    assert.match(text, new RegExp(number));
    assert.equal(await page.getByLabel('Postcode').inputValue(), '  ls27ew ');
    await checkAccessibility(page, 'police-results');
    await screenshots(page, 'police-results');

    // Part of the name, in lower case.
    await page.getByLabel('Postcode').fill('');
    await page.getByLabel('Premises name or certificate number').fill(`exchange ${tag}`.toLowerCase());
    await Promise.all([page.waitForURL(/q=exchange/), page.getByRole('button', { name: 'Search' }).click()]);
    assert.equal(await page.locator('li.result').filter({ hasText: name }).count(), 1);

    // The number as printed but spaced out also finds it.
    await page.getByLabel('Premises name or certificate number').fill(number.replaceAll('-', ' ').toLowerCase());
    await Promise.all([page.waitForURL(/q=psc/), page.getByRole('button', { name: 'Search' }).click()]);
    assert.equal(await page.locator('li.result').count(), 1);

    // A postcode that cannot be one is explained next to the field.
    await page.getByLabel('Premises name or certificate number').fill('');
    await page.getByLabel('Postcode').fill('LS2-7EW');
    const [bad] = await Promise.all([
      page.waitForResponse((r) => r.url().includes('/police?')),
      page.getByRole('button', { name: 'Search' }).click(),
    ]);
    assert.equal(bad.status(), 422);
    await page.waitForLoadState();
    assert.match(await page.locator('.field.has-error').innerText(), /must be a postcode or the start of one/);
    assert.equal(await page.getByLabel('Postcode').inputValue(), 'LS2-7EW');
    await checkAccessibility(page, 'police-search-error');

    // The record: status first, then everything an officer needs.
    await page.getByLabel('Postcode').fill(postcode);
    await Promise.all([page.waitForURL(/\/police\?/), page.getByRole('button', { name: 'Search' }).click()]);
    await Promise.all([
      page.waitForURL(new RegExp(`/police/certificates/${number}$`)),
      page.getByRole('link', { name }).click(),
    ]);
    assert.equal(await headline(page), 'VALID');
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'VALID');
    const main = await page.locator('main').innerText();
    assert.match(main, /Enhanced tier/);
    assert.match(main, /12 Wellington Street, Leeds/);
    assert.match(main, /Certified with conditions/);
    assert.match(main, /Dana Senior/);
    assert.match(main, /dana\.senior@venue\.test/);
    assert.match(main, /Gwen Advisor/);
    assert.match(main, new RegExp(advisor.accreditation_number));
    assert.match(main, new RegExp(`Issued\\s+${longDate(new Date())}`));
    const due = longDate(new Date(Date.now() + 90 * 24 * 3600 * 1000));
    const condition = page.locator('ul.conditions li');
    assert.equal(await condition.count(), 1);
    assert.match(await condition.innerText(), new RegExp(`Due by ${due}`));
    assert.match(await condition.innerText(), new RegExp(gapItem.id));
    // The items left out, each with the advisor's reason.
    assert.match(
      await page.locator('#not-applicable').innerText(),
      new RegExp(`${naItem.id}\\s+Nobody else shares control of the premises`),
    );
    // The status history, oldest first, with the reasons given.
    const rows = page.getByRole('table').getByRole('row');
    const history = (await rows.allInnerTexts()).slice(1);
    assert.equal(history.length, 3, history.join('\n'));
    assert.match(history[0], /Issued, certified with conditions/);
    assert.match(history[1], /Suspended[\s\S]*Lockdown procedure under review after a test/);
    assert.match(history[2], /Reinstated[\s\S]*Procedure re-tested on site and working/);
    await checkAccessibility(page, 'police-record');
    await screenshots(page, 'police-record');
  });

  test('verifies a number typed with spaces or without hyphens', async (t) => {
    const page = await openPage(t);
    await logIn(page, police.email, '/police');
    await Promise.all([page.waitForURL(/\/verify$/), page.getByRole('link', { name: 'Check a certificate number' }).click()]);
    const field = page.getByLabel('Check a certificate number');
    for (const typed of [number.replaceAll('-', ' ').toLowerCase(), number.replaceAll('-', '')]) {
      await field.fill(typed);
      await Promise.all([page.waitForURL(/\/verify\?number=/), page.getByRole('button', { name: 'Check' }).click()]);
      assert.equal(await page.locator('section[role=status] h1').innerText(), 'VALID', typed);
      assert.match(await page.locator('dl').innerText(), new RegExp(number));
    }
    await checkAccessibility(page, 'police-verify-spaced');
    await screenshots(page, 'police-verify-spaced');
    // A wrong check character is still caught.
    const check = number.at(-1);
    const wrong = number.slice(0, -1) + (check === 'A' ? 'B' : 'A');
    await field.fill(wrong.replaceAll('-', ' '));
    await Promise.all([page.waitForURL(/\/verify\?number=/), page.getByRole('button', { name: 'Check' }).click()]);
    assert.equal(await page.locator('section[role=status] h1').innerText(), 'CHECK THE NUMBER');
  });

  test('pages through many results', async (t) => {
    // 21 certificates under one name: more than one page of 20.
    const operator = await signUpOperator();
    const name = `Pager Arena ${unique()}`;
    for (let i = 1; i <= 21; i++) {
      const premises = await registerBuilding(operator, { name: `${name} ${String(i).padStart(2, '0')}`, capacity: 300 });
      await assess(advisor, await submitApplication(operator, premises.id));
    }
    const page = await openPage(t);
    await logIn(page, police.email, '/police');
    await page.getByLabel('Premises name or certificate number').fill(name);
    await Promise.all([page.waitForURL(/\/police\?/), page.getByRole('button', { name: 'Search' }).click()]);
    assert.equal(await page.locator('li.result').count(), 20);
    assert.equal(await page.getByRole('link', { name: 'First page' }).count(), 0);
    // Issue 12 part C: pages by keyset (`after`), forward, with a way back to the first.
    await Promise.all([page.waitForURL(/after=/), page.getByRole('link', { name: 'Next page' }).click()]);
    assert.equal(await page.locator('li.result').count(), 1);
    assert.match(await page.getByRole('heading', { level: 2 }).first().innerText(), /later page/);
    assert.equal(await page.getByRole('link', { name: 'Next page' }).count(), 0);
    assert.equal(await page.getByRole('link', { name: 'First page' }).count(), 1);
    await checkAccessibility(page, 'police-results-page-2');
  });

  test('advisors are kept out of the register', async (t) => {
    const page = await openPage(t);
    await logIn(page, advisor.email, '/advisor');
    const res = await page.goto('/police');
    assert.equal(res.status(), 403);
    const record = await page.goto(`/police/certificates/${number}`);
    assert.equal(record.status(), 403);
  });
});

// Part 3 of issue 11: the second sign-off. An assessor completes the assessment of
// an enhanced-tier building through the pages; it waits for a second reviewer, who
// returns it with a note, the assessor completes it again, and the reviewer
// approves it: the certificate appears, and its record names both. What other
// roles do first (accrediting, the operator's answers) is done over the JSON API.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage } from '../lib/harness.js';
import { checkAccessibility, screenshots } from '../lib/page.js';
import {
  api,
  accreditAdvisor,
  createAdmin,
  logIn,
  registerBuilding,
  signUpOperator,
  submitApplication,
  unique,
} from '../lib/scheme.js';

const h1 = (page) => page.getByRole('heading', { level: 1 }).innerText();

async function completeFromPreview(page, id) {
  await page.goto(`/advisor/applications/${id}/preview`);
  await Promise.all([
    page.waitForURL(new RegExp(`/advisor/applications/${id}\\?done=awaiting_sign_off`)),
    page.getByRole('button', { name: 'Complete the assessment' }).click(),
  ]);
}

describe('sign-off', () => {
  test('an enhanced building waits for a second reviewer, who returns it and then approves it', async (t) => {
    const admin = await createAdmin();
    const assessor = await accreditAdvisor(admin, { name: 'Ada Assessor', scopes: ['building'] });
    const reviewer = await accreditAdvisor(admin, { name: 'Rhea Reviewer', scopes: ['building'] });
    const operator = await signUpOperator();
    const name = `Exchange Arena ${unique()}`;
    const premises = await registerBuilding(operator, { name, capacity: 1200 });
    const submitted = await submitApplication(operator, premises.id);
    const id = submitted.id;
    // The assessor claims and scores over the API; completing is done on the page.
    const claimed = await api('POST', `/api/v1/applications/${id}/claim`, { token: assessor.token, body: {} });
    await api('PUT', `/api/v1/applications/${id}/scores`, {
      token: assessor.token,
      body: { scores: claimed.items.map((item) => ({ item_id: item.id, score: item.max_score, note: `Seen on site: ${item.id}` })) },
    });

    const own = await openPage(t);
    await logIn(own, assessor.email, '/advisor');
    await completeFromPreview(own, id);
    assert.match(await own.getByRole('status').first().innerText(), /awaits sign-off by a second reviewer/);
    assert.match(await own.locator('#sign-off-status').innerText(), /Awaiting sign-off/);
    assert.match(await own.locator('#sign-off-status').innerText(), /Assessed by Ada Assessor/);
    await checkAccessibility(own, 'sign-off-assessor-awaiting');
    await screenshots(own, 'sign-off-assessor-awaiting');
    // The assessor's own is not in their sign-off queue.
    await own.goto('/sign-offs');
    assert.equal(await own.getByRole('link', { name: new RegExp(name) }).count(), 0);

    // The operator reads it in plain words, without the outcome.
    const op = await openPage(t);
    await logIn(op, operator.email, '/operator');
    await op.goto(`/operator/applications/${id}`);
    assert.match(await op.locator('main').innerText(), /Assessed: awaiting sign-off/);
    assert.match(await op.locator('#sign-off-status').innerText(), /a second reviewer checks it before the decision is final/);
    assert.equal(await op.locator('#outcome').count(), 0, 'no outcome before the sign-off');

    // The reviewer finds it on their home page and in the queue.
    const page = await openPage(t);
    await logIn(page, reviewer.email, '/advisor');
    const waiting = page.locator('section', { has: page.locator('#to-sign-off') });
    assert.match(await waiting.innerText(), new RegExp(name));
    await page.getByRole('link', { name: 'Sign-off' }).click();
    await page.waitForURL(/\/sign-offs$/);
    assert.equal(await h1(page), 'Awaiting sign-off');
    const row = page.getByRole('row').filter({ hasText: name });
    assert.match(await row.innerText(), /Ada Assessor/);
    assert.match(await row.innerText(), /Certified/);
    await checkAccessibility(page, 'sign-off-queue');
    await screenshots(page, 'sign-off-queue');

    await Promise.all([page.waitForURL(new RegExp(`/sign-offs/${id}$`)), row.getByRole('link').click()]);
    assert.equal(await h1(page), `Sign off: ${name}`);
    assert.match(await page.locator('#verdict').innerText(), /Outcome: Certified/);
    assert.match(await page.locator('main').innerText(), /Seen on site/);
    await checkAccessibility(page, 'sign-off-page');
    await screenshots(page, 'sign-off-page');

    // A return needs a note: said next to the field.
    const [refused] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/sign-offs/${id}`) && r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Return to the assessor' }).click(),
    ]);
    assert.equal(refused.status(), 422);
    await page.waitForLoadState();
    assert.match(await page.getByRole('alert').innerText(), /Note: a note is required/);
    assert.match(await page.locator('#e-note').innerText(), /a note is required/);
    await checkAccessibility(page, 'sign-off-note-required');
    await screenshots(page, 'sign-off-note-required');
    const note = 'Please confirm the lockdown drill date with the venue.';
    await page.getByLabel('Note').fill(note);
    await Promise.all([
      page.waitForURL(/\/sign-offs\?done=returned/),
      page.getByRole('button', { name: 'Return to the assessor' }).click(),
    ]);
    assert.match(await page.getByRole('status').first().innerText(), /returned to its assessor/);

    // The assessor sees the note on the scoring page and completes again.
    await own.goto(`/advisor/applications/${id}`);
    assert.equal(await h1(own), `Score ${name}`);
    const status = await own.locator('#sign-off-status').innerText();
    assert.match(status, /Returned for another look/);
    assert.match(status, new RegExp(note));
    assert.match(status, /Rhea Reviewer/);
    await checkAccessibility(own, 'sign-off-returned');
    await screenshots(own, 'sign-off-returned');
    await completeFromPreview(own, id);

    // The reviewer approves: the certificate is issued.
    await page.goto(`/sign-offs/${id}`);
    await Promise.all([
      page.waitForURL(/\/sign-offs\?done=signed_off/),
      page.getByRole('button', { name: 'Approve and issue the certificate' }).click(),
    ]);
    assert.match(await page.getByRole('status').first().innerText(), /signed off/);
    assert.equal(await page.getByRole('link', { name: new RegExp(name) }).count(), 0, 'no longer in the queue');

    // The certificate appears for the assessor, with both names on the record.
    await own.goto(`/advisor/applications/${id}`);
    assert.equal(await h1(own), `Assessment complete: ${name}`);
    const heading = await own.locator('#certificate').innerText();
    const number = heading.match(/PSC-\d{4}-[0-9A-HJKMNP-TV-Y]{5}-[0-9A-HJKMNP-TV-Y]{5}-[0-9A-HJKMNP-TV-Y]/)?.[0];
    assert.ok(number, `a certificate number in "${heading}"`);
    assert.match(await own.locator('#sign-off-status').innerText(), /Signed off by Rhea Reviewer \(advisor\)/);
    await checkAccessibility(own, 'sign-off-approved');
    await screenshots(own, 'sign-off-approved');
    // The operator sees the outcome and who signed it off.
    await op.goto(`/operator/applications/${id}`);
    assert.match(await op.locator('#sign-off-status').innerText(), /Assessed by Ada Assessor.*Signed off by Rhea Reviewer/s);
    // The police record names both.
    const record = await api('GET', `/api/v1/certificates/${number}`, { token: admin.token });
    assert.equal(record.advisor_name, 'Ada Assessor');
    assert.equal(record.signed_off_by.name, 'Rhea Reviewer');
    const adminPage = await openPage(t);
    await logIn(adminPage, admin.email, '/admin');
    await adminPage.goto(`/police/certificates/${number}`);
    assert.match(await adminPage.locator('main').innerText(), /Signed off by\s+Rhea Reviewer \(advisor\)/);
    await checkAccessibility(adminPage, 'sign-off-police-record');
    await screenshots(adminPage, 'sign-off-police-record');
  });
});

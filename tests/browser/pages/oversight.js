// Part 4 (advisor oversight): an admin suspends an advisor whose certificate is
// still valid, finds it in the review list and orders a reassessment; the
// operator is emailed and sees it on the dashboard; the police record shows the
// flag. Set-up over the API: a standard-tier building certified by the advisor.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openPage, dataDir } from '../lib/harness.js';
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

const h1 = (page) => page.getByRole('heading', { level: 1 }).innerText();
const notice = (page) => page.locator('p.notice[role=status]').innerText();

async function submit(page, name) {
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name, exact: true }).click()]);
}

/** The .eml the running service wrote for `needle` (its sender is woken at once). */
async function mailFor(needle) {
  const folder = join(dataDir(), 'outbox');
  for (let i = 0; i < 100; i++) {
    let files = [];
    try {
      files = readdirSync(folder);
    } catch {
      files = [];
    }
    for (const f of files) {
      const text = readFileSync(join(folder, f), 'utf8');
      if (text.includes(needle) && /Reassessment needed by/.test(text)) return text;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no reassessment mail for ${needle} in ${folder}`);
}

describe('advisor oversight', () => {
  const name = `Quayside Hall ${unique()}`;
  const note = 'Re-check the lockdown procedure and its exercise record';
  let admin;
  let advisor;
  let police;
  let operator;
  let number;

  before(async () => {
    admin = await createAdmin();
    advisor = await accreditAdvisor(admin, { name: 'Vic Advisor', scopes: ['building'] });
    police = await createPolice(admin);
    operator = await signUpOperator();
    const premises = await registerBuilding(operator, { name, capacity: 450 });
    const done = await assess(advisor, await submitApplication(operator, premises.id));
    number = done.certificate.number;
    assert.ok(number, JSON.stringify(done));
  });

  test('the admin suspends the advisor, finds the flagged certificate and orders a reassessment', async (t) => {
    const page = await openPage(t);
    await logIn(page, admin.email, '/admin');
    await page.goto(`/admin/advisors/${advisor.id}`);
    // The page says what a suspension flags before it is done.
    assert.match(
      await page.locator('#flag-forecast').innerText(),
      /Suspending or withdrawing flags for review 1 certificate issued by this advisor and still valid/,
    );
    await checkAccessibility(page, 'oversight-advisor');
    await screenshots(page, 'oversight-advisor');
    await page.locator('#status-reason').fill('Complaint about scoring, ref C-207');
    await submit(page, 'Suspend');
    assert.match(await notice(page), /The accreditation is suspended/);

    // The overview counts open reviews and leads to the list.
    await page.goto('/admin');
    const count = page.getByRole('link', { name: /flagged for review/ });
    assert.match(await count.innerText(), /\d+ certificates? flagged for review/);
    await Promise.all([page.waitForURL(/\/admin\/reviews$/), count.click()]);
    assert.equal(await h1(page), 'Certificates flagged for review');
    const row = page.getByRole('row').filter({ hasText: number });
    assert.equal(await row.count(), 1);
    assert.match(await row.innerText(), /Assessor's accreditation suspended — review/);
    assert.match(await row.innerText(), /Vic Advisor/);
    await checkAccessibility(page, 'oversight-reviews');
    await screenshots(page, 'oversight-reviews');

    // The review: the facts, and the two decisions.
    await Promise.all([page.waitForURL(/\/admin\/reviews\/[^/?]+$/), row.getByRole('link').click()]);
    assert.match(await h1(page), new RegExp(`Review of certificate ${number}`));
    const facts = await page.locator('dl.facts').innerText();
    assert.match(facts, /Accreditation at issue\s+Active/);
    assert.match(facts, /Complaint about scoring, ref C-207/);
    await checkAccessibility(page, 'oversight-review');
    await screenshots(page, 'oversight-review');

    // No note: refused next to the field, nothing decided.
    await submit(page, 'Order a reassessment');
    assert.match(await page.locator('#reassess-note-error').innerText(), /is required/);
    await checkAccessibility(page, 'oversight-review-error');
    await screenshots(page, 'oversight-review-error');
    await page.locator('#reassess-note').fill(note);
    await submit(page, 'Order a reassessment');
    assert.match(await notice(page), /A reassessment is ordered/);
    assert.match(await page.locator('.status-line').innerText(), /Reassessment ordered/);
    assert.equal(await page.getByRole('button', { name: 'Confirm the certificate' }).count(), 0);
    assert.match(await page.locator('dl.facts').innerText(), new RegExp(note));

    // The operator's email says what to do and by when.
    const mail = await mailFor(number);
    assert.match(mail, /Subject: Reassessment needed by/);
    assert.match(mail.replace(/=\r?\n/g, ''), /assessed again by/);
  });

  test('the public advisor register shows the suspension, and nothing of certificates', async (t) => {
    const page = await openPage(t);
    await page.goto('/advisors');
    assert.equal(await h1(page), 'The advisor register');
    const row = page.getByRole('row').filter({ hasText: advisor.accreditation_number });
    assert.match(await row.innerText(), /Vic Advisor[\s\S]*Suspended/);
    assert.doesNotMatch(await page.locator('main').innerText(), new RegExp(number));
    await checkAccessibility(page, 'oversight-advisor-register');
    await screenshots(page, 'oversight-advisor-register');
  });

  test('police see the flag and its outcome on the record', async (t) => {
    const page = await openPage(t);
    await logIn(page, police.email, '/police');
    await page.goto(`/police/certificates/${number}`);
    assert.equal(await page.locator('.verdict h1').innerText(), 'VALID', 'the certificate stays valid');
    const review = page.locator('section.review-flag');
    assert.equal(await review.getByRole('heading').innerText(), 'Reassessment ordered');
    const text = await review.innerText();
    assert.match(text, /Assessor's accreditation suspended — review/);
    assert.match(text, new RegExp(note));
    assert.doesNotMatch(text, /C-207/, 'the admin\'s reason stays with admins');
    assert.match(await page.locator('main').innerText(), /Accreditation at issue\s+Active/);
    await checkAccessibility(page, 'oversight-police-record');
    await screenshots(page, 'oversight-police-record');
  });

  test('the operator sees the reassessment on the dashboard, with the way to apply again', async (t) => {
    const page = await openPage(t);
    await logIn(page, operator.email, '/operator');
    assert.equal(await page.getByRole('heading', { name: 'Reassessment ordered' }).count(), 1);
    const row = page.locator('table').filter({ hasText: 'Reassess by' }).getByRole('row').filter({ hasText: number });
    assert.match(await row.innerText(), new RegExp(note));
    await checkAccessibility(page, 'oversight-operator-dashboard');
    await screenshots(page, 'oversight-operator-dashboard');
    await Promise.all([
      page.waitForURL(/\/operator\/applications\/[^/]+\?done=renewal_started/),
      row.getByRole('button', { name: /Apply for a fresh assessment/ }).click(),
    ]);
  });
});

// Conditions to closure (issue 11, part 1): the operator submits evidence for a
// condition of their certificate, the advisor who raised it accepts it, and the
// operator and the police see it accepted. The certificate comes from the JSON API
// of the same running service: an advisor certifies a building with one condition.
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
  registerBuilding,
  signUpOperator,
  submitApplication,
  unique,
} from '../lib/scheme.js';

const PDF = Buffer.from('%PDF-1.4\n% lockdown drill log\n%%EOF\n');

describe('conditions', () => {
  const name = `Corn Exchange ${unique()}`;
  let operator;
  let advisor;
  let police;
  let number;
  let gap;

  before(async () => {
    const admin = await createAdmin();
    advisor = await accreditAdvisor(admin, { name: 'Rhys Advisor', scopes: ['building'] });
    police = await createPolice(admin);
    operator = await signUpOperator();
    const premises = await registerBuilding(operator, { name });
    const app = await submitApplication(operator, premises.id);
    gap = app.items.find((i) => !i.critical);
    const done = await assess(advisor, app, (item) => (item.id === gap.id ? 0 : item.max_score));
    assert.equal(done.outcome, 'certified_with_conditions');
    number = done.certificate.number;
  });

  test('the operator submits evidence with a note, errors shown beside the fields', async (t) => {
    const page = await openPage(t);
    await logIn(page, operator.email, '/operator');
    const row = page.getByRole('row').filter({ hasText: number });
    assert.match(await row.innerText(), /Open/);
    await Promise.all([
      page.waitForURL(/\/conditions\//),
      row.getByRole('link', { name: `Submit evidence for condition ${gap.id}` }).click(),
    ]);
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), `Condition ${gap.id}`);
    assert.match(await page.locator('main').innerText(), /Raised with the certificate/);

    // A note but no file: the error is by the file, the note is kept.
    const note = 'Lockdown drill held on 3 March; the signed log is attached.';
    await page.getByLabel('Note for the advisor').fill(note);
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Submit evidence' }).click()]);
    assert.match(await page.locator('#e-file').innerText(), /choose a file/);
    assert.equal(await page.getByLabel('Note for the advisor').inputValue(), note);
    await checkAccessibility(page, 'condition-evidence-error');

    // A file but no note: the error is by the note.
    await page.getByLabel('Note for the advisor').fill('');
    await page.getByLabel('Evidence file').setInputFiles({ name: 'drill-log.pdf', mimeType: 'application/pdf', buffer: PDF });
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Submit evidence' }).click()]);
    assert.match(await page.locator('#e-note').innerText(), /is required/);
    await screenshots(page, 'condition-evidence-error');

    await page.getByLabel('Evidence file').setInputFiles({ name: 'drill-log.pdf', mimeType: 'application/pdf', buffer: PDF });
    await page.getByLabel('Note for the advisor').fill(note);
    await Promise.all([
      page.waitForURL(/done=submitted/),
      page.getByRole('button', { name: 'Submit evidence' }).click(),
    ]);
    const main = await page.locator('main').innerText();
    assert.match(main, /Your evidence is submitted/);
    assert.match(main, /Evidence submitted/);
    assert.match(main, /drill-log\.pdf/);
    assert.equal(await page.getByRole('button', { name: 'Submit evidence' }).count(), 0);
    await checkAccessibility(page, 'condition-evidence-submitted');
    await screenshots(page, 'condition-evidence-submitted');
  });

  test('the advisor who raised it reviews the evidence and accepts it', async (t) => {
    const page = await openPage(t);
    await logIn(page, advisor.email, '/advisor');
    await Promise.all([
      page.waitForURL(/\/advisor\/conditions$/),
      page.getByRole('link', { name: 'Conditions awaiting your review' }).click(),
    ]);
    await checkAccessibility(page, 'condition-review-list');
    await screenshots(page, 'condition-review-list');
    const row = page.getByRole('row').filter({ hasText: number });
    await Promise.all([page.waitForURL(/\/advisor\/conditions\/.+\/.+/), row.getByRole('link').click()]);
    const main = await page.locator('main').innerText();
    assert.match(main, /Lockdown drill held on 3 March/);
    assert.equal(await page.getByRole('link', { name: 'Download drill-log.pdf' }).count(), 1);

    // Rejecting needs a note: the error is by it.
    await page.getByLabel('Reject: the operator must submit again').check();
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Record the decision' }).click()]);
    assert.match(await page.locator('#e-note').innerText(), /required to reject/);
    assert.ok(await page.getByLabel('Reject: the operator must submit again').isChecked());
    await checkAccessibility(page, 'condition-review');
    await screenshots(page, 'condition-review');

    await page.getByLabel('Accept: the condition is met').check();
    await page.getByLabel('Note to the operator').fill('Signed log seen; the drill covered every floor.');
    await Promise.all([
      page.waitForURL(/done=reviewed/),
      page.getByRole('button', { name: 'Record the decision' }).click(),
    ]);
    assert.match(await page.locator('main').innerText(), /Your decision is recorded/);
    assert.equal(await page.getByRole('row').filter({ hasText: number }).count(), 0);
  });

  test('the operator and the police see the condition accepted, the public nothing of it', async (t) => {
    const page = await openPage(t);
    await logIn(page, operator.email, '/operator');
    const row = page.getByRole('row').filter({ hasText: number });
    assert.match(await row.innerText(), /Accepted/);
    await Promise.all([page.waitForURL(/\/conditions\//), row.getByRole('link', { name: `View for condition ${gap.id}` }).click()]);
    assert.match(await page.locator('main').innerText(), /Evidence accepted: condition met/);
    assert.match(await page.locator('main').innerText(), /Signed log seen/);
    await screenshots(page, 'condition-accepted');

    const officer = await openPage(t);
    await logIn(officer, police.email, '/police');
    await officer.goto(`/police/certificates/${number}`);
    const condition = officer.locator('ul.conditions li');
    assert.match(await condition.innerText(), /Accepted/);
    await officer.getByText(`History of condition ${gap.id}`).click();
    assert.match(await condition.innerText(), /Evidence submitted/);
    await checkAccessibility(officer, 'police-record-conditions');
    await screenshots(officer, 'police-record-conditions');

    const verdict = await api('GET', `/api/v1/verify/${number}`);
    assert.equal(verdict.conditions, undefined);
    const visitor = await openPage(t);
    await visitor.goto(`/verify?number=${number}`);
    const text = await visitor.locator('main').innerText();
    assert.doesNotMatch(text, /condition|drill/i);
  });
});

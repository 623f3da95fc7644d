// Issue 11 part 2, appeals: the operator appeals a refusal on the application
// page, a second advisor claims the appeal, rescores the appealed item beside
// the grounds, the evidence and the original score, and decides; the operator
// then sees the certificate, and adds a right-to-reply statement that police see.
// The assessment itself is made through the JSON API.
import { describe, test } from 'node:test';
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

const APPEALED = 'gov-01';
const PDF = '%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n';

describe('appeals', () => {
  test('the operator appeals a refusal; another advisor rescores and decides; the certificate is issued', async (t) => {
    const admin = await createAdmin();
    const assessor = await accreditAdvisor(admin, { name: 'Ada Advisor', scopes: ['building'] });
    const reviewer = await accreditAdvisor(admin, { name: 'Rhea Reviewer', scopes: ['building'] });
    const operator = await signUpOperator();
    const name = `Riverside Hall ${unique()}`;
    const premises = await registerBuilding(operator, { name, capacity: 450 });
    const submitted = await submitApplication(operator, premises.id);
    const done = await assess(assessor, submitted, (item) => (item.id === APPEALED ? 0 : item.max_score));
    assert.equal(done.outcome, 'refused');
    const id = submitted.id;

    // The operator's application page offers the appeal while the window is open.
    const page = await openPage(t);
    await logIn(page, operator.email, '/operator');
    await page.goto(`/operator/applications/${id}`);
    const appeal = page.locator('#appeal');
    assert.match(await appeal.innerText(), /you may appeal once, until \d{1,2} \w+ \d{4}/);
    await checkAccessibility(page, 'appeal-operator-form');
    await screenshots(page, 'appeal-operator-form');

    // Empty grounds: the problem is next to the field, and the ticked box stays ticked.
    await appeal.getByRole('checkbox', { name: new RegExp(APPEALED) }).check();
    const [refused] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/operator/applications/${id}/appeal`)),
      page.getByRole('button', { name: 'Lodge the appeal' }).click(),
    ]);
    assert.equal(refused.status(), 422);
    await page.waitForLoadState();
    assert.match(await page.locator('#e-grounds').innerText(), /is required/);
    assert.equal(await page.locator('#appeal').getByRole('checkbox', { name: new RegExp(APPEALED) }).isChecked(), true);
    await checkAccessibility(page, 'appeal-operator-form-error');

    await page.getByLabel('Your grounds').fill('The lockdown plan was in place: the exercise log attached shows it was run in October.');
    await page.getByLabel('Evidence (optional)').setInputFiles({ name: 'exercise-log.pdf', mimeType: 'application/pdf', buffer: Buffer.from(PDF) });
    await Promise.all([
      page.waitForURL(new RegExp(`/operator/applications/${id}\\?done=appeal_lodged`)),
      page.getByRole('button', { name: 'Lodge the appeal' }).click(),
    ]);
    assert.match(await page.getByRole('status').first().innerText(), /Your appeal is lodged/);
    assert.match(await page.locator('#appeal').innerText(), /Lodged: waiting for a reviewing advisor/);
    await screenshots(page, 'appeal-operator-lodged');

    // The reviewer finds it from the advisor's home, claims, rescores and decides.
    const desk = await openPage(t);
    await logIn(desk, reviewer.email, '/advisor');
    await Promise.all([desk.waitForURL('**/advisor/appeals'), desk.getByRole('link', { name: 'Appeals to review' }).click()]);
    const row = desk.getByRole('row').filter({ hasText: name });
    assert.match(await row.innerText(), /Refused/);
    assert.match(await row.innerText(), new RegExp(APPEALED));
    await checkAccessibility(desk, 'appeal-advisor-queue');
    await screenshots(desk, 'appeal-advisor-queue');
    await Promise.all([desk.waitForURL(/\/advisor\/appeals\/[0-9a-f-]+$/), row.getByRole('link', { name }).click()]);
    await Promise.all([
      desk.waitForURL(/done=appeal_claimed/),
      desk.getByRole('button', { name: 'Claim this appeal' }).click(),
    ]);
    assert.match(await desk.locator('#grounds').innerText(), /exercise log/);
    const file = await desk.request.get(await desk.getByRole('link', { name: 'exercise-log.pdf' }).getAttribute('href'));
    assert.equal(file.status(), 200);
    const itemBox = desk.locator(`#item-${APPEALED}`);
    assert.match(await itemBox.innerText(), /Original score:\s*0 of 4/);
    assert.match(await desk.locator('#decide').innerText(), /Deciding now gives: Refused/);

    // A changed score without a note: told next to the note, the chosen score kept.
    await itemBox.getByRole('radio', { name: '4', exact: true }).check();
    await Promise.all([desk.waitForLoadState(), desk.getByRole('button', { name: 'Save scores' }).click()]);
    assert.match(await desk.locator(`#e-note-${APPEALED}`).innerText(), /required when the score changes/);
    assert.equal(await desk.locator(`#item-${APPEALED}`).getByRole('radio', { name: '4', exact: true }).isChecked(), true);
    await checkAccessibility(desk, 'appeal-advisor-review-error');
    await desk.locator(`#f-note-${APPEALED}`).fill('The exercise log shows the lockdown procedure run and reviewed.');
    await Promise.all([desk.waitForURL(/done=scores_saved/), desk.getByRole('button', { name: 'Save scores' }).click()]);
    assert.match(await desk.locator('#decide').innerText(), /Deciding now gives: Certified/);
    await checkAccessibility(desk, 'appeal-advisor-review');
    await screenshots(desk, 'appeal-advisor-review');
    await Promise.all([desk.waitForURL(/done=appeal_decided/), desk.getByRole('button', { name: 'Decide the appeal' }).click()]);
    const decision = await desk.locator('#decision').innerText();
    assert.match(decision, /Decision: Certified/);
    assert.match(decision, /Certificate issued: PSC-/);
    const number = decision.match(/PSC-[0-9A-Z-]+/)[0];
    await screenshots(desk, 'appeal-advisor-decided');

    // The operator sees the decision and the certificate, and adds a reply.
    await page.goto(`/operator/applications/${id}`);
    assert.match(await page.locator('#appeal-decision').innerText(), new RegExp(`Certified on appeal: certificate ${number} has been issued`));
    assert.equal(await page.getByRole('link', { name: `Download certificate ${number} (PDF)` }).count(), 1);
    const statement = 'We have since added a second lockdown exercise each year.';
    await page.getByLabel('Statement').fill(statement);
    await Promise.all([page.waitForURL(/done=reply_saved/), page.getByRole('button', { name: 'Save the statement' }).click()]);
    assert.equal(await page.getByLabel('Statement').inputValue(), statement);
    await checkAccessibility(page, 'appeal-operator-decided');
    await screenshots(page, 'appeal-operator-decided');

    // Police see "decided on appeal" and the statement on the record.
    const police = await createPolice(admin);
    const beat = await openPage(t);
    await logIn(beat, police.email, '/police');
    await beat.goto(`/police/certificates/${number}`);
    assert.match(await beat.locator('main').innerText(), /Decided on appeal\./);
    assert.match(await beat.locator('main').innerText(), new RegExp(statement));
    await checkAccessibility(beat, 'appeal-police-record');
    await screenshots(beat, 'appeal-police-record');

    // The admin's list of appeals.
    const office = await openPage(t);
    await logIn(office, admin.email, '/admin');
    await office.goto('/admin/appeals');
    assert.match(await office.getByRole('row').filter({ hasText: name }).innerText(), /Decided/);
    await checkAccessibility(office, 'appeal-admin-list');
    await screenshots(office, 'appeal-admin-list');
  });
});

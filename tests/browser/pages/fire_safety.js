// Issue 11 part 5: fire safety on file. An operator tries to submit an application
// for premises with no fire risk assessment on file and is told what to do; records
// it on the premises page (a mistake first: the message by the field, what was typed
// kept), attaches the assessment and submits. An advisor certifies over the API, and
// the police record shows what is on file, as recorded by the operator.
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
  unique,
} from '../lib/scheme.js';

const PDF = '%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n';
const day = (n) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

async function check(page, name) {
  await checkAccessibility(page, name);
  await screenshots(page, name);
}

/** Starts an application and answers every item, attaching a PDF where one is asked for. */
async function answeredApplication(operator, premisesId) {
  const app = await api('POST', '/api/v1/applications', { token: operator.token, body: { premises_id: premisesId }, expect: 201 });
  for (const item of app.items) {
    await api('PUT', `/api/v1/applications/${app.id}/answers/${item.id}`, {
      token: operator.token,
      body: { status: 'in_place', note: 'In the security plan' },
    });
    if (item.evidence_required) {
      const form = new FormData();
      form.append('item_id', item.id);
      form.append('file', new Blob([PDF], { type: 'application/pdf' }), `${item.id}.pdf`);
      await api('POST', `/api/v1/applications/${app.id}/evidence`, { token: operator.token, body: form, expect: 201 });
    }
  }
  return app;
}

describe('fire safety on file', () => {
  let advisor;
  let police;
  let operator;

  before(async () => {
    const admin = await createAdmin();
    advisor = await accreditAdvisor(admin, { name: 'Fay Advisor', scopes: ['building'] });
    police = await createPolice(admin);
    operator = await signUpOperator();
  });

  test('the operator records the fire risk assessment, submits, and police see it on file', async (t) => {
    const page = await openPage(t);
    const name = `Lantern Rooms ${unique()}`;
    const premises = await registerBuilding(operator, { name, capacity: 380 }, { fireSafety: false });
    const application = await answeredApplication(operator, premises.id);
    await logIn(page, operator.email, '/operator');

    // Submitting with nothing on file: refused, saying what to do, with the way there.
    await page.goto(`/operator/applications/${application.id}/submit`);
    // Said before anything is sent, as unanswered items are.
    assert.match(await page.locator('main').innerText(), /Fire risk assessment\s+No current fire risk assessment is on file/);
    await page.getByRole('button', { name: 'Submit the application' }).click();
    await page.getByRole('heading', { name: 'The application was not submitted' }).waitFor();
    assert.match(await page.locator('#problems').innerText(), /No current fire risk assessment is on file/);
    await check(page, 'fire-safety-submit-refused');
    await Promise.all([
      page.waitForURL(new RegExp(`/operator/premises/${premises.id}#fire-safety$`)),
      page.getByRole('link', { name: 'Record the fire risk assessment on the premises page' }).click(),
    ]);
    const section = page.locator('section.fire-safety');
    assert.match(await section.innerText(), /No fire risk assessment is on file/);
    assert.match(await section.innerText(), /not checked by this scheme/);
    await check(page, 'fire-safety-none');

    // A review date before the assessment: the message by the field, the typing kept.
    await page.getByLabel('Who made the assessment').fill('Blaze Fire Risk Ltd');
    await page.getByLabel('Date of the assessment').fill(day(-20));
    await page.getByLabel('Date of the next review').fill(day(-40));
    await page.getByLabel('Certificate reference').fill('FSC-2026-0042');
    await page.getByRole('button', { name: 'Record the fire risk assessment' }).click();
    await page.getByRole('heading', { name: 'There is a problem' }).waitFor();
    const field = page.locator('.field.has-error');
    assert.equal(await field.count(), 1);
    assert.match(await field.innerText(), /The date of the next review must be after the date of the assessment/);
    assert.equal(await page.getByLabel('Date of the next review').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.getByLabel('Who made the assessment').inputValue(), 'Blaze Fire Risk Ltd');
    assert.equal(await page.getByLabel('Certificate reference').inputValue(), 'FSC-2026-0042');
    await check(page, 'fire-safety-error');

    // Corrected: recorded and on file, with the certificate's expiry.
    await page.getByLabel('Date of the next review').fill(day(345));
    await page.getByLabel('Certificate expires on').fill(day(200));
    await Promise.all([
      page.waitForURL(/done=fire_safety_recorded/),
      page.getByRole('button', { name: 'Record the fire risk assessment' }).click(),
    ]);
    assert.match(await page.locator('[role=status]').innerText(), /recorded and on file/);
    assert.match(await section.locator('.badge').first().innerText(), /On file/);
    const onFile = await section.locator('dl.on-file').innerText();
    assert.match(onFile, /Blaze Fire Risk Ltd/);
    assert.match(onFile, /FSC-2026-0042, expires/);

    // The assessment itself, attached to what is on file.
    await page.getByLabel('The assessment or the certificate').setInputFiles({
      name: 'fire-risk-assessment.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.from(PDF),
    });
    await Promise.all([page.waitForURL(/done=fire_safety_evidence_added/), page.getByRole('button', { name: 'Attach the file' }).click()]);
    assert.ok(await section.getByRole('link', { name: 'fire-risk-assessment.pdf' }).isVisible());
    await check(page, 'fire-safety-recorded');

    // Now the application goes.
    await page.goto(`/operator/applications/${application.id}/submit`);
    await Promise.all([page.waitForURL(/done=submitted/), page.getByRole('button', { name: 'Submit the application' }).click()]);

    const done = await assess(advisor, application);
    assert.equal(done.outcome, 'certified');
    const number = done.certificate.number;

    // Police: what is on file, recorded by the operator, never "checked".
    const officer = await openPage(t);
    await logIn(officer, police.email, '/police');
    await officer.goto(`/police/certificates/${number}`);
    await officer.getByRole('heading', { name: 'Fire safety on file' }).waitFor();
    const card = officer.locator('h2#fire-safety + .card');
    const text = await card.innerText();
    assert.match(text, /On file/);
    assert.match(text, /A fire risk assessment is on file; its review date has not passed/);
    assert.match(text, /Blaze Fire Risk Ltd/);
    assert.match(text, /FSC-2026-0042, expires/);
    assert.match(text, /1 file/);
    assert.match(text, /Recorded by the operator/);
    assert.match(text, /not checked by this scheme/);
    assert.doesNotMatch(text, /compliant|approved|verified/i);
    await check(officer, 'fire-safety-police');

    // The public check says nothing of it.
    await officer.goto(`/verify?number=${number}`);
    assert.doesNotMatch(await officer.locator('main').innerText(), /fire/i);
  });
});

// The operator's journeys, through the pages only: sign up, register premises,
// the self-assessment section by section, evidence, submit, the certificate and
// its PDF, the renewal, the team. Where another role must act first (an advisor
// assessing the application), it does so through the JSON API of the same
// running server with fetch; the first admin comes from the command line, as on
// a fresh install.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { openPage, baseUrl, cli, dataDir } from '../lib/harness.js';
import { checkAccessibility, screenshots } from '../lib/page.js';

/** The newest email to `to` in the service's .eml outbox (quoted-printable undone). */
async function waitForMail(to, ms = 10_000) {
  const dir = join(dataDir(), 'outbox');
  const until = Date.now() + ms;
  for (;;) {
    const mails = existsSync(dir) ? readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8')) : [];
    const mine = mails.filter((m) => m.includes(to));
    if (mine.length) return mine[mine.length - 1].replace(/=\r?\n/g, '').replace(/=3D/g, '=');
    if (Date.now() > until) throw new Error(`no email to ${to}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const PASSWORD = 'operator password 1';
const PDF = Buffer.from('%PDF-1.4\n% evacuation plan\n%%EOF\n');
const unique = () => randomUUID().slice(0, 8);

const h1 = (page) => page.getByRole('heading', { level: 1 }).innerText();
const notice = (page) => page.locator('p.notice').innerText();

/** Both checks every page gets. */
async function check(page, name) {
  await checkAccessibility(page, name);
  await screenshots(page, name);
}

/** Signs up a new organisation through the sign-up page, then logs in; lands on the dashboard. */
async function signUp(page, organisation) {
  const email = `op-${unique()}@venue.test`;
  await page.goto('/signup');
  await page.getByLabel('Organisation').fill(organisation);
  await page.getByLabel('Your name').fill('Olive Operator');
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await Promise.all([page.waitForURL(/\/login\?done=signed_up$/), page.getByRole('button', { name: 'Sign up' }).click()]);
  assert.match(await page.locator('[role=status]').innerText(), /organisation is registered/);
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await Promise.all([page.waitForURL(/\/operator$/), page.getByRole('button', { name: 'Log in' }).click()]);
  return email;
}

/** Registers a building through the form; lands on its page and returns its id. */
async function registerBuilding(page, name, capacity = '450') {
  await page.goto('/operator/premises/new');
  await page.getByLabel('A building').check();
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Address', { exact: true }).fill('1 Quay Street, Bristol');
  await page.getByLabel('Postcode').fill('BS1 4DJ');
  await page.getByLabel('Head count').fill(capacity);
  await Promise.all([page.waitForURL(/\/operator\/premises\/[0-9a-f-]+\?done=premises_saved$/), page.getByRole('button', { name: 'Register' }).click()]);
  const id = new URL(page.url()).pathname.split('/').pop();
  // Submitting needs a current fire risk assessment on file: recorded on the same page.
  await recordFireRiskAssessment(page);
  return id;
}

/** Fills and sends the fire safety form of the premises page it is on. */
async function recordFireRiskAssessment(page) {
  const day = (n) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
  await page.getByLabel('Who made the assessment').fill('Blaze Fire Risk Ltd');
  await page.getByLabel('Date of the assessment').fill(day(-30));
  await page.getByLabel('Date of the next review').fill(day(730));
  await Promise.all([page.waitForURL(/done=fire_safety_recorded/), page.getByRole('button', { name: 'Record the fire risk assessment' }).click()]);
}

async function apply(page) {
  await Promise.all([
    page.waitForURL(/\/operator\/applications\/[0-9a-f-]+\?done=applied$/),
    page.getByRole('button', { name: 'Apply for certification' }).click(),
  ]);
  return new URL(page.url()).pathname.split('/').pop();
}

/** The JSON API of the running service. */
async function api(method, path, token, body) {
  const res = await fetch(`${baseUrl()}/api/v1${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

const login = async (email, password) => (await api('POST', '/auth/login', null, { email, password })).token;

/** An accredited advisor claims, scores every item at maximum and completes. */
async function assessAsAdvisor(applicationId) {
  const adminEmail = `admin-${unique()}@scheme.test`;
  const created = await cli(['admin', 'create', '--email', adminEmail, '--name', 'Scheme Admin'], 'admin password 123\n');
  assert.equal(created.code, 0, `admin create: ${created.stderr}`);
  const admin = await login(adminEmail, 'admin password 123');
  const advisorEmail = `adv-${unique()}@advisors.test`;
  await api('POST', '/advisors', admin, {
    name: 'Ada Advisor', email: advisorEmail, password: 'advisor password 1',
    accreditation_number: `PSA-${unique()}`, accredited_until: '2099-12-31', scopes: ['building', 'event'],
  });
  const advisor = await login(advisorEmail, 'advisor password 1');
  const claimed = await api('POST', `/applications/${applicationId}/claim`, advisor, {});
  const scores = claimed.items.map((i) => ({ item_id: i.id, score: i.max_score, note: 'seen on site' }));
  await api('PUT', `/applications/${applicationId}/scores`, advisor, { scores });
  return api('POST', `/applications/${applicationId}/complete`, advisor, {});
}

describe('operator', () => {
  test('from sign-up to a certificate, its PDF and a renewal with the answers filled in', async (t) => {
    const page = await openPage(t);
    const hall = `Riverside Hall ${unique()}`;
    await signUp(page, 'Quayside Venues Ltd');
    assert.equal(await h1(page), 'Your premises and certificates');
    await check(page, 'operator-dashboard-empty');

    // Registering: a form sent with mistakes comes back with the messages by
    // the fields and what was typed kept.
    await page.getByRole('link', { name: 'Register premises' }).first().click();
    assert.equal(await h1(page), 'Register premises');
    await check(page, 'operator-premises-new');
    await page.getByLabel('Name', { exact: true }).fill(hall);
    await page.getByLabel('Head count').fill('lots');
    await page.getByRole('button', { name: 'Register' }).click();
    await page.getByRole('heading', { name: 'There is a problem' }).waitFor();
    assert.match(await page.locator('#problems').innerText(), /whole number of people/);
    assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), hall);
    await check(page, 'operator-premises-errors');
    const premisesId = await registerBuilding(page, hall);
    assert.equal(await h1(page), hall);
    assert.match(await page.locator('dl.facts').innerText(), /Standard tier/);
    await check(page, 'operator-premises');

    const applicationId = await apply(page);
    assert.equal(await h1(page), `Application for ${hall}`);
    await check(page, 'operator-application');

    // Submitting before anything is answered: told which items, with links.
    await page.getByRole('link', { name: 'Check and submit' }).click();
    assert.equal(await h1(page), 'Submit the application');
    await page.getByRole('button', { name: 'Submit the application' }).click();
    await page.getByRole('heading', { name: 'The application was not submitted' }).waitFor();
    const unanswered = page.getByRole('heading', { name: /^Not answered yet \(\d+\)$/ });
    assert.ok(await unanswered.isVisible());
    const firstMissing = page.locator('ul.todo a').first();
    assert.match(await firstMissing.getAttribute('href'), new RegExp(`/operator/applications/${applicationId}/sections/.+#item-`));
    await check(page, 'operator-submit-unanswered');

    // Every section in turn: the guidance beside each item, an answer and a note.
    await page.goto(`/operator/applications/${applicationId}`);
    await page.getByRole('link', { name: 'Continue the self-assessment' }).click();
    let sections = 0;
    for (;;) {
      sections += 1;
      const items = await page.locator('section.item').count();
      assert.ok(items > 0);
      assert.equal(await page.locator('.guidance').count(), items, 'every item has its guidance beside it');
      if (sections === 1) {
        assert.match(await page.locator('.guidance').first().innerText(), /the responsible person is whoever has control/);
        await check(page, 'operator-section');
      }
      for (const radio of await page.locator('input[type=radio][value=in_place]').all()) await radio.check();
      for (const note of await page.locator('textarea').all()) await note.fill(`In the security plan, v${sections}`);
      const next = page.getByRole('button', { name: /^Save and (go to section \d+|finish)$/ });
      const following = page.locator('input[name=next_section]');
      const finishing = (await following.count()) === 0;
      const to = finishing
        ? `/operator/applications/${applicationId}?done=answers_saved`
        : `/operator/applications/${applicationId}/sections/${await following.inputValue()}?done=answers_saved`;
      await Promise.all([page.waitForURL((url) => url.pathname + url.search === to), next.click()]);
      if (finishing) break;
      assert.match(await notice(page), /answers are saved/);
    }
    assert.ok(sections >= 3, `${sections} sections`);
    assert.match(new URL(page.url()).pathname, new RegExp(`/operator/applications/${applicationId}$`));

    // Everything answered, no evidence yet: the service refuses, naming the items.
    await page.goto(`/operator/applications/${applicationId}/submit`);
    await page.getByRole('button', { name: 'Submit the application' }).click();
    await page.getByRole('heading', { name: 'The application was not submitted' }).waitFor();
    assert.equal(await page.getByRole('heading', { name: /^Not answered yet/ }).count(), 0);
    const needing = page.getByRole('heading', { name: /^Evidence still needed \(\d+\)$/ });
    assert.ok(await needing.isVisible());
    await check(page, 'operator-submit-evidence');
    // Attach a PDF to each item named, section by section.
    const bySection = new Map();
    for (const link of await page.locator('ul.todo a').all()) {
      const url = new URL(await link.getAttribute('href'), baseUrl());
      const item = url.hash.replace('#item-', '');
      bySection.set(url.pathname, [...(bySection.get(url.pathname) ?? []), item]);
    }
    assert.ok(bySection.size > 0);
    for (const [path, items] of bySection) {
      await page.goto(path);
      for (const item of items) {
        await page.locator(`input[type=file][name="${item}.file"]`).setInputFiles({ name: `${item}.pdf`, mimeType: 'application/pdf', buffer: PDF });
      }
      await Promise.all([page.waitForURL(/done=evidence_added/), page.getByRole('button', { name: 'Save', exact: true }).click()]);
      for (const item of items) {
        assert.ok(await page.locator(`#item-${item}`).getByRole('link', { name: `${item}.pdf` }).isVisible(), `${item}'s file is listed`);
      }
    }
    // An attached file downloads as it was sent.
    const [firstPath, firstItems] = [...bySection][0];
    await page.goto(firstPath);
    const fileLink = page.locator(`#item-${firstItems[0]}`).getByRole('link', { name: `${firstItems[0]}.pdf` });
    const stored = await page.request.get(await fileLink.getAttribute('href'));
    assert.equal(stored.status(), 200);
    assert.deepEqual(Buffer.from(await stored.body()), PDF);
    await check(page, 'operator-section-with-evidence');
    // A document for the whole application, on the overview.
    await page.goto(`/operator/applications/${applicationId}`);
    await page.getByLabel('Attach a document').setInputFiles({ name: 'security-plan.pdf', mimeType: 'application/pdf', buffer: PDF });
    await Promise.all([page.waitForURL(/done=evidence_added/), page.getByRole('button', { name: 'Attach', exact: true }).click()]);
    assert.ok(await page.getByRole('link', { name: 'security-plan.pdf' }).isVisible());

    // Now it goes.
    await page.goto(`/operator/applications/${applicationId}/submit`);
    assert.match(await page.locator('main').innerText(), /Every item is answered/);
    await Promise.all([page.waitForURL(/done=submitted$/), page.getByRole('button', { name: 'Submit the application' }).click()]);
    assert.match(await notice(page), /application is submitted/);
    assert.match(await page.locator('main').innerText(), /Submitted: waiting for an advisor/);
    await check(page, 'operator-application-submitted');

    // The advisor assesses it (JSON API), and the dashboard shows the certificate.
    const completion = await assessAsAdvisor(applicationId);
    assert.equal(completion.outcome, 'certified');
    const number = completion.certificate.number;
    await page.goto('/operator');
    const row = page.locator('table tr', { hasText: number });
    assert.equal(await row.locator('.badge').first().innerText(), 'Valid');
    assert.match(await row.innerText(), /Valid until \d{1,2} \w+ \d{4} \((\d+) days left\)/);
    assert.match(await row.innerText(), new RegExp(hall));
    await check(page, 'operator-dashboard-certified');

    // The PDF downloads and is a PDF.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      row.getByRole('link', { name: /Download the PDF/ }).click(),
    ]);
    assert.equal(download.suggestedFilename(), `${number}.pdf`);
    const pdf = readFileSync(await download.path());
    assert.equal(pdf.subarray(0, 4).toString(), '%PDF');

    // The page a reminder email links to: the premises by name, one button.
    assert.ok(await row.getByRole('button', { name: /Start the renewal/ }).isVisible());
    await page.goto(`/renew/${premisesId}`);
    assert.equal(await h1(page), `Renew the certificate for ${hall}`);
    await check(page, 'renew-signed-in');
    await Promise.all([
      page.waitForURL(/\/operator\/applications\/[0-9a-f-]+\?done=renewal_started$/),
      page.getByRole('button', { name: 'Start the renewal' }).click(),
    ]);
    const renewalId = new URL(page.url()).pathname.split('/').pop();
    assert.notEqual(renewalId, applicationId);
    assert.match(await notice(page), /last answers filled in/);
    await page.getByRole('link', { name: /^1\. / }).click();
    const radios = await page.locator('input[type=radio][value=in_place]').count();
    assert.equal(await page.locator('input[type=radio][value=in_place]:checked').count(), radios, 'every answer is filled in');
    assert.equal(await page.locator('textarea').first().inputValue(), 'In the security plan, v1');
    // Evidence is attached afresh.
    assert.equal(await page.locator('ul.files').count(), 0);
    await check(page, 'operator-renewal-section');
    // The premises page says the renewal is under way; editing waits for it.
    await page.goto(`/operator/premises/${premisesId}`);
    assert.ok(await page.getByRole('link', { name: 'Continue the open application' }).isVisible());
    assert.equal(await page.getByRole('link', { name: 'Edit the details' }).count(), 0);
    await check(page, 'operator-premises-certified');
  });

  test('an event is registered in local time, edited, and an application withdrawn after confirming', async (t) => {
    const page = await openPage(t);
    await signUp(page, 'Harbour Events Ltd');
    const name = `Harbour Festival ${unique()}`;
    await page.goto('/operator/premises/new');
    await page.getByLabel('An event').check();
    await page.getByLabel('Name', { exact: true }).fill(name);
    await page.getByLabel('Address', { exact: true }).fill('Harbourside, Bristol');
    await page.getByLabel('Postcode').fill('BS1 5TX');
    await page.getByLabel('Head count').fill('1,200');
    const year = new Date().getUTCFullYear() + 1;
    await page.getByLabel('Starts').fill(`${year}-07-10T10:00`);
    await page.getByLabel('Ends').fill(`${year}-07-11T22:30`);
    await page.getByLabel('Their name').fill('Sam Senior');
    await page.getByLabel('Their email address').fill('sam@harbour.test');
    await Promise.all([page.waitForURL(/done=premises_saved$/), page.getByRole('button', { name: 'Register' }).click()]);
    const facts = await page.locator('dl.facts').innerText();
    // Typed as times in the scheme's zone (London, summer): shown back the same, in BST.
    assert.match(facts, new RegExp(`10 July ${year}, 10:00 BST`));
    assert.match(facts, new RegExp(`11 July ${year}, 22:30 BST`));
    assert.match(facts, /Enhanced tier/);
    assert.match(facts, /Sam Senior \(sam@harbour\.test\)/);
    const premisesId = new URL(page.url()).pathname.split('/').pop();

    // Editing: the form holds the same wall-clock times.
    await page.getByRole('link', { name: 'Edit the details' }).click();
    assert.equal(await h1(page), 'Edit the event');
    assert.equal(await page.getByLabel('Starts').inputValue(), `${year}-07-10T10:00`);
    await check(page, 'operator-premises-edit');
    await page.getByLabel('Ends').fill(`${year}-07-11T23:00`);
    await Promise.all([page.waitForURL(/done=premises_saved$/), page.getByRole('button', { name: 'Save changes' }).click()]);
    assert.match(await page.locator('dl.facts').innerText(), new RegExp(`11 July ${year}, 23:00 BST`));

    // While an application is open, editing is refused with a clear message.
    const applicationId = await apply(page);
    await page.goto(`/operator/premises/${premisesId}/edit`);
    assert.match(await page.locator('#problems').innerText(), /open application; they can be edited once it is completed or withdrawn/);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: 'There is a problem' }).waitFor();
    assert.match(await page.locator('#problems').innerText(), /open application/);

    // Withdrawing asks first.
    await page.goto(`/operator/applications/${applicationId}`);
    await page.getByRole('link', { name: 'Withdraw this application' }).click();
    assert.equal(await h1(page), `Withdraw the application for ${name}?`);
    await check(page, 'operator-withdraw');
    await Promise.all([page.waitForURL(/done=withdrawn$/), page.getByRole('button', { name: 'Withdraw the application' }).click()]);
    assert.match(await notice(page), /withdrawn/);
    assert.match(await page.locator('table').last().innerText(), /Withdrawn/);
    assert.ok(await page.getByRole('link', { name: 'Edit the details' }).isVisible());
  });

  test("another organisation's operator never sees the first one's premises or applications", async (t) => {
    const first = await openPage(t);
    await signUp(first, 'First Venues Ltd');
    const secret = `Secret Bunker ${unique()}`;
    const premisesId = await registerBuilding(first, secret);
    const applicationId = await apply(first);

    const second = await openPage(t);
    await signUp(second, 'Second Venues Ltd');
    await registerBuilding(second, `Own Hall ${unique()}`);
    await second.goto('/operator');
    const dashboard = await second.locator('main').innerText();
    assert.match(dashboard, /Own Hall/);
    assert.doesNotMatch(dashboard, new RegExp(secret));
    for (const path of [
      `/operator/premises/${premisesId}`,
      `/operator/premises/${premisesId}/edit`,
      `/operator/applications/${applicationId}`,
      `/operator/applications/${applicationId}/submit`,
    ]) {
      const res = await second.goto(path);
      assert.equal(res.status(), 404, path);
      assert.equal(await h1(second), 'Page not found');
      assert.doesNotMatch(await second.locator('main').innerText(), new RegExp(secret), path);
    }
    await check(second, 'operator-not-found');
    // The renewal link says nothing of them either.
    await second.goto(`/renew/${premisesId}`);
    assert.equal(await h1(second), 'Renew a certificate');
    assert.doesNotMatch(await second.locator('main').innerText(), new RegExp(secret));
    // Nor may they act on them.
    const csrf = await second.locator('input[name=csrf]').first().inputValue();
    const res = await second.request.post(`/operator/applications/${applicationId}/withdraw`, { form: { csrf }, maxRedirects: 0 });
    assert.equal(res.status(), 404);
  });

  test('a form posted without its CSRF token is refused and changes nothing', async (t) => {
    const page = await openPage(t);
    await signUp(page, 'Careful Venues Ltd');
    const name = `Forged Hall ${unique()}`;
    const form = { kind: 'building', name, address: '1 Quay Street, Bristol', postcode: 'BS1 4DJ', capacity: '300' };
    const res = await page.request.post('/operator/premises/new', { form, maxRedirects: 0 });
    assert.equal(res.status(), 403);
    assert.match(await res.text(), /This form has expired/);
    // A wrong token is no better, and neither is a file form without one.
    const wrong = await page.request.post('/operator/premises/new', { form: { ...form, csrf: 'x'.repeat(43) }, maxRedirects: 0 });
    assert.equal(wrong.status(), 403);
    const premisesId = await registerBuilding(page, `Real Hall ${unique()}`);
    const applicationId = await apply(page);
    const upload = await page.request.post(`/operator/applications/${applicationId}/evidence`, {
      multipart: { file: { name: 'x.pdf', mimeType: 'application/pdf', buffer: PDF } },
      maxRedirects: 0,
    });
    assert.equal(upload.status(), 403);
    await page.goto('/operator');
    assert.doesNotMatch(await page.locator('main').innerText(), new RegExp(name));
    await page.goto(`/operator/applications/${applicationId}`);
    assert.match(await page.locator('#evidence + p + p').innerText(), /None attached/);
    assert.ok(premisesId);
    // The refusal is a page a person can read.
    await page.setContent(await res.text());
    assert.equal(await h1(page), 'This form has expired');
  });

  test('an operator adds a colleague to the team', async (t) => {
    const page = await openPage(t);
    const me = await signUp(page, 'Team Venues Ltd');
    await page.getByRole('link', { name: 'Team' }).click();
    assert.equal(await h1(page), 'Your team');
    assert.match(await page.locator('table').innerText(), new RegExp(me.replace('.', '\\.')));
    await check(page, 'operator-team');
    const colleague = `colin-${unique()}@venue.test`;
    await page.getByLabel('Their name').fill('Colin Colleague');
    await page.getByLabel('Their email address').fill(colleague);
    await Promise.all([page.waitForURL(/done=invited$/), page.getByRole('button', { name: 'Add colleague' }).click()]);
    assert.match(await notice(page), /an email with a link to choose their password/);
    // The invitation is in the outbox (written as .eml files without SMTP), with its link.
    const mail = await waitForMail(colleague);
    assert.match(mail, /added you to Team Venues Ltd/);
    assert.match(mail, /\/password\/reset\/[A-Za-z0-9_-]+/);
    assert.match(await page.locator('table').innerText(), /Colin Colleague/);
    // The same address again: said by the field, with what was typed kept.
    await page.getByLabel('Their name').fill('Colin Again');
    await page.getByLabel('Their email address').fill(colleague);
    await page.getByRole('button', { name: 'Add colleague' }).click();
    await page.getByRole('heading', { name: 'There is a problem' }).waitFor();
    assert.match(await page.locator('#e-email').innerText(), /already exists/);
    assert.equal(await page.getByLabel('Their name').inputValue(), 'Colin Again');
    await check(page, 'operator-team-error');
  });
});

// The scheme admin's journey through the pages: from the first admin (made with
// the CLI, as on a fresh install) to accrediting, renewing and suspending an
// advisor, creating a police account, suspending, reinstating and revoking a
// certificate, and reading the audit log and the outbox. The tests run in order
// and share what the earlier ones made (the advisor, the certificate).
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { baseUrl, cli, openPage } from '../lib/harness.js';
import { checkAccessibility, screenshots } from '../lib/page.js';
import { recordFireSafety } from '../lib/scheme.js';

const unique = randomUUID().slice(0, 8);
const admin = { email: `admin-${unique}@scheme.test`, password: 'admin password 123', name: 'Sam Scheme-Admin' };
const advisor = {
  name: `Ada Advisor ${unique}`,
  email: `ada-${unique}@advisors.test`,
  password: 'advisor password 1',
  number: `PSA-${unique}`,
};
const police = { name: `Pat Constable ${unique}`, email: `pat-${unique}@police.test`, password: 'police password 1' };
const shared = { advisorUrl: '', number: '' };

const h1 = (page) => page.getByRole('heading', { level: 1 }).innerText();
const notice = (page) => page.locator('p.notice[role=status]').innerText();
const isoDay = (daysFromToday) => new Date(Date.now() + daysFromToday * 86_400_000).toISOString().slice(0, 10);
// As the pages write a calendar date: "15 January 2027".
const longDay = (iso) =>
  new Date(`${iso}T12:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

async function logIn(page, who) {
  await page.goto('/login');
  await page.getByLabel('Email address').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await Promise.all([page.waitForURL((u) => u.pathname !== '/login'), page.getByRole('button', { name: 'Log in' }).click()]);
}

/** Clicks a submit button and waits for the page it leads to. */
async function submit(page, name) {
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name, exact: true }).click()]);
}

// The JSON API of the same server, for what other roles do first (an operator's
// application, the advisor's assessment).
async function api(method, path, token, body) {
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  let payload;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const res = await fetch(`${baseUrl()}/api/v1${path}`, { method, headers, body: payload });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}
const apiLogin = async (email, password) => (await api('POST', '/auth/login', null, { email, password })).token;

describe('admin pages', () => {
  before(async () => {
    // The first admin comes from the command line, password on standard input,
    // against the running server's data dir.
    const made = await cli(['admin', 'create', '--email', admin.email, '--name', admin.name], {
      input: `${admin.password}\n`,
    });
    assert.equal(made.code, 0, `admin create: ${made.stderr}${made.stdout}`);
    assert.match(made.stdout, /admin created/);
  });

  test('the overview counts what is waiting and links to every task', async (t) => {
    const page = await openPage(t);
    await logIn(page, admin);
    assert.equal(new URL(page.url()).pathname, '/admin');
    assert.equal(await h1(page), 'Scheme overview');
    for (const heading of ['Applications', 'Certificates', 'Advisors', 'Run the scheme']) {
      assert.ok(await page.getByRole('heading', { level: 2, name: heading }).isVisible(), heading);
    }
    assert.match(await page.locator('main').innerText(), /submitted, waiting for an advisor to claim/);
    for (const link of ['Accredit an advisor', 'Create a police or admin account', 'Find a certificate', 'Read the audit log', 'Read the email outbox']) {
      assert.ok(await page.getByRole('link', { name: link }).isVisible(), link);
    }
    // The navigation marks where the admin is.
    assert.equal(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' }).getAttribute('aria-current'), 'page');
    await checkAccessibility(page, 'admin-overview');
    await screenshots(page, 'admin-overview');
  });

  test('accredits an advisor and renews the accreditation', async (t) => {
    const page = await openPage(t);
    await logIn(page, admin);
    await page.goto('/admin/advisors');
    assert.equal(await h1(page), 'Advisors');
    await Promise.all([page.waitForURL('**/admin/advisors/new'), page.getByRole('link', { name: 'Accredit an advisor' }).click()]);
    assert.equal(await h1(page), 'Accredit an advisor');

    // Nothing filled in: every problem is named next to its field, nothing is made.
    await submit(page, 'Accredit the advisor');
    assert.equal(await page.getByRole('heading', { name: 'There is a problem' }).isVisible(), true);
    const form = page.locator('main form');
    assert.match(await form.innerText(), /must not be empty/);
    assert.match(await form.innerText(), /must list at least one of/);
    assert.equal(await page.getByLabel('Name', { exact: true }).getAttribute('aria-invalid'), 'true');
    await checkAccessibility(page, 'admin-advisor-new-errors');
    await screenshots(page, 'admin-advisor-new-errors');

    // Ending soon (within the overview's 60 days), so that the renewal matters.
    const firstEnd = isoDay(10);
    await page.getByLabel('Name', { exact: true }).fill(advisor.name);
    await page.getByLabel('Email address').fill(advisor.email);
    await page.getByLabel('Password').fill(advisor.password);
    await page.getByLabel('Accreditation number').fill(advisor.number);
    await page.getByLabel('Accredited until').fill(firstEnd);
    await page.getByLabel('Buildings').check();
    await submit(page, 'Accredit the advisor');
    assert.match(new URL(page.url()).pathname, /^\/admin\/advisors\/[0-9a-f-]{36}$/);
    shared.advisorUrl = new URL(page.url()).pathname;
    assert.equal(await notice(page), "The advisor's accreditation is saved.");
    assert.equal(await h1(page), advisor.name);
    const facts = page.locator('dl.facts');
    assert.match(await facts.innerText(), /Status\s+Active/);
    assert.match(await facts.innerText(), new RegExp(`Accredited until\\s+${longDay(firstEnd)}`));
    assert.match(await facts.innerText(), /Scope\s+Buildings/);
    await checkAccessibility(page, 'admin-advisor');
    await screenshots(page, 'admin-advisor');

    // The overview counts it as ending within 60 days.
    await page.goto('/admin');
    assert.match(await page.locator('main').innerText(), /[1-9]\d* accreditations? ending within 60 days/);

    // Renewal: a date in the past is refused next to the field, with the reason kept.
    await page.goto(shared.advisorUrl);
    await page.getByLabel('New end of the accreditation').fill(isoDay(-1));
    await page.locator('#renew-reason').fill('Renewal assessment passed');
    await submit(page, 'Renew');
    assert.match(await page.locator('#renew-accredited_until-error').innerText(), /must not be in the past/);
    assert.equal(await page.locator('#renew-reason').inputValue(), 'Renewal assessment passed');
    const renewedEnd = isoDay(20);
    await page.getByLabel('New end of the accreditation').fill(renewedEnd);
    await submit(page, 'Renew');
    assert.equal(await notice(page), 'The accreditation is renewed.');
    assert.match(await page.locator('dl.facts').innerText(), new RegExp(`Accredited until\\s+${longDay(renewedEnd)}`));

    // On the register, in words.
    await page.goto('/admin/advisors');
    const row = page.getByRole('row').filter({ hasText: advisor.number });
    assert.match(await row.innerText(), /Buildings/);
    assert.match(await row.innerText(), /Active/);
    await checkAccessibility(page, 'admin-advisors');
    await screenshots(page, 'admin-advisors');

    // The reminder sweep (as cron would run it): the accreditation ends within 30
    // days, so its advisor gets a reminder, which the outbox shows later.
    const swept = await cli(['reminders', 'run']);
    assert.equal(swept.code, 0, `reminders run: ${swept.stderr}${swept.stdout}`);
  });

  test('an operator has a building certified (set up through the JSON API)', async () => {
    // The operator and the advisor act before the admin's certificate pages have
    // anything to show; their own pages are other suites', so this uses the API.
    const operatorEmail = `olive-${unique}@quayside.test`;
    await api('POST', '/auth/signup', null, {
      organisation: `Quayside Venues ${unique}`,
      name: 'Olive Operator',
      email: operatorEmail,
      password: 'operator password 1',
    });
    const operator = await apiLogin(operatorEmail, 'operator password 1');
    const premises = await api('POST', '/premises', operator, {
      kind: 'building',
      name: `Riverside Hall ${unique}`,
      address: '1 Quay Street, Bristol',
      postcode: 'BS1 4DJ',
      capacity: 450,
    });
    // Submitting needs a current fire risk assessment on file.
    await recordFireSafety({ token: operator }, premises.id);
    const application = await api('POST', '/applications', operator, { premises_id: premises.id });
    for (const item of application.items) {
      await api('PUT', `/applications/${application.id}/answers/${item.id}`, operator, { status: 'in_place', note: 'see plan v3' });
      if (item.evidence_required) {
        const evidence = new FormData();
        evidence.append('item_id', item.id);
        evidence.append('file', new Blob(['%PDF-1.4\n%%EOF\n'], { type: 'application/pdf' }), 'plan.pdf');
        await api('POST', `/applications/${application.id}/evidence`, operator, evidence);
      }
    }
    await api('POST', `/applications/${application.id}/submit`, operator, {});
    const advisorToken = await apiLogin(advisor.email, advisor.password);
    const claimed = await api('POST', `/applications/${application.id}/claim`, advisorToken, {});
    await api('PUT', `/applications/${application.id}/scores`, advisorToken, {
      scores: claimed.items.map((item) => ({ item_id: item.id, score: item.max_score, note: 'seen on site' })),
    });
    const completion = await api('POST', `/applications/${application.id}/complete`, advisorToken, {});
    assert.ok(completion.certificate?.number, JSON.stringify(completion));
    shared.number = completion.certificate.number;
  });

  test('suspends the advisor, and asks before a withdrawal', async (t) => {
    assert.ok(shared.advisorUrl, 'the advisor was accredited');
    const page = await openPage(t);
    await logIn(page, admin);
    await page.goto(shared.advisorUrl);
    // No reason: refused, nothing changed.
    await submit(page, 'Suspend');
    assert.match(await page.locator('#status-reason-error').innerText(), /must not be empty|is required/);
    assert.match(await page.locator('dl.facts').innerText(), /Status\s+Active/);
    await page.locator('#status-reason').fill('Complaint under investigation, ref C-114');
    await submit(page, 'Suspend');
    assert.match(await notice(page), /The accreditation is suspended/);
    assert.match(await page.locator('dl.facts').innerText(), /Status\s+Suspended/);
    assert.equal(await page.getByRole('button', { name: 'Reinstate', exact: true }).isVisible(), true);
    assert.equal(await page.getByRole('button', { name: 'Suspend', exact: true }).count(), 0);

    // Withdrawal is final, so the page asks first; cancelling changes nothing.
    await page.locator('#status-reason').fill('Misconduct found');
    await submit(page, 'Withdraw…');
    assert.match(await h1(page), /^Withdraw the accreditation of .+\?$/);
    assert.match(await page.locator('main').innerText(), /Withdrawal is final/);
    assert.equal(await page.getByLabel('Reason').inputValue(), 'Misconduct found');
    await checkAccessibility(page, 'admin-advisor-withdraw');
    await screenshots(page, 'admin-advisor-withdraw');
    await Promise.all([page.waitForURL(`**${shared.advisorUrl}`), page.getByRole('link', { name: 'Cancel' }).click()]);
    assert.match(await page.locator('dl.facts').innerText(), /Status\s+Suspended/);

    // The suspended advisor can claim nothing.
    const token = await apiLogin(advisor.email, advisor.password);
    const me = await api('GET', '/me', token);
    assert.equal(me.accreditation.status, 'suspended');
  });

  test('creates a police account', async (t) => {
    const page = await openPage(t);
    await logIn(page, admin);
    await page.goto('/admin/users');
    assert.equal(await h1(page), 'Staff accounts');
    await Promise.all([page.waitForURL('**/admin/users/new'), page.getByRole('link', { name: 'Create an account' }).click()]);
    assert.equal(await page.getByLabel('Police officer').isChecked(), true);
    await page.getByLabel('Name').fill(police.name);
    await page.getByLabel('Email address').fill(police.email);
    await page.getByLabel('Password').fill('short');
    await submit(page, 'Create the account');
    assert.match(await page.locator('#e-password').innerText(), /12/);
    assert.equal(await page.getByLabel('Email address').inputValue(), police.email);
    await checkAccessibility(page, 'admin-user-new');
    await screenshots(page, 'admin-user-new');
    await page.getByLabel('Password').fill(police.password);
    await submit(page, 'Create the account');
    assert.equal(new URL(page.url()).pathname, '/admin/users');
    assert.equal(await notice(page), 'The account is created.');
    const row = page.getByRole('row').filter({ hasText: police.email });
    assert.match(await row.innerText(), /Police/);
    assert.match(await page.getByRole('row').filter({ hasText: admin.email }).innerText(), /Scheme admin/);
    await checkAccessibility(page, 'admin-users');
    await screenshots(page, 'admin-users');
  });

  test('finds the certificate, suspends, reinstates and revokes it', async (t) => {
    assert.ok(shared.number, 'the building was certified');
    const page = await openPage(t);
    await logIn(page, admin);
    await page.goto('/admin/certificates');
    assert.equal(await h1(page), 'Certificates');
    await page.getByLabel('Premises name or certificate number').fill(`riverside hall ${unique}`);
    await Promise.all([page.waitForURL(/\/admin\/certificates\?/), page.getByRole('button', { name: 'Search' }).click()]);
    const row = page.getByRole('row').filter({ hasText: shared.number });
    assert.match(await row.innerText(), /Valid/);
    await checkAccessibility(page, 'admin-certificates');
    await screenshots(page, 'admin-certificates');
    await Promise.all([page.waitForURL(`**/admin/certificates/${shared.number}`), row.getByRole('link', { name: shared.number }).click()]);
    assert.equal(await h1(page), `Certificate ${shared.number}`);
    const status = () => page.locator('.status-line .badge').innerText();
    assert.equal(await status(), 'Valid');

    // A reason is required.
    await submit(page, 'Suspend');
    assert.match(await page.locator('#status-reason-error').innerText(), /is required|must not be empty/);
    assert.equal(await status(), 'Valid');
    await page.getByLabel('Reason').fill('Lockdown procedure not exercised');
    await submit(page, 'Suspend');
    assert.match(await notice(page), /status is changed/);
    assert.equal(await status(), 'Suspended');
    assert.match(await page.locator('dl.facts').innerText(), /Reason for the status\s+Lockdown procedure not exercised/);
    await checkAccessibility(page, 'admin-certificate');
    await screenshots(page, 'admin-certificate');

    await page.getByLabel('Reason').fill('Exercise held and recorded');
    await submit(page, 'Reinstate');
    assert.equal(await status(), 'Valid');

    // Revocation asks first, then is final.
    await page.getByLabel('Reason').fill('Premises closed');
    await submit(page, 'Revoke…');
    assert.equal(await h1(page), `Revoke certificate ${shared.number}?`);
    assert.match(await page.locator('main').innerText(), /Revocation is final/);
    await checkAccessibility(page, 'admin-certificate-revoke');
    await screenshots(page, 'admin-certificate-revoke');
    await submit(page, 'Yes, revoke the certificate');
    assert.equal(new URL(page.url()).pathname, `/admin/certificates/${shared.number}`);
    assert.equal(await status(), 'Revoked');
    assert.match(await page.locator('main').innerText(), /revocation is final/);
    assert.equal(await page.getByRole('button', { name: /Suspend|Reinstate|Revoke/ }).count(), 0);

    // Every verifier sees it at once.
    await page.goto(`/verify?number=${shared.number}`);
    assert.equal(await page.locator('section[role=status] h1').innerText(), 'REVOKED');
  });

  test('reads the audit log newest first, and filters it', async (t) => {
    const page = await openPage(t);
    await logIn(page, admin);
    await page.goto('/admin/audit');
    assert.equal(await h1(page), 'Audit log');
    const first = page.locator('li.entry').first();
    assert.match(await first.locator('.entry-head').innerText(), /^certificate\.revoked/);
    assert.match(await first.innerText(), /Scheme admin/);
    assert.match(await first.innerText(), new RegExp(`certificate ${shared.number}`));
    // Summarised field by field; the full record is folded away.
    assert.match(await first.locator('.changes').innerText(), /status: active → revoked/);
    assert.match(await first.locator('.changes').innerText(), /status reason: Exercise held and recorded → Premises closed/);
    assert.equal(await first.locator('pre').isVisible(), false);
    await first.locator('summary').click();
    assert.match(await first.locator('pre').innerText(), /Before:[\s\S]*"status": "active"[\s\S]*After:[\s\S]*"status": "revoked"/);
    await checkAccessibility(page, 'admin-audit');
    await screenshots(page, 'admin-audit');

    // Filter by action: only suspensions (the certificate's and the advisor's).
    await page.getByLabel('Action').fill('certificate.suspended');
    await Promise.all([page.waitForURL(/action=certificate.suspended/), page.getByRole('button', { name: 'Filter' }).click()]);
    const heads = await page.locator('li.entry .entry-head strong').allInnerTexts();
    assert.ok(heads.length >= 1 && heads.every((h) => h === 'certificate.suspended'), heads.join(', '));
    assert.equal(await page.getByLabel('Action').inputValue(), 'certificate.suspended');

    // Following a record's link filters by that record: the certificate's whole
    // history, newest first. (Its advisor's suspension, earlier, flagged it for
    // review: advisor oversight, issue 11 part 4.)
    await page.getByRole('link', { name: `Entries about certificate ${shared.number}` }).first().click();
    await page.waitForURL(/entity_id=/);
    const history = await page.locator('li.entry .entry-head strong').allInnerTexts();
    assert.deepEqual(history, [
      'certificate.revoked',
      'certificate.reinstated',
      'certificate.suspended',
      'certificate.flagged_for_review',
      'certificate.issued',
    ]);
    await screenshots(page, 'admin-audit-filtered');
  });

  test('reads the email outbox', async (t) => {
    const page = await openPage(t);
    await logIn(page, admin);
    await page.goto('/admin/outbox');
    assert.equal(await h1(page), 'Email outbox');
    // The accreditation reminder the sweep sent, to the advisor, in words.
    const row = page.getByRole('row').filter({ hasText: advisor.email });
    assert.equal(await row.count(), 1, await page.locator('main').innerText());
    assert.match(await row.innerText(), /Accreditation ending/);
    assert.match(await row.innerText(), /Sent/);
    await checkAccessibility(page, 'admin-outbox');
    await screenshots(page, 'admin-outbox');
    await page.getByLabel('Kind').selectOption('certificate_expiry');
    await Promise.all([page.waitForURL(/kind=certificate_expiry/), page.getByRole('button', { name: 'Filter' }).click()]);
    assert.equal(await page.getByRole('row').filter({ hasText: advisor.email }).count(), 0);
    assert.equal(await page.getByLabel('Kind').inputValue(), 'certificate_expiry');
  });

  test('is closed to other roles and to visitors', async (t) => {
    assert.ok(shared.number && shared.advisorUrl);
    const page = await openPage(t);
    const paths = [
      '/admin',
      '/admin/advisors',
      '/admin/advisors/new',
      shared.advisorUrl,
      '/admin/users',
      '/admin/users/new',
      '/admin/certificates',
      `/admin/certificates/${shared.number}`,
      '/admin/audit',
      '/admin/outbox',
    ];
    // Not signed in: the login page, which comes back here.
    await page.goto('/admin/audit');
    assert.equal(new URL(page.url()).pathname, '/login');
    assert.equal(new URL(page.url()).searchParams.get('next'), '/admin/audit');

    await logIn(page, police);
    for (const path of paths) {
      const res = await page.goto(path);
      assert.equal(res.status(), 403, path);
      assert.equal(await h1(page), 'You cannot do this', path);
    }
    await checkAccessibility(page, 'admin-forbidden');
    await screenshots(page, 'admin-forbidden');
    // A form posted by a police officer changes nothing either.
    const res = await page.request.post(`/admin/certificates/${shared.number}/status`, {
      form: { action: 'reinstate', reason: 'x', csrf: 'whatever' },
    });
    assert.equal(res.status(), 403);
  });
});

// Test data made through the JSON API of the running service, for journeys in
// which another role must act before the one under test (an operator submits
// before an advisor can claim; an advisor certifies before police can search).
// The first admin is made as on a fresh install: the CLI's `admin create`.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { baseUrl, runCli } from './harness.js';

export const PASSWORD = 'correct horse battery';

const unique = () => randomUUID().slice(0, 8);

/** A JSON API call; fails the test unless the status is `expect` (default: any 2xx). */
export async function api(method, path, { token, body, expect } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  let payload;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const res = await fetch(new URL(path, baseUrl()), { method, headers, body: payload });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  if (expect !== undefined) assert.equal(res.status, expect, `${method} ${path}: ${text}`);
  else assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
  return json;
}

export async function login(email, password = PASSWORD) {
  const body = await api('POST', '/api/v1/auth/login', { body: { email, password } });
  return body.token;
}

/** An admin, made with `protectcert admin create` against the service's data dir. */
export async function createAdmin() {
  const email = `admin-${unique()}@scheme.test`;
  runCli(['admin', 'create', '--email', email, '--name', 'Sam Scheme'], { input: `${PASSWORD}\n` });
  return { email, token: await login(email) };
}

/** An operator who signed up a new organisation. */
export async function signUpOperator(organisation = `Venues ${unique()} Ltd`) {
  const email = `op-${unique()}@venue.test`;
  await api('POST', '/api/v1/auth/signup', {
    body: { organisation, name: 'Olive Operator', email, password: PASSWORD },
    expect: 202,
  });
  return { email, token: await login(email) };
}

/** An advisor accredited by `admin` for `scopes`. */
export async function accreditAdvisor(admin, { name = 'Ada Advisor', scopes = ['building', 'event'] } = {}) {
  const email = `adv-${unique()}@advisors.test`;
  const accreditation_number = `ACC-${unique().toUpperCase()}`;
  const advisor = await api('POST', '/api/v1/advisors', {
    token: admin.token,
    body: { name, email, password: PASSWORD, accreditation_number, accredited_until: '2099-12-31', scopes },
    expect: 201,
  });
  return { email, name, accreditation_number, id: advisor.id, token: await login(email) };
}

export async function createPolice(admin) {
  const email = `pc-${unique()}@police.test`;
  await api('POST', '/api/v1/users', {
    token: admin.token,
    body: { name: 'Pat Constable', email, password: PASSWORD, role: 'police' },
    expect: 201,
  });
  return { email };
}

/**
 * A building registered by `operator`, with a current fire risk assessment on file
 * (submitting needs one); `{ fireSafety: false }` registers it without.
 */
export async function registerBuilding(operator, premises, { fireSafety = true } = {}) {
  const registered = await api('POST', '/api/v1/premises', {
    token: operator.token,
    body: { kind: 'building', address: '1 Quay Street, Bristol', postcode: 'BS1 4DJ', capacity: 450, ...premises },
    expect: 201,
  });
  if (fireSafety) await recordFireSafety(operator, registered.id);
  return registered;
}

const PDF = '%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n';

/**
 * Starts an application for the premises, answers every item (`answer(item)`
 * gives the status, default in place) with a note, attaches a PDF to each item
 * that requires evidence, and submits it. Returns the application.
 */
export async function submitApplication(operator, premisesId, answer = () => 'in_place') {
  const app = await api('POST', '/api/v1/applications', {
    token: operator.token,
    body: { premises_id: premisesId },
    expect: 201,
  });
  for (const item of app.items) {
    await api('PUT', `/api/v1/applications/${app.id}/answers/${item.id}`, {
      token: operator.token,
      body: { status: answer(item), note: `Checked for ${item.id}: see the plan` },
    });
    if (item.evidence_required) {
      const form = new FormData();
      form.append('item_id', item.id);
      form.append('file', new Blob([PDF], { type: 'application/pdf' }), `${item.id}-plan.pdf`);
      await api('POST', `/api/v1/applications/${app.id}/evidence`, { token: operator.token, body: form, expect: 201 });
    }
  }
  await api('POST', `/api/v1/applications/${app.id}/submit`, { token: operator.token, body: {} });
  return app;
}

/**
 * Takes a submitted application through the assessment over the API: `advisor`
 * claims it, scores every item with `score(item)` and completes. Where the premises
 * need a second sign-off, a new admin approves it, so that the answer is always a
 * decision. Returns the completion (or the sign-off's answer, of the same shape).
 */
export async function assess(advisor, app, score = (item) => item.max_score) {
  const done = await assessUntilSignOff(advisor, app, score);
  if (done.status !== 'awaiting_sign_off') return done;
  const reviewer = await createAdmin();
  return api('POST', `/api/v1/applications/${app.id}/sign-off`, {
    token: reviewer.token,
    body: { decision: 'approve' },
  });
}

// Part 3: the second sign-off.
/** As `assess`, but stops at the completion: premises that need a second sign-off are left awaiting it. */
export async function assessUntilSignOff(advisor, app, score = (item) => item.max_score) {
  const claimed = await api('POST', `/api/v1/applications/${app.id}/claim`, { token: advisor.token, body: {} });
  await api('PUT', `/api/v1/applications/${app.id}/scores`, {
    token: advisor.token,
    body: {
      scores: claimed.items.map((item) => {
        const s = score(item);
        // Not applicable needs its reason (checklist version 2).
        return { item_id: item.id, score: s, note: s === null ? 'Nobody else shares control of the premises' : '' };
      }),
    },
  });
  return api('POST', `/api/v1/applications/${app.id}/complete`, { token: advisor.token, body: {} });
}

/** Logs in through the login page and waits for the role's home page. */
export async function logIn(page, email, home, password = PASSWORD) {
  await page.goto('/login');
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(password);
  await Promise.all([page.waitForURL((u) => u.pathname === home), page.getByRole('button', { name: 'Log in' }).click()]);
}

/** A date as the pages write it: "1 December 2026", in the scheme's time zone. */
export function longDate(date) {
  return new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' }).format(date);
}

export { unique };

// Issue 11 part 5: fire safety on file.
const isoDay = (days) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/**
 * Records a current fire risk assessment for the premises (made a month ago, next
 * reviewed in two years), as every premises needs before an application is submitted.
 */
export async function recordFireSafety(operator, premisesId, fields = {}) {
  return api('PUT', `/api/v1/premises/${premisesId}/fire-safety`, {
    token: operator.token,
    body: { assessor: 'Blaze Fire Risk Ltd', assessed_on: isoDay(-30), next_review_on: isoDay(730), ...fields },
  });
}

/** Registers an event (a festival two months ahead) with a current fire risk assessment on file. */
export async function registerEvent(operator, premises = {}) {
  const start = new Date(Date.now() + 60 * 86_400_000);
  const end = new Date(start.getTime() + 2 * 86_400_000);
  const registered = await api('POST', '/api/v1/premises', {
    token: operator.token,
    body: {
      kind: 'event', name: 'Harbour Festival', address: 'Harbourside, Bristol', postcode: 'BS1 5TX', capacity: 5000,
      event_start: start.toISOString(), event_end: end.toISOString(), ...premises,
    },
    expect: 201,
  });
  await recordFireSafety(operator, registered.id);
  return registered;
}

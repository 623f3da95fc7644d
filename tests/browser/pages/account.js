// Everyone's way in: the landing page, signing up, logging in and out, a
// forgotten password (through the emailed link, read from the .eml the service
// writes when no SMTP server is configured), the 404 page and CSRF refusal.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openPage, dataDir } from '../lib/harness.js';
import { checkAccessibility, screenshots } from '../lib/page.js';

const unique = () => Math.random().toString(36).slice(2, 10);
const PASSWORD = 'a long pass phrase 1';

async function signUp(page, email, organisation = `Pier Venues ${unique()}`) {
  await page.goto('/signup');
  await page.getByLabel('Organisation').fill(organisation);
  await page.getByLabel('Your name').fill('Pia Pier');
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  // The same answer whether or not the address has an account: then log in.
  await Promise.all([page.waitForURL(/\/login\?done=signed_up$/), page.getByRole('button', { name: 'Sign up' }).click()]);
  assert.match(await page.locator('[role=status]').innerText(), /If the address is new to us, your organisation is registered/);
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await Promise.all([page.waitForURL(/\/operator$/), page.getByRole('button', { name: 'Log in' }).click()]);
}

/** The newest .eml in the outbox folder sent to `to`, decoded enough to find a link. */
function emailTo(to) {
  const dir = join(dataDir(), 'outbox');
  const files = readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8'));
  const mine = files.filter((m) => m.includes(to));
  assert.ok(mine.length, `no email to ${to} among ${files.length}`);
  // Quoted-printable soft line breaks and =3D would split the link.
  return mine[mine.length - 1].replace(/=\r?\n/g, '').replace(/=3D/g, '=');
}

async function waitFor(check, what, ms = 10_000) {
  const until = Date.now() + ms;
  for (;;) {
    try {
      return check();
    } catch (e) {
      if (Date.now() > until) throw new Error(`${what}: ${e.message}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

describe('the landing page', () => {
  test('says what the scheme is and leads each user on', async (t) => {
    const page = await openPage(t);
    await page.goto('/');
    assert.equal(await page.locator('h1').count(), 1);
    assert.match(await page.locator('body').innerText(), /counter-terrorism/);
    assert.ok(await page.getByRole('link', { name: 'Sign up your organisation' }).isVisible());
    await checkAccessibility(page, 'home');
    await screenshots(page, 'home');
    // The public check starts here too.
    await page.getByLabel('Certificate number').fill('PSC-2026-000123-X');
    await Promise.all([page.waitForURL(/\/verify\?number=/), page.getByRole('button', { name: 'Check' }).click()]);
    assert.match(await page.locator('h1').innerText(), /CHECK THE NUMBER|NOT FOUND/);
  });

  test('an unknown address is an HTML page, not an API error', async (t) => {
    const page = await openPage(t);
    const res = await page.goto('/no-such-page');
    assert.equal(res.status(), 404);
    assert.equal(await page.locator('h1').innerText(), 'Page not found');
    await checkAccessibility(page, 'not-found');
    await screenshots(page, 'not-found');
  });
});

describe('accounts', () => {
  test('sign-up shows mistakes next to the fields and keeps what was typed', async (t) => {
    const page = await openPage(t);
    await page.goto('/signup');
    await page.getByLabel('Organisation').fill('Harbour Halls');
    await page.getByLabel('Your name').fill('Hal');
    await page.getByLabel('Email address').fill('not an email');
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Sign up' }).click();
    assert.match(await page.locator('#e-email').innerText(), /email address/);
    assert.match(await page.locator('#e-password').innerText(), /at least/);
    assert.equal(await page.getByLabel('Organisation').inputValue(), 'Harbour Halls');
    assert.equal(await page.getByLabel('Email address').inputValue(), 'not an email');
    assert.equal(await page.getByLabel('Email address').getAttribute('aria-invalid'), 'true');
    await checkAccessibility(page, 'signup-errors');
    await screenshots(page, 'signup-errors');
  });

  test('signs up, logs out, and logs back in to the page it was going to', async (t) => {
    const page = await openPage(t);
    const email = `pia-${unique()}@pier.test`;
    await signUp(page, email);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/done=logged_out/);
    // A page that needs a login sends there and back.
    await page.goto('/operator/team');
    assert.match(page.url(), /\/login\?next=/);
    await checkAccessibility(page, 'login');
    await screenshots(page, 'login');
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password').fill('the wrong password');
    await page.getByRole('button', { name: 'Log in' }).click();
    assert.match(await page.locator('#e-password').innerText(), /wrong/);
    assert.equal(await page.getByLabel('Email address').inputValue(), email);
    await page.getByLabel('Password').fill(PASSWORD);
    await Promise.all([page.waitForURL(/\/operator\/team/), page.getByRole('button', { name: 'Log in' }).click()]);
  });

  test('a forgotten password is reset through the emailed link, once', async (t) => {
    const page = await openPage(t);
    const email = `lou-${unique()}@keys.test`;
    await signUp(page, email);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.goto('/login');
    await page.getByRole('link', { name: 'Forgotten your password?' }).click();
    await checkAccessibility(page, 'password-forgot');
    await screenshots(page, 'password-forgot');
    await page.getByLabel('Email address').fill(email);
    await Promise.all([page.waitForURL(/done=reset_sent/), page.getByRole('button', { name: 'Email me a link' }).click()]);
    assert.match(await page.locator('[role=status]').innerText(), /If an account has that email address/);
    const mail = await waitFor(() => emailTo(email), 'the reset email');
    const link = mail.match(/https?:\/\/[^\s"<>]+\/password\/reset\/[A-Za-z0-9_-]+/)?.[0];
    assert.ok(link, 'a reset link in the email');
    await page.goto(link);
    await checkAccessibility(page, 'password-reset');
    await screenshots(page, 'password-reset');
    await page.getByLabel('New password', { exact: true }).fill('a brand new phrase 7');
    await page.getByLabel('The new password again').fill('a brand new phrase 7');
    await Promise.all([page.waitForURL(/done=password_changed/), page.getByRole('button', { name: 'Set the password' }).click()]);
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password').fill('a brand new phrase 7');
    await Promise.all([page.waitForURL(/\/operator/), page.getByRole('button', { name: 'Log in' }).click()]);
    await page.goto(link);
    assert.match(await page.locator('main').innerText(), /expired or has already been used/);
  });

  test('a form posted without this browser\'s CSRF token is refused', async (t) => {
    const page = await openPage(t);
    await page.goto('/signup');
    const res = await page.request.post('/signup', {
      form: { organisation: 'Forged', name: 'F', email: `f-${unique()}@x.test`, password: PASSWORD },
    });
    assert.equal(res.status(), 403);
    assert.match(await res.text(), /This form has expired/);
  });
});

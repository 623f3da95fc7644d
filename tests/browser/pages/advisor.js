// The advisor's journey on a tablet: from the queue to a certificate. What other
// roles do first is done through the JSON API of the same running service: the
// admin (made with the CLI's `admin create`) accredits two advisors, and an
// operator signs up, registers a building, answers every item, attaches evidence
// and submits. Everything the advisor does is done through the pages.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openPage } from '../lib/harness.js';
import { checkAccessibility, screenshots, screenshotDir } from '../lib/page.js';
import {
  api,
  accreditAdvisor,
  createAdmin,
  logIn,
  longDate,
  registerBuilding,
  signUpOperator,
  submitApplication,
  unique,
} from '../lib/scheme.js';

/** The scoring page at a tablet's width (768 px): a screenshot, and no sideways scroll. */
async function tabletScreenshot(page, name) {
  const original = page.viewportSize();
  try {
    await page.setViewportSize({ width: 768, height: 1024 });
    const { scrollWidth, innerWidth } = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
    }));
    assert.ok(scrollWidth <= innerWidth, `${name}: scrolls sideways at 768 px (${scrollWidth} > ${innerWidth})`);
    await page.screenshot({ path: join(screenshotDir, `${name}-768.png`), fullPage: true });
  } finally {
    if (original) await page.setViewportSize(original);
  }
}

// The percentage as the scoring rules give it (domain::scoring): weight × score
// out of weight × max, not-applicable and unscored items left out, one decimal.
function percentOf(items, scores) {
  let earned = 0;
  let possible = 0;
  for (const item of items) {
    const s = scores.get(item.id);
    if (s === undefined || s === null) continue;
    earned += item.weight * s;
    possible += item.weight * item.max_score;
  }
  return possible ? `${Math.round((1000 * earned) / possible) / 10}%` : null;
}

const item = (page, id) => page.locator(`#item-${id}`);
const overall = (page) => page.locator('[data-overall-total]').innerText();
const sectionTotal = (page, id) => page.locator(`[data-section-total="${id}"]`).innerText();
const scoredCount = (page) => page.locator('[data-scored-count]').innerText();

async function choose(page, id, score) {
  const name = score === null ? 'Not applicable' : String(score);
  await item(page, id).getByRole('radio', { name, exact: true }).check();
}

/** The overall percentage as the server wrote it, before any script ran. */
async function serverOverall(page, path) {
  const html = await (await page.request.get(path)).text();
  return html.match(/data-overall-total>([^<]*)</)?.[1];
}

describe('advisor', () => {
  test('from the queue to a certificate; a second claim is refused clearly', async (t) => {
    const admin = await createAdmin();
    const advisor = await accreditAdvisor(admin, { name: 'Ada Advisor', scopes: ['building'] });
    const rival = await accreditAdvisor(admin, { name: 'Rex Rival', scopes: ['building'] });
    const operator = await signUpOperator();
    const name = `Riverside Hall ${unique()}`;
    const premises = await registerBuilding(operator, { name, capacity: 450 });
    const submitted = await submitApplication(operator, premises.id);
    const id = submitted.id;
    const claimButton = { name: `Claim ${name}, Bristol` };

    // Both advisors see it waiting in the queue.
    const page = await openPage(t);
    await logIn(page, advisor.email, '/advisor');
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Assessments');
    const row = page.getByRole('row').filter({ hasText: name });
    assert.match(await row.innerText(), /Bristol/);
    assert.match(await row.innerText(), /Standard tier/);
    assert.match(await row.innerText(), /Building/);
    assert.match(await row.innerText(), new RegExp(longDate(new Date())));
    await checkAccessibility(page, 'advisor-queue');
    await screenshots(page, 'advisor-queue');

    const other = await openPage(t);
    await logIn(other, rival.email, '/advisor');
    assert.equal(await other.getByRole('button', claimButton).isVisible(), true);

    // The first advisor claims it, and lands on the scoring sheet.
    await Promise.all([
      page.waitForURL(new RegExp(`/advisor/applications/${id}\\?done=claimed`)),
      page.getByRole('button', claimButton).click(),
    ]);
    assert.equal(await page.getByRole('status').first().innerText(), 'The application is yours to assess.');
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), `Score ${name}`);

    // The second, on a page loaded before, is told clearly: no error dump.
    const [refused] = await Promise.all([
      other.waitForResponse((r) => r.url().endsWith(`/advisor/applications/${id}/claim`)),
      other.getByRole('button', claimButton).click(),
    ]);
    assert.equal(refused.status(), 409);
    await other.waitForLoadState();
    const alert = other.getByRole('alert');
    assert.match(await alert.innerText(), /There is a problem/);
    assert.match(await alert.innerText(), /Another advisor has claimed this application/);
    assert.equal(await other.getByRole('heading', { level: 1 }).innerText(), 'Assessments');
    assert.equal(await other.getByRole('button', claimButton).count(), 0, 'no longer in the queue');
    await checkAccessibility(other, 'advisor-claim-taken');
    await screenshots(other, 'advisor-claim-taken');

    // The sheet: each item with the operator's answer, note and evidence beside it.
    const view = await api('GET', `/api/v1/applications/${id}`, { token: advisor.token });
    const items = view.items;
    const [first, second, third] = items;
    assert.equal(await overall(page), 'not scored yet');
    assert.equal(await scoredCount(page), '0');
    const firstItem = item(page, first.id);
    assert.match(await firstItem.innerText(), /Operator's answer:\s*In place/);
    assert.match(await firstItem.innerText(), new RegExp(`Checked for ${first.id}: see the plan`));
    if (first.evidence_required) {
      const link = firstItem.getByRole('link', { name: `${first.id}-plan.pdf` });
      const file = await page.request.get(await link.getAttribute('href'));
      assert.equal(file.status(), 200);
      assert.match((await file.body()).toString('latin1'), /^%PDF-/);
    }
    // Critical items cannot be marked not applicable, unless the checklist says
    // when the law does not apply (notification); the others can.
    const critical = items.find((i) => i.critical && i.not_applicable_when.length === 0);
    const optional = items.filter((i) => !i.critical);
    assert.equal(await item(page, critical.id).getByRole('radio', { name: 'Not applicable' }).count(), 0);
    assert.equal(await item(page, optional[0].id).getByRole('radio', { name: 'Not applicable' }).count(), 1);
    const lawful = items.find((i) => i.critical && i.not_applicable_when.length > 0);
    assert.equal(await item(page, lawful.id).getByRole('radio', { name: 'Not applicable' }).count(), 1);
    assert.match(await item(page, lawful.id).innerText(), /unless the law does not apply: the head count is below 200/);
    // Each item says whether it is a duty (and under which section) or good practice.
    assert.match(await item(page, first.id).innerText(), /Legal duty \(s\.\d/);
    const goodPractice = items.find((i) => i.basis === 'good_practice');
    assert.match(await item(page, goodPractice.id).innerText(), /Good practice/);

    // The percentages follow the scores live.
    const scores = new Map();
    await choose(page, first.id, first.max_score);
    scores.set(first.id, first.max_score);
    assert.equal(await overall(page), '100%');
    assert.equal(await sectionTotal(page, first.section), '100%');
    assert.equal(await scoredCount(page), '1');
    await choose(page, second.id, 1);
    scores.set(second.id, 1);
    const sameSection = items.filter((i) => i.section === first.section);
    assert.equal(await overall(page), percentOf(items, scores));
    assert.equal(await sectionTotal(page, first.section), percentOf(sameSection, scores));
    assert.notEqual(await overall(page), '100%');
    assert.equal(await scoredCount(page), '2');

    // A note without a score: refused next to its item, with what was typed kept.
    await page.getByLabel(`Your note on ${third.id}`).fill('Asked for the plan');
    const [invalid] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(`/advisor/applications/${id}`)),
      page.getByRole('button', { name: 'Save scores' }).click(),
    ]);
    assert.equal(invalid.status(), 422);
    await page.waitForLoadState();
    assert.match(await page.getByRole('alert').innerText(), /There is a problem/);
    assert.match(await item(page, third.id).innerText(), /choose a score \(or not applicable\) to save this note/);
    assert.equal(await page.getByLabel(`Your note on ${third.id}`).inputValue(), 'Asked for the plan');
    assert.equal(await item(page, first.id).getByRole('radio', { name: String(first.max_score), exact: true }).isChecked(), true);
    assert.equal(await item(page, second.id).getByRole('radio', { name: '1', exact: true }).isChecked(), true);
    assert.equal(await overall(page), percentOf(items, scores));
    await checkAccessibility(page, 'advisor-scoring-error');

    // Saved, the preview names what is left to score.
    await choose(page, third.id, third.max_score);
    scores.set(third.id, third.max_score);
    await Promise.all([page.waitForURL(/done=scores_saved/), page.getByRole('button', { name: 'Save scores' }).click()]);
    assert.equal(await page.getByRole('status').first().innerText(), 'The scores are saved.');
    assert.equal(await overall(page), percentOf(items, scores));
    await page.goto(`/advisor/applications/${id}/preview`);
    const left = items.length - 3;
    assert.match(await page.getByRole('alert').innerText(), new RegExp(`${left} items not scored yet`));
    assert.equal(await page.getByRole('button', { name: 'Complete the assessment' }).count(), 0);
    await checkAccessibility(page, 'advisor-preview-unscored');
    await screenshots(page, 'advisor-preview-unscored');

    // Score the rest: one gap that raises a condition, one item not applicable.
    await page.goto(`/advisor/applications/${id}`);
    const gap = optional.find((i) => !scores.has(i.id));
    const na = [...optional].reverse().find((i) => !scores.has(i.id) && i.id !== gap.id);
    for (const i of items) {
      if (scores.has(i.id)) continue;
      const s = i.id === gap.id ? 2 : i.id === na.id ? null : i.max_score;
      await choose(page, i.id, s);
      scores.set(i.id, s);
    }
    // The second item back up to the maximum, so that only the gap raises a condition.
    await choose(page, second.id, second.max_score);
    scores.set(second.id, second.max_score);
    const expected = percentOf(items, scores);
    assert.equal(await overall(page), expected);
    assert.equal(await scoredCount(page), String(items.length));
    const naSection = items.filter((i) => i.section === na.section);
    // (A section whose only scored item is not applicable says so.)
    assert.equal(await sectionTotal(page, na.section), percentOf(naSection, scores) ?? 'not applicable');
    await checkAccessibility(page, 'advisor-scoring');
    await screenshots(page, 'advisor-scoring');
    await tabletScreenshot(page, 'advisor-scoring');

    // Not applicable needs its reason: refused next to the note, the scores kept.
    const [noReason] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(`/advisor/applications/${id}`)),
      page.getByRole('button', { name: 'Save scores' }).click(),
    ]);
    assert.equal(noReason.status(), 422);
    await page.waitForLoadState();
    assert.match(await item(page, na.id).innerText(), /say in the note why it does not apply here/);
    assert.equal(await item(page, na.id).getByRole('radio', { name: 'Not applicable' }).isChecked(), true);
    await page.getByLabel(`Your note on ${na.id}`).fill('Nobody else shares control of the premises');

    // Saving and previewing: the server's percentages are the script's.
    await Promise.all([
      page.waitForURL(new RegExp(`/advisor/applications/${id}/preview$`)),
      page.getByRole('button', { name: 'Save and preview the outcome' }).click(),
    ]);
    assert.equal(await serverOverall(page, `/advisor/applications/${id}`), expected);
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), `Outcome preview: ${name}`);
    assert.equal(await page.locator('#verdict').innerText(), 'CERTIFIED WITH CONDITIONS');
    assert.match(await page.locator('main').innerText(), new RegExp(`Overall score: ${expected.replace('.', '\\.')}`));
    const due = longDate(new Date(Date.now() + 90 * 24 * 3600 * 1000));
    const condition = page.getByRole('row').filter({ hasText: gap.id });
    assert.match(await condition.innerText(), gap.basis === "good_practice" ? /Good practice to bring into place/ : /Bring fully into place/);
    assert.match(await condition.innerText(), new RegExp(due));
    assert.match(await page.locator('main').innerText(), /1 item\(s\) scored below 3 and raise conditions/);
    await checkAccessibility(page, 'advisor-preview');
    await screenshots(page, 'advisor-preview');

    // Complete: the outcome, its conditions and the certificate.
    await Promise.all([
      page.waitForURL(new RegExp(`/advisor/applications/${id}\\?done=completed`)),
      page.getByRole('button', { name: 'Complete the assessment' }).click(),
    ]);
    assert.equal(await page.getByRole('status').first().innerText(), 'The assessment is complete.');
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), `Assessment complete: ${name}`);
    assert.equal(await page.locator('#verdict').innerText(), 'CERTIFIED WITH CONDITIONS');
    const heading = await page.locator('#certificate').innerText();
    const number = heading.match(/PSC-\d{4}-[0-9A-HJKMNP-TV-Y]{5}-[0-9A-HJKMNP-TV-Y]{5}-[0-9A-HJKMNP-TV-Y]/)?.[0];
    assert.ok(number, `a certificate number in "${heading}"`);
    assert.match(await page.getByRole('row').filter({ hasText: gap.id }).innerText(), new RegExp(due));
    await checkAccessibility(page, 'advisor-result');
    await screenshots(page, 'advisor-result');
    await Promise.all([
      page.waitForURL(/\/verify\?number=/),
      page.getByRole('link', { name: `See certificate ${number} in the register` }).click(),
    ]);
    assert.equal(await page.locator('section[role=status] h1').innerText(), 'VALID');

    // The queue page lists it as completed.
    await page.goto('/advisor');
    const done = page.getByRole('row').filter({ hasText: name });
    assert.match(await done.innerText(), /Certified with conditions/);
    assert.match(await done.innerText(), new RegExp(number));
  });

  test('other roles are kept out of the advisor pages', async (t) => {
    const operator = await signUpOperator();
    const page = await openPage(t);
    await logIn(page, operator.email, '/operator');
    const res = await page.goto('/advisor');
    assert.equal(res.status(), 403);
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'You cannot do this');
  });
});

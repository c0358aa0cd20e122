// The finance console in a real browser (Debian's Chromium through playwright-core): approve an
// exception (the requester is refused first), replay a dead letter, see the result, glance at the
// reconciliation and the ledger. Usage: node console.test.mjs <baseUrl> <exceptionId> <deadLetterId> [screenshot]
import { chromium } from 'playwright-core';

const [base, exceptionId, deadLetterId, screenshot] = process.argv.slice(2);
const fail = msg => { console.error('FAIL ' + msg); process.exitCode = 1; throw new Error(msg); };
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-dev-shm-usage'] });
try {
  const page = await browser.newPage();
  page.on('pageerror', e => fail('page error: ' + e.message));
  const signIn = async (user, password) => {
    await page.goto(base + '/console/');
    await page.evaluate(() => sessionStorage.clear());
    await page.goto(base + '/console/');
    await page.fill('#user', user);
    await page.fill('#password', password);
    await page.click('#login button[type=submit]');
    await page.locator('[data-testid=who]').filter({ hasText: 'signed in as ' + user }).waitFor({ timeout: 10000 });
  };
  const message = () => page.locator('[data-testid=message]');
  const expectMessage = async text => {
    try {
      await message().filter({ hasText: text }).waitFor({ timeout: 10000 });
    } catch (e) {
      const errors = await page.locator('p.section-error').allTextContents();
      fail(`expected the message "${text}", the page says "${await message().textContent()}" (section errors: ${errors.join(' | ')})`);
    }
  };

  // a wrong password is told so
  await page.goto(base + '/console/');
  await page.fill('#user', 'approver2');
  await page.fill('#password', 'wrong');
  await page.click('#login button[type=submit]');
  await page.locator('#login-error').filter({ hasText: 'Wrong user or password' }).waitFor({ timeout: 10000 });

  // the requester cannot approve their own exception
  await signIn('approver', 'approver-test');
  const row = page.locator(`[data-testid=exceptions] tr[data-id="${exceptionId}"]`);
  await row.waitFor({ timeout: 10000 });
  await row.locator('input.reason').fill('looks fine to me');
  await row.getByRole('button', { name: 'Approve' }).click();
  await expectMessage('cannot decide');

  // a second approver can
  await signIn('approver2', 'approver2-test');
  const row2 = page.locator(`[data-testid=exceptions] tr[data-id="${exceptionId}"]`);
  await row2.locator('input.reason').fill('checked against the signed order form');
  await row2.getByRole('button', { name: 'Approve' }).click();
  await expectMessage(`Exception #${exceptionId} approved by approver2`);
  await page.locator(`[data-testid=exceptions] tr[data-id="${exceptionId}"]`).waitFor({ state: 'detached', timeout: 10000 })
    .catch(() => fail('the approved exception is still listed'));

  // an approver may not replay a dead letter; an admin may
  const dl = page.locator(`[data-testid=dead-letters] tr[data-id="${deadLetterId}"]`);
  await dl.getByRole('button', { name: 'Replay' }).click();
  await expectMessage(`Dead letter #${deadLetterId}: your role does not allow this`);
  await signIn('admin', 'admin-test');
  const dl2 = page.locator(`[data-testid=dead-letters] tr[data-id="${deadLetterId}"]`);
  await dl2.getByRole('button', { name: 'Replay' }).click();
  await expectMessage(`Dead letter #${deadLetterId} replayed`);
  await page.locator(`[data-testid=dead-letters] tr[data-id="${deadLetterId}"] td.status`).filter({ hasText: 'replayed' }).waitFor({ timeout: 10000 });

  // the rest of the page is there: reconciliation, ledger, sync
  await page.locator('[data-testid=recon-summary]').filter({ hasText: /Run \d+ of|No reconciliation run yet/ }).waitFor({ timeout: 10000 });
  await page.locator('[data-testid=erp-status] tbody tr').first().waitFor({ timeout: 10000 });
  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
  console.log('OK console: exception approved by a second approver after the requester was refused; dead letter replayed by an admin');
} finally {
  await browser.close();
}

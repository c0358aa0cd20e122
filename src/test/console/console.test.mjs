// The finance console in a real browser (Debian's Chromium through playwright-core): every page, checked against
// what the API says. Overview charts (their data is the API's figures), search, the customer page, an event's trace,
// exceptions and dead letters in plain language (approve after the requester is refused, replay one, replay a class),
// a job's progress bar with its cancel button, reconciliation and ledger. A screenshot of each page.
// Usage: node console.test.mjs <baseUrl> '<seed JSON from FinanceConsoleBrowserTest>'
import { chromium } from 'playwright-core';

const [base, seedJson] = process.argv.slice(2);
const seed = JSON.parse(seedJson);
const fail = msg => { console.error('FAIL ' + msg); process.exitCode = 1; throw new Error(msg); };
const check = (ok, msg) => { if (!ok) fail(msg); };
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-dev-shm-usage'] });
try {
  const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  page.on('pageerror', e => fail('page error: ' + e.message));
  const shot = async name => { if (seed.screenshots) await page.screenshot({ path: `${seed.screenshots}/${name}.png`, fullPage: true }); };
  const loaded = async what => page.locator(`body[data-loaded="${what}"]`).waitFor({ timeout: 15000 })
    .catch(async () => fail(`page ${what} did not load (section errors: ${(await page.locator('p.section-error').allTextContents()).join(' | ')})`));
  const go = async (hash, what) => {
    await page.evaluate(() => { delete document.body.dataset.loaded; });
    await page.evaluate(h => { location.hash = h; }, hash);
    await loaded(what);
  };
  const signIn = async (user, password) => {
    await page.goto(base + '/console/');
    await page.evaluate(() => sessionStorage.clear());
    await page.goto(base + '/console/');
    await page.fill('#user', user);
    await page.fill('#password', password);
    await page.click('#login button[type=submit]');
    await page.locator('[data-testid=who]').filter({ hasText: 'signed in as ' + user }).waitFor({ timeout: 10000 });
    await loaded('overview');
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
  const apiGet = path => page.evaluate(async p => {
    const r = await fetch(p, { headers: { Authorization: 'Basic ' + sessionStorage.getItem('lb-auth'), Accept: 'application/json' } });
    return r.json();
  }, path);
  const chartData = id => page.evaluate(i => {
    const c = Chart.getChart(document.getElementById(i));
    if (!c) return null;
    // drawn: some pixels of the canvas are not transparent
    const canvas = c.canvas;
    const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let k = 3; k < px.length; k += 4) if (px[k] > 0) painted++;
    return { labels: c.data.labels, datasets: c.data.datasets.map(d => ({ label: d.label, data: d.data })), painted };
  }, id);
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

  // a wrong password is told so
  await page.goto(base + '/console/');
  await page.fill('#user', 'approver2');
  await page.fill('#password', 'wrong');
  await page.click('#login button[type=submit]');
  await page.locator('#login-error').filter({ hasText: 'Wrong user or password' }).waitFor({ timeout: 10000 });

  // the overview: four charts, each drawn, each with the API's figures (minor units shown in major units)
  await signIn('approver', 'approver-test');
  const aging = await apiGet('/api/overview/ar-aging?currency=USD');
  const usd = aging.currencies.find(c => c.currency === 'USD');
  check(usd && usd.amount[1] >= 250000, 'the open invoice of 45 days is in the 31-60 bucket of the API: ' + JSON.stringify(aging));
  const agingChart = await chartData('chart-aging');
  check(agingChart && agingChart.painted > 1000, 'the aging chart is drawn');
  check(same(agingChart.labels, ['0-30', '31-60', '61-90', '90+']), 'aging buckets: ' + JSON.stringify(agingChart.labels));
  check(same(agingChart.datasets[0].data, usd.amount.map(v => v / 100)), `aging chart ${JSON.stringify(agingChart.datasets[0].data)} = API ${usd.amount}`);
  const today = new Date();
  const ymd = d => d.toISOString().slice(0, 10);
  const cash = await apiGet(`/api/overview/cash-in?currency=USD&from=${ymd(new Date(today.getTime() - 29 * 86400000))}&to=${ymd(today)}`);
  const cashChart = await chartData('chart-cash');
  check(cashChart.painted > 1000, 'the cash chart is drawn');
  check(cashChart.labels.length === 30, 'cash chart: 30 days');
  const payouts = cash.days.reduce((s, d) => s + d.payouts, 0);
  check(payouts >= 1165170, 'the payout of two days ago is in the API: ' + JSON.stringify(cash));
  check(Math.round(cashChart.datasets[1].data.reduce((s, v) => s + v, 0) * 100) === payouts, 'cash chart payouts = API payouts');
  check(Math.round(cashChart.datasets[0].data.reduce((s, v) => s + v, 0) * 100) === cash.days.reduce((s, d) => s + d.payments, 0),
    'cash chart payments = API payments');
  const first = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - 5, 1));
  const wf = (await apiGet(`/api/revenue/waterfall?from=${first.toISOString().slice(0, 7)}&to=${today.toISOString().slice(0, 7)}`))
    .filter(m => m.currency === 'USD');
  const wfChart = await chartData('chart-deferred');
  check(wfChart.painted > 1000, 'the deferred revenue chart is drawn');
  check(same(wfChart.labels, wf.map(m => m.month)), 'waterfall months');
  check(same(wfChart.datasets[0].data, wf.map(m => m.billed / 100)), 'waterfall billed = API');
  check(same(wfChart.datasets[3].data, wf.map(m => m.closing / 100)), 'waterfall closing = API');
  check(wf.reduce((s, m) => s + m.billed, 0) >= 1450000, 'both invoices billed to deferred revenue in these months: ' + JSON.stringify(wf));
  const backlog = await apiGet('/api/overview/backlog-age');
  const backlogChart = await chartData('chart-backlog');
  check(same(backlogChart.datasets[0].data, backlog.exceptions) && same(backlogChart.datasets[1].data, backlog.deadLetters),
    'backlog chart = API ' + JSON.stringify(backlog));
  check(backlog.exceptions[0] >= 1 && backlog.deadLetters[0] >= 3, 'today\'s exception and dead letters are under 1 day old');
  await page.locator('#overview-aging .caption').filter({ hasText: `USD ${(usd.total / 100).toLocaleString('en', { minimumFractionDigits: 2 })} open` })
    .waitFor({ timeout: 5000 }).catch(() => fail('aging caption'));
  await shot('overview');

  // exceptions in plain language; the requester cannot approve their own exception
  await go('#/work', 'work');
  const row = page.locator(`[data-testid=exceptions] tr[data-id="${seed.exceptionId}"]`);
  await row.waitFor({ timeout: 10000 });
  const rowText = await row.innerText();
  check(rowText.includes('The contract\'s payment terms are longer than the policy allows.'), 'plain language: ' + rowText);
  check(rowText.includes('Approve if finance agreed to the terms'), 'what to do: ' + rowText);
  check(rowText.includes(seed.customerName) && rowText.includes('contract ctr-docusign-env-7731'), 'customer and document: ' + rowText);
  check(!(await row.locator('details.technical').evaluate(d => d.open)), 'the technical detail is folded away');
  check((await row.locator('details.technical code').textContent()).includes('payment_terms'), 'the kind is in the technical detail');
  const bulkRow = await page.locator(`[data-testid=dead-letters] tr`).filter({ hasText: 'xero answered 503' }).first().innerText();
  check(bulkRow.includes(seed.customerName) && bulkRow.includes('journal entry ') && bulkRow.includes('Stripe invoice'),
    'a dead letter names its customer and document: ' + bulkRow);
  await shot('work');
  await row.locator('input.reason').fill('looks fine to me');
  await row.getByRole('button', { name: 'Approve' }).click();
  await expectMessage('cannot decide');

  // a second approver can
  await signIn('approver2', 'approver2-test');
  await go('#/work', 'work');
  const row2 = page.locator(`[data-testid=exceptions] tr[data-id="${seed.exceptionId}"]`);
  await row2.locator('input.reason').fill('checked against the signed order form');
  await row2.getByRole('button', { name: 'Approve' }).click();
  await expectMessage(`Exception #${seed.exceptionId} approved by approver2`);
  await page.locator(`[data-testid=exceptions] tr[data-id="${seed.exceptionId}"]`).waitFor({ state: 'detached', timeout: 10000 })
    .catch(() => fail('the approved exception is still listed'));

  // dead letters in plain language; an approver may not replay one, an admin may, one or a whole class
  const dl = page.locator(`[data-testid=dead-letters] tr[data-id="${seed.deadLetterId}"]`);
  const dlText = await dl.innerText();
  check(dlText.includes('The ERP refused the journal entry: quickbooks refused the document (HTTP 400): Invalid Reference Id.'), 'dead letter told: ' + dlText);
  check(dlText.includes('Fix what the ERP names'), 'dead letter what to do: ' + dlText);
  check((await page.locator(`[data-testid=dead-letter-classes] tr[data-error-class="${seed.bulkClass}"] button`).count()) === 0,
    'no bulk replay button for an approver');
  await dl.getByRole('button', { name: 'Replay' }).click();
  await expectMessage(`Dead letter #${seed.deadLetterId}: your role does not allow this`);
  await signIn('admin', 'admin-test');
  await go('#/work', 'work');
  const dl2 = page.locator(`[data-testid=dead-letters] tr[data-id="${seed.deadLetterId}"]`);
  await dl2.getByRole('button', { name: 'Replay' }).click();
  await expectMessage(`Dead letter #${seed.deadLetterId} replayed`);
  await page.locator(`[data-testid=dead-letters] tr[data-id="${seed.deadLetterId}"] td.status`).filter({ hasText: 'replayed' }).waitFor({ timeout: 10000 });
  const cls = page.locator(`[data-testid=dead-letter-classes] tr[data-error-class="${seed.bulkClass}"]`);
  const clsText = await cls.innerText();
  check(clsText.includes('could not be sent to the ERP'), 'the class told in plain language: ' + clsText);
  await cls.getByRole('button', { name: 'Replay all 2' }).click();
  await expectMessage('Replayed 2 of 2 dead letters (ErpException$Retryable)');
  await cls.waitFor({ state: 'detached', timeout: 10000 }).catch(() => fail('the replayed class is still listed'));

  // search by the Stripe customer id, to the customer page
  await page.fill('#q', seed.stripeCustomer);
  await page.click('#search button[type=submit]');
  await loaded('search/' + seed.stripeCustomer);
  const hit = page.locator(`[data-testid=search-hits] li[data-type=customer][data-id="${seed.customerId}"]`);
  await hit.waitFor({ timeout: 10000 }).catch(() => fail('no customer hit for ' + seed.stripeCustomer));
  await hit.locator('a').click();
  await loaded('customer/' + seed.customerId);
  check((await page.locator('[data-testid=customer-name]').textContent()) === seed.customerName, 'customer name');
  check((await page.locator('[data-testid=customer-ids]').textContent()).includes('stripe ' + seed.stripeCustomer), 'external ids');
  const card = page.locator('[data-testid=customer-balance] .card[data-currency=USD]');
  check((await card.locator('.receivable').textContent()) === '2,500.00', 'receivable: ' + await card.locator('.receivable').textContent());
  check((await card.locator('.unapplied').textContent()) === '0.00', 'no unapplied cash');
  const openRow = page.locator(`[data-testid=customer-invoices] tr[data-id$="${seed.openInvoice}"]`);
  check((await openRow.locator('td.open').textContent()) === '2,500.00', 'the open invoice is open for its whole amount');
  const paidRow = page.locator(`[data-testid=customer-invoices] tr[data-id$="${seed.paidInvoice}"]`);
  check((await paidRow.innerText()).includes('12,000.00') && (await paidRow.locator('td.open').textContent()) === '0.00', 'the paid invoice');
  check((await page.locator('[data-testid=customer-payments] tbody tr').first().innerText()).includes('12,000.00'), 'the payment');
  await shot('customer');

  // the invoice's event: its whole trace
  await paidRow.locator('a.event-link').click();
  await loaded('event/' + seed.invoiceEvent);
  check((await page.locator('[data-testid=event-title]').textContent()).includes('stripe invoice.finalized'), 'event title');
  const entries = await page.locator('[data-testid=event-entries]').innerText();
  check(entries.includes('1100 Accounts Receivable') && entries.includes('2000 Deferred Revenue') && entries.includes('12,000.00'), 'journal entry: ' + entries);
  check((await page.locator('[data-testid=event-erp]').innerText()).includes(seed.erpReference), 'ERP posting');
  const approvals = await page.locator('[data-testid=event-approvals]').innerText();
  check(approvals.includes('approver2') && approvals.includes('checked against the signed order form'), 'who approved what: ' + approvals);
  check((await page.locator('[data-testid=event-canonical] pre').textContent()).includes(seed.paidInvoice), 'canonical form');
  check((await page.locator('[data-testid=event-payload] pre').textContent()).includes('"invoice.finalized"'), 'raw payload');
  check((await page.locator('[data-testid=event-audit]').innerText()).includes('approved'), 'audit');
  await page.locator('[data-testid=event-canonical] summary').click();
  await shot('event');

  // search by an invoice id: the invoice and the payment that paid it, each leading to its event
  await page.fill('#q', seed.paidInvoice);
  await page.click('#search button[type=submit]');
  await loaded('search/' + seed.paidInvoice);
  const types = await page.locator('[data-testid=search-hits] li').evaluateAll(lis => lis.map(li => li.dataset.type));
  check(same(types, ['invoice', 'payment']), 'an invoice id finds the invoice and its payment: ' + types);
  check((await page.locator('[data-testid=search-hits] li[data-type=invoice]').innerText()).includes('USD 12,000.00'), 'the invoice hit names its amount');
  await shot('search');

  // jobs: any kind, its progress bar, counters, and a cancel button for an admin
  await go('#/jobs', 'jobs');
  const job = page.locator(`[data-testid=jobs] tr[data-id="${seed.jobId}"]`);
  const bar = job.locator('[role=progressbar]');
  check((await bar.getAttribute('aria-valuenow')) === '400' && (await bar.getAttribute('aria-valuemax')) === '1000', 'progress bar values');
  check((await bar.locator('.fill').evaluate(f => f.style.width)) === '40%', 'the bar is 40 % full');
  const jobText = await job.innerText();
  check(jobText.includes('stripe_import') && jobText.includes('400 of 1,000 (40 %)') && jobText.includes('posted 400') && jobText.includes('etaSeconds 5')
    && jobText.includes('running'), 'job row: ' + jobText);
  await shot('jobs');
  await job.getByRole('button', { name: 'Cancel' }).click();
  await expectMessage(`Job #${seed.jobId} asked to stop`);
  await page.locator(`[data-testid=jobs] tr[data-id="${seed.jobId}"] td.status`).filter({ hasText: 'stopping' }).waitFor({ timeout: 10000 });

  // the rest: reconciliation, ledger, sync
  await go('#/books', 'books');
  await page.locator('[data-testid=recon-summary]').filter({ hasText: /Run \d+ of|No reconciliation run yet/ }).waitFor({ timeout: 10000 });
  await page.locator('[data-testid=trial-balance] tbody tr').first().waitFor({ timeout: 10000 });
  await page.locator('[data-testid=erp-status] tbody tr').first().waitFor({ timeout: 10000 });
  await shot('books');
  console.log('OK console: overview charts match the API; search, customer page and event trace; exceptions and dead letters '
    + 'in plain language, approved by a second approver, replayed one and by class; a job\'s progress bar cancelled');
} finally {
  await browser.close();
}

// Ledgerbridge finance console: a thin page over the admin API (/api). Credentials stay in this tab
// (sessionStorage) and go with each call as HTTP Basic; the API decides what each role may do.
// Pages by address: #/overview (charts), #/work (exceptions, dead letters), #/jobs, #/books (reconciliation,
// ledger, sync), #/search/<q>, #/customer/<id>, #/event/<id>.
(function () {
  'use strict';
  const $ = (s, root = document) => root.querySelector(s);
  const el = (tag, attrs = {}, ...children) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === 'dataset') Object.assign(e.dataset, v); else if (k.startsWith('on')) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c == null ? '' : String(c)));
    return e;
  };
  let auth = sessionStorage.getItem('lb-auth');
  let user = sessionStorage.getItem('lb-user');
  let role = sessionStorage.getItem('lb-role');

  async function api(method, path, body) {
    const r = await fetch(path, {
      method,
      headers: Object.assign({ 'Authorization': 'Basic ' + auth, 'Accept': 'application/json', 'X-Requested-With': 'XMLHttpRequest' },
        body === undefined ? {} : { 'Content-Type': 'application/json' }),
      body: body === undefined ? undefined : JSON.stringify(body)
    });
    const text = await r.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch (e) { json = { message: text }; }
    if (!r.ok) {
      const err = new Error((json && json.message) || ('HTTP ' + r.status));
      err.status = r.status;
      throw err;
    }
    return json;
  }

  function say(text, isError) {
    const m = $('#message');
    m.textContent = text;
    m.className = isError ? 'error' : '';
  }

  const DIGITS = { JPY: 0, KRW: 0, KWD: 3, BHD: 3 };
  const digits = currency => DIGITS[currency] ?? 2;
  function money(minor, currency) {
    if (minor == null) return '';
    const d = digits(currency);
    const sign = minor < 0 ? '-' : '';
    const s = String(Math.abs(minor)).padStart(d + 1, '0');
    const whole = s.slice(0, s.length - d).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    return sign + (d ? whole + '.' + s.slice(-d) : whole);
  }
  // charts draw major units (a number for the axis); the API's figures stay integer minor units
  const major = (minor, currency) => minor / Math.pow(10, digits(currency));
  const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const when = t => (t || '').slice(0, 16).replace('T', ' ');
  const eventLink = id => id == null ? '' : el('a', { href: '#/event/' + id, class: 'event-link' }, 'event ' + id);
  const customerLink = (id, name) => id == null ? '' : el('a', { href: '#/customer/' + encodeURIComponent(id), class: 'customer-link' }, name || id);

  function rows(tableTestId, list, render, empty) {
    const body = $(`[data-testid="${tableTestId}"] tbody`);
    body.replaceChildren(...(list.length ? list.map(render) : [el('tr', {}, el('td', { colspan: 9 }, empty))]));
  }

  // a plain-language cell: what happened, to whom, what to do; the technical kind and text folded away
  function told(x, technical) {
    return [
      el('td', { class: 'what' }, x.whatHappened || ''),
      el('td', {}, customerLink(x.customer, x.customerName), x.customer ? el('br') : '', x.document || '',
        x.eventId != null ? el('br') : '', eventLink(x.eventId)),
      el('td', { class: 'todo' }, x.whatToDo || '', el('details', { class: 'technical' }, el('summary', {}, 'technical detail'),
        el('code', {}, technical)))
    ];
  }

  const charts = {};
  function chart(id, config) {
    if (charts[id]) charts[id].destroy();
    charts[id] = new Chart(document.getElementById(id), Object.assign({ options: {} }, config));
    return charts[id];
  }
  const ymd = d => d.toISOString().slice(0, 10);

  const loaders = {
    async overview() {
      const currency = $('#ov-currency').value.trim().toUpperCase() || 'USD';
      const cur = encodeURIComponent(currency);
      const moneyAxis = { y: { beginAtZero: true, title: { display: true, text: currency } } };
      const aging = await api('GET', `/api/overview/ar-aging?currency=${cur}`);
      const a = aging.currencies.find(c => c.currency === currency) || { amount: aging.buckets.map(() => 0), invoices: aging.buckets.map(() => 0), total: 0 };
      chart('chart-aging', { type: 'bar', data: { labels: aging.buckets, datasets: [{ label: 'open receivables', backgroundColor: ['#4e79a7', '#f2a93b', '#e15759', '#8c1c13'],
        data: a.amount.map(v => major(v, currency)) }] }, options: { scales: moneyAxis, plugins: { legend: { display: false } } } });
      $('#overview-aging .caption').textContent = `${currency} ${money(a.total, currency)} open in ${plural(a.invoices.reduce((x, y) => x + y, 0), 'invoice')}, as of ${aging.asOf}`;

      const today = new Date();
      const from = new Date(today.getTime() - 29 * 86400000);
      const cash = await api('GET', `/api/overview/cash-in?from=${ymd(from)}&to=${ymd(today)}&currency=${cur}`);
      const days = [];
      for (let d = new Date(from); ymd(d) <= ymd(today); d = new Date(d.getTime() + 86400000)) days.push(ymd(d));
      const on = (day, field) => cash.days.filter(x => x.day === day).reduce((s, x) => s + x[field], 0);
      chart('chart-cash', { type: 'bar', data: { labels: days.map(d => d.slice(5)), datasets: [
        { label: 'payments received', backgroundColor: '#59a14f', data: days.map(d => major(on(d, 'payments'), currency)) },
        { label: 'payouts to the bank', backgroundColor: '#4e79a7', data: days.map(d => major(on(d, 'payouts'), currency)) }] },
        options: { scales: moneyAxis } });
      const sum = f => cash.days.reduce((s, x) => s + x[f], 0);
      $('#overview-cash .caption').textContent = `${currency} ${money(sum('payments'), currency)} received, ${money(sum('payouts'), currency)} paid out since ${cash.from}`;

      const ym = d => d.toISOString().slice(0, 7);
      const first = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - 5, 1));
      const wf = (await api('GET', `/api/revenue/waterfall?from=${ym(first)}&to=${ym(today)}`)).filter(m => m.currency === currency);
      chart('chart-deferred', { type: 'bar', data: { labels: wf.map(m => m.month), datasets: [
        { label: 'billed', backgroundColor: '#4e79a7', data: wf.map(m => major(m.billed, currency)) },
        { label: 'recognised', backgroundColor: '#59a14f', data: wf.map(m => -major(m.recognised, currency)) },
        { label: 'reduced (refunds, credits)', backgroundColor: '#e15759', data: wf.map(m => -major(m.reduced, currency)) },
        { type: 'line', label: 'closing deferred revenue', borderColor: '#1f3b57', backgroundColor: '#1f3b57', data: wf.map(m => major(m.closing, currency)) }] },
        options: { scales: { y: { title: { display: true, text: currency } } } } });
      const last = wf[wf.length - 1];
      $('#overview-deferred .caption').textContent = last ? `${currency} ${money(last.closing, currency)} deferred at the end of ${last.month}` : `No deferred revenue in ${currency}.`;

      const backlog = await api('GET', '/api/overview/backlog-age');
      chart('chart-backlog', { type: 'bar', data: { labels: backlog.buckets, datasets: [
        { label: 'open exceptions', backgroundColor: '#f2a93b', data: backlog.exceptions },
        { label: 'open dead letters', backgroundColor: '#e15759', data: backlog.deadLetters }] },
        options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } } });
      const n = list => list.reduce((x, y) => x + y, 0);
      $('#overview-backlog .caption').replaceChildren(`${plural(n(backlog.exceptions), 'exception')} and ${plural(n(backlog.deadLetters), 'dead letter')} wait for a person: `,
        el('a', { href: '#/work' }, 'see them'));
    },
    async exceptions() {
      const list = await api('GET', '/api/exceptions?status=open&limit=200');
      rows('exceptions', list, x => {
        const reason = el('input', { class: 'reason', placeholder: 'reason (required)', 'aria-label': 'reason for #' + x.id });
        const decide = decision => async () => {
          try {
            await api('POST', `/api/exceptions/${x.id}/${decision}`, { reason: reason.value });
            say(`Exception #${x.id} ${decision === 'approve' ? 'approved' : 'rejected'} by ${user}`);
            await loaders.exceptions();
          } catch (e) {
            say(`Exception #${x.id} not ${decision === 'approve' ? 'approved' : 'rejected'}: ${e.message}`, true);
          }
        };
        return el('tr', { dataset: { id: x.id } }, el('td', {}, x.id), ...told(x, `${x.kind}: ${x.summary}`),
          el('td', {}, when(x.createdAt), el('br'), x.requestedBy ? 'asked by ' + x.requestedBy : ''),
          el('td', {}, reason, ' ', el('button', { onclick: decide('approve') }, 'Approve'), ' ',
            el('button', { onclick: decide('reject') }, 'Reject')));
      }, 'Nothing waits for a decision.');
    },
    async deadLetters() {
      const list = await api('GET', '/api/dead-letters?limit=200');
      const act = (d, action) => async () => {
        try {
          const r = await api('POST', `/api/dead-letters/${d.id}/${action}`, action === 'discard' ? { reason: 'discarded from the console' } : undefined);
          say(`Dead letter #${d.id} ${r.status}`);
          await loaders.deadLetters();
        } catch (e) {
          say(`Dead letter #${d.id}: ${e.message}`, true);
        }
      };
      const open = list.filter(d => d.status === 'open');
      const classes = [...new Set(open.map(d => d.errorClass || 'unknown'))];
      rows('dead-letter-classes', classes, c => {
        const ofClass = open.filter(d => (d.errorClass || 'unknown') === c);
        const replayAll = async () => {
          try {
            const r = await api('POST', '/api/dead-letters/replay', { errorClass: c });
            say(`Replayed ${r.replayed} of ${r.matched} dead letters (${c.split('.').pop()})` + (r.failed ? `, ${r.failed} failed` : ''));
            await loaders.deadLetters();
          } catch (e) {
            say(`Dead letters not replayed: ${e.message}`, true);
          }
        };
        return el('tr', { dataset: { errorClass: c } }, el('td', {}, ofClass[0].whatHappened,
          el('details', { class: 'technical' }, el('summary', {}, 'technical detail'), el('code', {}, c))),
          el('td', { class: 'num' }, ofClass.length),
          el('td', {}, role === 'admin' ? el('button', { onclick: replayAll }, `Replay all ${ofClass.length}`) : ''));
      }, 'No open dead letters.');
      rows('dead-letters', list, d => {
        const isOpen = d.status === 'open';
        return el('tr', { dataset: { id: d.id } }, el('td', {}, d.id), ...told(d, `${d.errorClass || ''} in ${d.routeId || '?'}: ${d.error || ''}`),
          el('td', {}, when(d.failedAt)), el('td', { class: 'status' }, d.status),
          el('td', {}, isOpen ? el('button', { onclick: act(d, 'replay') }, 'Replay') : '', ' ',
            isOpen ? el('button', { onclick: act(d, 'discard') }, 'Discard') : ''));
      }, 'No dead letters.');
    },
    async jobs() {
      const list = await api('GET', '/api/jobs?limit=50');
      rows('jobs', list, j => {
        const pct = j.fraction == null ? null : Math.round(j.fraction * 100);
        const bar = el('div', { class: 'bar' + (pct == null ? ' unknown' : ''), role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': j.total ?? '',
          'aria-valuenow': j.done, 'aria-label': `${j.name}: ${j.done}${j.total != null ? ' of ' + j.total : ''}` },
          el('div', { class: 'fill', style: `width: ${pct == null ? (j.status === 'running' ? 100 : 0) : pct}%` }));
        const cancel = async () => {
          try {
            await api('POST', `/api/jobs/${j.id}/cancel`);
            say(`Job #${j.id} asked to stop`);
            await loaders.jobs();
          } catch (e) {
            say(`Job #${j.id} not stopped: ${e.message}`, true);
          }
        };
        const counters = Object.entries(j.detail || {}).map(([k, v]) => el('span', { class: 'counter' }, `${k} ${typeof v === 'number' ? v.toLocaleString('en') : v}`));
        return el('tr', { dataset: { id: j.id, kind: j.kind } }, el('td', {}, j.id), el('td', {}, el('strong', {}, j.name), el('br'), el('span', { class: 'kind' }, j.kind)),
          el('td', {}, bar, el('span', { class: 'done' }, `${j.done.toLocaleString('en')}${j.total != null ? ' of ' + j.total.toLocaleString('en') : ''}${pct != null ? ' (' + pct + ' %)' : ''}`)),
          el('td', { class: 'counters' }, ...counters), el('td', { class: 'status' }, j.status + (j.cancelRequested && j.status === 'running' ? ' (stopping)' : ''),
            j.message ? el('div', { class: 'job-message' }, j.message) : ''),
          el('td', {}, when(j.startedAt), j.startedBy ? el('br') : '', j.startedBy || ''),
          el('td', {}, role === 'admin' && j.status === 'running' && !j.cancelRequested ? el('button', { onclick: cancel }, 'Cancel') : ''));
      }, 'No job has run yet.');
      clearTimeout(loaders.jobsTimer);
      if (list.some(j => j.status === 'running') && current().page === 'jobs') loaders.jobsTimer = setTimeout(() => loaders.jobs().catch(() => {}), 1000);
    },
    async reconciliation(runId) {
      let id = runId;
      if (!id) {
        const runs = await api('GET', '/api/reconciliation/runs?limit=1');
        if (!runs.length) { $('#recon-summary').textContent = 'No reconciliation run yet.'; rows('breaks', [], null, ''); return; }
        id = runs[0].id;
      }
      const report = await api('GET', `/api/reconciliation/runs/${id}`);
      const s = report.summary || {};
      const counts = (s.breaks || []).map(b => `${b.category}${b.erp ? ' (' + b.erp + ')' : ''}: ${b.count}`).join(', ') || 'no breaks';
      const risk = (s.revenueAtRisk || []).map(r => `${r.currency} ${money(r.amount, r.currency)}`).join(', ') || 'none';
      $('#recon-summary').replaceChildren(el('p', {}, `Run ${report.id} of ${report.date}: ${counts}. Revenue at risk: ${risk}. `,
        el('a', { href: `/api/reconciliation/runs/${report.id}?format=csv` }, 'CSV')));
      rows('breaks', report.breaks, b => el('tr', {}, el('td', {}, b.category), el('td', {}, b.erp || ''), el('td', {}, b.key),
        el('td', {}, `${b.ageDays} d`), el('td', {}, b.explanation), el('td', {}, b.action)), 'No breaks.');
    },
    async ledger() {
      const currency = $('#currency').value.trim().toUpperCase() || 'USD';
      const tb = await api('GET', `/api/ledger/trial-balance?currency=${encodeURIComponent(currency)}`);
      rows('trial-balance', tb.accounts || [], a => el('tr', {}, el('td', {}, a.code), el('td', {}, a.name),
        el('td', { class: 'num' }, money(a.debit, currency)), el('td', { class: 'num' }, money(a.credit, currency))),
        'No entries in ' + currency + '.');
      const to = new Date();
      const from = new Date(to.getFullYear(), to.getMonth() - 2, 1);
      const ym = d => d.toISOString().slice(0, 7);
      const wf = await api('GET', `/api/revenue/waterfall?from=${ym(from)}&to=${ym(to)}`);
      const months = (Array.isArray(wf) ? wf : []).filter(m => m.currency === currency);
      const m$ = v => el('td', { class: 'num' }, money(v, currency));
      rows('waterfall', months, m => el('tr', {}, el('td', {}, m.month), m$(m.opening), m$(m.billed), m$(m.recognised), m$(m.reduced),
        m$(m.closing)), 'No deferred revenue in these months.');
    },
    async sync() {
      const st = await api('GET', '/api/erp/status');
      rows('erp-status', st.erps, e => el('tr', {}, el('td', {}, e.erp), el('td', { class: 'num' }, e.pending),
        el('td', { class: 'num' }, e.synced), el('td', { class: 'num' }, e.failed), el('td', { class: 'num' }, e.lagSeconds),
        el('td', {}, e.circuit)), 'No journal entry has gone to an ERP yet.');
      rows('error-classes', st.deadLettersByErrorClass, c => el('tr', {}, el('td', {}, c.errorClass), el('td', {}, c.routeId || ''),
        el('td', { class: 'num' }, c.count)), 'No open dead letters.');
    },
    async search(q) {
      $('[data-testid=search-q]').textContent = q;
      $('#q').value = q;
      const r = await api('GET', `/api/search?q=${encodeURIComponent(q)}`);
      const list = $('[data-testid=search-hits]');
      list.replaceChildren(...(r.hits.length ? r.hits.map(h => {
        const target = h.type === 'event' || (h.customerId == null && h.eventId != null) ? '#/event/' + h.eventId
          : h.customerId != null ? '#/customer/' + encodeURIComponent(h.customerId) : null;
        return el('li', { dataset: { type: h.type, id: h.id } }, el('span', { class: 'hit-type' }, h.type), ' ',
          target ? el('a', { href: target }, h.title) : h.title,
          h.amount != null ? ` ${h.currency} ${money(h.amount, h.currency)}` : '', ' ', el('span', { class: 'hit-detail' }, h.detail || ''),
          h.eventId != null && h.type !== 'event' ? el('span', {}, ' · ', eventLink(h.eventId)) : '');
      }) : [el('li', {}, `Nothing found for "${q}".`)]));
    },
    async customer(id) {
      const c = await api('GET', `/api/customers/${encodeURIComponent(id)}`);
      $('[data-testid=customer-name]').textContent = c.legalName || c.id;
      $('[data-testid=customer-ids]').textContent = [c.id, c.email, ...c.externalIds.map(x => `${x.system} ${x.externalId}`)].filter(Boolean).join(' · ');
      $('[data-testid=customer-balance]').replaceChildren(...(c.balance.length ? c.balance.map(b => el('div', { class: 'card', dataset: { currency: b.currency } },
        el('div', { class: 'label' }, `${b.currency} receivable`), el('div', { class: 'figure receivable' }, money(b.receivable ?? 0, b.currency)),
        el('div', { class: 'label' }, 'unapplied cash'), el('div', { class: 'figure unapplied' }, money(b.unappliedCash ?? 0, b.currency))))
        : [el('p', {}, 'No balance: nothing posted for this customer yet.')]));
      rows('customer-contracts', c.contracts, k => el('tr', {}, el('td', {}, k.id), el('td', {}, k.status), el('td', {}, k.dealId ? `${k.crm} ${k.dealId}` : ''),
        el('td', { class: 'num' }, k.total != null ? `${k.currency} ${money(k.total, k.currency)}` : ''), el('td', {}, when(k.createdAt)), el('td', {}, eventLink(k.eventId))), 'No contracts.');
      rows('customer-invoices', c.invoices, i => el('tr', { dataset: { id: i.invoiceId } }, el('td', {}, i.invoiceId), el('td', {}, i.invoiceDate), el('td', {}, i.status),
        el('td', { class: 'num' }, money(i.total, i.currency)), el('td', { class: 'num' }, money(i.paid, i.currency)),
        el('td', { class: 'num open' }, money(i.openAmount, i.currency)), el('td', {}, eventLink(i.eventId))), 'No invoices.');
      rows('customer-payments', c.payments, p => el('tr', { dataset: { id: p.paymentId } }, el('td', {}, p.paymentId), el('td', {}, p.date || ''), el('td', {}, p.invoiceId || ''),
        el('td', { class: 'num' }, money(p.amount, p.currency)), el('td', { class: 'num' }, money(p.applied, p.currency)),
        el('td', { class: 'num' }, money(p.unapplied, p.currency)), el('td', {}, eventLink(p.eventId))), 'No payments.');
    },
    async event(id) {
      const t = await api('GET', `/api/events/${encodeURIComponent(id)}`);
      $('[data-testid=event-title]').textContent = `Event ${t.id}: ${t.source} ${t.type || ''}`;
      $('[data-testid=event-summary]').replaceChildren(`${t.eventId}, received ${when(t.receivedAt)}, ${t.status}${t.statusReason ? ' (' + t.statusReason + ')' : ''}`,
        t.mappingVersion ? `, mapped by ${t.mappingVersion}` : '', '. ',
        ...(t.journalEntries[0] && t.journalEntries[0].customer ? ['Customer: ', customerLink(t.journalEntries[0].customer)] : []));
      $('[data-testid=event-entries]').replaceChildren(...(t.journalEntries.length ? t.journalEntries.map(e => el('div', { class: 'entry', dataset: { id: e.id } },
        el('p', {}, el('strong', {}, `Entry ${e.id}`), ` ${e.date} ${e.currency}: ${e.memo} (${e.postingRule})`),
        el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, 'account'), el('th', { class: 'num' }, 'debit'), el('th', { class: 'num' }, 'credit'))),
          el('tbody', {}, ...(e.lines || []).map(l => el('tr', {}, el('td', {}, `${l.account} ${l.accountName}`),
            el('td', { class: 'num' }, l.debit ? money(l.debit, e.currency) : ''), el('td', { class: 'num' }, l.credit ? money(l.credit, e.currency) : ''))))))) :
        [el('p', {}, 'No journal entry came from this event.')]));
      rows('event-erp', t.erpPostings, p => el('tr', {}, el('td', {}, p.erp), el('td', {}, p.entryId), el('td', {}, p.externalKey), el('td', {}, p.status),
        el('td', {}, p.erpId || ''), el('td', {}, p.erpDate || ''), el('td', {}, p.lastError || '')), 'Not sent to an ERP.');
      rows('event-approvals', t.approvals, a => el('tr', {}, el('td', {}, a.what), el('td', {}, a.decision), el('td', {}, a.by), el('td', {}, when(a.at)),
        el('td', {}, a.reason)), 'Nothing needed an approval.');
      const problems = [...t.exceptions.map(x => ['exception', x.id, x.status, x.summary]), ...t.deadLetters.map(d => ['dead letter', d.id, d.status, d.error])];
      rows('event-problems', problems, p => el('tr', {}, ...p.map(v => el('td', {}, v))), 'None.');
      rows('event-audit', t.audit, a => el('tr', {}, el('td', {}, when(a.at)), el('td', {}, a.actor), el('td', {}, a.action),
        el('td', {}, `${a.subjectType} ${a.subjectId}`)), 'No audit records.');
      $('[data-testid=event-canonical] pre').textContent = t.canonical == null ? '(none)' : JSON.stringify(t.canonical, null, 2);
      $('[data-testid=event-payload] pre').textContent = typeof t.payload === 'string' ? t.payload : JSON.stringify(t.payload, null, 2);
    }
  };

  // pages and what each loads; a part that cannot load says so in its own place, never over the answer to what the user just did
  const pages = {
    overview: [['overview', 'overview-aging']],
    work: [['exceptions', 'exceptions'], ['deadLetters', 'dead-letters']],
    jobs: [['jobs', 'jobs']],
    books: [['reconciliation', 'reconciliation'], ['ledger', 'ledger'], ['sync', 'sync']],
    search: [['search', 'search-results']],
    customer: [['customer', 'customer']],
    event: [['event', 'event']]
  };
  function current() {
    const [page, ...rest] = location.hash.replace(/^#\/?/, '').split('/');
    return pages[page] ? { page, arg: rest.length ? decodeURIComponent(rest.join('/')) : undefined } : { page: 'overview' };
  }
  async function show() {
    const { page, arg } = current();
    document.querySelectorAll('.view').forEach(v => { v.hidden = v.dataset.view !== page; });
    document.querySelectorAll('nav a').forEach(a => a.classList.toggle('active', a.dataset.nav === page));
    for (const [name, sectionId] of pages[page]) {
      const section = document.getElementById(sectionId);
      let note = section.querySelector('p.section-error');
      if (!note) { note = el('p', { class: 'error section-error' }); section.append(note); }
      note.textContent = '';
      try { await loaders[name](arg); } catch (e) {
        if (e.status === 401) { signOut('Your session is no longer valid: sign in again.'); return; }
        note.textContent = `Could not load: ${e.message}`;
      }
    }
    document.body.dataset.loaded = page + (arg ? '/' + arg : '');
  }

  function signedIn() {
    $('#login').hidden = true;
    $('#app').hidden = false;
    $('#signout').hidden = false;
    $('#search').hidden = false;
    $('#who').textContent = 'signed in as ' + user;
    show();
  }

  function signOut(why) {
    sessionStorage.clear();
    auth = user = role = null;
    $('#login').hidden = false;
    $('#app').hidden = true;
    $('#signout').hidden = true;
    $('#search').hidden = true;
    $('#who').textContent = 'not signed in';
    $('#login-error').textContent = why || '';
  }

  $('#login').addEventListener('submit', async ev => {
    ev.preventDefault();
    user = $('#user').value.trim();
    auth = btoa(unescape(encodeURIComponent(user + ':' + $('#password').value)));
    try {
      role = (await api('GET', '/api/me')).role;
      sessionStorage.setItem('lb-auth', auth);
      sessionStorage.setItem('lb-user', user);
      sessionStorage.setItem('lb-role', role);
      $('#login-error').textContent = '';
      signedIn();
    } catch (e) {
      $('#login-error').textContent = e.status === 401 ? 'Wrong user or password.' : e.message;
    }
  });
  $('#signout').addEventListener('click', () => signOut());
  $('#search').addEventListener('submit', ev => {
    ev.preventDefault();
    const q = $('#q').value.trim();
    if (q) location.hash = '#/search/' + encodeURIComponent(q);
  });
  $('#recon-run').addEventListener('submit', async ev => {
    ev.preventDefault();
    try {
      const report = await api('POST', '/api/reconciliation/runs', { date: $('#recon-date').value });
      say(`Reconciliation run ${report.id} of ${report.date} done`);
      await loaders.reconciliation(report.id);
    } catch (e) {
      say('Reconciliation not run: ' + e.message, true);
    }
  });
  document.querySelectorAll('button.refresh').forEach(b => b.addEventListener('click', () => loaders[b.dataset.load]()));
  window.addEventListener('hashchange', () => { if (auth) { say(''); show(); } });
  if (auth) signedIn();
})();

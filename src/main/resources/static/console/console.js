// Ledgerbridge finance console: a thin page over the admin API (/api). Credentials stay in this tab
// (sessionStorage) and go with each call as HTTP Basic; the API decides what each role may do.
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

  function money(minor, currency) {
    const digits = { JPY: 0, KRW: 0, KWD: 3, BHD: 3 }[currency] ?? 2;
    const sign = minor < 0 ? '-' : '';
    const s = String(Math.abs(minor)).padStart(digits + 1, '0');
    return sign + (digits ? s.slice(0, -digits) + '.' + s.slice(-digits) : s);
  }

  function rows(tableTestId, list, render, empty) {
    const body = $(`[data-testid="${tableTestId}"] tbody`);
    body.replaceChildren(...(list.length ? list.map(render) : [el('tr', {}, el('td', { colspan: 9 }, empty))]));
  }

  const loaders = {
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
        return el('tr', { dataset: { id: x.id } }, el('td', {}, x.id), el('td', {}, x.kind), el('td', {}, x.summary),
          el('td', {}, x.requestedBy || ''), el('td', {}, (x.createdAt || '').slice(0, 16).replace('T', ' ')),
          el('td', {}, reason, ' ', el('button', { onclick: decide('approve') }, 'Approve'), ' ',
            el('button', { onclick: decide('reject') }, 'Reject')));
      }, 'Nothing waits for a decision.');
    },
    async deadLetters() {
      const list = await api('GET', '/api/dead-letters?limit=100');
      rows('dead-letters', list, d => {
        const act = action => async () => {
          try {
            const r = await api('POST', `/api/dead-letters/${d.id}/${action}`, action === 'discard' ? { reason: 'discarded from the console' } : undefined);
            say(`Dead letter #${d.id} ${r.status}`);
            await loaders.deadLetters();
          } catch (e) {
            say(`Dead letter #${d.id}: ${e.message}`, true);
          }
        };
        const open = d.status === 'open';
        return el('tr', { dataset: { id: d.id } }, el('td', {}, d.id), el('td', {}, d.routeId || ''), el('td', {}, d.error || ''),
          el('td', {}, (d.failedAt || '').slice(0, 16).replace('T', ' ')), el('td', { class: 'status' }, d.status),
          el('td', {}, open ? el('button', { onclick: act('replay') }, 'Replay') : '', ' ',
            open ? el('button', { onclick: act('discard') }, 'Discard') : ''));
      }, 'No dead letters.');
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
    }
  };

  // a section that cannot load says so in its own place, never over the answer to what the user just did
  const sections = { exceptions: 'exceptions', deadLetters: 'dead-letters', reconciliation: 'reconciliation', ledger: 'ledger', sync: 'sync' };
  async function loadAll() {
    for (const [name, load] of Object.entries(loaders)) {
      const section = document.getElementById(sections[name]);
      let note = section.querySelector('p.section-error');
      if (!note) { note = el('p', { class: 'error section-error' }); section.append(note); }
      note.textContent = '';
      try { await load(); } catch (e) {
        if (e.status === 401) { signOut('Your session is no longer valid: sign in again.'); return; }
        note.textContent = `Could not load: ${e.message}`;
      }
    }
  }

  function signedIn() {
    $('#login').hidden = true;
    $('#app').hidden = false;
    $('#signout').hidden = false;
    $('#who').textContent = 'signed in as ' + user;
    loadAll();
  }

  function signOut(why) {
    sessionStorage.clear();
    auth = user = null;
    $('#login').hidden = false;
    $('#app').hidden = true;
    $('#signout').hidden = true;
    $('#who').textContent = 'not signed in';
    $('#login-error').textContent = why || '';
  }

  $('#login').addEventListener('submit', async ev => {
    ev.preventDefault();
    user = $('#user').value.trim();
    auth = btoa(unescape(encodeURIComponent(user + ':' + $('#password').value)));
    try {
      await api('GET', '/api/exceptions?status=open&limit=1');
      sessionStorage.setItem('lb-auth', auth);
      sessionStorage.setItem('lb-user', user);
      $('#login-error').textContent = '';
      signedIn();
    } catch (e) {
      $('#login-error').textContent = e.status === 401 ? 'Wrong user or password.' : e.message;
    }
  });
  $('#signout').addEventListener('click', () => signOut());
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
  if (auth) signedIn();
})();

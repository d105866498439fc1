// Shared by every page: the API client and a DOM builder that only ever makes text nodes from
// data (job names, config values, log lines come from outside and are never parsed as HTML).
'use strict';

const eddy = {};

// GET an API path; a 401 (token gone or wrong) sends the browser to the login page.
eddy.api = async function (path) {
  const r = await fetch(path, { credentials: 'same-origin', cache: 'no-store' });
  if (r.status === 401) {
    location.href = '/login';
    throw new Error('unauthorized');
  }
  let body;
  try { body = await r.json(); } catch (e) { body = { error: 'not JSON: HTTP ' + r.status }; }
  if (!r.ok) throw new Error(body && body.error ? body.error : 'HTTP ' + r.status);
  return body;
};

// el('td', {class: 'num', 'data-x': v}, child...): children are nodes or text (as text).
eddy.el = function (tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined) continue;
    if (k === 'href') e.href = v; else e.setAttribute(k, String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    e.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
};

eddy.param = function (name) { return new URLSearchParams(location.search).get(name) || ''; };

eddy.num = function (v, digits) {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  if (typeof v !== 'number') return String(v);
  return v.toLocaleString('en-US', { maximumFractionDigits: digits === undefined ? 0 : digits });
};

eddy.bytes = function (v) {
  if (v === null || v === undefined) return '–';
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (v >= 1024 && i < u.length - 1) { v /= 1024; i++; }
  return (i === 0 ? v : v.toFixed(1)) + ' ' + u[i];
};

eddy.time = function (ms) { return ms ? new Date(ms).toLocaleString() : '–'; };

// Replaces the rows of table body `tbody` with `rows` (arrays of cells: text or nodes, or
// {text, class} objects); an empty list shows `empty` in one row.
eddy.fill = function (tbody, rows, empty, rowAttrs) {
  const cols = tbody.closest('table').querySelectorAll('thead th').length || 1;
  const out = [];
  rows.forEach((cells, i) => {
    const tr = eddy.el('tr', rowAttrs ? rowAttrs(i) : {});
    for (const c of cells) {
      if (c && typeof c === 'object' && !(c instanceof Node)) {
        tr.appendChild(eddy.el('td', { class: c.class }, c.node || c.text));
      } else {
        tr.appendChild(eddy.el('td', {}, c));
      }
    }
    out.push(tr);
  });
  if (out.length === 0) out.push(eddy.el('tr', {}, eddy.el('td', { colspan: cols, class: 'muted' }, empty)));
  tbody.replaceChildren(...out);
};

eddy.link = function (text, href) { return eddy.el('a', { href: href }, text); };

// Runs `f` now and every `ms`, showing failures in element `statusEl`.
eddy.every = function (ms, f, statusEl) {
  const run = async () => {
    try {
      await f();
      if (statusEl) { statusEl.textContent = 'updated ' + new Date().toLocaleTimeString(); statusEl.className = 'status muted'; }
    } catch (e) {
      if (statusEl) { statusEl.textContent = String(e.message || e); statusEl.className = 'status error'; }
    }
    setTimeout(run, ms);
  };
  run();
};

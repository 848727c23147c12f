// Building the page. Everything is made with createElement and text
// nodes, never from strings of HTML: the values shown come from the API
// (names, addresses, reasons) and must stay text. The CSP's trusted types
// make any assignment of markup to an element throw, so a slip fails
// loudly.

import { t, lang, enumLabel } from './i18n.js';

// h('button.primary#go', {onclick, type: 'button'}, 'text', child, ...)
// makes an element. Props starting with "on" are listeners, "dataset"
// sets data-*, a false or null prop is left out; children may be
// strings, numbers, nodes, arrays or null.
export function h(spec, props, ...children) {
  const [, tag = 'div', rest = ''] = spec.match(/^([a-z0-9-]*)(.*)$/);
  const el = document.createElement(tag || 'div');
  for (const part of rest.match(/[.#][^.#]+/g) || []) {
    if (part[0] === '#') el.id = part.slice(1);
    else el.classList.add(part.slice(1));
  }
  if (props && (typeof props !== 'object' || props instanceof Node || Array.isArray(props))) {
    children.unshift(props);
    props = null;
  }
  for (const [k, v] of Object.entries(props || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'class') el.classList.add(...String(v).split(/\s+/).filter(Boolean));
    else if (k === 'value' || k === 'checked' || k === 'selected' || k === 'disabled' || k === 'hidden') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// replace empties el and fills it with children.
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// busy runs work (a promise-returning function) with button disabled and
// marked busy, so a slow call is visible and cannot be sent twice.
export async function busy(button, work) {
  if (button.disabled) return undefined;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

// action is a button that runs work while busy; errors go to onError.
export function action(label, work, { kind = '', onError, title, dataset, type = 'button' } = {}) {
  const b = h('button' + (kind ? '.' + kind : ''), { type, title, dataset }, label);
  b.addEventListener('click', (ev) => {
    ev.preventDefault();
    busy(b, work).catch((err) => (onError ? onError(err) : toast(err, 'error')));
  });
  return b;
}

// field is a labelled control.
export function field(label, control, hint) {
  return h('label.field', h('span.label', label), control, hint ? h('small.hint', hint) : null);
}

// select makes a <select> of [value, label] pairs.
export function select(options, value, props = {}) {
  return h('select', props, options.map(([v, l]) => h('option', { value: v, selected: v === value }, l)));
}

// toast shows a short message (or an error's title) for a few seconds.
export function toast(message, kind = 'ok') {
  const text = message instanceof Error ? message.message : String(message);
  const el = h('div.toast.' + kind, text);
  document.getElementById('toasts').append(el);
  setTimeout(() => el.remove(), kind === 'error' ? 8000 : 4000);
}

// table renders rows as a table: columns are [header, cell(row)] pairs;
// a cell returns text or nodes. onRow, when given, makes rows selectable.
export function table(columns, rows, { empty, onRow, rowProps } = {}) {
  if (!rows.length) return h('p.empty', empty || t('list.empty'));
  return h('div.table-wrap',
    h('table',
      h('thead', h('tr', columns.map(([head]) => h('th', { scope: 'col' }, head)))),
      h('tbody', rows.map((r, i) => {
        const tr = h('tr', rowProps ? rowProps(r, i) : null, columns.map(([, cell]) => h('td', cell(r, i))));
        if (onRow) {
          tr.tabIndex = 0;
          tr.classList.add('clickable');
          tr.addEventListener('click', () => onRow(r, tr));
          tr.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') onRow(r, tr); });
        }
        return tr;
      }))));
}

// dialog shows a modal <dialog> with body and buttons; it resolves when
// closed. actions are [label, kind, fn]: fn may throw to keep it open
// (its error shown in the dialog), or return a value to resolve with.
export function dialog(title, body, actions, { onError } = {}) {
  return new Promise((resolve) => {
    const msg = h('div.dialog-error');
    const dlg = h('dialog.dialog', { 'aria-label': title },
      h('h2', title), h('div.dialog-body', body), msg,
      h('div.actions', actions.map(([label, kind, fn]) => action(label, async () => {
        try {
          const out = fn ? await fn() : undefined;
          dlg.close();
          resolve(out);
        } catch (err) {
          replace(msg, onError ? onError(err) : String(err.message || err));
        }
      }, { kind }))));
    dlg.addEventListener('close', () => { dlg.remove(); resolve(undefined); });
    document.body.append(dlg);
    dlg.showModal();
    const first = dlg.querySelector('input, textarea, select');
    if (first) first.focus();
  });
}

// when formats an RFC 3339 time in the current language.
export function when(ts) {
  if (!ts) return '—';
  const d = new Date(ts);
  return Number.isNaN(d.getTime()) ? ts : d.toLocaleString(lang() === 'zh' ? 'zh-CN' : 'en-GB', { hour12: false });
}

// count formats a proto3 JSON 64-bit count (a string, absent for 0).
export function count(v) {
  return Number(v || 0).toLocaleString(lang() === 'zh' ? 'zh-CN' : 'en-US');
}

// idOf is the last segment of a resource name.
export function idOf(name) {
  return String(name || '').split('/').pop();
}

// short shows the start of a long id (a UUID) with the whole in a tooltip.
export function short(name) {
  const id = idOf(name);
  return h('span.mono', { title: name }, id.length > 13 ? id.slice(0, 8) + '…' : id);
}

// download saves bytes as a file through a temporary link.
export function download(bytes, type, filename) {
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  const a = h('a', { href: url, download: filename, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

// fromBase64 decodes proto3 JSON bytes.
export function fromBase64(b64) {
  const bin = atob(b64 || '');
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

// stateBadge is a record's state, labelled and styled by its value.
export function stateBadge(enumName, value) {
  return h('span.state.' + String(value).toLowerCase(), enumLabel(enumName, value));
}

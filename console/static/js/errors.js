// Refusals in plain words: what happened and what to do, by the error's
// stable reason (README "Errors"), with the server's own message, the
// fields it names and its metadata kept underneath for whoever needs them.

import { ApiError, NetworkError } from './api.js';
import { h } from './dom.js';
import { t, has } from './i18n.js';

// explain turns any error into {reason, what, todo, details, fields}.
export function explain(err) {
  if (err instanceof ApiError) {
    const reason = err.reason || 'HTTP_' + err.status;
    const known = has('err.' + reason + '.what');
    return {
      reason,
      what: known ? t('err.' + reason + '.what', err.metadata) : t('err.unknown.what', { status: err.status }),
      todo: known ? t('err.' + reason + '.todo', err.metadata) : t('err.unknown.todo'),
      message: err.message,
      fields: err.violations,
      metadata: err.metadata,
      retryAfter: err.retryAfter,
    };
  }
  if (err instanceof NetworkError) {
    return { reason: 'NETWORK', what: t('err.NETWORK.what'), todo: t('err.NETWORK.todo'), message: err.message, fields: [], metadata: {} };
  }
  return { reason: 'CONSOLE', what: String(err && err.message ? err.message : err), todo: '', message: '', fields: [], metadata: {} };
}

// errorBox shows an explained error where it happened.
export function errorBox(err) {
  const e = explain(err);
  const meta = Object.entries(e.metadata || {});
  return h('div.error-box', { role: 'alert', dataset: { reason: e.reason } },
    h('p.what', h('strong', e.what), ' ', h('code.reason', e.reason)),
    e.todo ? h('p.todo', t('err.todo'), ' ', e.todo) : null,
    e.retryAfter ? h('p.todo', t('err.retryAfter', { s: e.retryAfter })) : null,
    e.fields.length ? h('ul.fields', e.fields.map((f) =>
      h('li', h('code', f.field), ' ', h('span.rule', t('err.rule'), ' ', f.rule), ' — ', f.description))) : null,
    (e.message && e.message !== e.what) || meta.length ? h('details',
      h('summary', t('err.details')),
      e.message ? h('p.server-message', e.message) : null,
      meta.length ? h('dl.meta', meta.map(([k, v]) => [h('dt', k), h('dd', v)])) : null) : null);
}

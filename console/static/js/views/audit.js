// The audit log, newest first: every admin action and every read of
// personal data in full, with who did it and the details that matter;
// optionally only the events naming one merchant.

import { page } from '../api.js';
import { h, replace, table, when, field, short } from '../dom.js';
import { t } from '../i18n.js';
import { pagedList } from '../pager.js';

export function render(root) {
  const merchant = h('input', { type: 'search', name: 'merchant', placeholder: 'merchants/…', autocomplete: 'off' });
  const results = h('div');
  replace(root, h('section',
    h('h2', t('audit.title')),
    h('form.filters', { onsubmit: (ev) => { ev.preventDefault(); show(); } },
      field(t('col.merchant'), merchant), h('button.primary', { type: 'submit' }, t('filter.search'))),
    results));
  show();

  function show() {
    const paged = pagedList((token, size) => page('/v1/auditEvents', 'auditEvents', { pageSize: size, pageToken: token, merchant: merchant.value.trim() }),
      (items) => table([
        [t('col.time'), (e) => when(e.time || e.createTime)],
        [t('audit.action'), (e) => h('code', e.action)],
        [t('col.actor'), (e) => short(e.actor)],
        [t('col.merchant'), (e) => e.merchant ? short(e.merchant) : '—'],
        [t('audit.resources'), (e) => (e.resources || []).slice(0, 4).map((r) => h('div.mono.small', { title: r }, r))],
        [t('audit.details'), (e) => h('dl.meta', Object.entries(e.details || {}).map(([k, v]) => [h('dt', k), h('dd', v)]))],
      ], items, { empty: t('audit.none'), rowProps: (e) => ({ dataset: { action: e.action } }) }));
    replace(results, paged.el);
  }
}

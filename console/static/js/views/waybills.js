// A merchant's waybills: found by number, or listed by order code,
// carrier, state and creation time, a page at a time; a waybill not yet
// picked up can be cancelled with a reason, and the console says what the
// cancel did: the unit credited back to the quota, and what became of
// the number (voided, or queued for reuse once never printed).

import { get, page, path, post } from '../api.js';
import { h, replace, table, when, field, select, dialog, action, count, stateBadge } from '../dom.js';
import { errorBox } from '../errors.js';
import { t, enumLabel, enumOptions } from '../i18n.js';
import { pagedList } from '../pager.js';
import { carriers, carrierLabel, carrierOptions } from '../carriers.js';

export async function render(root, { merchant }) {
  const list = await carriers();
  const number = h('input', { type: 'search', name: 'number', placeholder: t('waybills.numberHint'), autocomplete: 'off' });
  const orderCode = h('input', { type: 'search', name: 'orderCode', autocomplete: 'off' });
  const carrier = select([['', t('filter.any')], ...carrierOptions(list)], '', { name: 'carrier' });
  const state = select([['', t('filter.any')], ...enumOptions('WaybillState')], '', { name: 'state' });
  const from = h('input', { type: 'date', name: 'from' });
  const to = h('input', { type: 'date', name: 'to' });
  const outcome = h('div#cancel-outcome', { 'aria-live': 'polite' });
  const results = h('div.results');

  const search = h('form.filters', { onsubmit: (ev) => { ev.preventDefault(); show(); } },
    field(t('col.number'), number), field(t('col.order'), orderCode), field(t('col.carrier'), carrier),
    field(t('col.state'), state), field(t('filter.from'), from), field(t('filter.to'), to),
    h('button.primary', { type: 'submit' }, t('filter.search')));

  replace(root, h('section', h('h2', t('waybills.title')), search, outcome, results));

  function columns(reload) {
    return [
      [t('col.number'), (w) => h('span.mono', w.number)],
      [t('col.carrier'), (w) => carrierLabel(list, w.carrier)],
      [t('col.order'), (w) => [w.order && w.order.orderCode, w.order && w.order.packageId && w.order.packageId !== '1' ? ' #' + w.order.packageId : '']],
      [t('col.state'), (w) => stateBadge('WaybillState', w.state)],
      [t('col.prints'), (w) => String(w.printCount || 0)],
      [t('col.created'), (w) => when(w.createTime)],
      ['', (w) => (w.state === 'WAYBILL_STATE_ISSUED' || w.state === 'WAYBILL_STATE_PRINTED')
        ? action(t('waybills.cancel'), () => cancel(w, reload), { dataset: { act: 'cancel', number: w.number } })
        : (w.cancellation ? h('small.muted', w.cancellation.reason) : null)],
    ];
  }

  function show() {
    replace(outcome);
    const n = number.value.trim();
    if (n) {
      // A number is one waybill: GET waybills/{number} (the latest holder).
      get('/v1/waybills/' + encodeURIComponent(n)).then(
        (out) => replace(results, table(columns(show), [out.waybill], { rowProps: (w) => ({ dataset: { number: w.number } }) })),
        (err) => replace(results, errorBox(err)));
      return;
    }
    const query = {
      orderCode: orderCode.value.trim(), carrier: carrier.value, state: state.value,
      createTimeStart: from.value ? new Date(from.value + 'T00:00:00').toISOString() : '',
      createTimeEnd: to.value ? new Date(new Date(to.value + 'T00:00:00').getTime() + 86400000).toISOString() : '',
    };
    const paged = pagedList((token, size) => page(path(merchant, '/waybills'), 'waybills', { ...query, pageSize: size, pageToken: token }),
      (items) => table(columns(() => paged.reload()), items, { empty: t('waybills.none'), rowProps: (w) => ({ dataset: { number: w.number } }) }));
    replace(results, paged.el);
  }

  async function cancel(w, reload) {
    const reason = h('input', { type: 'text', maxlength: '200', required: true, name: 'reason' });
    const out = await dialog(t('waybills.cancelTitle', { number: w.number }),
      [h('p', t('waybills.cancelExplain')), field(t('col.reason'), reason)],
      [[t('waybills.cancelConfirm'), 'danger', () => {
        if (!reason.value.trim()) throw new Error(t('form.reasonRequired'));
        return post(path(w.name, ':cancel'), { reason: reason.value.trim() });
      }], [t('form.close'), '', null]],
      { onError: errorBox });
    if (!out) return;
    const c = out.waybill.cancellation || {};
    replace(outcome, h('div.outcome', { role: 'status', dataset: { number: out.waybill.number } },
      h('strong', t(out.replayed ? 'waybills.cancelReplayed' : 'waybills.cancelled', { number: out.waybill.number })),
      h('ul',
        h('li', t('waybills.quotaCredited', { n: count(c.quotaCredited) })),
        h('li', enumLabel('NumberDisposition', c.numberDisposition),
          c.reusableTime ? ' — ' + t('waybills.reusableAt', { time: when(c.reusableTime) }) : ''))));
    reload();
  }

  show();
}

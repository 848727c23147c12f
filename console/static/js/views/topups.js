// Quotas for admins: the balances that are low across every merchant,
// and one merchant's balances with top-ups and deductions. Each change
// names an amount and a reason and carries a request id made when the
// button is pressed, so a retry after a lost answer is a replay, never a
// second top-up.

import { page, path, post, requestId, retrying } from '../api.js';
import { h, replace, table, field, select, action, count } from '../dom.js';
import { errorBox } from '../errors.js';
import { t } from '../i18n.js';
import { pagedList } from '../pager.js';
import { carriers, carrierLabel } from '../carriers.js';
import { quotaPanel } from './quotas.js';
import { merchantList, merchantLabel, merchantOf } from '../merchants.js';

export async function render(root) {
  const [merchants, list] = await Promise.all([merchantList(), carriers()]);
  const pick = select([['', t('topups.pick')], ...merchants.map((m) => [m.name, m.qualification.legalName])], '', { id: 'topup-merchant' });
  const panel = h('div#topup-panel');
  const low = pagedList((token, size) => page('/v1/merchants/-/quotas', 'quotas', { pageSize: size, pageToken: token, lowBalanceOnly: true }),
    (items) => table([
      [t('col.merchant'), (q) => merchantLabel(merchants, merchantOf(q.name))],
      [t('col.carrier'), (q) => carrierLabel(list, q.carrier)],
      [t('quota.available'), (q) => h('span.warn-text', count(q.available))],
      [t('quota.thresholdCol'), (q) => count(q.lowBalanceThreshold)],
    ], items, { empty: t('topups.noLow'), onRow: (q) => { pick.value = merchantOf(q.name); open(); } }),
    { size: 10, sizes: [10, 50] });
  pick.addEventListener('change', open);
  replace(root, h('section',
    h('h2', t('topups.title')),
    h('div.filters', field(t('col.merchant'), pick)),
    panel,
    h('h2', t('topups.low')), low.el));

  function open() {
    if (!pick.value) {
      replace(panel);
      return;
    }
    const quotas = quotaPanel(pick.value);
    replace(panel, adjust(pick.value, quotas.refresh), quotas.el);
  }

  // adjust is the top-up and deduction form for one of merchant's
  // quotas (a quota the merchant never had is created by its first
  // top-up).
  function adjust(merchant, refresh) {
    const carrier = select(list.map((c) => [c.code, carrierLabel(list, c.code)]), list.length ? list[0].code : '', { id: 'topup-carrier' });
    const amount = h('input#topup-amount', { type: 'number', min: '1', step: '1', name: 'amount', inputmode: 'numeric' });
    const reason = h('input#topup-reason', { type: 'text', maxlength: '200', name: 'reason' });
    const msg = h('div#topup-msg', { 'aria-live': 'polite' });
    const send = (verb) => async () => {
      replace(msg);
      const body = { amount: amount.value, reason: reason.value.trim(), requestId: requestId('console-' + verb) };
      try {
        const out = await retrying(() => post(path(merchant + '/quotas/' + carrier.value, ':' + verb), body));
        replace(msg, h('p.note.ok', { dataset: { available: out.quota.available || '0' } },
          t('topups.done.' + verb, { n: count(Math.abs(Number(out.entry.delta))), carrier: carrierLabel(list, carrier.value), available: count(out.quota.available) })));
        amount.value = '';
        reason.value = '';
        await refresh();
      } catch (err) {
        replace(msg, errorBox(err));
      }
    };
    return h('form.adjust', { onsubmit: (ev) => ev.preventDefault() },
      h('div.filters', field(t('col.carrier'), carrier), field(t('topups.amount'), amount), field(t('col.reason'), reason),
        action(t('topups.topUp'), send('topUp'), { kind: 'primary', dataset: { act: 'top-up' } }),
        action(t('topups.deduct'), send('deduct'), { kind: 'danger', dataset: { act: 'deduct' } })),
      msg);
  }
}

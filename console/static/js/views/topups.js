// Quotas for admins: the balances that are low across every merchant,
// and one merchant's balances with top-ups and deductions. Each change
// names an amount and a reason and carries a request id made when the
// button is pressed, so a retry after a lost answer is a replay, never a
// second top-up.

import { page, path, post, requestId, retrying } from '../api.js';
import { h, replace, table, field, select, action, count, toast } from '../dom.js';
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
    replace(panel, quotaPanel(pick.value, { extra: adjust }).el);
  }

  // adjust is the top-up and deduction form on one quota's card.
  function adjust(q, refresh) {
    const amount = h('input', { type: 'number', min: '1', step: '1', name: 'amount', inputmode: 'numeric', 'aria-label': t('topups.amount') });
    const reason = h('input', { type: 'text', maxlength: '200', name: 'reason', 'aria-label': t('col.reason'), placeholder: t('col.reason') });
    const msg = h('div.card-msg', { 'aria-live': 'polite' });
    const send = (verb) => async () => {
      replace(msg);
      const body = { amount: amount.value, reason: reason.value.trim(), requestId: requestId('console-' + verb) };
      try {
        const out = await retrying(() => post(path(q.name, ':' + verb), body));
        toast(t('topups.done.' + verb, { n: count(out.entry.delta), available: count(out.quota.available) }));
        await refresh();
      } catch (err) {
        replace(msg, errorBox(err));
      }
    };
    return h('form.adjust', { onsubmit: (ev) => ev.preventDefault() },
      h('div.row', field(t('topups.amount'), amount), field(t('col.reason'), reason)),
      h('div.row',
        action(t('topups.topUp'), send('topUp'), { kind: 'primary', dataset: { act: 'top-up' } }),
        action(t('topups.deduct'), send('deduct'), { kind: 'danger', dataset: { act: 'deduct' } })),
      msg);
  }
}

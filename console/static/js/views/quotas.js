// Balances and the ledger of one merchant, as the merchant sees them and
// as an admin sees them around a top-up: a card per carrier (what is
// available, and how it got there), a warning under the low-balance
// threshold, and the ledger every change is written to.

import { all, page, path } from '../api.js';
import { h, replace, table, when, count, select, field } from '../dom.js';
import { errorBox } from '../errors.js';
import { t, enumLabel, enumOptions } from '../i18n.js';
import { pagedList } from '../pager.js';
import { carriers, carrierLabel } from '../carriers.js';

// quotaPanel returns {el, refresh} for merchant's balances and ledger.
export function quotaPanel(merchant, title = t('quota.title')) {
  const cards = h('div.cards', { 'aria-live': 'polite' });
  const warn = h('div.low-warning', { hidden: true, role: 'alert' });
  const ledgerBox = h('div.ledger');
  const carrierPick = select([['-', t('quota.allCarriers')]], '-', { 'aria-label': t('quota.ledgerCarrier') });
  const typePick = select([['', t('quota.allTypes')], ...enumOptions('LedgerEntryType')], '', { 'aria-label': t('quota.ledgerType') });
  let ledger;

  const again = h('button', { type: 'button', dataset: { act: 'refresh' }, onclick: () => refresh() }, t('quota.refresh'));
  const el = h('div.quota-panel',
    h('div.section-head', h('h2', title), again), warn, cards,
    h('div.section-head', h('h2', t('quota.ledger')),
      h('span.filters', field(t('col.carrier'), carrierPick), field(t('col.type'), typePick))),
    ledgerBox);

  function showLedger() {
    const parent = path(merchant + '/quotas/' + carrierPick.value, '/ledgerEntries');
    ledger = pagedList((token, size) => page(parent, 'entries', { pageSize: size, pageToken: token, type: typePick.value }),
      (entries) => table([
        [t('col.time'), (e) => when(e.createTime)],
        [t('col.carrier'), (e) => e.name.split('/')[3]],
        [t('col.type'), (e) => enumLabel('LedgerEntryType', e.type)],
        [t('col.delta'), (e) => h('span.delta' + (Number(e.delta) < 0 ? '.neg' : '.pos'), (Number(e.delta) > 0 ? '+' : '') + count(e.delta))],
        [t('col.balanceAfter'), (e) => count(e.balanceAfter)],
        [t('col.number'), (e) => e.number ? h('span.mono', e.number) : '—'],
        [t('col.reason'), (e) => e.reason || '—'],
      ], entries, { empty: t('quota.noEntries'), rowProps: (e) => ({ dataset: { type: e.type, delta: e.delta || '0' } }) }));
    replace(ledgerBox, ledger.el);
  }
  carrierPick.addEventListener('change', showLedger);
  typePick.addEventListener('change', showLedger);

  async function refresh() {
    again.disabled = true;
    cards.setAttribute('aria-busy', 'true');
    try {
      const [quotas, list] = await Promise.all([all(path(merchant, '/quotas'), 'quotas'), carriers()]);
      if (carrierPick.options.length === 1) {
        for (const q of quotas) carrierPick.append(h('option', { value: q.carrier.replace('carriers/', '') }, carrierLabel(list, q.carrier)));
      }
      const low = quotas.filter((q) => q.lowBalance);
      warn.hidden = low.length === 0;
      replace(warn, t('quota.lowWarning', { carriers: low.map((q) => carrierLabel(list, q.carrier)).join('、') }));
      replace(cards, quotas.length ? quotas.map((q) => card(q, list)) : h('p.empty', t('quota.none')));
    } catch (err) {
      replace(cards, errorBox(err));
    } finally {
      cards.removeAttribute('aria-busy');
      again.disabled = false;
    }
    if (ledger) ledger.first();
  }

  function card(q, list) {
    const code = q.carrier.replace('carriers/', '');
    const threshold = Number(q.lowBalanceThreshold || 0);
    return h('article.card' + (q.lowBalance ? '.low' : ''), { dataset: { carrier: code } },
      h('h3', carrierLabel(list, q.carrier)),
      h('p.big', h('span.available', { dataset: { value: q.available || '0' } }, count(q.available)), ' ', h('small', t('quota.available'))),
      q.lowBalance ? h('p.warn-text', t('quota.low', { n: count(threshold) })) : h('p.muted', t('quota.threshold', { n: count(threshold) })),
      h('dl.stats',
        ['granted', 'live', 'issuedTotal', 'cancelled', 'printed', 'recycled'].map((k) =>
          h('div', h('dt', t('quota.' + k)), h('dd', { dataset: { stat: k } }, count(q[k]))))));
  }

  showLedger();
  refresh();
  return { el, refresh };
}

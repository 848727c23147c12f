// Carrier authorizations, the merchant's accounts with carriers. A
// merchant applies (a settlement account for a direct-operated carrier, a
// branch for a franchise) and may revoke; an admin approves or rejects
// what is pending (the first approval credits the starter grant) and may
// revoke. One list serves both, with the actions the key's role has.

import { page, path, post } from '../api.js';
import { h, replace, table, when, field, select, dialog, action, toast, stateBadge } from '../dom.js';
import { errorBox } from '../errors.js';
import { t, enumOptions } from '../i18n.js';
import { pagedList } from '../pager.js';
import { carriers, carrierLabel, carrierOptions } from '../carriers.js';
import { merchantList, merchantLabel, merchantOf } from '../merchants.js';

// render shows merchant's authorizations, or every merchant's pending
// ones for an admin (merchant "merchants/-").
export async function render(root, { merchant, admin }) {
  const [list, merchants] = await Promise.all([carriers(), admin ? merchantList() : []]);
  const state = select([['', t('filter.any')], ...enumOptions('CarrierAuthorizationState')],
    admin ? 'CARRIER_AUTHORIZATION_STATE_PENDING' : '', { id: 'auth-state' });
  const results = h('div');
  const form = admin ? null : applyForm();
  state.addEventListener('change', show);
  replace(root, h('section',
    h('h2', admin ? t('auth.adminTitle') : t('auth.title')),
    h('div.filters', field(t('col.state'), state)),
    results,
    form));
  show();

  function show() {
    const paged = pagedList((token, size) => page(path(merchant, '/carrierAuthorizations'), 'carrierAuthorizations',
      { pageSize: size, pageToken: token, state: state.value }),
    (items) => table([
      admin ? [t('col.merchant'), (a) => merchantLabel(merchants, merchantOf(a.name))] : null,
      [t('col.carrier'), (a) => carrierLabel(list, a.carrier)],
      [t('auth.account'), (a) => a.settlementAccount || [a.branchCode, a.branchName ? ' ' + a.branchName : '']],
      [t('col.state'), (a) => stateBadge('CarrierAuthorizationState', a.state)],
      [t('col.reason'), (a) => a.stateReason || '—'],
      [t('col.updated'), (a) => when(a.updateTime || a.createTime)],
      ['', (a) => actions(a, () => paged.reload())],
    ].filter(Boolean), items, { empty: t('auth.none'), rowProps: (a) => ({ dataset: { name: a.name, carrier: a.carrier } }) }));
    replace(results, paged.el);
  }

  function actions(a, reload) {
    const out = [];
    const pending = a.state === 'CARRIER_AUTHORIZATION_STATE_PENDING';
    if (admin && pending) {
      out.push(action(t('auth.approve'), () => decide(a, 'approve', 'comment', false).then(reload), { kind: 'primary', dataset: { act: 'approve' } }));
      out.push(action(t('auth.reject'), () => decide(a, 'reject', 'reason', true).then(reload), { kind: 'danger', dataset: { act: 'reject' } }));
    }
    if (pending || a.state === 'CARRIER_AUTHORIZATION_STATE_ACTIVE') {
      out.push(action(t('auth.revoke'), () => decide(a, 'revoke', 'reason', true).then(reload), { dataset: { act: 'revoke' } }));
    }
    return out;
  }

  // decide asks for a comment or reason and sends :verb.
  async function decide(a, verb, key, required) {
    const text = h('input', { type: 'text', maxlength: '500', name: key });
    const done = await dialog(t('auth.' + verb + 'Title', { carrier: carrierLabel(list, a.carrier) }),
      field(t(key === 'comment' ? 'form.comment' : 'col.reason'), text),
      [[t('auth.' + verb), verb === 'approve' ? 'primary' : 'danger', () => {
        if (required && !text.value.trim()) throw new Error(t('form.reasonRequired'));
        return post(path(a.name, ':' + verb), { [key]: text.value.trim() });
      }], [t('form.close'), '', null]], { onError: errorBox });
    if (done) toast(t('auth.done.' + verb, { carrier: carrierLabel(list, a.carrier) }));
  }

  // applyForm is the merchant's application for a carrier; what it asks
  // depends on the carrier's kind.
  function applyForm() {
    const carrier = select(carrierOptions(list), list.length ? list[0].name : '', { id: 'apply-carrier' });
    const account = h('input', { type: 'text', maxlength: '64', name: 'settlementAccount' });
    const branchCode = h('input', { type: 'text', maxlength: '64', name: 'branchCode' });
    const branchName = h('input', { type: 'text', maxlength: '64', name: 'branchName' });
    const direct = field(t('auth.settlementAccount'), account);
    const branch = [field(t('auth.branchCode'), branchCode), field(t('auth.branchName'), branchName)];
    const msg = h('div');
    const kind = () => {
      const c = list.find((x) => x.name === carrier.value);
      const franchise = c && c.kind === 'CARRIER_KIND_FRANCHISE';
      direct.hidden = franchise;
      for (const b of branch) b.hidden = !franchise;
      return franchise;
    };
    carrier.addEventListener('change', kind);
    kind();
    return h('form.apply', { onsubmit: (ev) => ev.preventDefault() },
      h('h3', t('auth.apply')), h('div.filters', field(t('col.carrier'), carrier), direct, branch),
      action(t('auth.submit'), async () => {
        const body = kind()
          ? { carrier: carrier.value, branchCode: branchCode.value.trim(), branchName: branchName.value.trim() }
          : { carrier: carrier.value, settlementAccount: account.value.trim() };
        try {
          await post(path(merchant, '/carrierAuthorizations'), body);
          replace(msg, h('p.note.ok', t('auth.applied')));
          show();
        } catch (err) {
          replace(msg, errorBox(err));
        }
      }, { kind: 'primary' }), msg);
  }
}

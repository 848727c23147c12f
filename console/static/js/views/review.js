// The admin's merchant review queue: merchants waiting for review (or in
// any state), each with its qualification and review history; approve,
// reject with a reason and the fields to supplement, suspend and
// reinstate, as the merchant's state allows. An admin sees identity
// numbers in full, and the server records each such read in the audit log.

import { page, path, post } from '../api.js';
import { h, replace, table, when, field, select, dialog, action, toast, stateBadge } from '../dom.js';
import { errorBox } from '../errors.js';
import { t, enumLabel, enumOptions } from '../i18n.js';
import { pagedList } from '../pager.js';
import { forgetMerchants } from '../merchants.js';

// The qualification fields a rejection may ask to supplement (as the
// server names them).
const FIELDS = ['legal_name', 'type', 'credit_code', 'legal_representative.name',
  'legal_representative.id_number', 'contact.name', 'contact.mobile', 'licence_document_ref'];

export function render(root) {
  const state = select([['', t('filter.any')], ...enumOptions('MerchantState')], 'MERCHANT_STATE_PENDING_REVIEW', { id: 'merchant-state' });
  const detail = h('div#merchant-detail.detail');
  const listBox = h('div');
  state.addEventListener('change', show);
  replace(root, h('section.split',
    h('div', h('h2', t('review.title')), h('div.filters', field(t('col.state'), state)), listBox),
    detail));
  let paged;
  show();

  function show() {
    paged = pagedList((token, size) => page('/v1/merchants', 'merchants', { pageSize: size, pageToken: token, state: state.value }),
      (items) => table([
        [t('review.legalName'), (m) => m.qualification.legalName],
        [t('review.type'), (m) => enumLabel('MerchantType', m.qualification.type)],
        [t('review.creditCode'), (m) => h('span.mono', m.qualification.creditCode)],
        [t('col.state'), (m) => stateBadge('MerchantState', m.state)],
        [t('col.created'), (m) => when(m.createTime)],
      ], items, { empty: t('review.none'), onRow: open, rowProps: (m) => ({ dataset: { name: m.name, legalName: m.qualification.legalName } }) }));
    replace(listBox, paged.el);
    replace(detail, h('p.empty', t('review.pick')));
  }

  function open(m) {
    const q = m.qualification || {};
    const rep = q.legalRepresentative || {};
    const contact = q.contact || {};
    const rows = [
      ['review.legalName', q.legalName], ['review.type', enumLabel('MerchantType', q.type)], ['review.creditCode', q.creditCode],
      ['review.representative', [rep.name, rep.idNumber].filter(Boolean).join(' · ')],
      ['review.contact', [contact.name, contact.mobile].filter(Boolean).join(' · ')],
      ['review.licence', q.licenceDocumentRef],
    ];
    const verbs = {
      MERCHANT_STATE_PENDING_REVIEW: ['approve', 'reject'],
      MERCHANT_STATE_APPROVED: ['suspend'],
      MERCHANT_STATE_SUSPENDED: ['reinstate'],
    }[m.state] || [];
    replace(detail,
      h('h2', q.legalName, ' ', stateBadge('MerchantState', m.state)),
      h('dl.kv', rows.map(([k, v]) => [h('dt', t(k)), h('dd', v || '—')])),
      m.stateReason ? h('p.note.info', t('review.stateReason', { reason: m.stateReason })) : null,
      (m.fieldsToSupplement || []).length ? h('p.note.info', t('review.toSupplement', { fields: m.fieldsToSupplement.map(fieldLabel).join('、') })) : null,
      h('div.actions', verbs.map((v) => action(t('review.' + v), () => decide(m, v),
        { kind: v === 'approve' || v === 'reinstate' ? 'primary' : 'danger', dataset: { act: v } }))),
      h('h3', t('review.history')),
      table([
        [t('col.time'), (e) => when(e.time)],
        [t('review.action'), (e) => enumLabel('ReviewAction', e.action)],
        [t('col.actor'), (e) => [e.actorRole || '', ' ', h('span.mono', (e.actor || '').split('/').pop().slice(0, 8))]],
        [t('col.reason'), (e) => [e.reason || '—', (e.fieldsToSupplement || []).length ? ' (' + e.fieldsToSupplement.map(fieldLabel).join('、') + ')' : '']],
      ], m.reviewHistory || []));
  }

  async function decide(m, verb) {
    const text = h('input', { type: 'text', maxlength: '500', name: 'reason' });
    const boxes = FIELDS.map((f) => h('input', { type: 'checkbox', value: f, name: 'field' }));
    const body = [field(t(verb === 'approve' ? 'form.comment' : 'col.reason'), text)];
    if (verb === 'reject') {
      body.push(h('fieldset.checks', h('legend', t('review.supplement')),
        boxes.map((b) => h('label.check', b, ' ', fieldLabel(b.value)))));
    }
    const out = await dialog(t('review.' + verb + 'Title', { name: m.qualification.legalName }), body,
      [[t('review.' + verb), verb === 'approve' || verb === 'reinstate' ? 'primary' : 'danger', () => {
        const reason = text.value.trim();
        if (verb !== 'approve' && !reason) throw new Error(t('form.reasonRequired'));
        const req = verb === 'approve' ? { comment: reason } : { reason };
        if (verb === 'reject') req.fieldsToSupplement = boxes.filter((b) => b.checked).map((b) => b.value);
        return post(path(m.name, ':' + verb), req);
      }], [t('form.close'), '', null]], { onError: errorBox });
    if (!out) return;
    forgetMerchants();
    toast(t('review.done.' + verb, { name: out.merchant.qualification.legalName }));
    open(out.merchant);
    paged.reload();
  }
}

function fieldLabel(f) {
  return t('qfield.' + f);
}

// Mapping profiles: where each canonical order field comes from in the
// merchant's own order JSON. A profile is edited as JSON (the fields as
// README "Field mapping" describes them) and tried on sample orders
// before use: the dry run spends and stores nothing, and names every
// problem per field (the canonical field, the raw path, the rule, the
// value masked) and the likely mis-mappings judged over all samples.

import { all, call, path, post } from '../api.js';
import { h, replace, table, when, field, select, action, toast } from '../dom.js';
import { errorBox } from '../errors.js';
import { t } from '../i18n.js';
import { carriers, carrierOptions } from '../carriers.js';

// A starting point for a new profile: the walkthrough's shop format.
const STARTER = {
  displayName: 'shop ERP v1',
  fields: [
    { target: 'order_code', sources: ['tid'], trim: true },
    { target: 'receiver.name', sources: ['buyer.name'], trim: true },
    { target: 'receiver.mobile', sources: ['buyer.mobile'], trim: true },
    { target: 'receiver.province', sources: ['buyer.prov'] },
    { target: 'receiver.city', sources: ['buyer.city'] },
    { target: 'receiver.address', sources: ['buyer.street'], trim: true },
    { target: 'sender.name', fixedValue: '演示商贸' },
    { target: 'sender.mobile', fixedValue: '13800138000' },
    { target: 'sender.province', fixedValue: '浙江省' },
    { target: 'sender.city', fixedValue: '杭州市' },
    { target: 'sender.address', fixedValue: '文一西路 969 号' },
    { target: 'parcel.weight_grams', sources: ['weight_kg'], unit: 'UNIT_CONVERSION_KG_TO_G', defaultValue: '0.5' },
    { target: 'items[].name', sources: ['lines[].title'], trim: true },
    { target: 'items[].quantity', sources: ['lines[].qty'], defaultValue: '1' },
  ],
};

const SAMPLE_ORDERS = [
  { tid: 'T1001', buyer: { name: '王小明', mobile: '13912345678', prov: '广东省', city: '深圳市', street: '科技园南路 1 号' }, lines: [{ title: 'T恤', qty: 2 }], weight_kg: 1.2 },
  { tid: 'T1002', buyer: { name: '李强', mobile: '0755-8601338', prov: '广东省', city: '深圳市', street: '深南大道 10000 号' }, lines: [{ title: '茶叶', qty: 1 }], weight_kg: 0.3 },
];

export async function render(root, { merchant }) {
  const list = await carriers();
  const profiles = h('div.profiles');
  const editor = h('textarea#profile-json.code', { rows: '18', spellcheck: 'false', 'aria-label': t('mapping.json') });
  const orders = h('textarea#orders-json.code', { rows: '10', spellcheck: 'false', 'aria-label': t('mapping.orders') });
  const carrier = select(carrierOptions(list), list.length ? list[0].name : '', { id: 'dry-carrier' });
  const source = select([['editor', t('mapping.useEditor')], ['saved', t('mapping.useSaved')]], 'editor', { id: 'dry-source' });
  const status = h('div.status', { 'aria-live': 'polite' });
  const report = h('div#dry-report');
  let current = null; // the saved profile in the editor, if any

  orders.value = JSON.stringify(SAMPLE_ORDERS, null, 2);
  edit(null);

  replace(root, h('section.mapping',
    h('div.mapping-list', h('h2', t('mapping.title')), profiles,
      h('button', { type: 'button', onclick: () => edit(null) }, t('mapping.new'))),
    h('div.mapping-edit',
      h('h2#profile-title'), editor, status,
      h('div.actions',
        action(t('mapping.save'), save, { kind: 'primary', onError: (e) => replace(status, errorBox(e)) }),
        action(t('mapping.delete'), remove, { kind: 'danger', onError: (e) => replace(status, errorBox(e)) })),
      h('h2', t('mapping.dryRun')),
      h('p.hint', t('mapping.dryRunHint')),
      h('div.filters', field(t('col.carrier'), carrier), field(t('mapping.profile'), source)),
      orders,
      h('div.actions', action(t('mapping.validate'), validate, { kind: 'primary', dataset: { act: 'validate' }, onError: (e) => replace(report, errorBox(e)) })),
      report)));
  setTitle();
  await reload();

  async function reload() {
    try {
      const items = await all(path(merchant, '/mappingProfiles'), 'mappingProfiles');
      replace(profiles, table([
        [t('col.name'), (p) => p.displayName],
        [t('col.version'), (p) => 'v' + (p.version || 1)],
        [t('col.updated'), (p) => when(p.updateTime || p.createTime)],
      ], items, { empty: t('mapping.none'), onRow: (p) => edit(p) }));
    } catch (err) {
      replace(profiles, errorBox(err));
    }
  }

  function edit(p) {
    current = p;
    const body = p ? { displayName: p.displayName, fields: p.fields } : STARTER;
    editor.value = JSON.stringify(body, null, 2);
    source.value = p ? 'saved' : 'editor';
    replace(status);
    setTitle();
  }

  function setTitle() {
    const title = document.getElementById('profile-title');
    if (title) replace(title, current ? t('mapping.editing', { name: current.displayName, v: current.version || 1 }) : t('mapping.newTitle'));
  }

  // parse reads a textarea as JSON, or says where it is not.
  function parse(area, what) {
    try {
      return JSON.parse(area.value);
    } catch (err) {
      throw new Error(t('mapping.badJson', { what, error: err.message }));
    }
  }

  async function save() {
    const body = parse(editor, t('mapping.json'));
    const out = current
      ? await call('PUT', path(current.name), { body: { ...body, name: current.name } })
      : await post(path(merchant, '/mappingProfiles'), body);
    current = out.mappingProfile;
    replace(status, h('p.note.ok', t('mapping.saved', { name: current.displayName, v: current.version })));
    setTitle();
    await reload();
  }

  async function remove() {
    if (!current) return;
    await call('DELETE', path(current.name));
    toast(t('mapping.deleted', { name: current.displayName }));
    edit(null);
    await reload();
  }

  async function validate() {
    let samples = parse(orders, t('mapping.orders'));
    if (!Array.isArray(samples)) samples = [samples];
    const body = { carrier: carrier.value, orders: samples };
    if (source.value === 'saved' && current) body.mappingProfile = current.name;
    else body.inlineProfile = parse(editor, t('mapping.json'));
    const out = await post(path(merchant, '/orders:validate'), body);
    const results = out.results || [];
    const accepted = results.filter((r) => !(r.violations || []).length).length;
    const problems = (r) => table([
      [t('col.field'), (v) => h('code', v.field)],
      [t('col.source'), (v) => v.source ? h('code', v.source) : '—'],
      [t('col.rule'), (v) => h('code', v.rule)],
      [t('col.problem'), (v) => v.message],
      [t('col.value'), (v) => v.value ? h('code', v.value) : '—'],
    ], r, { rowProps: (v) => ({ dataset: { field: v.field, rule: v.rule } }) });
    replace(report,
      h('p.summary', { dataset: { accepted, total: results.length } }, t('mapping.summary', { ok: accepted, n: results.length })),
      results.map((r, i) => h('div.order-result' + ((r.violations || []).length ? '.bad' : '.ok'), { dataset: { order: i + 1 } },
        h('h3', t('mapping.order', { i: i + 1, code: (r.order && r.order.orderCode) || '—' }), ' ',
          (r.violations || []).length ? h('span.badge.warn', t('mapping.problems', { n: r.violations.length })) : h('span.badge.ok', t('mapping.ok'))),
        (r.violations || []).length ? problems(r.violations) : null)),
      (out.warnings || []).length ? [h('h3', t('mapping.warnings')), problems(out.warnings)] : null);
  }
}

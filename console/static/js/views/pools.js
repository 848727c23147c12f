// Carriers and their number pools, for admins: how many numbers each pool
// still holds against its low-watermark (a pool below it is marked before
// allocations start failing), the ranges imported from the carrier, the
// import of a new range and the watermark itself.

import { all, page, path, post, call } from '../api.js';
import { h, replace, table, when, field, action, count } from '../dom.js';
import { errorBox } from '../errors.js';
import { t, enumLabel } from '../i18n.js';
import { pagedList } from '../pager.js';
import { carriers, forget } from '../carriers.js';

export async function render(root) {
  const overview = h('div#pools');
  const detail = h('div#pool-detail.detail');
  replace(root, h('section', h('h2', t('pools.title')), overview, detail));
  await refresh();

  // refresh reads the carriers and pools again and, when open names a
  // carrier, shows it with note (the outcome of what was just done).
  async function refresh(open, note) {
    forget();
    try {
      const [list, pools] = await Promise.all([carriers(), all('/v1/pools', 'pools')]);
      const poolOf = (c) => pools.find((p) => p.name === c.name + '/pool') || {};
      replace(overview, table([
        [t('col.carrier'), (c) => [h('strong', c.code), ' ', c.displayName]],
        [t('pools.kind'), (c) => enumLabel('CarrierKind', c.kind)],
        [t('pools.recycle'), (c) => enumLabel('RecyclePolicy', c.recyclePolicy)],
        [t('pools.enabled'), (c) => c.enabled === false ? t('pools.disabled') : t('pools.on')],
        [t('pools.imported'), (c) => count(poolOf(c).imported)],
        [t('pools.issued'), (c) => count(poolOf(c).issued)],
        [t('pools.voided'), (c) => count(poolOf(c).voided)],
        [t('pools.level'), (c) => level(poolOf(c))],
      ], list, { empty: t('pools.none'), onRow: (c) => show(c, poolOf(c)), rowProps: (c) => ({ dataset: { carrier: c.code } }) }));
      if (open) {
        const c = list.find((x) => x.code === open);
        if (c) show(c, poolOf(c), note);
      }
    } catch (err) {
      replace(overview, errorBox(err));
    }
  }

  function level(p) {
    const available = Number(p.available || 0);
    const watermark = Number(p.lowWatermark || 0);
    return h('span.level' + (p.low ? '.low' : ''), { dataset: { available, watermark, low: p.low ? 'true' : 'false' } },
      h('meter', { min: '0', max: String(Math.max(available, watermark * 4, 1)), low: String(watermark), optimum: String(watermark * 4), value: String(available) }),
      ' ', count(available), ' / ', t('pools.watermark'), ' ', count(watermark),
      p.low ? h('span.badge.warn', t('pools.low')) : null);
  }

  function show(c, p, note) {
    const first = h('input', { type: 'number', min: '1', step: '1', name: 'firstSerial', inputmode: 'numeric' });
    const last = h('input', { type: 'number', min: '1', step: '1', name: 'lastSerial', inputmode: 'numeric' });
    const watermark = h('input', { type: 'number', min: '0', step: '1', name: 'lowWatermark', value: p.lowWatermark || '0' });
    const msg = h('div', { 'aria-live': 'polite' }, note);
    const ranges = pagedList((token, size) => page(path(c.name, '/numberRanges'), 'numberRanges', { pageSize: size, pageToken: token }),
      (items) => table([
        [t('pools.first'), (r) => h('span.mono', r.firstNumber)],
        [t('pools.last'), (r) => h('span.mono', r.lastNumber)],
        [t('pools.size'), (r) => count(Number(r.lastSerial) - Number(r.firstSerial) + 1)],
        [t('pools.next'), (r) => count(r.nextSerial)],
        [t('col.state'), (r) => enumLabel('NumberRangeState', r.state)],
        [t('col.created'), (r) => when(r.createTime)],
      ], items, { empty: t('pools.noRanges') }), { size: 10, sizes: [10, 50] });
    replace(detail,
      h('h2', c.displayName, ' (', c.code, ')'),
      level(p),
      h('p.muted', t('pools.counts', {
        available: count(p.available), awaiting: count(p.awaitingReuse), reusable: count(p.reusableNow),
      })),
      h('form.filters', { onsubmit: (ev) => ev.preventDefault() },
        h('h3', t('pools.import')),
        field(t('pools.firstSerial'), first), field(t('pools.lastSerial'), last),
        action(t('pools.importDo'), async () => {
          replace(msg, h('p.note.info', h('progress'), ' ', t('pools.importing')));
          try {
            const out = await post(path(c.name, '/numberRanges:import'), { firstSerial: first.value, lastSerial: last.value });
            await refresh(c.code, h('p.note.ok', t('pools.imported.done', {
              first: out.numberRange.firstNumber, last: out.numberRange.lastNumber, available: count(out.pool.available),
            })));
          } catch (err) {
            replace(msg, errorBox(err));
          }
        }, { kind: 'primary', dataset: { act: 'import' } })),
      h('form.filters', { onsubmit: (ev) => ev.preventDefault() },
        h('h3', t('pools.watermark')),
        field(t('pools.watermark'), watermark),
        action(t('form.save'), async () => {
          try {
            await call('PATCH', path(c.name, '/pool'), { body: { lowWatermark: watermark.value } });
            await refresh(c.code, h('p.note.ok', t('pools.watermarkSaved')));
          } catch (err) {
            replace(msg, errorBox(err));
          }
        })),
      msg,
      h('h3', t('pools.ranges')), ranges.el);
  }
}

// Paged lists. The API pages with opaque tokens (pageSize, pageToken →
// nextPageToken), so going back means remembering the tokens that led
// here; a list shows "page n", previous and next, and a page size.

import { h, replace, select } from './dom.js';
import { errorBox } from './errors.js';
import { t } from './i18n.js';

// pagedList returns {el, reload}: el shows the page load(token, size)
// gives ({items, next}) through render(items), with paging controls.
export function pagedList(load, render, { sizes = [20, 50, 100], size = 20, label } = {}) {
  const tokens = [''];
  let index = 0;
  let next = '';
  let pageSize = size;
  const body = h('div.list-body');
  const where = h('span.page-no');
  let loading = false;
  // Plain buttons: show sets their disabled state itself when a page
  // arrives, which a busy action button would undo.
  const prev = h('button', { type: 'button', dataset: { page: 'prev' }, onclick: () => show(index - 1) }, t('page.prev'));
  const more = h('button', { type: 'button', dataset: { page: 'next' }, onclick: () => show(index + 1) }, t('page.next'));
  const sizer = select(sizes.map((s) => [String(s), t('page.size', { n: s })]), String(pageSize), { 'aria-label': t('page.sizeLabel') });
  sizer.addEventListener('change', () => { pageSize = Number(sizer.value); tokens.length = 1; show(0); });
  const el = h('section.paged', label ? { 'aria-label': label } : null,
    body, h('div.pager', prev, where, more, sizer));

  async function show(i) {
    if (loading) return;
    loading = true;
    prev.disabled = more.disabled = true;
    el.setAttribute('aria-busy', 'true');
    try {
      const p = await load(tokens[i], pageSize);
      index = i;
      next = p.next;
      tokens[i + 1] = p.next;
      replace(body, render(p.items));
    } catch (err) {
      replace(body, errorBox(err));
    } finally {
      loading = false;
      el.removeAttribute('aria-busy');
      prev.disabled = index === 0;
      more.disabled = !next;
      replace(where, t('page.no', { n: index + 1 }));
    }
  }
  show(0);
  return { el, reload: () => show(index), first: () => { tokens.length = 1; return show(0); } };
}

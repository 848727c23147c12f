// API keys: a merchant makes keys for its order systems and print
// stations. The secret is shown once, when the key is made (the server
// keeps only its hash); afterwards a key is told apart by its name and
// the last characters of the secret. Revoking takes effect at once.

import { page, post, path } from '../api.js';
import { h, replace, table, when, field, select, dialog, action, toast, stateBadge } from '../dom.js';
import { errorBox } from '../errors.js';
import { t, enumLabel } from '../i18n.js';
import { pagedList } from '../pager.js';

export function render(root, { me }) {
  const name = h('input', { type: 'text', maxlength: '100', name: 'displayName', placeholder: t('keys.namePlaceholder') });
  const role = select([['ROLE_PRINTER', enumLabel('Role', 'ROLE_PRINTER')], ['ROLE_MERCHANT', enumLabel('Role', 'ROLE_MERCHANT')]], 'ROLE_PRINTER', { name: 'role' });
  const msg = h('div');
  const paged = pagedList((token, size) => page('/v1/apiKeys', 'apiKeys', { pageSize: size, pageToken: token }),
    (items) => table([
      [t('col.name'), (k) => [k.displayName || '—', k.name === me.name ? h('span.badge', t('keys.thisKey')) : null]],
      [t('col.role'), (k) => enumLabel('Role', k.role)],
      [t('keys.hint'), (k) => h('span.mono', k.secretHint)],
      [t('col.state'), (k) => stateBadge('ApiKeyState', k.state)],
      [t('col.created'), (k) => when(k.createTime)],
      ['', (k) => k.state === 'API_KEY_STATE_ACTIVE' && k.name !== me.name
        ? action(t('keys.revoke'), () => revoke(k), { kind: 'danger', dataset: { act: 'revoke' } }) : null],
    ], items, { rowProps: (k) => ({ dataset: { name: k.name } }) }));

  replace(root, h('section',
    h('h2', t('keys.title')),
    h('form.filters', { onsubmit: (ev) => ev.preventDefault() },
      field(t('col.name'), name), field(t('col.role'), role),
      action(t('keys.create'), create, { kind: 'primary', dataset: { act: 'create-key' }, onError: (e) => replace(msg, errorBox(e)) })),
    msg, paged.el));

  async function create() {
    replace(msg);
    const out = await post('/v1/apiKeys', { displayName: name.value.trim(), role: role.value });
    name.value = '';
    paged.first();
    const secret = h('input#new-secret.mono', { type: 'text', readonly: true, value: out.secret, 'aria-label': t('keys.secret') });
    await dialog(t('keys.createdTitle', { name: out.apiKey.displayName || out.apiKey.name }), [
      h('p.warn-text', t('keys.once')),
      secret,
      h('p', t('keys.roleIs', { role: enumLabel('Role', out.apiKey.role) })),
    ], [[t('keys.copy'), 'primary', async () => {
      await navigator.clipboard.writeText(out.secret);
      toast(t('keys.copied'));
    }], [t('form.close'), '', null]]);
  }

  async function revoke(k) {
    const done = await dialog(t('keys.revokeTitle', { name: k.displayName || k.name }), h('p', t('keys.revokeExplain')),
      [[t('keys.revoke'), 'danger', () => post(path(k.name, ':revoke'), {})], [t('form.close'), '', null]], { onError: errorBox });
    if (done) {
      toast(t('keys.revoked', { name: k.displayName || k.name }));
      paged.reload();
    }
  }
}

// The console's frame: sign-in with an API key, the views the key's role
// may use (as tabs, one per URL hash), the language switch and sign-out.
// What a key may do is the server's answer to apiKeys/current, never a
// choice made here.

import { get, path, session } from './api.js';
import { h, replace } from './dom.js';
import { errorBox } from './errors.js';
import { t, lang, setLang, enumLabel } from './i18n.js';
import { forget } from './carriers.js';
import { forgetMerchants } from './merchants.js';
import * as station from './views/station.js';
import * as waybills from './views/waybills.js';
import * as mapping from './views/mapping.js';
import * as authorizations from './views/authorizations.js';
import * as keys from './views/keys.js';
import * as review from './views/review.js';
import * as pools from './views/pools.js';
import * as topups from './views/topups.js';
import * as audit from './views/audit.js';
import { quotaPanel } from './views/quotas.js';

// The views of each role, in tab order: [id, render(root, ctx)].
const VIEWS = {
  ROLE_ADMIN: [
    ['review', review.render],
    ['pools', pools.render],
    ['auths', (root) => authorizations.render(root, { merchant: 'merchants/-', admin: true })],
    ['topups', topups.render],
    ['audit', audit.render],
  ],
  ROLE_MERCHANT: [
    ['balances', (root, ctx) => replace(root, quotaPanel(ctx.merchant).el)],
    ['waybills', waybills.render],
    ['station', station.render],
    ['mapping', mapping.render],
    ['auths', authorizations.render],
    ['keys', keys.render],
  ],
  ROLE_PRINTER: [
    ['station', station.render],
  ],
};

const view = document.getElementById('view');
const tabs = document.getElementById('tabs');
const who = document.getElementById('who');
const signOut = document.getElementById('sign-out');
let ctx = null; // {me: the key, merchant, merchantInfo}

document.getElementById('lang-zh').addEventListener('click', () => switchLang('zh'));
document.getElementById('lang-en').addEventListener('click', () => switchLang('en'));
signOut.addEventListener('click', () => {
  session.clear();
  station.reset();
  forget();
  forgetMerchants();
  ctx = null;
  history.replaceState(null, '', '/');
  frame();
});
window.addEventListener('hashchange', () => show());

function switchLang(code) {
  setLang(code);
  frame();
}

// frame draws everything that depends on the language and the key.
function frame() {
  document.documentElement.lang = lang() === 'zh' ? 'zh-CN' : 'en';
  document.title = t('app.title') + ' · ewaybill';
  replace(document.getElementById('brand-name'), t('app.title'));
  for (const code of ['zh', 'en']) document.getElementById('lang-' + code).setAttribute('aria-pressed', String(lang() === code));
  replace(signOut, t('app.signOut'));
  signOut.hidden = !ctx;
  if (!ctx) {
    replace(tabs);
    replace(who);
    signIn();
    return;
  }
  const m = ctx.merchantInfo;
  replace(who,
    h('span.role', enumLabel('Role', ctx.me.role)), ' ',
    h('span', ctx.me.displayName || ctx.me.name), ' ',
    h('span.mono.muted', ctx.me.secretHint),
    m ? [' · ', h('span', m.qualification.legalName)] : null);
  replace(tabs, VIEWS[ctx.me.role].map(([id]) => h('a.tab', { href: '#/' + id, dataset: { view: id } }, t('view.' + id))));
  show();
}

// show renders the view the URL names (the role's first by default).
async function show() {
  if (!ctx) return;
  const views = VIEWS[ctx.me.role];
  const id = location.hash.replace(/^#\/?/, '');
  const [name, render] = views.find(([v]) => v === id) || views[0];
  for (const a of tabs.querySelectorAll('a')) a.setAttribute('aria-current', String(a.dataset.view === name));
  const root = h('div.view-body', { dataset: { view: name } });
  const banner = merchantBanner();
  replace(view, banner, root);
  try {
    await render(root, ctx);
  } catch (err) {
    replace(root, errorBox(err));
  }
}

// merchantBanner tells a merchant key why nothing can be allocated yet
// (review pending, rejected with fields to supplement, suspended).
function merchantBanner() {
  const m = ctx.merchantInfo;
  if (!m || m.state === 'MERCHANT_STATE_APPROVED') return null;
  return h('div.banner', { role: 'status' },
    t('app.merchantState', { state: enumLabel('MerchantState', m.state) }),
    m.stateReason ? ' — ' + m.stateReason : '');
}

function signIn() {
  const key = h('input#api-key', { type: 'password', autocomplete: 'off', spellcheck: 'false', required: true, placeholder: 'ewb_…' });
  const msg = h('div');
  const form = h('form.sign-in', { onsubmit: async (ev) => {
    ev.preventDefault();
    session.set(key.value.trim());
    replace(msg, h('p.note.info', t('app.checking')));
    try {
      await whoami();
      frame();
    } catch (err) {
      session.clear();
      replace(msg, errorBox(err));
      key.select();
    }
  } },
  h('h1', t('app.title')),
  h('p', t('app.intro')),
  h('label', { for: 'api-key' }, t('app.key')), key,
  h('p.hint', t('app.keyHint')),
  h('button.primary', { type: 'submit' }, t('app.signIn')),
  msg);
  replace(view, form);
  key.focus();
}

// whoami asks the server what the session's key is.
async function whoami() {
  const { apiKey } = await get('/v1/apiKeys/current');
  const next = { me: apiKey, merchant: apiKey.merchant || '', merchantInfo: null };
  if (apiKey.role === 'ROLE_MERCHANT') {
    next.merchantInfo = (await get(path(apiKey.merchant))).merchant;
  }
  ctx = next;
}

async function start() {
  if (session.key()) {
    try {
      await whoami();
    } catch (err) {
      session.clear();
      frame();
      view.prepend(errorBox(err));
      return;
    }
  }
  frame();
}

start();

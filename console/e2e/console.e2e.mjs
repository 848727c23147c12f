// End-to-end test of the web console in headless Chromium, run by
// console/e2e/e2e_test.go against a real ewaybill server it started:
// an admin approves a pending merchant, its carrier authorization and a
// top-up (and sees an over-limit top-up refused); the merchant allocates
// through the REST API and sees its balance fall, cancels one waybill and
// makes a printer key; the print station scans three waybills, prints
// them as one PDF and reprints one with a reason. Every assertion reads
// what the page shows. It writes what it saw to EWAYBILL_E2E_RESULT for
// the Go test to compare with the server's records.
//
// Environment: EWAYBILL_BASE_URL, EWAYBILL_ADMIN_KEY, EWAYBILL_MERCHANT
// (name), EWAYBILL_MERCHANT_KEY, EWAYBILL_MERCHANT_LEGAL_NAME,
// EWAYBILL_CHROMIUM, EWAYBILL_SCREENSHOTS (a folder), EWAYBILL_E2E_RESULT.

import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(name + ' is not set');
  return v;
};
const base = env('EWAYBILL_BASE_URL');
const origin = new URL(base).origin;
const adminKey = env('EWAYBILL_ADMIN_KEY');
const merchant = env('EWAYBILL_MERCHANT');
const merchantKey = env('EWAYBILL_MERCHANT_KEY');
const legalName = env('EWAYBILL_MERCHANT_LEGAL_NAME');
const shots = env('EWAYBILL_SCREENSHOTS');
const resultFile = env('EWAYBILL_E2E_RESULT');
fs.mkdirSync(shots, { recursive: true });

const started = Date.now();
const step = (what) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${what}`);
const result = { merchant };

// The flags keep Chromium from reaching out to Google's services (the
// machine's network is closed); Playwright starts it on a fresh, empty
// --user-data-dir of its own and deletes it afterwards. Each role gets a
// context of its own, as each would be a browser of its own.
const browser = await chromium.launch({
  executablePath: env('EWAYBILL_CHROMIUM'),
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

// Everything every page asks for, and everything that went wrong in one.
const requests = [];
const problems = [];
const contexts = [];

async function newContext(options) {
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 800 }, ...options });
  context.on('request', (r) => requests.push(r.url()));
  context.on('page', watch);
  await context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
    // Headless Chromium's renderer crashes when print() is called on a
    // frame showing a PDF (Chromium 156), and a print dialog cannot be
    // driven headless anyway: the frame the console prints from gets a
    // window whose print() records the request, with the PDF it was for.
    const own = Object.getOwnPropertyDescriptor(HTMLIFrameElement.prototype, 'contentWindow');
    Object.defineProperty(HTMLIFrameElement.prototype, 'contentWindow', {
      configurable: true,
      get() {
        const win = own.get.call(this);
        if (this.id !== 'print-frame') return win;
        const frame = this;
        return { focus() {}, print() { window.__printed = (window.__printed || []).concat([frame.src]); } };
      },
    });
  });
  contexts.push(context);
  return context;
}

function watch(page) {
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('crash', () => problems.push('page crashed'));
  page.on('console', (m) => {
    const text = m.text();
    // A refused API call is logged by Chromium as a failed resource; the
    // test provokes some (an unknown code, an over-limit top-up).
    if (/^Failed to load resource: the server responded with a status of 4\d\d/.test(text)) return;
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${text}`);
  });
}

async function shot(page, name) {
  const file = path.join(shots, name + '.png');
  await page.screenshot({ path: file });
  step('screenshot ' + file);
}

// signIn opens the console in a new browser context (with options) and
// signs in with key.
async function signIn(key, options) {
  const page = await (await newContext(options)).newPage();
  const res = await page.goto(base + '/');
  const h = res.headers();
  assert.match(h['content-security-policy'], /default-src 'none'/);
  assert.match(h['content-security-policy'], /script-src 'self';/);
  assert.match(h['content-security-policy'], /object-src 'none'/);
  assert.match(h['content-security-policy'], /frame-ancestors 'none'/);
  assert.equal(h['x-content-type-options'], 'nosniff');
  assert.equal(h['referrer-policy'], 'no-referrer');
  await page.fill('#api-key', key);
  await page.press('#api-key', 'Enter');
  await page.waitForSelector('#sign-out:not([hidden])');
  return page;
}

// text is an element's visible text.
const text = (page, selector) => page.locator(selector).first().innerText();

// available reads the balance a card shows for carrier code, as the page
// writes it (e.g. "1,500").
async function available(page, code) {
  const el = page.locator(`article.card[data-carrier="${code}"] .available`);
  await el.waitFor();
  return Number((await el.innerText()).replace(/[^\d]/g, ''));
}

// confirm fills the open dialog's field and presses its first button.
async function confirm(page, value) {
  const dlg = page.locator('dialog[open]');
  await dlg.waitFor();
  if (value !== undefined) await dlg.locator('input[type=text]').first().fill(value);
  await dlg.locator('.actions button').first().click();
  await dlg.waitFor({ state: 'detached' });
}

// api calls the REST API as a merchant's order system would.
async function api(method, url, key, body) {
  const res = await fetch(base + url, {
    method, headers: { Authorization: 'Bearer ' + key, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  assert.ok(res.ok, `${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

function order(code) {
  return {
    orderCode: code,
    sender: { name: '杭州小店', mobile: '13800138000', province: '浙江省', city: '杭州市', district: '西湖区', address: '文三路 90 号' },
    receiver: { name: '张三', mobile: '13912345678', province: '广东省', city: '深圳市', district: '南山区', address: '科技园南路 1 号 3 栋 502' },
    parcel: { weightGrams: 1200 },
    items: [{ name: 'T恤', quantity: 2 }],
  };
}

// ---------------------------------------------------------------- admin
step('admin: sign in');
const admin = await signIn(adminKey);
assert.equal(await text(admin, '#who .role'), '管理员');
assert.equal(await admin.getAttribute('html', 'lang'), 'zh-CN');

step('language switch');
await admin.click('#lang-en');
assert.equal(await admin.getAttribute('html', 'lang'), 'en');
assert.equal(await text(admin, 'a[data-view=review]'), 'Merchant review');
assert.equal(await text(admin, '#who .role'), 'admin');
assert.deepEqual(await admin.evaluate(async () => (await import('/console/js/i18n.js')).untranslated()), []);
await admin.click('#lang-zh');
assert.equal(await admin.getAttribute('html', 'lang'), 'zh-CN');
assert.equal(await text(admin, 'a[data-view=review]'), '商户审核');

step('admin: approve the pending merchant');
const pendingRow = admin.locator(`tr[data-legal-name="${legalName}"]`);
await pendingRow.click();
await admin.locator('#merchant-detail').getByText('待审核').first().waitFor();
await shot(admin, 'admin');
await admin.click('#merchant-detail [data-act=approve]');
await confirm(admin, '资质齐全');
await admin.locator('#merchant-detail').getByText('已通过').first().waitFor();
await pendingRow.waitFor({ state: 'detached' }); // the pending queue no longer holds it

step('admin: approve its carrier authorization');
await admin.click('a[data-view=auths]');
const authRow = admin.locator(`tr[data-carrier="carriers/SF"]`, { hasText: legalName });
await authRow.locator('[data-act=approve]').click();
await confirm(admin, '账号核对无误');
await authRow.waitFor({ state: 'detached' });

step('admin: top up its SF quota');
await admin.click('a[data-view=topups]');
await admin.selectOption('#topup-merchant', merchant);
const startBalance = await available(admin, 'SF');
await admin.selectOption('#topup-carrier', 'SF');
await admin.fill('#topup-amount', '500');
await admin.fill('#topup-reason', '双十一备货');
await admin.click('[data-act=top-up]');
await admin.locator('#topup-msg .note.ok').waitFor();
await admin.locator('article.card[data-carrier="SF"] .available[data-value="' + (startBalance + 500) + '"]').waitFor();
const afterTopUp = await available(admin, 'SF');
assert.equal(afterTopUp - startBalance, 500, 'the card shows the top-up');
await admin.locator('.ledger tr[data-type=LEDGER_ENTRY_TYPE_TOP_UP][data-delta="500"]').waitFor();
result.startBalance = startBalance;
result.afterTopUp = afterTopUp;

step('admin: a top-up over the limit is refused with its reason');
await admin.fill('#topup-amount', '20000000');
await admin.fill('#topup-reason', '超过上限');
await admin.click('[data-act=top-up]');
const refusal = admin.locator('#topup-msg .error-box');
await refusal.waitFor();
assert.equal(await refusal.getAttribute('data-reason'), 'INVALID_REQUEST');
assert.match(await refusal.innerText(), /请求中有字段不符合规则/);
assert.match(await refusal.locator('.fields').innerText(), /amount.*range.*between 1 and 10000000/s);
await shot(admin, 'error');
await admin.click('[data-act=refresh]');
await admin.locator('[data-act=refresh]:not([disabled])').waitFor();
assert.equal(await available(admin, 'SF'), afterTopUp, 'a refused top-up changes nothing');

step('admin: import a number range and see the pool level');
await admin.click('a[data-view=pools]');
const sfLevel = admin.locator('#pools tr[data-carrier=SF] .level');
const poolBefore = Number(await sfLevel.getAttribute('data-available'));
assert.equal(poolBefore, 100000);
await admin.click('#pools tr[data-carrier=SF]');
await admin.fill('#pool-detail input[name=firstSerial]', '200001');
await admin.fill('#pool-detail input[name=lastSerial]', '250000');
await admin.click('#pool-detail [data-act=import]');
await admin.locator('#pool-detail .note.ok').waitFor();
await admin.locator(`#pools tr[data-carrier=SF] .level[data-available="${poolBefore + 50000}"]`).waitFor();
assert.equal(await admin.locator('#pool-detail tbody tr').count(), 2, 'both ranges listed');
await admin.fill('#pool-detail input[name=lowWatermark]', '200000');
await admin.locator('#pool-detail button', { hasText: '保存' }).click();
await admin.locator('#pools tr[data-carrier=SF] .level[data-low="true"][data-watermark="200000"]').waitFor();
assert.match(await sfLevel.innerText(), /低于水位/);

step('admin: the audit log holds the top-up');
await admin.click('a[data-view=audit]');
await admin.locator('tr[data-action="quota.top_up"]').first().waitFor();

// ------------------------------------------------------------- merchant
step('merchant: sign in and read the balance');
const shop = await signIn(merchantKey);
assert.equal(await text(shop, '#who .role'), '商户');
const beforeAllocations = await available(shop, 'SF');
assert.equal(beforeAllocations, afterTopUp);

step('merchant: allocate four waybills through the API');
const numbers = [];
for (let i = 1; i <= 4; i++) {
  const out = await api('POST', `/v1/${merchant}/waybills:allocate`, merchantKey, { carrier: 'carriers/SF', order: order('E2E-' + i) });
  numbers.push(out.waybill.number);
}
result.numbers = numbers;
await shop.click('[data-act=refresh]');
await shop.locator(`article.card[data-carrier="SF"] .available[data-value="${beforeAllocations - 4}"]`).waitFor();
const afterAllocations = await available(shop, 'SF');
assert.equal(beforeAllocations - afterAllocations, 4, 'the balance fell by the four allocations');
assert.equal(await shop.locator('article.card[data-carrier="SF"] dd[data-stat=live]').innerText(), '4');
await shop.locator('.ledger tr[data-type=LEDGER_ENTRY_TYPE_ALLOCATION]').nth(3).waitFor();
await shot(shop, 'merchant');
result.afterAllocations = afterAllocations;

step('merchant: find a waybill by number, cancel the fourth');
await shop.click('a[data-view=waybills]');
await shop.fill('input[name=number]', numbers[0]);
await shop.click('form.filters button[type=submit]');
await shop.locator(`.results tr[data-number="${numbers[0]}"]`).waitFor();
assert.equal(await shop.locator('.results tr[data-number]').count(), 1);
await shop.fill('input[name=number]', '');
await shop.fill('input[name=orderCode]', 'E2E-4');
await shop.click('form.filters button[type=submit]');
await shop.locator(`tr[data-number="${numbers[3]}"] [data-act=cancel]`).click();
await confirm(shop, '买家取消');
const outcome = shop.locator(`#cancel-outcome .outcome[data-number="${numbers[3]}"]`);
await outcome.waitFor();
assert.match(await outcome.innerText(), /额度退回：1 单/);
assert.match(await outcome.innerText(), /单号已作废/);
await shop.click('a[data-view=balances]');
assert.equal(await available(shop, 'SF'), afterAllocations + 1, 'the cancel credited one unit back');
result.afterCancel = afterAllocations + 1;

step('merchant: a mapping dry run names the problems per field');
await shop.click('a[data-view=mapping]');
await shop.selectOption('#dry-carrier', 'carriers/SF');
await shop.click('[data-act=validate]');
const summary = shop.locator('#dry-report .summary');
await summary.waitFor();
assert.equal(await summary.getAttribute('data-accepted'), '1');
assert.equal(await summary.getAttribute('data-total'), '2');
const bad = shop.locator('#dry-report .order-result.bad[data-order="2"]');
assert.equal(await bad.locator('tr[data-field="order.receiver.mobile"]').getAttribute('data-rule'), 'charset');
assert.match(await bad.locator('tr[data-field="order.receiver.mobile"]').innerText(), /buyer\.mobile/);
await shop.locator('#dry-report tr[data-rule=looks_like_landline]').waitFor(); // a warning, judged over both samples

step('merchant: make a key for the print station');
await shop.click('a[data-view=keys]');
await shop.fill('input[name=displayName]', 'e2e 打印台');
await shop.selectOption('select[name=role]', 'ROLE_PRINTER');
await shop.click('[data-act=create-key]');
const printerKey = await shop.locator('#new-secret').inputValue();
assert.match(printerKey, /^ewb_/);
await shop.locator('dialog[open] .actions button').last().click();
await shop.locator('tr', { hasText: 'e2e 打印台' }).waitFor();

// -------------------------------------------------------- print station
step('station: sign in with the new printer key');
const station = await signIn(printerKey);
assert.equal(await text(station, '#who .role'), '打印台');
assert.equal(await station.locator('#tabs a').count(), 1);

step('station: scan two numbers and an order code, as a scanner types them');
for (const [i, code] of [numbers[0], numbers[1], 'E2E-3'].entries()) {
  await station.keyboard.type(code); // the scan box has the focus
  await station.keyboard.press('Enter');
  await station.locator('#queue tr[data-number]').nth(i).waitFor();
}
assert.deepEqual(await station.locator('#queue tr[data-number]').evaluateAll((rows) => rows.map((r) => r.dataset.number)), numbers.slice(0, 3));
assert.equal(await text(station, '#queue-count'), '3');
await station.waitForFunction(() => document.querySelector('#preview:not([hidden])')?.naturalWidth > 0);
assert.match(await station.getAttribute('#preview', 'src'), /^blob:/);

step('station: print the queue as one PDF (Ctrl+Enter)');
const printed = station.waitForResponse((r) => r.url().endsWith('/labels:render') && r.request().postData().includes('LABEL_PURPOSE_PRINT'));
await station.keyboard.press('Control+Enter');
const first = await (await printed).json();
const pdf = Buffer.from(first.documents[0].content, 'base64');
assert.equal(first.documents[0].contentType, 'application/pdf');
assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
assert.equal((pdf.toString('latin1').match(/\/Type\s*\/Page(?!s)/g) || []).length, 3, 'one PDF of three pages');
await station.locator('#done tr[data-copy="1"]').nth(2).waitFor();
await station.waitForFunction(() => (window.__printed || []).length > 0);
const asked = await station.evaluate(() => window.__printed);
assert.equal(asked.length, 1, 'the console opened the print dialog once');
assert.equal(asked[0], await station.getAttribute('#print-frame', 'src'));
assert.match(asked[0], /^blob:/);
// Chromium's PDF viewer shows the file in the frame under object-src
// 'none': its own page loads inside the console's frame.
for (let i = 0; i < 50 && !station.frames().some((f) => f.url().startsWith('chrome-extension://')); i++) {
  await station.waitForTimeout(100);
}
assert.ok(station.frames().some((f) => f.url().startsWith('chrome-extension://') && f.parentFrame()?.url() === asked[0]),
  'the PDF viewer shows the printed file: ' + station.frames().map((f) => f.url()).join(' '));
assert.equal(await text(station, '#queue-count'), '0');
result.firstJob = first.printJob.name;

step('station: a reprint needs a reason');
await station.keyboard.type(numbers[1]);
await station.keyboard.press('Enter');
const again = station.locator(`#queue tr[data-number="${numbers[1]}"] [data-prints]`);
await again.waitFor();
assert.equal(await again.getAttribute('data-prints'), '1');
assert.match(await again.innerText(), /已打印 1 次/);
let renders = 0;
station.on('request', (r) => { if (r.url().endsWith('/labels:render') && r.postData().includes('LABEL_PURPOSE_PRINT')) renders++; });
await station.keyboard.press('Control+Enter');
await station.locator('#scan-msg .note.error').waitFor();
assert.match(await text(station, '#scan-msg'), /补打必须填写原因/);
assert.equal(renders, 0, 'nothing was sent without a reason');
assert.equal(await station.evaluate(() => document.activeElement.id), 'reprint-reason');

step('station: reprint with a reason');
await station.keyboard.type('卡纸');
const reprinted = station.waitForResponse((r) => r.url().endsWith('/labels:render') && r.request().postData().includes('LABEL_PURPOSE_PRINT'));
await station.keyboard.press('Enter');
const second = await (await reprinted).json();
assert.equal(second.labels[0].copy, 2);
assert.equal(second.printJob.reprintReason, '卡纸');
const copy2 = station.locator(`#done tr[data-number="${numbers[1]}"][data-copy="2"]`);
await copy2.waitFor();
assert.match(await copy2.innerText(), /第 2 次[\s\S]*卡纸/);
await station.locator('.paged tr', { hasText: '卡纸' }).waitFor(); // the job list
result.reprintJob = second.printJob.name;
result.reprintCopy = Number(await copy2.getAttribute('data-copy'));

step('station: refusals show their reasons');
await station.keyboard.type(numbers[3]);
await station.keyboard.press('Enter');
await station.locator(`#scan-msg .note.error[data-number="${numbers[3]}"]`).waitFor();
assert.match(await text(station, '#scan-msg'), /已取消，不能打印/);
await station.keyboard.type('NO-SUCH-ORDER');
await station.keyboard.press('Enter');
const notFound = station.locator('#scan-msg .error-box');
await notFound.waitFor();
assert.equal(await notFound.getAttribute('data-reason'), 'RESOURCE_NOT_FOUND');
assert.match(await notFound.innerText(), /NO-SUCH-ORDER/);
assert.equal(await text(station, '#queue-count'), '0');

step('station: the queue from the keyboard (↑ selects, Delete removes, Shift+Esc clears)');
for (const n of [numbers[0], numbers[2]]) {
  await station.keyboard.type(n);
  await station.keyboard.press('Enter');
  await station.locator(`#queue tr[data-number="${n}"]`).waitFor();
}
await station.keyboard.press('ArrowUp');
await station.locator(`#queue tr.selected[data-number="${numbers[0]}"]`).waitFor();
await station.keyboard.press('Delete');
await station.locator(`#queue tr[data-number="${numbers[0]}"]`).waitFor({ state: 'detached' });
assert.equal(await text(station, '#queue-count'), '1');
await station.keyboard.press('Shift+Escape');
assert.equal(await text(station, '#queue-count'), '0');

step('station: English, then the tablet layout');
await station.click('#lang-en');
assert.equal(await station.getAttribute('html', 'lang'), 'en');
assert.equal(await text(station, 'a[data-view=station]'), 'Print station');
assert.match(await text(station, `#done tr[data-number="${numbers[1]}"][data-copy="2"]`), /copy 2/);
await station.click('#lang-zh');
for (const n of [numbers[0], numbers[2]]) {
  await station.keyboard.type(n);
  await station.keyboard.press('Enter');
  await station.locator(`#queue tr[data-number="${n}"]`).waitFor();
}
await station.waitForFunction(() => document.querySelector('#preview:not([hidden])')?.naturalWidth > 0);
await shot(station, 'print-station');
for (const page of [admin, shop, station]) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${page.url()} at 1280×800 scrolls sideways by ${overflow}px`);
}

step('station on a 10-inch tablet in landscape, by touch');
const tablet = await signIn(printerKey, { viewport: { width: 1194, height: 834 }, hasTouch: true, isMobile: true, deviceScaleFactor: 2 });
assert.ok(await tablet.evaluate(() => matchMedia('(pointer: coarse)').matches), 'the tablet has a coarse pointer');
assert.ok((await tablet.locator('[data-act=print-pdf]').boundingBox()).height >= 44, 'touch-sized buttons');
await tablet.tap('#scan');
await tablet.keyboard.type(numbers[2]);
await tablet.keyboard.press('Enter');
await tablet.locator(`#queue tr[data-number="${numbers[2]}"]`).waitFor();
await tablet.waitForFunction(() => document.querySelector('#preview:not([hidden])')?.naturalWidth > 0);
const tabletOverflow = await tablet.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
assert.ok(tabletOverflow <= 0, `the station at 1194×834 scrolls sideways by ${tabletOverflow}px`);
for (const sel of ['#scan', '[data-act=print-pdf]', '#preview']) {
  const box = await tablet.locator(sel).boundingBox();
  assert.ok(box && box.x >= 0 && box.x + box.width <= 1194 && box.y + box.height <= 834, `${sel} within the first screen: ${JSON.stringify(box)}`);
}
await shot(tablet, 'print-station-tablet');

step('tablet: reprint as ZPL for a thermal printer, the reason from a chip');
await tablet.locator('.reprint button.chip', { hasText: '标签破损' }).tap();
const saved = tablet.waitForEvent('download');
const zplRendered = tablet.waitForResponse((r) => r.url().endsWith('/labels:render') && r.request().postData().includes('LABEL_FORMAT_ZPL'));
await tablet.keyboard.press('Control+Shift+Enter');
result.zplJob = (await (await zplRendered).json()).printJob.name;
const zplFile = await (await saved).path();
const zpl = fs.readFileSync(zplFile, 'latin1');
assert.equal((zpl.match(/\^XA/g) || []).length, 1, 'one label in the ZPL stream');
assert.ok(zpl.includes('^BC') && zpl.trimEnd().endsWith('^XZ'), 'a Code 128 label, whole');
const zplRow = tablet.locator(`#done tr[data-number="${numbers[2]}"][data-copy="2"]`);
await zplRow.waitFor();
assert.match(await zplRow.innerText(), /ZPL[\s\S]*标签破损/);

// ----------------------------------------------------------- everywhere
step('no third-party request, no CSP violation, no error');
// Besides the server, a page may load its own blobs and data, and the
// browser's PDF viewer its own files (chrome:, chrome-extension:): none
// of those leave the machine. Any other address is a third party.
const local = (u) => u.startsWith(origin + '/') || /^(blob:|data:|chrome:|chrome-extension:)/.test(u) && !u.startsWith('blob:http') ||
  u.startsWith('blob:' + origin + '/');
const foreign = requests.filter((u) => !local(u));
assert.deepEqual(foreign, [], 'requests to other hosts');
assert.ok(requests.some((u) => u.startsWith(origin + '/console/js/')), 'the request log is live');
for (const page of [admin, shop, station, tablet]) {
  assert.deepEqual(await page.evaluate(() => window.__csp), [], 'CSP violations on ' + page.url());
  assert.equal(await page.evaluate(() => sessionStorage.length), 1, 'only the key in session storage');
  assert.equal((await page.context().cookies()).length, 0, 'no cookie');
  assert.ok(!page.url().includes('ewb_'), 'no key in the URL');
}
assert.deepEqual(problems, []);
result.requests = requests.length;

fs.writeFileSync(resultFile, JSON.stringify(result, null, 2));
await browser.close();
step('passed');

// Every label the console shows, in Chinese (the default) and English.
// Templates take {name} parameters. A key missing from the labels is
// shown as the key itself and reported on the browser's console, where
// the end-to-end tests look for it.

const LANG = 'ewaybill.lang';

let current = localStorage.getItem(LANG) === 'en' ? 'en' : 'zh';

export const lang = () => current;

export function setLang(code) {
  current = code === 'en' ? 'en' : 'zh';
  localStorage.setItem(LANG, current);
}

// The index of the current language in a label's pair.
const side = () => (current === 'en' ? 1 : 0);

export function has(key) {
  return key in LABELS;
}

export function t(key, params = {}) {
  const text = LABELS[key] && LABELS[key][side()];
  if (!text) {
    console.warn('missing translation: ' + current + ' ' + key);
    return key;
  }
  return text.replace(/\{(\w+)\}/g, (_, name) => (params[name] === undefined ? '' : String(params[name])));
}

// The enums the console shows or filters by, in the API's order, without
// their UNSPECIFIED zero.
const ENUMS = {
  WaybillState: ['WAYBILL_STATE_ISSUED', 'WAYBILL_STATE_PRINTED', 'WAYBILL_STATE_PICKED_UP', 'WAYBILL_STATE_CANCELLED'],
  MerchantState: ['MERCHANT_STATE_PENDING_REVIEW', 'MERCHANT_STATE_APPROVED', 'MERCHANT_STATE_REJECTED', 'MERCHANT_STATE_SUSPENDED'],
  CarrierAuthorizationState: ['CARRIER_AUTHORIZATION_STATE_PENDING', 'CARRIER_AUTHORIZATION_STATE_ACTIVE',
    'CARRIER_AUTHORIZATION_STATE_REJECTED', 'CARRIER_AUTHORIZATION_STATE_REVOKED'],
  LedgerEntryType: ['LEDGER_ENTRY_TYPE_STARTER_GRANT', 'LEDGER_ENTRY_TYPE_TOP_UP', 'LEDGER_ENTRY_TYPE_DEDUCTION',
    'LEDGER_ENTRY_TYPE_ALLOCATION', 'LEDGER_ENTRY_TYPE_CANCEL_CREDIT'],
};

// enumLabel names an enum value (proto3 JSON sends its name; a value left
// out is the zero, UNSPECIFIED).
export function enumLabel(_enumName, value) {
  if (!value) return '—';
  return has('enum.' + value) ? t('enum.' + value) : String(value);
}

// enumOptions are [value, label] pairs for a filter of enum e.
export function enumOptions(e) {
  return ENUMS[e].map((v) => [v, enumLabel(e, v)]);
}

// Each label as [Chinese, English]: one entry holds both, so neither
// language can lack a label the other has.
const LABELS = {
  'app.title': ['电子面单控制台', 'Waybill console'],
  'app.intro': [
    '管理员审核商户、充值额度；商户查看余额、管理运单；打印台扫描打印面单。',
    'Admins review merchants and top up quotas; merchants check balances and manage waybills; print stations scan and print labels.'],
  'app.key': ['API 密钥', 'API key'],
  'app.keyHint': [
    '密钥只保存在本标签页的会话存储中，关闭标签页或退出即清除；不会写入 Cookie 或网址。',
    'The key is kept in this tab\'s session storage only and is gone when you close the tab or sign out; never in a cookie or the address.'],
  'app.signIn': ['登录', 'Sign in'],
  'app.signOut': ['退出', 'Sign out'],
  'app.checking': ['正在核对密钥…', 'Checking the key…'],
  'app.merchantState': ['商户状态：{state}，暂不能取号', 'Merchant state: {state}; no numbers can be allocated yet'],

  'view.review': ['商户审核', 'Merchant review'],
  'view.pools': ['承运商与号池', 'Carriers & pools'],
  'view.auths': ['承运商授权', 'Carrier authorizations'],
  'view.topups': ['额度调整', 'Quotas'],
  'view.audit': ['审计日志', 'Audit log'],
  'view.balances': ['余额', 'Balances'],
  'view.waybills': ['运单', 'Waybills'],
  'view.station': ['打印台', 'Print station'],
  'view.mapping': ['字段映射', 'Field mapping'],
  'view.keys': ['API 密钥', 'API keys'],

  'list.empty': ['没有记录', 'Nothing here'],

  'page.prev': ['上一页', 'Previous'],
  'page.next': ['下一页', 'Next'],
  'page.no': ['第 {n} 页', 'Page {n}'],
  'page.size': ['每页 {n} 条', '{n} a page'],
  'page.sizeLabel': ['每页条数', 'Rows a page'],

  'filter.any': ['全部', 'Any'],
  'filter.from': ['起始日期', 'From'],
  'filter.to': ['截止日期', 'To'],
  'filter.search': ['查询', 'Search'],

  'form.close': ['关闭', 'Close'],
  'form.save': ['保存', 'Save'],
  'form.comment': ['备注', 'Comment'],
  'form.reasonRequired': ['请填写原因', 'A reason is required'],

  'col.actor': ['操作者', 'By'],
  'col.balanceAfter': ['变动后余额', 'Balance after'],
  'col.carrier': ['承运商', 'Carrier'],
  'col.copy': ['第几次', 'Copy'],
  'col.created': ['创建时间', 'Created'],
  'col.delta': ['变动', 'Change'],
  'col.field': ['字段', 'Field'],
  'col.format': ['格式', 'Format'],
  'col.labels': ['面单', 'Labels'],
  'col.merchant': ['商户', 'Merchant'],
  'col.name': ['名称', 'Name'],
  'col.number': ['运单号', 'Waybill number'],
  'col.order': ['订单号', 'Order code'],
  'col.prints': ['已打印', 'Printed'],
  'col.problem': ['问题', 'Problem'],
  'col.reason': ['原因', 'Reason'],
  'col.reprintReason': ['补打原因', 'Reprint reason'],
  'col.role': ['角色', 'Role'],
  'col.rule': ['规则', 'Rule'],
  'col.source': ['来源', 'Source'],
  'col.state': ['状态', 'State'],
  'col.time': ['时间', 'Time'],
  'col.type': ['类型', 'Type'],
  'col.updated': ['更新时间', 'Updated'],
  'col.value': ['取值', 'Value'],
  'col.version': ['版本', 'Version'],

  'err.todo': ['怎么办：', 'What to do:'],
  'err.details': ['服务器原文与元数据', 'Server message and metadata'],
  'err.rule': ['规则', 'rule'],
  'err.retryAfter': ['请在 {s} 秒后重试。', 'Retry in {s} s.'],
  'err.unknown.what': ['请求失败（HTTP {status}）。', 'The request failed (HTTP {status}).'],
  'err.unknown.todo': ['稍后重试；如果一直失败，请把下面的原文告诉管理员。', 'Retry later; if it keeps failing, give an admin the message below.'],
  'err.NETWORK.what': ['连不上服务器，或连接在应答前中断。', 'The server could not be reached, or the connection broke before it answered.'],
  'err.NETWORK.todo': [
    '检查网络后重试。带请求编号的操作（充值、打印）重试不会重复执行。',
    'Check the network and retry. Operations with a request id (top-ups, prints) are never done twice by a retry.'],
  'err.INVALID_REQUEST.what': ['请求中有字段不符合规则，什么都没有改变。', 'Some fields break the rules; nothing was changed.'],
  'err.INVALID_REQUEST.todo': ['按下面列出的字段逐一改正后再提交。', 'Fix each field listed below and send again.'],
  'err.API_KEY_MISSING.what': ['没有提供 API 密钥。', 'No API key was sent.'],
  'err.API_KEY_MISSING.todo': ['重新登录并粘贴密钥。', 'Sign in again and paste your key.'],
  'err.API_KEY_INVALID.what': ['这个 API 密钥无效。', 'This API key is not valid.'],
  'err.API_KEY_INVALID.todo': [
    '检查是否复制完整；没有密钥请找管理员或商户创建。',
    'Check that it was copied whole; ask an admin or your merchant for a key.'],
  'err.API_KEY_REVOKED.what': ['这个 API 密钥已被吊销。', 'This API key was revoked.'],
  'err.API_KEY_REVOKED.todo': ['请使用新的密钥。', 'Use a new key.'],
  'err.ROLE_NOT_PERMITTED.what': ['当前密钥的角色（{role}）不能执行这项操作。', 'A key with this role ({role}) may not do this.'],
  'err.ROLE_NOT_PERMITTED.todo': ['换用有权限的角色的密钥，原文写明了需要哪种角色。', 'Use a key of the role the message names.'],
  'err.RESOURCE_NOT_FOUND.what': ['找不到（或不属于你的商户）：{resource}{code}', 'Not found, or not your merchant\'s: {resource}{code}'],
  'err.RESOURCE_NOT_FOUND.todo': [
    '核对号码或名称，并确认密钥属于拥有它的商户。',
    'Check the number or name, and that the key belongs to the merchant that owns it.'],
  'err.ALREADY_EXISTS.what': ['已经存在相同的记录。', 'The same record already exists.'],
  'err.ALREADY_EXISTS.todo': ['使用已有的那一条（元数据中给出了它的名称）。', 'Use the existing one (its name is in the metadata).'],
  'err.INVALID_STATE_TRANSITION.what': ['当前状态（{state}）下不能这样操作。', 'This does not apply in the current state ({state}).'],
  'err.INVALID_STATE_TRANSITION.todo': ['原文说明了什么状态下可以执行。', 'The message says when it applies.'],
  'err.MERCHANT_NOT_QUALIFIED.what': [
    '商户尚未通过资质审核（或被驳回、被暂停）。',
    'The merchant has not passed review (or was rejected or suspended).'],
  'err.MERCHANT_NOT_QUALIFIED.todo': [
    '等待审核、补充资料后重新提交，或请管理员恢复。',
    'Wait for review, resubmit the qualification, or have the suspension lifted.'],
  'err.CARRIER_DISABLED.what': ['该承运商暂停接受新的授权。', 'The carrier takes no new authorizations.'],
  'err.CARRIER_DISABLED.todo': ['选择其他承运商，或请管理员启用。', 'Choose another carrier or ask an admin to enable it.'],
  'err.LAST_ADMIN_KEY.what': ['这是最后一个有效的管理员密钥，不能吊销。', 'This is the last active admin key; it cannot be revoked.'],
  'err.LAST_ADMIN_KEY.todo': ['先创建另一个管理员密钥，再吊销这个。', 'Create another admin key first, then revoke this one.'],
  'err.CARRIER_NOT_AUTHORIZED.what': [
    '商户没有该承运商（{carrier}）的有效授权。',
    'The merchant has no active authorization for the carrier ({carrier}).'],
  'err.CARRIER_NOT_AUTHORIZED.todo': [
    '先申请授权并等待管理员审批；原文会说明是否已有待审批的申请。',
    'Apply for one and have an admin approve it; the message says if one is pending.'],
  'err.QUOTA_EXHAUSTED.what': ['该承运商的单号额度已用完，没有扣减任何额度。', 'The quota for this carrier is used up; nothing was spent.'],
  'err.QUOTA_EXHAUSTED.todo': [
    '请管理员充值；取消未使用的运单也会退回额度。',
    'Ask an admin to top it up; cancelling unused waybills credits units back.'],
  'err.POOL_EXHAUSTED.what': ['承运商号池中已没有可发放的单号。', 'The carrier\'s pool has no number left to issue.'],
  'err.POOL_EXHAUSTED.todo': ['请管理员导入新的号段。', 'Ask an admin to import a new range.'],
  'err.IDEMPOTENCY_KEY_REUSED.what': [
    '同一个请求编号（或订单号+包裹号）已用于不同的内容（不同之处：{fields}）。',
    'The request id (or order code and package) was used before with different content (differs in: {fields}).'],
  'err.IDEMPOTENCY_KEY_REUSED.todo': [
    '重发原来的内容可取回原结果，或换一个新的编号。',
    'Send the original content to get the original result, or use a new id.'],
  'err.WAYBILL_ALREADY_PICKED_UP.what': ['快递已揽收，不能取消。', 'The carrier has picked the parcel up; it cannot be cancelled.'],
  'err.WAYBILL_ALREADY_PICKED_UP.todo': ['请联系承运商退回包裹。', 'Ask the carrier to return the parcel.'],
  'err.CANCEL_RATE_EXCEEDED.what': [
    '取消率超过了商户的上限（{cancel_percent}% / {max_cancel_percent}%）。',
    'One more cancel would pass the merchant\'s cancel-rate limit ({cancel_percent}% of {max_cancel_percent}%).'],
  'err.CANCEL_RATE_EXCEEDED.todo': ['保留或发出这张运单；如需调整上限请联系管理员。', 'Keep or ship the waybill; ask an admin to review the limit.'],
  'err.NUMBER_RANGE_OVERLAPS.what': ['这个号段与已导入的号段有重叠。', 'The range overlaps one imported before.'],
  'err.NUMBER_RANGE_OVERLAPS.todo': [
    '只导入承运商分配且从未导入过的号段。',
    'Import only serials the carrier granted and that were never imported.'],
  'err.DEDUCTION_EXCEEDS_AVAILABLE.what': [
    '扣减数量超过可用额度（可用 {available}）。',
    'The deduction is more than is available ({available} available).'],
  'err.DEDUCTION_EXCEEDS_AVAILABLE.todo': [
    '最多扣减可用的数量；在用运单的额度只有取消后才会退回。',
    'Deduct at most what is available; units of live waybills return only when they are cancelled.'],
  'err.RATE_LIMITED.what': [
    '请求太快，超过了商户的速率限制，本次没有执行。',
    'Requests came faster than the merchant\'s rate limit; this one was not done.'],
  'err.RATE_LIMITED.todo': ['稍等片刻再试；需要更高限额请联系管理员。', 'Wait a moment and retry; ask an admin for a higher limit.'],
  'err.OVERLOADED.what': ['服务器繁忙，本次请求没有执行。', 'The server is busy; this request was not done.'],
  'err.OVERLOADED.todo': ['稍等片刻再试。', 'Wait a moment and retry.'],
  'err.UNAVAILABLE.what': ['服务器正在停止。', 'The server is shutting down.'],
  'err.UNAVAILABLE.todo': ['稍后重试。', 'Retry shortly.'],
  'err.INTERNAL.what': ['服务器内部错误；已确认的数据不会丢失。', 'Internal server error; nothing acknowledged was lost.'],
  'err.INTERNAL.todo': ['重试；如果一直出现请报告管理员。', 'Retry; report it to an admin if it persists.'],

  'station.scan': ['扫描或输入运单号 / 订单号', 'Scan or type a waybill number or order code'],
  'station.scanPlaceholder': ['扫描条码，或输入后按 Enter', 'Scan a barcode, or type and press Enter'],
  'station.keys': [
    'Enter 加入队列 · Ctrl+Enter 打印 PDF · Ctrl+Shift+Enter 下载 ZPL · ↑↓ 选择 · Delete 移除 · Shift+Esc 清空',
    'Enter queue · Ctrl+Enter print PDF · Ctrl+Shift+Enter download ZPL · ↑↓ select · Delete remove · Shift+Esc clear'],
  'station.queue': ['待打印', 'To print'],
  'station.queueEmpty': ['队列为空：扫描运单号或订单号。', 'The queue is empty: scan a waybill number or order code.'],
  'station.size': ['纸张', 'Stock'],
  'station.dpi': ['ZPL 分辨率', 'ZPL resolution'],
  'station.new': ['首次打印', 'First print'],
  'station.reprintOf': ['已打印 {n} 次 · 补打', 'Printed {n}× · reprint'],
  'station.reason': ['补打原因（必填）', 'Reprint reason (required)'],
  'station.reasonPlaceholder': ['例如：卡纸', 'e.g. paper jam'],
  'station.reason.jam': ['卡纸', 'Paper jam'],
  'station.reason.torn': ['标签破损', 'Torn label'],
  'station.reason.smudged': ['打印模糊', 'Smudged print'],
  'station.printPdf': ['打印 PDF', 'Print PDF'],
  'station.printZpl': ['下载 ZPL', 'Download ZPL'],
  'station.clear': ['清空队列', 'Clear queue'],
  'station.remove': ['移出队列', 'Remove from queue'],
  'station.done': ['本次已打印', 'Printed this session'],
  'station.noneDone': ['本次还没有打印。', 'Nothing printed yet this session.'],
  'station.copy': ['第 {n} 次', 'copy {n}'],
  'station.preview': ['预览', 'Preview'],
  'station.previewNone': [
    '选中队列中的面单即可预览（预览不计打印次数）。',
    'Select a label in the queue to preview it (previews are not counted as prints).'],
  'station.previewAlt': ['面单预览', 'Label preview'],
  'station.previewOf': ['运单 {number} 的面单预览', 'Label preview of waybill {number}'],
  'station.pdfTitle': ['待打印的 PDF', 'PDF to print'],
  'station.jobs': ['最近打印作业', 'Recent print jobs'],
  'station.noJobs': ['还没有打印作业。', 'No print jobs yet.'],
  'station.looking': ['正在查找', 'Looking up'],
  'station.added': ['已加入 {n} 张。', 'Queued {n}.'],
  'station.already': ['{number} 已在队列中。', '{number} is already queued.'],
  'station.cancelled': [
    '{number} 已取消，不能打印：单号可能已作废或将被复用。请重新取号。',
    '{number} is cancelled and cannot be printed: its number may be void or reissued. Allocate a new waybill.'],
  'station.full': ['一批最多 {n} 张，请先打印当前队列。', 'A batch holds at most {n} labels; print this queue first.'],
  'station.lookupFailed': ['“{code}”没有加入队列：', '"{code}" was not queued:'],
  'station.nothing': ['队列为空，没有可打印的面单。', 'The queue is empty; there is nothing to print.'],
  'station.needReason': ['{numbers} 以前打印过，补打必须填写原因。', '{numbers} printed before: a reprint needs a reason.'],
  'station.rendering': ['正在生成 {n} 张面单…', 'Rendering {n} labels…'],
  'station.retrying': [
    '连接中断，正在用同一请求编号重试（第 {n} 次），不会重复计数…',
    'Connection lost; retrying with the same request id (attempt {n}), nothing is counted twice…'],
  'station.printed': ['已打印 {n} 张（作业 {job}）。', 'Printed {n} labels (job {job}).'],
  'station.zplSaved': ['ZPL 文件已下载，可直接发送到热敏打印机。', 'ZPL file downloaded; send it to the thermal printer as is.'],
  'station.printManually': [
    'PDF 已打开；如果没有弹出打印对话框，请在预览中点击打印。',
    'The PDF is open; if no print dialog appeared, print it from the preview.'],

  'quota.title': ['各承运商余额', 'Balances by carrier'],
  'quota.refresh': ['刷新', 'Refresh'],
  'quota.available': ['可用', 'available'],
  'quota.granted': ['累计授予', 'Granted'],
  'quota.live': ['在用', 'Live'],
  'quota.issuedTotal': ['已取号', 'Issued'],
  'quota.cancelled': ['已取消', 'Cancelled'],
  'quota.printed': ['已打印', 'Printed'],
  'quota.recycled': ['已回收', 'Recycled'],
  'quota.low': ['余额低于预警线 {n}，请尽快充值。', 'Below the low-balance threshold of {n}: top up soon.'],
  'quota.threshold': ['预警线 {n}', 'Warns below {n}'],
  'quota.thresholdCol': ['预警线', 'Threshold'],
  'quota.lowWarning': ['余额不足：{carriers}', 'Low balance: {carriers}'],
  'quota.none': ['还没有额度：承运商授权通过后会获得初始额度。', 'No quotas yet: an approved carrier authorization brings a starter grant.'],
  'quota.ledger': ['额度流水', 'Ledger'],
  'quota.allCarriers': ['全部承运商', 'All carriers'],
  'quota.allTypes': ['全部类型', 'All types'],
  'quota.ledgerCarrier': ['流水的承运商', 'Ledger carrier'],
  'quota.ledgerType': ['流水类型', 'Entry type'],
  'quota.noEntries': ['没有流水。', 'No entries.'],

  'waybills.title': ['运单', 'Waybills'],
  'waybills.numberHint': ['精确查找一个运单号', 'One exact waybill number'],
  'waybills.none': ['没有符合条件的运单。', 'No waybill matches.'],
  'waybills.cancel': ['取消', 'Cancel'],
  'waybills.cancelTitle': ['取消运单 {number}', 'Cancel waybill {number}'],
  'waybills.cancelExplain': [
    '取消后额度退回一单；单号按承运商规则作废，或在从未打印时排队复用。已揽收的运单不能取消。',
    'Cancelling credits one unit back to the quota; the number is voided by the carrier\'s policy, or queued for reuse if never printed. A picked-up waybill cannot be cancelled.'],
  'waybills.cancelConfirm': ['确认取消', 'Cancel waybill'],
  'waybills.cancelled': ['运单 {number} 已取消。', 'Waybill {number} cancelled.'],
  'waybills.cancelReplayed': ['运单 {number} 之前已经取消（本次未重复退回）。', 'Waybill {number} was already cancelled (nothing credited again).'],
  'waybills.quotaCredited': ['额度退回：{n} 单', 'Quota credited: {n}'],
  'waybills.reusableAt': ['可复用时间 {time}', 'reusable from {time}'],

  'mapping.title': ['映射配置', 'Mapping profiles'],
  'mapping.new': ['新建配置', 'New profile'],
  'mapping.newTitle': ['新配置（未保存）', 'New profile (not saved)'],
  'mapping.editing': ['{name}（v{v}）', '{name} (v{v})'],
  'mapping.json': ['配置 JSON', 'Profile JSON'],
  'mapping.orders': ['样例订单 JSON', 'Sample orders JSON'],
  'mapping.save': ['保存', 'Save'],
  'mapping.delete': ['删除', 'Delete'],
  'mapping.saved': ['已保存 {name}（v{v}）。', 'Saved {name} (v{v}).'],
  'mapping.deleted': ['已删除 {name}。', 'Deleted {name}.'],
  'mapping.none': ['还没有映射配置。', 'No mapping profiles yet.'],
  'mapping.dryRun': ['试运行', 'Dry run'],
  'mapping.dryRunHint': [
    '用样例订单检验配置：不取号、不保存，逐个字段列出问题，并汇总可能的映射错误。',
    'Try the profile on sample orders: nothing is allocated or stored; every problem is listed per field, and likely mis-mappings are judged over all samples.'],
  'mapping.profile': ['使用的配置', 'Profile'],
  'mapping.useEditor': ['编辑器中的配置（未保存也可）', 'The editor\'s (saved or not)'],
  'mapping.useSaved': ['已保存的版本', 'The saved version'],
  'mapping.validate': ['试运行', 'Run'],
  'mapping.summary': ['{n} 个订单中 {ok} 个可以取号', '{ok} of {n} orders would be accepted'],
  'mapping.order': ['订单 {i}（{code}）', 'Order {i} ({code})'],
  'mapping.problems': ['{n} 个问题', '{n} problem(s)'],
  'mapping.ok': ['通过', 'ok'],
  'mapping.warnings': ['可能的映射错误（综合全部样例判断）', 'Likely mis-mappings (judged over all samples)'],
  'mapping.badJson': ['{what} 不是有效的 JSON：{error}', '{what} is not valid JSON: {error}'],

  'auth.title': ['承运商授权', 'Carrier authorizations'],
  'auth.adminTitle': ['授权审批', 'Authorization approvals'],
  'auth.account': ['月结账号 / 网点', 'Account / branch'],
  'auth.none': ['没有授权记录。', 'No authorizations.'],
  'auth.approve': ['批准', 'Approve'],
  'auth.reject': ['驳回', 'Reject'],
  'auth.revoke': ['撤销', 'Revoke'],
  'auth.approveTitle': ['批准 {carrier} 授权', 'Approve the {carrier} authorization'],
  'auth.rejectTitle': ['驳回 {carrier} 授权', 'Reject the {carrier} authorization'],
  'auth.revokeTitle': ['撤销 {carrier} 授权', 'Revoke the {carrier} authorization'],
  'auth.done.approve': ['已批准 {carrier} 授权。', '{carrier} authorization approved.'],
  'auth.done.reject': ['已驳回 {carrier} 授权。', '{carrier} authorization rejected.'],
  'auth.done.revoke': ['已撤销 {carrier} 授权。', '{carrier} authorization revoked.'],
  'auth.apply': ['申请授权', 'Apply for a carrier'],
  'auth.settlementAccount': ['月结账号', 'Settlement account'],
  'auth.branchCode': ['网点代码', 'Branch code'],
  'auth.branchName': ['网点名称', 'Branch name'],
  'auth.submit': ['提交申请', 'Apply'],
  'auth.applied': ['申请已提交，等待管理员审批。', 'Applied; waiting for an admin\'s approval.'],

  'keys.title': ['API 密钥', 'API keys'],
  'keys.namePlaceholder': ['例如：仓库 3 号打印台', 'e.g. warehouse 3 station 2'],
  'keys.create': ['创建密钥', 'Create key'],
  'keys.hint': ['密钥尾号', 'Ends with'],
  'keys.thisKey': ['当前密钥', 'this key'],
  'keys.revoke': ['吊销', 'Revoke'],
  'keys.createdTitle': ['已创建密钥：{name}', 'Key created: {name}'],
  'keys.once': [
    '密钥只显示这一次，关闭后无法再查看。请立即复制并妥善保存。',
    'The key is shown this once and cannot be seen again. Copy it now and keep it safe.'],
  'keys.secret': ['新密钥', 'New key'],
  'keys.roleIs': ['角色：{role}', 'Role: {role}'],
  'keys.copy': ['复制并关闭', 'Copy and close'],
  'keys.copied': ['已复制到剪贴板。', 'Copied to the clipboard.'],
  'keys.revokeTitle': ['吊销密钥 {name}', 'Revoke key {name}'],
  'keys.revokeExplain': ['吊销后，使用这个密钥的下一个请求就会被拒绝，且无法恢复。', 'The next request with this key is refused; this cannot be undone.'],
  'keys.revoked': ['已吊销 {name}。', 'Revoked {name}.'],

  'review.title': ['商户审核队列', 'Merchant review queue'],
  'review.none': ['没有符合条件的商户。', 'No merchant matches.'],
  'review.pick': ['选择一个商户查看资质与审核记录。', 'Select a merchant to see its qualification and review history.'],
  'review.legalName': ['商户名称', 'Legal name'],
  'review.type': ['类型', 'Type'],
  'review.creditCode': ['统一社会信用代码', 'Unified social credit code'],
  'review.representative': ['法定代表人', 'Legal representative'],
  'review.contact': ['联系人', 'Contact'],
  'review.licence': ['营业执照', 'Business licence'],
  'review.stateReason': ['原因：{reason}', 'Reason: {reason}'],
  'review.toSupplement': ['需补充：{fields}', 'To supplement: {fields}'],
  'review.history': ['审核记录', 'Review history'],
  'review.action': ['动作', 'Action'],
  'review.approve': ['通过', 'Approve'],
  'review.reject': ['驳回', 'Reject'],
  'review.suspend': ['暂停', 'Suspend'],
  'review.reinstate': ['恢复', 'Reinstate'],
  'review.approveTitle': ['通过 {name} 的资质审核', 'Approve {name}'],
  'review.rejectTitle': ['驳回 {name}', 'Reject {name}'],
  'review.suspendTitle': ['暂停 {name}', 'Suspend {name}'],
  'review.reinstateTitle': ['恢复 {name}', 'Reinstate {name}'],
  'review.supplement': ['需要补充的资料', 'Fields to supplement'],
  'review.done.approve': ['{name} 已通过审核。', '{name} approved.'],
  'review.done.reject': ['{name} 已驳回。', '{name} rejected.'],
  'review.done.suspend': ['{name} 已暂停。', '{name} suspended.'],
  'review.done.reinstate': ['{name} 已恢复。', '{name} reinstated.'],

  'qfield.legal_name': ['商户名称', 'Legal name'],
  'qfield.type': ['商户类型', 'Merchant type'],
  'qfield.credit_code': ['统一社会信用代码', 'Credit code'],
  'qfield.legal_representative.name': ['法定代表人姓名', 'Representative\'s name'],
  'qfield.legal_representative.id_number': ['法定代表人身份证号', 'Representative\'s ID number'],
  'qfield.contact.name': ['联系人姓名', 'Contact name'],
  'qfield.contact.mobile': ['联系人手机', 'Contact mobile'],
  'qfield.licence_document_ref': ['营业执照文件', 'Licence document'],

  'pools.title': ['承运商与号池', 'Carriers and number pools'],
  'pools.none': ['还没有承运商。', 'No carriers yet.'],
  'pools.kind': ['类型', 'Kind'],
  'pools.recycle': ['回收策略', 'Recycling'],
  'pools.enabled': ['启用', 'Enabled'],
  'pools.on': ['是', 'yes'],
  'pools.disabled': ['已停用', 'disabled'],
  'pools.imported': ['已导入', 'Imported'],
  'pools.issued': ['已发放', 'Issued'],
  'pools.voided': ['已作废', 'Voided'],
  'pools.level': ['可用 / 低水位', 'Available / low-watermark'],
  'pools.watermark': ['低水位', 'Low-watermark'],
  'pools.low': ['低于水位', 'LOW'],
  'pools.counts': [
    '可用 {available} · 待复用 {awaiting}（现可复用 {reusable}）',
    '{available} available · {awaiting} awaiting reuse ({reusable} reusable now)'],
  'pools.import': ['导入号段', 'Import a range'],
  'pools.firstSerial': ['起始序号', 'First serial'],
  'pools.lastSerial': ['结束序号', 'Last serial'],
  'pools.importDo': ['导入', 'Import'],
  'pools.importing': ['正在导入号段…', 'Importing the range…'],
  'pools.imported.done': ['已导入 {first} – {last}，现可用 {available}。', 'Imported {first} – {last}; {available} now available.'],
  'pools.watermarkSaved': ['低水位已保存。', 'Low-watermark saved.'],
  'pools.ranges': ['号段', 'Ranges'],
  'pools.first': ['起始号', 'First number'],
  'pools.last': ['结束号', 'Last number'],
  'pools.size': ['数量', 'Numbers'],
  'pools.next': ['下一序号', 'Next serial'],
  'pools.noRanges': ['还没有号段。', 'No ranges yet.'],

  'topups.title': ['额度调整', 'Quota top-ups and deductions'],
  'topups.pick': ['选择商户…', 'Choose a merchant…'],
  'topups.amount': ['数量', 'Amount'],
  'topups.topUp': ['充值', 'Top up'],
  'topups.deduct': ['扣减', 'Deduct'],
  'topups.done.topUp': ['{carrier} 已充值 {n}，现可用 {available}。', '{carrier}: topped up {n}; {available} available.'],
  'topups.done.deduct': ['{carrier} 已扣减 {n}，现可用 {available}。', '{carrier}: deducted {n}; {available} available.'],
  'topups.low': ['全部商户中余额不足的额度', 'Low balances across merchants'],
  'topups.noLow': ['没有余额不足的额度。', 'No balance is low.'],

  'audit.title': ['审计日志', 'Audit log'],
  'audit.action': ['动作', 'Action'],
  'audit.resources': ['对象', 'Resources'],
  'audit.details': ['详情', 'Details'],
  'audit.none': ['没有审计记录。', 'No events.'],

  'enum.ROLE_ADMIN': ['管理员', 'admin'],
  'enum.ROLE_MERCHANT': ['商户', 'merchant'],
  'enum.ROLE_PRINTER': ['打印台', 'print station'],
  'enum.API_KEY_STATE_ACTIVE': ['有效', 'active'],
  'enum.API_KEY_STATE_REVOKED': ['已吊销', 'revoked'],
  'enum.WAYBILL_STATE_ISSUED': ['已取号', 'issued'],
  'enum.WAYBILL_STATE_PRINTED': ['已打印', 'printed'],
  'enum.WAYBILL_STATE_PICKED_UP': ['已揽收', 'picked up'],
  'enum.WAYBILL_STATE_CANCELLED': ['已取消', 'cancelled'],
  'enum.MERCHANT_STATE_PENDING_REVIEW': ['待审核', 'pending review'],
  'enum.MERCHANT_STATE_APPROVED': ['已通过', 'approved'],
  'enum.MERCHANT_STATE_REJECTED': ['已驳回', 'rejected'],
  'enum.MERCHANT_STATE_SUSPENDED': ['已暂停', 'suspended'],
  'enum.MERCHANT_TYPE_ENTERPRISE': ['企业', 'enterprise'],
  'enum.MERCHANT_TYPE_INDIVIDUAL_BUSINESS': ['个体工商户', 'individual business'],
  'enum.CARRIER_AUTHORIZATION_STATE_PENDING': ['待审批', 'pending'],
  'enum.CARRIER_AUTHORIZATION_STATE_ACTIVE': ['生效', 'active'],
  'enum.CARRIER_AUTHORIZATION_STATE_REJECTED': ['已驳回', 'rejected'],
  'enum.CARRIER_AUTHORIZATION_STATE_REVOKED': ['已撤销', 'revoked'],
  'enum.LEDGER_ENTRY_TYPE_ALLOCATION': ['取号', 'allocation'],
  'enum.LEDGER_ENTRY_TYPE_CANCEL_CREDIT': ['取消退回', 'cancel credit'],
  'enum.LEDGER_ENTRY_TYPE_TOP_UP': ['充值', 'top-up'],
  'enum.LEDGER_ENTRY_TYPE_DEDUCTION': ['扣减', 'deduction'],
  'enum.LEDGER_ENTRY_TYPE_STARTER_GRANT': ['初始额度', 'starter grant'],
  'enum.NUMBER_DISPOSITION_VOIDED': ['单号已作废，不再发放', 'the number is voided, never issued again'],
  'enum.NUMBER_DISPOSITION_QUEUED_FOR_REUSE': ['单号从未打印，已排队复用', 'the number was never printed and is queued for reuse'],
  'enum.NUMBER_DISPOSITION_WITHDRAWN': ['单号所在号段已停用，单号已收回', 'the number\'s range was retired; the number is withdrawn'],
  'enum.NUMBER_RANGE_STATE_ACTIVE': ['使用中', 'active'],
  'enum.NUMBER_RANGE_STATE_RETIRED': ['已停用', 'retired'],
  'enum.CARRIER_KIND_DIRECT_OPERATED': ['直营', 'direct-operated'],
  'enum.CARRIER_KIND_FRANCHISE': ['加盟', 'franchise'],
  'enum.RECYCLE_POLICY_VOID': ['作废', 'void'],
  'enum.RECYCLE_POLICY_REUSE_UNPRINTED': ['未打印可复用', 'reuse unprinted'],
  'enum.LABEL_FORMAT_PDF': ['PDF', 'PDF'],
  'enum.LABEL_FORMAT_PNG': ['PNG', 'PNG'],
  'enum.LABEL_FORMAT_ZPL': ['ZPL', 'ZPL'],
  'enum.REVIEW_ACTION_SUBMIT': ['提交', 'submit'],
  'enum.REVIEW_ACTION_APPROVE': ['通过', 'approve'],
  'enum.REVIEW_ACTION_REJECT': ['驳回', 'reject'],
  'enum.REVIEW_ACTION_RESUBMIT': ['重新提交', 'resubmit'],
  'enum.REVIEW_ACTION_SUSPEND': ['暂停', 'suspend'],
  'enum.REVIEW_ACTION_REINSTATE': ['恢复', 'reinstate'],
  'enum.REVIEW_ACTION_REVOKE': ['撤销', 'revoke'],
};

// untranslated lists the labels without both languages (the end-to-end
// tests require none).
export function untranslated() {
  return Object.entries(LABELS).filter(([, pair]) => pair.length !== 2 || !pair[0] || !pair[1]).map(([key]) => key);
}

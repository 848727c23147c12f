// Every label the console shows, in Chinese (the default) and English.
// Templates take {name} parameters. A key missing from the dictionary is
// shown as the key itself and reported on the console, where the
// end-to-end tests look for it.

const LANG = 'ewaybill.lang';

let current = localStorage.getItem(LANG) === 'en' ? 'en' : 'zh';

export const lang = () => current;

export function setLang(code) {
  current = code === 'en' ? 'en' : 'zh';
  localStorage.setItem(LANG, current);
}

export function has(key) {
  return key in DICT[current];
}

export function t(key, params = {}) {
  const text = DICT[current][key];
  if (text === undefined) {
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

const zh = {
  'app.title': '电子面单控制台',
  'app.intro': '管理员审核商户、充值额度；商户查看余额、管理运单；打印台扫描打印面单。',
  'app.key': 'API 密钥',
  'app.keyHint': '密钥只保存在本标签页的会话存储中，关闭标签页或退出即清除；不会写入 Cookie 或网址。',
  'app.signIn': '登录',
  'app.signOut': '退出',
  'app.checking': '正在核对密钥…',
  'app.merchantState': '商户状态：{state}，暂不能取号',

  'view.review': '商户审核', 'view.pools': '承运商与号池', 'view.auths': '承运商授权', 'view.topups': '额度调整',
  'view.audit': '审计日志', 'view.balances': '余额', 'view.waybills': '运单', 'view.station': '打印台',
  'view.mapping': '字段映射', 'view.keys': 'API 密钥',

  'list.empty': '没有记录',
  'page.prev': '上一页', 'page.next': '下一页', 'page.no': '第 {n} 页', 'page.size': '每页 {n} 条', 'page.sizeLabel': '每页条数',
  'filter.any': '全部', 'filter.from': '起始日期', 'filter.to': '截止日期', 'filter.search': '查询',
  'form.close': '关闭', 'form.save': '保存', 'form.comment': '备注', 'form.reasonRequired': '请填写原因',

  'col.actor': '操作者', 'col.balanceAfter': '变动后余额', 'col.carrier': '承运商', 'col.copy': '第几次', 'col.created': '创建时间',
  'col.delta': '变动', 'col.field': '字段', 'col.format': '格式', 'col.labels': '面单', 'col.merchant': '商户',
  'col.name': '名称', 'col.number': '运单号', 'col.order': '订单号', 'col.prints': '已打印', 'col.problem': '问题',
  'col.reason': '原因', 'col.reprintReason': '补打原因', 'col.role': '角色', 'col.rule': '规则', 'col.source': '来源',
  'col.state': '状态', 'col.time': '时间', 'col.type': '类型', 'col.updated': '更新时间', 'col.value': '取值', 'col.version': '版本',

  'err.todo': '怎么办：', 'err.details': '服务器原文与元数据', 'err.rule': '规则', 'err.retryAfter': '请在 {s} 秒后重试。',
  'err.unknown.what': '请求失败（HTTP {status}）。', 'err.unknown.todo': '稍后重试；如果一直失败，请把下面的原文告诉管理员。',
  'err.NETWORK.what': '连不上服务器，或连接在应答前中断。', 'err.NETWORK.todo': '检查网络后重试。带请求编号的操作（充值、打印）重试不会重复执行。',
  'err.INVALID_REQUEST.what': '请求中有字段不符合规则，什么都没有改变。', 'err.INVALID_REQUEST.todo': '按下面列出的字段逐一改正后再提交。',
  'err.API_KEY_MISSING.what': '没有提供 API 密钥。', 'err.API_KEY_MISSING.todo': '重新登录并粘贴密钥。',
  'err.API_KEY_INVALID.what': '这个 API 密钥无效。', 'err.API_KEY_INVALID.todo': '检查是否复制完整；没有密钥请找管理员或商户创建。',
  'err.API_KEY_REVOKED.what': '这个 API 密钥已被吊销。', 'err.API_KEY_REVOKED.todo': '请使用新的密钥。',
  'err.ROLE_NOT_PERMITTED.what': '当前密钥的角色（{role}）不能执行这项操作。', 'err.ROLE_NOT_PERMITTED.todo': '换用有权限的角色的密钥，原文写明了需要哪种角色。',
  'err.RESOURCE_NOT_FOUND.what': '找不到（或不属于你的商户）：{resource}{code}', 'err.RESOURCE_NOT_FOUND.todo': '核对号码或名称，并确认密钥属于拥有它的商户。',
  'err.ALREADY_EXISTS.what': '已经存在相同的记录。', 'err.ALREADY_EXISTS.todo': '使用已有的那一条（元数据中给出了它的名称）。',
  'err.INVALID_STATE_TRANSITION.what': '当前状态（{state}）下不能这样操作。', 'err.INVALID_STATE_TRANSITION.todo': '原文说明了什么状态下可以执行。',
  'err.MERCHANT_NOT_QUALIFIED.what': '商户尚未通过资质审核（或被驳回、被暂停）。', 'err.MERCHANT_NOT_QUALIFIED.todo': '等待审核、补充资料后重新提交，或请管理员恢复。',
  'err.CARRIER_DISABLED.what': '该承运商暂停接受新的授权。', 'err.CARRIER_DISABLED.todo': '选择其他承运商，或请管理员启用。',
  'err.LAST_ADMIN_KEY.what': '这是最后一个有效的管理员密钥，不能吊销。', 'err.LAST_ADMIN_KEY.todo': '先创建另一个管理员密钥，再吊销这个。',
  'err.CARRIER_NOT_AUTHORIZED.what': '商户没有该承运商（{carrier}）的有效授权。', 'err.CARRIER_NOT_AUTHORIZED.todo': '先申请授权并等待管理员审批；原文会说明是否已有待审批的申请。',
  'err.QUOTA_EXHAUSTED.what': '该承运商的单号额度已用完，没有扣减任何额度。', 'err.QUOTA_EXHAUSTED.todo': '请管理员充值；取消未使用的运单也会退回额度。',
  'err.POOL_EXHAUSTED.what': '承运商号池中已没有可发放的单号。', 'err.POOL_EXHAUSTED.todo': '请管理员导入新的号段。',
  'err.IDEMPOTENCY_KEY_REUSED.what': '同一个请求编号（或订单号+包裹号）已用于不同的内容（不同之处：{fields}）。', 'err.IDEMPOTENCY_KEY_REUSED.todo': '重发原来的内容可取回原结果，或换一个新的编号。',
  'err.WAYBILL_ALREADY_PICKED_UP.what': '快递已揽收，不能取消。', 'err.WAYBILL_ALREADY_PICKED_UP.todo': '请联系承运商退回包裹。',
  'err.CANCEL_RATE_EXCEEDED.what': '取消率超过了商户的上限（{cancel_percent}% / {max_cancel_percent}%）。', 'err.CANCEL_RATE_EXCEEDED.todo': '保留或发出这张运单；如需调整上限请联系管理员。',
  'err.NUMBER_RANGE_OVERLAPS.what': '这个号段与已导入的号段有重叠。', 'err.NUMBER_RANGE_OVERLAPS.todo': '只导入承运商分配且从未导入过的号段。',
  'err.DEDUCTION_EXCEEDS_AVAILABLE.what': '扣减数量超过可用额度（可用 {available}）。', 'err.DEDUCTION_EXCEEDS_AVAILABLE.todo': '最多扣减可用的数量；在用运单的额度只有取消后才会退回。',
  'err.RATE_LIMITED.what': '请求太快，超过了商户的速率限制，本次没有执行。', 'err.RATE_LIMITED.todo': '稍等片刻再试；需要更高限额请联系管理员。',
  'err.OVERLOADED.what': '服务器繁忙，本次请求没有执行。', 'err.OVERLOADED.todo': '稍等片刻再试。',
  'err.UNAVAILABLE.what': '服务器正在停止。', 'err.UNAVAILABLE.todo': '稍后重试。',
  'err.INTERNAL.what': '服务器内部错误；已确认的数据不会丢失。', 'err.INTERNAL.todo': '重试；如果一直出现请报告管理员。',

  'station.scan': '扫描或输入运单号 / 订单号',
  'station.scanPlaceholder': '扫描条码，或输入后按 Enter',
  'station.keys': 'Enter 加入队列 · Ctrl+Enter 打印 PDF · Ctrl+Shift+Enter 下载 ZPL · ↑↓ 选择 · Delete 移除 · Shift+Esc 清空',
  'station.queue': '待打印', 'station.queueEmpty': '队列为空：扫描运单号或订单号。',
  'station.size': '纸张', 'station.dpi': 'ZPL 分辨率',
  'station.new': '首次打印', 'station.reprintOf': '已打印 {n} 次 · 补打',
  'station.reason': '补打原因（必填）', 'station.reasonPlaceholder': '例如：卡纸', 'station.reason.jam': '卡纸',
  'station.reason.torn': '标签破损', 'station.reason.smudged': '打印模糊',
  'station.printPdf': '打印 PDF', 'station.printZpl': '下载 ZPL', 'station.clear': '清空队列', 'station.remove': '移出队列',
  'station.done': '本次已打印', 'station.noneDone': '本次还没有打印。', 'station.copy': '第 {n} 次',
  'station.preview': '预览', 'station.previewNone': '选中队列中的面单即可预览（预览不计打印次数）。',
  'station.previewAlt': '面单预览', 'station.previewOf': '运单 {number} 的面单预览', 'station.pdfTitle': '待打印的 PDF',
  'station.jobs': '最近打印作业', 'station.noJobs': '还没有打印作业。',
  'station.looking': '正在查找', 'station.added': '已加入 {n} 张。', 'station.already': '{number} 已在队列中。',
  'station.cancelled': '{number} 已取消，不能打印：单号可能已作废或将被复用。请重新取号。',
  'station.full': '一批最多 {n} 张，请先打印当前队列。', 'station.lookupFailed': '“{code}”没有加入队列：',
  'station.nothing': '队列为空，没有可打印的面单。',
  'station.needReason': '{numbers} 以前打印过，补打必须填写原因。',
  'station.rendering': '正在生成 {n} 张面单…', 'station.retrying': '连接中断，正在用同一请求编号重试（第 {n} 次），不会重复计数…',
  'station.printed': '已打印 {n} 张（作业 {job}）。', 'station.zplSaved': 'ZPL 文件已下载，可直接发送到热敏打印机。',
  'station.printManually': 'PDF 已打开；如果没有弹出打印对话框，请在预览中点击打印。',

  'quota.title': '各承运商余额', 'quota.refresh': '刷新', 'quota.available': '可用', 'quota.granted': '累计授予', 'quota.live': '在用',
  'quota.issuedTotal': '已取号', 'quota.cancelled': '已取消', 'quota.printed': '已打印', 'quota.recycled': '已回收',
  'quota.low': '余额低于预警线 {n}，请尽快充值。', 'quota.threshold': '预警线 {n}', 'quota.thresholdCol': '预警线',
  'quota.lowWarning': '余额不足：{carriers}', 'quota.none': '还没有额度：承运商授权通过后会获得初始额度。',
  'quota.ledger': '额度流水', 'quota.allCarriers': '全部承运商', 'quota.allTypes': '全部类型',
  'quota.ledgerCarrier': '流水的承运商', 'quota.ledgerType': '流水类型', 'quota.noEntries': '没有流水。',

  'waybills.title': '运单', 'waybills.numberHint': '精确查找一个运单号', 'waybills.none': '没有符合条件的运单。',
  'waybills.cancel': '取消', 'waybills.cancelTitle': '取消运单 {number}',
  'waybills.cancelExplain': '取消后额度退回一单；单号按承运商规则作废，或在从未打印时排队复用。已揽收的运单不能取消。',
  'waybills.cancelConfirm': '确认取消', 'waybills.cancelled': '运单 {number} 已取消。', 'waybills.cancelReplayed': '运单 {number} 之前已经取消（本次未重复退回）。',
  'waybills.quotaCredited': '额度退回：{n} 单', 'waybills.reusableAt': '可复用时间 {time}',

  'mapping.title': '映射配置', 'mapping.new': '新建配置', 'mapping.newTitle': '新配置（未保存）',
  'mapping.editing': '{name}（v{v}）', 'mapping.json': '配置 JSON', 'mapping.orders': '样例订单 JSON',
  'mapping.save': '保存', 'mapping.delete': '删除', 'mapping.saved': '已保存 {name}（v{v}）。', 'mapping.deleted': '已删除 {name}。',
  'mapping.none': '还没有映射配置。', 'mapping.dryRun': '试运行',
  'mapping.dryRunHint': '用样例订单检验配置：不取号、不保存，逐个字段列出问题，并汇总可能的映射错误。',
  'mapping.profile': '使用的配置', 'mapping.useEditor': '编辑器中的配置（未保存也可）', 'mapping.useSaved': '已保存的版本',
  'mapping.validate': '试运行', 'mapping.summary': '{n} 个订单中 {ok} 个可以取号',
  'mapping.order': '订单 {i}（{code}）', 'mapping.problems': '{n} 个问题', 'mapping.ok': '通过',
  'mapping.warnings': '可能的映射错误（综合全部样例判断）', 'mapping.badJson': '{what} 不是有效的 JSON：{error}',

  'auth.title': '承运商授权', 'auth.adminTitle': '授权审批', 'auth.account': '月结账号 / 网点',
  'auth.none': '没有授权记录。', 'auth.approve': '批准', 'auth.reject': '驳回', 'auth.revoke': '撤销',
  'auth.approveTitle': '批准 {carrier} 授权', 'auth.rejectTitle': '驳回 {carrier} 授权', 'auth.revokeTitle': '撤销 {carrier} 授权',
  'auth.done.approve': '已批准 {carrier} 授权。', 'auth.done.reject': '已驳回 {carrier} 授权。', 'auth.done.revoke': '已撤销 {carrier} 授权。',
  'auth.apply': '申请授权', 'auth.settlementAccount': '月结账号', 'auth.branchCode': '网点代码', 'auth.branchName': '网点名称',
  'auth.submit': '提交申请', 'auth.applied': '申请已提交，等待管理员审批。',

  'keys.title': 'API 密钥', 'keys.namePlaceholder': '例如：仓库 3 号打印台', 'keys.create': '创建密钥',
  'keys.hint': '密钥尾号', 'keys.thisKey': '当前密钥', 'keys.revoke': '吊销',
  'keys.createdTitle': '已创建密钥：{name}', 'keys.once': '密钥只显示这一次，关闭后无法再查看。请立即复制并妥善保存。',
  'keys.secret': '新密钥', 'keys.roleIs': '角色：{role}', 'keys.copy': '复制并关闭', 'keys.copied': '已复制到剪贴板。',
  'keys.revokeTitle': '吊销密钥 {name}', 'keys.revokeExplain': '吊销后，使用这个密钥的下一个请求就会被拒绝，且无法恢复。',
  'keys.revoked': '已吊销 {name}。',

  'review.title': '商户审核队列', 'review.none': '没有符合条件的商户。', 'review.pick': '选择一个商户查看资质与审核记录。',
  'review.legalName': '商户名称', 'review.type': '类型', 'review.creditCode': '统一社会信用代码',
  'review.representative': '法定代表人', 'review.contact': '联系人', 'review.licence': '营业执照',
  'review.stateReason': '原因：{reason}', 'review.toSupplement': '需补充：{fields}', 'review.history': '审核记录', 'review.action': '动作',
  'review.approve': '通过', 'review.reject': '驳回', 'review.suspend': '暂停', 'review.reinstate': '恢复',
  'review.approveTitle': '通过 {name} 的资质审核', 'review.rejectTitle': '驳回 {name}', 'review.suspendTitle': '暂停 {name}',
  'review.reinstateTitle': '恢复 {name}', 'review.supplement': '需要补充的资料',
  'review.done.approve': '{name} 已通过审核。', 'review.done.reject': '{name} 已驳回。', 'review.done.suspend': '{name} 已暂停。',
  'review.done.reinstate': '{name} 已恢复。',
  'qfield.legal_name': '商户名称', 'qfield.type': '商户类型', 'qfield.credit_code': '统一社会信用代码',
  'qfield.legal_representative.name': '法定代表人姓名', 'qfield.legal_representative.id_number': '法定代表人身份证号',
  'qfield.contact.name': '联系人姓名', 'qfield.contact.mobile': '联系人手机', 'qfield.licence_document_ref': '营业执照文件',

  'pools.title': '承运商与号池', 'pools.none': '还没有承运商。', 'pools.kind': '类型', 'pools.recycle': '回收策略',
  'pools.enabled': '启用', 'pools.on': '是', 'pools.disabled': '已停用', 'pools.imported': '已导入', 'pools.issued': '已发放',
  'pools.voided': '已作废', 'pools.level': '可用 / 低水位', 'pools.watermark': '低水位', 'pools.low': '低于水位',
  'pools.counts': '可用 {available} · 待复用 {awaiting}（现可复用 {reusable}）',
  'pools.import': '导入号段', 'pools.firstSerial': '起始序号', 'pools.lastSerial': '结束序号', 'pools.importDo': '导入',
  'pools.importing': '正在导入号段…', 'pools.imported.done': '已导入 {first} – {last}，现可用 {available}。',
  'pools.watermarkSaved': '低水位已保存。', 'pools.ranges': '号段', 'pools.first': '起始号', 'pools.last': '结束号',
  'pools.size': '数量', 'pools.next': '下一序号', 'pools.noRanges': '还没有号段。',

  'topups.title': '额度调整', 'topups.pick': '选择商户…', 'topups.amount': '数量', 'topups.topUp': '充值', 'topups.deduct': '扣减',
  'topups.done.topUp': '{carrier} 已充值 {n}，现可用 {available}。', 'topups.done.deduct': '{carrier} 已扣减 {n}，现可用 {available}。',
  'topups.low': '全部商户中余额不足的额度', 'topups.noLow': '没有余额不足的额度。',

  'audit.title': '审计日志', 'audit.action': '动作', 'audit.resources': '对象', 'audit.details': '详情', 'audit.none': '没有审计记录。',

  'enum.ROLE_ADMIN': '管理员', 'enum.ROLE_MERCHANT': '商户', 'enum.ROLE_PRINTER': '打印台',
  'enum.API_KEY_STATE_ACTIVE': '有效', 'enum.API_KEY_STATE_REVOKED': '已吊销',
  'enum.WAYBILL_STATE_ISSUED': '已取号', 'enum.WAYBILL_STATE_PRINTED': '已打印', 'enum.WAYBILL_STATE_PICKED_UP': '已揽收', 'enum.WAYBILL_STATE_CANCELLED': '已取消',
  'enum.MERCHANT_STATE_PENDING_REVIEW': '待审核', 'enum.MERCHANT_STATE_APPROVED': '已通过', 'enum.MERCHANT_STATE_REJECTED': '已驳回', 'enum.MERCHANT_STATE_SUSPENDED': '已暂停',
  'enum.MERCHANT_TYPE_ENTERPRISE': '企业', 'enum.MERCHANT_TYPE_INDIVIDUAL_BUSINESS': '个体工商户',
  'enum.CARRIER_AUTHORIZATION_STATE_PENDING': '待审批', 'enum.CARRIER_AUTHORIZATION_STATE_ACTIVE': '生效',
  'enum.CARRIER_AUTHORIZATION_STATE_REJECTED': '已驳回', 'enum.CARRIER_AUTHORIZATION_STATE_REVOKED': '已撤销',
  'enum.LEDGER_ENTRY_TYPE_ALLOCATION': '取号', 'enum.LEDGER_ENTRY_TYPE_CANCEL_CREDIT': '取消退回', 'enum.LEDGER_ENTRY_TYPE_TOP_UP': '充值',
  'enum.LEDGER_ENTRY_TYPE_DEDUCTION': '扣减', 'enum.LEDGER_ENTRY_TYPE_STARTER_GRANT': '初始额度',
  'enum.NUMBER_DISPOSITION_VOIDED': '单号已作废，不再发放', 'enum.NUMBER_DISPOSITION_QUEUED_FOR_REUSE': '单号从未打印，已排队复用',
  'enum.NUMBER_DISPOSITION_WITHDRAWN': '单号所在号段已停用，单号已收回',
  'enum.NUMBER_RANGE_STATE_ACTIVE': '使用中', 'enum.NUMBER_RANGE_STATE_RETIRED': '已停用',
  'enum.CARRIER_KIND_DIRECT_OPERATED': '直营', 'enum.CARRIER_KIND_FRANCHISE': '加盟',
  'enum.RECYCLE_POLICY_VOID': '作废', 'enum.RECYCLE_POLICY_REUSE_UNPRINTED': '未打印可复用',
  'enum.LABEL_FORMAT_PDF': 'PDF', 'enum.LABEL_FORMAT_PNG': 'PNG', 'enum.LABEL_FORMAT_ZPL': 'ZPL',
  'enum.REVIEW_ACTION_SUBMIT': '提交', 'enum.REVIEW_ACTION_APPROVE': '通过', 'enum.REVIEW_ACTION_REJECT': '驳回',
  'enum.REVIEW_ACTION_RESUBMIT': '重新提交', 'enum.REVIEW_ACTION_SUSPEND': '暂停', 'enum.REVIEW_ACTION_REINSTATE': '恢复',
  'enum.REVIEW_ACTION_REVOKE': '撤销',
};

const en = {
  'app.title': 'Waybill console',
  'app.intro': 'Admins review merchants and top up quotas; merchants check balances and manage waybills; print stations scan and print labels.',
  'app.key': 'API key',
  'app.keyHint': 'The key is kept in this tab\'s session storage only and is gone when you close the tab or sign out; never in a cookie or the address.',
  'app.signIn': 'Sign in',
  'app.signOut': 'Sign out',
  'app.checking': 'Checking the key…',
  'app.merchantState': 'Merchant state: {state}; no numbers can be allocated yet',

  'view.review': 'Merchant review', 'view.pools': 'Carriers & pools', 'view.auths': 'Carrier authorizations', 'view.topups': 'Quotas',
  'view.audit': 'Audit log', 'view.balances': 'Balances', 'view.waybills': 'Waybills', 'view.station': 'Print station',
  'view.mapping': 'Field mapping', 'view.keys': 'API keys',

  'list.empty': 'Nothing here',
  'page.prev': 'Previous', 'page.next': 'Next', 'page.no': 'Page {n}', 'page.size': '{n} a page', 'page.sizeLabel': 'Rows a page',
  'filter.any': 'Any', 'filter.from': 'From', 'filter.to': 'To', 'filter.search': 'Search',
  'form.close': 'Close', 'form.save': 'Save', 'form.comment': 'Comment', 'form.reasonRequired': 'A reason is required',

  'col.actor': 'By', 'col.balanceAfter': 'Balance after', 'col.carrier': 'Carrier', 'col.copy': 'Copy', 'col.created': 'Created',
  'col.delta': 'Change', 'col.field': 'Field', 'col.format': 'Format', 'col.labels': 'Labels', 'col.merchant': 'Merchant',
  'col.name': 'Name', 'col.number': 'Waybill number', 'col.order': 'Order code', 'col.prints': 'Printed', 'col.problem': 'Problem',
  'col.reason': 'Reason', 'col.reprintReason': 'Reprint reason', 'col.role': 'Role', 'col.rule': 'Rule', 'col.source': 'Source',
  'col.state': 'State', 'col.time': 'Time', 'col.type': 'Type', 'col.updated': 'Updated', 'col.value': 'Value', 'col.version': 'Version',

  'err.todo': 'What to do:', 'err.details': 'Server message and metadata', 'err.rule': 'rule', 'err.retryAfter': 'Retry in {s} s.',
  'err.unknown.what': 'The request failed (HTTP {status}).', 'err.unknown.todo': 'Retry later; if it keeps failing, give an admin the message below.',
  'err.NETWORK.what': 'The server could not be reached, or the connection broke before it answered.', 'err.NETWORK.todo': 'Check the network and retry. Operations with a request id (top-ups, prints) are never done twice by a retry.',
  'err.INVALID_REQUEST.what': 'Some fields break the rules; nothing was changed.', 'err.INVALID_REQUEST.todo': 'Fix each field listed below and send again.',
  'err.API_KEY_MISSING.what': 'No API key was sent.', 'err.API_KEY_MISSING.todo': 'Sign in again and paste your key.',
  'err.API_KEY_INVALID.what': 'This API key is not valid.', 'err.API_KEY_INVALID.todo': 'Check that it was copied whole; ask an admin or your merchant for a key.',
  'err.API_KEY_REVOKED.what': 'This API key was revoked.', 'err.API_KEY_REVOKED.todo': 'Use a new key.',
  'err.ROLE_NOT_PERMITTED.what': 'A key with this role ({role}) may not do this.', 'err.ROLE_NOT_PERMITTED.todo': 'Use a key of the role the message names.',
  'err.RESOURCE_NOT_FOUND.what': 'Not found, or not your merchant\'s: {resource}{code}', 'err.RESOURCE_NOT_FOUND.todo': 'Check the number or name, and that the key belongs to the merchant that owns it.',
  'err.ALREADY_EXISTS.what': 'The same record already exists.', 'err.ALREADY_EXISTS.todo': 'Use the existing one (its name is in the metadata).',
  'err.INVALID_STATE_TRANSITION.what': 'This does not apply in the current state ({state}).', 'err.INVALID_STATE_TRANSITION.todo': 'The message says when it applies.',
  'err.MERCHANT_NOT_QUALIFIED.what': 'The merchant has not passed review (or was rejected or suspended).', 'err.MERCHANT_NOT_QUALIFIED.todo': 'Wait for review, resubmit the qualification, or have the suspension lifted.',
  'err.CARRIER_DISABLED.what': 'The carrier takes no new authorizations.', 'err.CARRIER_DISABLED.todo': 'Choose another carrier or ask an admin to enable it.',
  'err.LAST_ADMIN_KEY.what': 'This is the last active admin key; it cannot be revoked.', 'err.LAST_ADMIN_KEY.todo': 'Create another admin key first, then revoke this one.',
  'err.CARRIER_NOT_AUTHORIZED.what': 'The merchant has no active authorization for the carrier ({carrier}).', 'err.CARRIER_NOT_AUTHORIZED.todo': 'Apply for one and have an admin approve it; the message says if one is pending.',
  'err.QUOTA_EXHAUSTED.what': 'The quota for this carrier is used up; nothing was spent.', 'err.QUOTA_EXHAUSTED.todo': 'Ask an admin to top it up; cancelling unused waybills credits units back.',
  'err.POOL_EXHAUSTED.what': 'The carrier\'s pool has no number left to issue.', 'err.POOL_EXHAUSTED.todo': 'Ask an admin to import a new range.',
  'err.IDEMPOTENCY_KEY_REUSED.what': 'The request id (or order code and package) was used before with different content (differs in: {fields}).', 'err.IDEMPOTENCY_KEY_REUSED.todo': 'Send the original content to get the original result, or use a new id.',
  'err.WAYBILL_ALREADY_PICKED_UP.what': 'The carrier has picked the parcel up; it cannot be cancelled.', 'err.WAYBILL_ALREADY_PICKED_UP.todo': 'Ask the carrier to return the parcel.',
  'err.CANCEL_RATE_EXCEEDED.what': 'One more cancel would pass the merchant\'s cancel-rate limit ({cancel_percent}% of {max_cancel_percent}%).', 'err.CANCEL_RATE_EXCEEDED.todo': 'Keep or ship the waybill; ask an admin to review the limit.',
  'err.NUMBER_RANGE_OVERLAPS.what': 'The range overlaps one imported before.', 'err.NUMBER_RANGE_OVERLAPS.todo': 'Import only serials the carrier granted and that were never imported.',
  'err.DEDUCTION_EXCEEDS_AVAILABLE.what': 'The deduction is more than is available ({available} available).', 'err.DEDUCTION_EXCEEDS_AVAILABLE.todo': 'Deduct at most what is available; units of live waybills return only when they are cancelled.',
  'err.RATE_LIMITED.what': 'Requests came faster than the merchant\'s rate limit; this one was not done.', 'err.RATE_LIMITED.todo': 'Wait a moment and retry; ask an admin for a higher limit.',
  'err.OVERLOADED.what': 'The server is busy; this request was not done.', 'err.OVERLOADED.todo': 'Wait a moment and retry.',
  'err.UNAVAILABLE.what': 'The server is shutting down.', 'err.UNAVAILABLE.todo': 'Retry shortly.',
  'err.INTERNAL.what': 'Internal server error; nothing acknowledged was lost.', 'err.INTERNAL.todo': 'Retry; report it to an admin if it persists.',

  'station.scan': 'Scan or type a waybill number or order code',
  'station.scanPlaceholder': 'Scan a barcode, or type and press Enter',
  'station.keys': 'Enter queue · Ctrl+Enter print PDF · Ctrl+Shift+Enter download ZPL · ↑↓ select · Delete remove · Shift+Esc clear',
  'station.queue': 'To print', 'station.queueEmpty': 'The queue is empty: scan a waybill number or order code.',
  'station.size': 'Stock', 'station.dpi': 'ZPL resolution',
  'station.new': 'First print', 'station.reprintOf': 'Printed {n}× · reprint',
  'station.reason': 'Reprint reason (required)', 'station.reasonPlaceholder': 'e.g. paper jam', 'station.reason.jam': 'Paper jam',
  'station.reason.torn': 'Torn label', 'station.reason.smudged': 'Smudged print',
  'station.printPdf': 'Print PDF', 'station.printZpl': 'Download ZPL', 'station.clear': 'Clear queue', 'station.remove': 'Remove from queue',
  'station.done': 'Printed this session', 'station.noneDone': 'Nothing printed yet this session.', 'station.copy': 'copy {n}',
  'station.preview': 'Preview', 'station.previewNone': 'Select a label in the queue to preview it (previews are not counted as prints).',
  'station.previewAlt': 'Label preview', 'station.previewOf': 'Label preview of waybill {number}', 'station.pdfTitle': 'PDF to print',
  'station.jobs': 'Recent print jobs', 'station.noJobs': 'No print jobs yet.',
  'station.looking': 'Looking up', 'station.added': 'Queued {n}.', 'station.already': '{number} is already queued.',
  'station.cancelled': '{number} is cancelled and cannot be printed: its number may be void or reissued. Allocate a new waybill.',
  'station.full': 'A batch holds at most {n} labels; print this queue first.', 'station.lookupFailed': '"{code}" was not queued:',
  'station.nothing': 'The queue is empty; there is nothing to print.',
  'station.needReason': '{numbers} printed before: a reprint needs a reason.',
  'station.rendering': 'Rendering {n} labels…', 'station.retrying': 'Connection lost; retrying with the same request id (attempt {n}), nothing is counted twice…',
  'station.printed': 'Printed {n} labels (job {job}).', 'station.zplSaved': 'ZPL file downloaded; send it to the thermal printer as is.',
  'station.printManually': 'The PDF is open; if no print dialog appeared, print it from the preview.',

  'quota.title': 'Balances by carrier', 'quota.refresh': 'Refresh', 'quota.available': 'available', 'quota.granted': 'Granted', 'quota.live': 'Live',
  'quota.issuedTotal': 'Issued', 'quota.cancelled': 'Cancelled', 'quota.printed': 'Printed', 'quota.recycled': 'Recycled',
  'quota.low': 'Below the low-balance threshold of {n}: top up soon.', 'quota.threshold': 'Warns below {n}', 'quota.thresholdCol': 'Threshold',
  'quota.lowWarning': 'Low balance: {carriers}', 'quota.none': 'No quotas yet: an approved carrier authorization brings a starter grant.',
  'quota.ledger': 'Ledger', 'quota.allCarriers': 'All carriers', 'quota.allTypes': 'All types',
  'quota.ledgerCarrier': 'Ledger carrier', 'quota.ledgerType': 'Entry type', 'quota.noEntries': 'No entries.',

  'waybills.title': 'Waybills', 'waybills.numberHint': 'One exact waybill number', 'waybills.none': 'No waybill matches.',
  'waybills.cancel': 'Cancel', 'waybills.cancelTitle': 'Cancel waybill {number}',
  'waybills.cancelExplain': 'Cancelling credits one unit back to the quota; the number is voided by the carrier\'s policy, or queued for reuse if never printed. A picked-up waybill cannot be cancelled.',
  'waybills.cancelConfirm': 'Cancel waybill', 'waybills.cancelled': 'Waybill {number} cancelled.', 'waybills.cancelReplayed': 'Waybill {number} was already cancelled (nothing credited again).',
  'waybills.quotaCredited': 'Quota credited: {n}', 'waybills.reusableAt': 'reusable from {time}',

  'mapping.title': 'Mapping profiles', 'mapping.new': 'New profile', 'mapping.newTitle': 'New profile (not saved)',
  'mapping.editing': '{name} (v{v})', 'mapping.json': 'Profile JSON', 'mapping.orders': 'Sample orders JSON',
  'mapping.save': 'Save', 'mapping.delete': 'Delete', 'mapping.saved': 'Saved {name} (v{v}).', 'mapping.deleted': 'Deleted {name}.',
  'mapping.none': 'No mapping profiles yet.', 'mapping.dryRun': 'Dry run',
  'mapping.dryRunHint': 'Try the profile on sample orders: nothing is allocated or stored; every problem is listed per field, and likely mis-mappings are judged over all samples.',
  'mapping.profile': 'Profile', 'mapping.useEditor': 'The editor\'s (saved or not)', 'mapping.useSaved': 'The saved version',
  'mapping.validate': 'Run', 'mapping.summary': '{ok} of {n} orders would be accepted',
  'mapping.order': 'Order {i} ({code})', 'mapping.problems': '{n} problem(s)', 'mapping.ok': 'ok',
  'mapping.warnings': 'Likely mis-mappings (judged over all samples)', 'mapping.badJson': '{what} is not valid JSON: {error}',

  'auth.title': 'Carrier authorizations', 'auth.adminTitle': 'Authorization approvals', 'auth.account': 'Account / branch',
  'auth.none': 'No authorizations.', 'auth.approve': 'Approve', 'auth.reject': 'Reject', 'auth.revoke': 'Revoke',
  'auth.approveTitle': 'Approve the {carrier} authorization', 'auth.rejectTitle': 'Reject the {carrier} authorization', 'auth.revokeTitle': 'Revoke the {carrier} authorization',
  'auth.done.approve': '{carrier} authorization approved.', 'auth.done.reject': '{carrier} authorization rejected.', 'auth.done.revoke': '{carrier} authorization revoked.',
  'auth.apply': 'Apply for a carrier', 'auth.settlementAccount': 'Settlement account', 'auth.branchCode': 'Branch code', 'auth.branchName': 'Branch name',
  'auth.submit': 'Apply', 'auth.applied': 'Applied; waiting for an admin\'s approval.',

  'keys.title': 'API keys', 'keys.namePlaceholder': 'e.g. warehouse 3 station 2', 'keys.create': 'Create key',
  'keys.hint': 'Ends with', 'keys.thisKey': 'this key', 'keys.revoke': 'Revoke',
  'keys.createdTitle': 'Key created: {name}', 'keys.once': 'The key is shown this once and cannot be seen again. Copy it now and keep it safe.',
  'keys.secret': 'New key', 'keys.roleIs': 'Role: {role}', 'keys.copy': 'Copy and close', 'keys.copied': 'Copied to the clipboard.',
  'keys.revokeTitle': 'Revoke key {name}', 'keys.revokeExplain': 'The next request with this key is refused; this cannot be undone.',
  'keys.revoked': 'Revoked {name}.',

  'review.title': 'Merchant review queue', 'review.none': 'No merchant matches.', 'review.pick': 'Select a merchant to see its qualification and review history.',
  'review.legalName': 'Legal name', 'review.type': 'Type', 'review.creditCode': 'Unified social credit code',
  'review.representative': 'Legal representative', 'review.contact': 'Contact', 'review.licence': 'Business licence',
  'review.stateReason': 'Reason: {reason}', 'review.toSupplement': 'To supplement: {fields}', 'review.history': 'Review history', 'review.action': 'Action',
  'review.approve': 'Approve', 'review.reject': 'Reject', 'review.suspend': 'Suspend', 'review.reinstate': 'Reinstate',
  'review.approveTitle': 'Approve {name}', 'review.rejectTitle': 'Reject {name}', 'review.suspendTitle': 'Suspend {name}',
  'review.reinstateTitle': 'Reinstate {name}', 'review.supplement': 'Fields to supplement',
  'review.done.approve': '{name} approved.', 'review.done.reject': '{name} rejected.', 'review.done.suspend': '{name} suspended.',
  'review.done.reinstate': '{name} reinstated.',
  'qfield.legal_name': 'Legal name', 'qfield.type': 'Merchant type', 'qfield.credit_code': 'Credit code',
  'qfield.legal_representative.name': 'Representative\'s name', 'qfield.legal_representative.id_number': 'Representative\'s ID number',
  'qfield.contact.name': 'Contact name', 'qfield.contact.mobile': 'Contact mobile', 'qfield.licence_document_ref': 'Licence document',

  'pools.title': 'Carriers and number pools', 'pools.none': 'No carriers yet.', 'pools.kind': 'Kind', 'pools.recycle': 'Recycling',
  'pools.enabled': 'Enabled', 'pools.on': 'yes', 'pools.disabled': 'disabled', 'pools.imported': 'Imported', 'pools.issued': 'Issued',
  'pools.voided': 'Voided', 'pools.level': 'Available / low-watermark', 'pools.watermark': 'Low-watermark', 'pools.low': 'LOW',
  'pools.counts': '{available} available · {awaiting} awaiting reuse ({reusable} reusable now)',
  'pools.import': 'Import a range', 'pools.firstSerial': 'First serial', 'pools.lastSerial': 'Last serial', 'pools.importDo': 'Import',
  'pools.importing': 'Importing the range…', 'pools.imported.done': 'Imported {first} – {last}; {available} now available.',
  'pools.watermarkSaved': 'Low-watermark saved.', 'pools.ranges': 'Ranges', 'pools.first': 'First number', 'pools.last': 'Last number',
  'pools.size': 'Numbers', 'pools.next': 'Next serial', 'pools.noRanges': 'No ranges yet.',

  'topups.title': 'Quota top-ups and deductions', 'topups.pick': 'Choose a merchant…', 'topups.amount': 'Amount', 'topups.topUp': 'Top up', 'topups.deduct': 'Deduct',
  'topups.done.topUp': '{carrier}: topped up {n}; {available} available.', 'topups.done.deduct': '{carrier}: deducted {n}; {available} available.',
  'topups.low': 'Low balances across merchants', 'topups.noLow': 'No balance is low.',

  'audit.title': 'Audit log', 'audit.action': 'Action', 'audit.resources': 'Resources', 'audit.details': 'Details', 'audit.none': 'No events.',

  'enum.ROLE_ADMIN': 'admin', 'enum.ROLE_MERCHANT': 'merchant', 'enum.ROLE_PRINTER': 'print station',
  'enum.API_KEY_STATE_ACTIVE': 'active', 'enum.API_KEY_STATE_REVOKED': 'revoked',
  'enum.WAYBILL_STATE_ISSUED': 'issued', 'enum.WAYBILL_STATE_PRINTED': 'printed', 'enum.WAYBILL_STATE_PICKED_UP': 'picked up', 'enum.WAYBILL_STATE_CANCELLED': 'cancelled',
  'enum.MERCHANT_STATE_PENDING_REVIEW': 'pending review', 'enum.MERCHANT_STATE_APPROVED': 'approved', 'enum.MERCHANT_STATE_REJECTED': 'rejected', 'enum.MERCHANT_STATE_SUSPENDED': 'suspended',
  'enum.MERCHANT_TYPE_ENTERPRISE': 'enterprise', 'enum.MERCHANT_TYPE_INDIVIDUAL_BUSINESS': 'individual business',
  'enum.CARRIER_AUTHORIZATION_STATE_PENDING': 'pending', 'enum.CARRIER_AUTHORIZATION_STATE_ACTIVE': 'active',
  'enum.CARRIER_AUTHORIZATION_STATE_REJECTED': 'rejected', 'enum.CARRIER_AUTHORIZATION_STATE_REVOKED': 'revoked',
  'enum.LEDGER_ENTRY_TYPE_ALLOCATION': 'allocation', 'enum.LEDGER_ENTRY_TYPE_CANCEL_CREDIT': 'cancel credit', 'enum.LEDGER_ENTRY_TYPE_TOP_UP': 'top-up',
  'enum.LEDGER_ENTRY_TYPE_DEDUCTION': 'deduction', 'enum.LEDGER_ENTRY_TYPE_STARTER_GRANT': 'starter grant',
  'enum.NUMBER_DISPOSITION_VOIDED': 'the number is voided, never issued again', 'enum.NUMBER_DISPOSITION_QUEUED_FOR_REUSE': 'the number was never printed and is queued for reuse',
  'enum.NUMBER_DISPOSITION_WITHDRAWN': 'the number\'s range was retired; the number is withdrawn',
  'enum.NUMBER_RANGE_STATE_ACTIVE': 'active', 'enum.NUMBER_RANGE_STATE_RETIRED': 'retired',
  'enum.CARRIER_KIND_DIRECT_OPERATED': 'direct-operated', 'enum.CARRIER_KIND_FRANCHISE': 'franchise',
  'enum.RECYCLE_POLICY_VOID': 'void', 'enum.RECYCLE_POLICY_REUSE_UNPRINTED': 'reuse unprinted',
  'enum.LABEL_FORMAT_PDF': 'PDF', 'enum.LABEL_FORMAT_PNG': 'PNG', 'enum.LABEL_FORMAT_ZPL': 'ZPL',
  'enum.REVIEW_ACTION_SUBMIT': 'submit', 'enum.REVIEW_ACTION_APPROVE': 'approve', 'enum.REVIEW_ACTION_REJECT': 'reject',
  'enum.REVIEW_ACTION_RESUBMIT': 'resubmit', 'enum.REVIEW_ACTION_SUSPEND': 'suspend', 'enum.REVIEW_ACTION_REINSTATE': 'reinstate',
  'enum.REVIEW_ACTION_REVOKE': 'revoke',
};

const DICT = { zh, en };

// untranslated lists keys one language has and the other lacks (the
// end-to-end tests require none).
export function untranslated() {
  const only = (a, b, name) => Object.keys(a).filter((k) => !(k in b)).map((k) => name + ': ' + k);
  return [...only(zh, en, 'no English for'), ...only(en, zh, 'no Chinese for')];
}

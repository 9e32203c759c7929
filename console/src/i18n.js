// Every word on screen comes from here: one dictionary per language, zh-CN first. Dates, numbers and areas are
// formatted with Intl for Asia/Shanghai, whatever the browser's own zone.

const zh = {
  'app.title': 'GridServer 网格管理控制台',
  'lang.zh': '中文', 'lang.en': 'English',
  'signin.title': '登录', 'signin.key': '访问密钥', 'signin.submit': '登录', 'signin.hint': '输入运维人员签发的密钥（gs_…）。密钥只保存在本浏览器标签页的会话中。',
  'signin.failed': '登录失败', 'signin.noConsole': '此凭据（{role}）没有控制台页面。', 'signout': '退出', 'signedOut': '已退出：{reason}',
  'role.Operator': '运维人员', 'role.Dispatcher': '指挥中心', 'role.Officer': '网格队员', 'role.Liaison': '社区联络员', 'role.Reporter': '上报渠道', 'role.Sensor': '传感器网关',
  'nav.map': '地图', 'nav.upload': '导入', 'nav.people': '人员', 'nav.credentials': '凭据', 'nav.modules': '职能模块', 'nav.asof': '历史版图',
  'map.search': '搜索网格编码、名称、街道、社区', 'map.colour': '着色', 'colour.street': '按街道', 'colour.community': '按社区', 'colour.squad': '按中队', 'colour.cases': '按在办案件数',
  'map.loading': '正在加载网格…', 'map.grids': '{count} 个网格', 'map.ready': '地图就绪', 'map.noSquad': '未分配中队',
  'search.grids': '网格', 'search.streets': '街道', 'search.communities': '社区', 'search.none': '没有找到',
  'card.title': '网格', 'card.code': '编码', 'card.name': '名称', 'card.street': '街道', 'card.community': '社区', 'card.area': '面积', 'card.version': '边界版本',
  'card.validFrom': '生效时间', 'card.squad': '中队', 'card.officerA': 'A岗', 'card.officerB': 'B岗', 'card.liaisons': '联络员', 'card.openCases': '在办案件',
  'card.history': '历史版本', 'card.redraw': '修改边界', 'card.split': '拆分', 'card.merge': '合并', 'card.staff': '人员', 'card.none': '无', 'card.close': '关闭',
  'redraw.title': '修改边界：{code}', 'redraw.help': '拖动顶点修改边界；点击边中点增加顶点；右键点击顶点删除。靠近相邻网格的顶点和边时自动吸附。',
  'redraw.preview': '预览影响', 'redraw.apply': '应用', 'redraw.applyMove': '应用并移动在办案件', 'redraw.undo': '撤销', 'redraw.reset': '重置', 'redraw.cancel': '取消',
  'redraw.snapped': '已吸附', 'redraw.verdictOk': '检查通过：可以应用', 'redraw.refused': '被拒绝', 'redraw.applied': '已应用：版本 {version}，修订号 {revision}',
  'redraw.transfers': '易手区域', 'redraw.from': '原网格', 'redraw.to': '新网格', 'redraw.noGrid': '（无网格）', 'redraw.cases': '将移动的在办案件', 'redraw.noTransfers': '没有区域易手',
  'redraw.state': '状态', 'redraw.outcome': '结果', 'redraw.case': '案件', 'redraw.vertices': '{count} 个顶点', 'redraw.moveShared': '公共顶点连同相邻网格一起移动（边界整体移动，不留缝隙）',
  'split.title': '拆分网格：{code}', 'split.help': '在地图上画一条穿过网格的线（逐点单击，双击结束），然后为两部分命名新编码。', 'split.codeA': '第一部分编码', 'split.codeB': '第二部分编码',
  'split.lineBad': '这条线没有恰好两次穿过网格边界，请重画。', 'split.submit': '拆分', 'split.redrawLine': '重画线',
  'merge.title': '合并网格', 'merge.help': '按住 Shift 点击地图选择要合并的相邻网格。', 'merge.into': '合并后编码', 'merge.selected': '已选：{codes}', 'merge.submit': '合并',
  'upload.title': '导入网格文件', 'upload.help': 'GeoJSON 或压缩的 Shapefile（.zip）。先检查，结果画在地图上，确认后再导入。', 'upload.file': '文件', 'upload.srs': '坐标系（Shapefile 无 .prj 时）',
  'upload.encoding': '编码（Shapefile）', 'upload.mode': '方式', 'upload.merge': '合并（新增和修改）', 'upload.replace': '替换（文件即全部网格）', 'upload.check': '检查', 'upload.import': '导入',
  'upload.ok': '检查通过：新增 {added}，修改 {changed}，未变 {unchanged}，退役 {retired}', 'upload.refused': '文件被拒绝', 'upload.issues': '问题', 'upload.imported': '已导入：新增 {added}，修改 {changed}',
  'history.title': '历史版本：{code}', 'history.version': '版本', 'history.from': '起', 'history.to': '止', 'history.by': '修改人', 'history.area': '面积', 'history.show': '在地图上显示', 'history.current': '现行',
  'asof.title': '某日的版图', 'asof.date': '日期', 'asof.show': '显示', 'asof.count': '{date} 当日有 {count} 个网格', 'asof.clear': '回到现状',
  'people.title': '人员', 'people.squad': '中队', 'people.squadId': '中队编号', 'people.open': '打开', 'people.leader': '队长', 'people.members': '队员', 'people.grids': '网格',
  'people.setLeader': '设为队长', 'people.addMember': '添加队员', 'people.remove': '移除', 'people.officer': '队员', 'people.officerId': '队员编号',
  'people.roster': '排班（每周）', 'people.saveRoster': '保存排班', 'people.absence': '缺勤', 'people.addAbsence': '登记缺勤', 'people.reason': '原因', 'people.onDuty': '在岗', 'people.offDuty': '不在岗',
  'people.extra': '加班/夜班', 'people.addExtra': '添加', 'people.date': '日期', 'people.start': '开始', 'people.end': '结束',
  'people.liaison': '联络员', 'people.liaisonId': '联络员编号', 'people.watch': '负责的网格/社区', 'people.addGrid': '添加网格', 'people.addCommunity': '添加社区',
  'people.webhook': '社区 Webhook', 'people.communityCode': '社区编码', 'people.webhookUrl': '地址', 'people.webhookSecret': '签名密钥', 'people.setWebhook': '设置', 'people.deadLetters': '死信', 'people.resend': '重发',
  'people.removeUnavailable': '服务器尚不支持移除（需要 DELETE 路由）。',
  'findings.title': '在地图上标出的问题（{count}）', 'findings.Overlap': '重叠', 'findings.InvalidGeometry': '无效边界', 'findings.Gap': '缝隙', 'findings.locate': '定位', 'findings.locateAll': '显示全部问题',
  'webhook.test': '发送测试消息', 'webhook.testOk': '测试消息已送达（HTTP {status}，{ms} 毫秒）', 'webhook.testFailed': '测试消息未送达：{error}', 'webhook.none': '此社区没有设置 Webhook', 'webhook.current': '当前地址：{url}',
  'letters.id': '编号', 'letters.community': '社区', 'letters.attempts': '尝试次数', 'letters.error': '最后错误', 'letters.at': '时间', 'letters.none': '没有死信', 'letters.discard': '丢弃',
  'people.tab.squads': '中队', 'people.tab.officers': '队员', 'people.tab.liaisons': '联络员', 'people.tab.bulk': '批量分配', 'people.tab.webhooks': '社区 Webhook',
  'bulk.title': '批量分配', 'bulk.help': '按住 Alt 在地图上拖画套索选择网格，或按街道/社区选择。', 'bulk.byStreet': '按街道', 'bulk.byCommunity': '按社区', 'bulk.selected': '已选 {count} 个网格',
  'bulk.squad': '中队', 'bulk.officerA': 'A岗', 'bulk.officerB': 'B岗', 'bulk.follow': '在办案件随之移动', 'bulk.assign': '分配', 'bulk.done': '已分配 {count} 个网格', 'bulk.clear': '清除选择',
  'cred.title': '凭据', 'cred.issue': '签发', 'cred.role': '角色', 'cred.subject': '主体', 'cred.label': '备注', 'cred.expires': '过期时间', 'cred.secret': '密钥只显示这一次，请立即复制保存：',
  'cred.copy': '复制', 'cred.copied': '已复制', 'cred.revoke': '吊销', 'cred.revoked': '已吊销', 'cred.created': '签发时间', 'cred.by': '签发人', 'cred.id': '编号', 'cred.active': '有效',
  'mod.title': '职能模块', 'mod.state': '状态', 'mod.matters': '事项', 'mod.errors': '错误', 'mod.silos': '节点', 'mod.reference': '参考数据', 'mod.records': '条', 'mod.show': '在地图上显示',
  'mod.import': '从文件导入', 'mod.dryRun': '只检查', 'mod.importOk': '已导入 {count} 条', 'mod.checkOk': '检查通过：{count} 条', 'mod.none': '没有加载的模块',
  'common.save': '保存', 'common.add': '添加', 'common.cancel': '取消', 'common.error': '出错了', 'common.loading': '加载中…', 'common.m2': '{value} 平方米', 'common.yes': '是', 'common.no': '否',
  'day.Monday': '周一', 'day.Tuesday': '周二', 'day.Wednesday': '周三', 'day.Thursday': '周四', 'day.Friday': '周五', 'day.Saturday': '周六', 'day.Sunday': '周日',
};

const en = {
  'app.title': 'GridServer console',
  'lang.zh': '中文', 'lang.en': 'English',
  'signin.title': 'Sign in', 'signin.key': 'Access key', 'signin.submit': 'Sign in', 'signin.hint': 'Enter a key issued by an operator (gs_…). It is kept in this browser tab\'s session only.',
  'signin.failed': 'Sign-in failed', 'signin.noConsole': 'This credential ({role}) has no console pages.', 'signout': 'Sign out', 'signedOut': 'Signed out: {reason}',
  'role.Operator': 'Operator', 'role.Dispatcher': 'Command center', 'role.Officer': 'Grid officer', 'role.Liaison': 'Community liaison', 'role.Reporter': 'Reporting channel', 'role.Sensor': 'Sensor gateway',
  'nav.map': 'Map', 'nav.upload': 'Import', 'nav.people': 'People', 'nav.credentials': 'Credentials', 'nav.modules': 'Duty modules', 'nav.asof': 'As of date',
  'map.search': 'Search grid code, name, street, community', 'map.colour': 'Colour', 'colour.street': 'by street', 'colour.community': 'by community', 'colour.squad': 'by squad', 'colour.cases': 'by open cases',
  'map.loading': 'Loading grids…', 'map.grids': '{count} grids', 'map.ready': 'Map ready', 'map.noSquad': 'no squad',
  'search.grids': 'Grids', 'search.streets': 'Streets', 'search.communities': 'Communities', 'search.none': 'Nothing found',
  'card.title': 'Grid', 'card.code': 'Code', 'card.name': 'Name', 'card.street': 'Street', 'card.community': 'Community', 'card.area': 'Area', 'card.version': 'Boundary version',
  'card.validFrom': 'Valid from', 'card.squad': 'Squad', 'card.officerA': 'A post', 'card.officerB': 'B post', 'card.liaisons': 'Liaisons', 'card.openCases': 'Open cases',
  'card.history': 'History', 'card.redraw': 'Redraw', 'card.split': 'Split', 'card.merge': 'Merge', 'card.staff': 'People', 'card.none': 'none', 'card.close': 'Close',
  'redraw.title': 'Redraw {code}', 'redraw.help': 'Drag a vertex to move it; click an edge\'s midpoint to add one; right-click a vertex to delete it. Vertices snap to the neighbours\' vertices and edges.',
  'redraw.preview': 'Preview impact', 'redraw.apply': 'Apply', 'redraw.applyMove': 'Apply and move open cases', 'redraw.undo': 'Undo', 'redraw.reset': 'Reset', 'redraw.cancel': 'Cancel',
  'redraw.snapped': 'snapped', 'redraw.verdictOk': 'Checks passed: ready to apply', 'redraw.refused': 'Refused', 'redraw.applied': 'Applied: version {version}, revision {revision}',
  'redraw.transfers': 'Ground changing hands', 'redraw.from': 'From', 'redraw.to': 'To', 'redraw.noGrid': '(no grid)', 'redraw.cases': 'Open cases that would move', 'redraw.noTransfers': 'No ground changes hands',
  'redraw.state': 'State', 'redraw.outcome': 'Outcome', 'redraw.case': 'Case', 'redraw.vertices': '{count} vertices', 'redraw.moveShared': 'Shared vertices move the neighbours too (the border moves as one, no gap)',
  'split.title': 'Split {code}', 'split.help': 'Draw a line across the grid (click point by point, double-click to end), then give the two parts new codes.', 'split.codeA': 'First part code', 'split.codeB': 'Second part code',
  'split.lineBad': 'The line does not cross the boundary exactly twice; draw it again.', 'split.submit': 'Split', 'split.redrawLine': 'Draw again',
  'merge.title': 'Merge grids', 'merge.help': 'Shift-click neighbouring grids on the map to select them.', 'merge.into': 'Merged grid code', 'merge.selected': 'Selected: {codes}', 'merge.submit': 'Merge',
  'upload.title': 'Import a grid file', 'upload.help': 'GeoJSON or a zipped Shapefile (.zip). It is checked first, the findings drawn on the map; then import.', 'upload.file': 'File', 'upload.srs': 'CRS (Shapefile without .prj)',
  'upload.encoding': 'Encoding (Shapefile)', 'upload.mode': 'Mode', 'upload.merge': 'Merge (add and redraw)', 'upload.replace': 'Replace (the file is every grid)', 'upload.check': 'Check', 'upload.import': 'Import',
  'upload.ok': 'Checks passed: {added} added, {changed} redrawn, {unchanged} unchanged, {retired} retired', 'upload.refused': 'The file was refused', 'upload.issues': 'Findings', 'upload.imported': 'Imported: {added} added, {changed} redrawn',
  'history.title': 'History of {code}', 'history.version': 'Version', 'history.from': 'From', 'history.to': 'To', 'history.by': 'Changed by', 'history.area': 'Area', 'history.show': 'Show on map', 'history.current': 'current',
  'asof.title': 'The district as of a date', 'asof.date': 'Date', 'asof.show': 'Show', 'asof.count': '{count} grids on {date}', 'asof.clear': 'Back to now',
  'people.title': 'People', 'people.squad': 'Squad', 'people.squadId': 'Squad id', 'people.open': 'Open', 'people.leader': 'Leader', 'people.members': 'Members', 'people.grids': 'Grids',
  'people.setLeader': 'Set leader', 'people.addMember': 'Add member', 'people.remove': 'Remove', 'people.officer': 'Officer', 'people.officerId': 'Officer id',
  'people.roster': 'Weekly roster', 'people.saveRoster': 'Save roster', 'people.absence': 'Absences', 'people.addAbsence': 'Add absence', 'people.reason': 'Reason', 'people.onDuty': 'on duty', 'people.offDuty': 'off duty',
  'people.extra': 'Extra and night shifts', 'people.addExtra': 'Add', 'people.date': 'Date', 'people.start': 'Start', 'people.end': 'End',
  'people.liaison': 'Liaison', 'people.liaisonId': 'Liaison id', 'people.watch': 'Grids and communities watched', 'people.addGrid': 'Add grid', 'people.addCommunity': 'Add community',
  'people.webhook': 'Community webhook', 'people.communityCode': 'Community code', 'people.webhookUrl': 'URL', 'people.webhookSecret': 'Signing secret', 'people.setWebhook': 'Set', 'people.deadLetters': 'Dead letters', 'people.resend': 'Resend',
  'people.removeUnavailable': 'The server cannot remove yet (needs the DELETE route).',
  'findings.title': 'Findings drawn on the map ({count})', 'findings.Overlap': 'Overlap', 'findings.InvalidGeometry': 'Invalid boundary', 'findings.Gap': 'Gap', 'findings.locate': 'Show', 'findings.locateAll': 'Show all findings',
  'webhook.test': 'Send a test message', 'webhook.testOk': 'Test message delivered (HTTP {status}, {ms} ms)', 'webhook.testFailed': 'Test message not delivered: {error}', 'webhook.none': 'This community has no webhook', 'webhook.current': 'Current URL: {url}',
  'letters.id': 'Id', 'letters.community': 'Community', 'letters.attempts': 'Attempts', 'letters.error': 'Last error', 'letters.at': 'When', 'letters.none': 'No dead letters', 'letters.discard': 'Discard',
  'people.tab.squads': 'Squads', 'people.tab.officers': 'Officers', 'people.tab.liaisons': 'Liaisons', 'people.tab.bulk': 'Bulk assignment', 'people.tab.webhooks': 'Community webhooks',
  'bulk.title': 'Bulk assignment', 'bulk.help': 'Alt-drag a lasso on the map to select grids, or pick a street or community.', 'bulk.byStreet': 'By street', 'bulk.byCommunity': 'By community', 'bulk.selected': '{count} grids selected',
  'bulk.squad': 'Squad', 'bulk.officerA': 'A post', 'bulk.officerB': 'B post', 'bulk.follow': 'Open cases follow', 'bulk.assign': 'Assign', 'bulk.done': '{count} grids assigned', 'bulk.clear': 'Clear selection',
  'cred.title': 'Credentials', 'cred.issue': 'Issue', 'cred.role': 'Role', 'cred.subject': 'Subject', 'cred.label': 'Label', 'cred.expires': 'Expires', 'cred.secret': 'The secret is shown this once; copy it now:',
  'cred.copy': 'Copy', 'cred.copied': 'Copied', 'cred.revoke': 'Revoke', 'cred.revoked': 'Revoked', 'cred.created': 'Issued', 'cred.by': 'Issued by', 'cred.id': 'Id', 'cred.active': 'active',
  'mod.title': 'Duty modules', 'mod.state': 'State', 'mod.matters': 'Matters', 'mod.errors': 'Errors', 'mod.silos': 'Silos', 'mod.reference': 'Reference data', 'mod.records': 'records', 'mod.show': 'Show on map',
  'mod.import': 'Import from file', 'mod.dryRun': 'Check only', 'mod.importOk': '{count} records imported', 'mod.checkOk': 'Checks passed: {count} records', 'mod.none': 'No module is loaded',
  'common.save': 'Save', 'common.add': 'Add', 'common.cancel': 'Cancel', 'common.error': 'Something went wrong', 'common.loading': 'Loading…', 'common.m2': '{value} m²', 'common.yes': 'yes', 'common.no': 'no',
  'day.Monday': 'Mon', 'day.Tuesday': 'Tue', 'day.Wednesday': 'Wed', 'day.Thursday': 'Thu', 'day.Friday': 'Fri', 'day.Saturday': 'Sat', 'day.Sunday': 'Sun',
};

const dictionaries = { 'zh-CN': zh, en };
const LANG_KEY = 'gridserver.lang';
let lang = localStorage.getItem(LANG_KEY) in dictionaries ? localStorage.getItem(LANG_KEY) : 'zh-CN';

export const TIME_ZONE = 'Asia/Shanghai';
export function language() { return lang; }
export function setLanguage(next) {
  lang = next in dictionaries ? next : 'zh-CN';
  localStorage.setItem(LANG_KEY, lang);
  document.documentElement.lang = lang;
}

/** The text for a key, with {name} filled from params; the key itself when missing (visible, so it gets fixed). */
export function t(key, params) {
  const text = dictionaries[lang][key] ?? zh[key] ?? key;
  return params ? text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m)) : text;
}

/** A date-time as people in China read it, in Asia/Shanghai. */
export function formatDateTime(value) {
  if (!value) return '—';
  return new Intl.DateTimeFormat(lang, { timeZone: TIME_ZONE, dateStyle: 'medium', timeStyle: 'short' }).format(new Date(value));
}

export function formatNumber(value, digits = 0) {
  return new Intl.NumberFormat(lang, { maximumFractionDigits: digits }).format(value);
}

export function formatArea(m2) { return t('common.m2', { value: formatNumber(m2, 0) }); }

/** Today in Asia/Shanghai as yyyy-mm-dd. */
export function todayInShanghai() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}

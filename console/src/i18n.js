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
  'mod.loaded': '本节点加载的模块',
  'pkg.title': '上传的模块（全集群）', 'pkg.help': '上传一次，集群每个节点都运行同一版本。包须由受信任的密钥签名；签名为包的 SHA-256 的 ECDSA 签名（base64）。',
  'pkg.upload': '上传模块包', 'pkg.file': '模块包（.zip 或 .nupkg）', 'pkg.signature': '签名（base64）', 'pkg.signatureFile': '或签名文件（.sig）', 'pkg.activateNow': '上传后立即在所有节点启用',
  'pkg.uploadButton': '上传', 'pkg.uploaded': '已保存 {module} {version}（签名：{key}）', 'pkg.alreadyStored': '{module} {version} 已保存过（签名：{key}）', 'pkg.unsigned': '未签名', 'pkg.open': '查看版本和节点',
  'pkg.module': '模块', 'pkg.active': '启用版本', 'pkg.silos': '节点', 'pkg.changed': '最近变更', 'pkg.disabled': '已停用', 'pkg.none': '还没有上传的模块',
  'pkg.runningCount': '{running}/{total} 个节点运行中', 'pkg.failedCount': '{count} 个节点加载失败',
  'pkg.moduleTitle': '模块：{module}', 'pkg.activeIs': '启用版本：{version}', 'pkg.canaryIs': '灰度：{version} 仅在 {silo}', 'pkg.versions': '版本',
  'pkg.version': '版本', 'pkg.signedBy': '签名密钥', 'pkg.uploadedBy': '上传', 'pkg.activate': '启用此版本', 'pkg.rollback': '回滚到此版本', 'pkg.removeVersion': '删除此版本',
  'pkg.silo': '节点', 'pkg.runs': '运行版本', 'pkg.failed': '加载失败', 'pkg.failedVersion': '版本 {version} 未能加载：{error}',
  'pkg.state.loaded': '已加载', 'pkg.state.faulted': '故障', 'pkg.state.refused': '被拒绝', 'pkg.state.not running': '未运行',
  'act.upload': '上传', 'act.activate': '启用', 'act.canary': '灰度', 'act.disable': '停用', 'act.remove-version': '删除版本', 'act.remove': '删除', 'act.save': '保存', 'act.revert': '恢复默认',
  'pkg.disable': '停用模块', 'pkg.remove': '删除模块（含所有版本）', 'pkg.done': '已完成；各节点将在数秒内跟进。', 'pkg.history': '变更记录', 'pkg.when': '时间', 'pkg.action': '操作', 'pkg.who': '操作人',
  'nav.templates': '通知模板',
  'nav.evaluation': '考核评价',
  'eval.title': '考核评价', 'eval.level': '考核对象', 'eval.period': '时段', 'eval.date': '日期', 'eval.bulletin': '生成通报', 'eval.loading': '正在统计…',
  'eval.range': '统计 {from} 至 {to} 上报的案件，按当前状态计', 'eval.rank': '排名', 'eval.code': '编码', 'eval.name': '名称', 'eval.score': '综合得分', 'eval.change': '较上期',
  'eval.none': '（无）', 'eval.trend': '近期走势', 'eval.casesOf': '{unit} · {indicator}：{total} 件', 'eval.caseId': '案件编号', 'eval.matter': '问题类型',
  'eval.state': '状态', 'eval.grid': '网格', 'eval.officer': '网格员', 'eval.reportedAt': '上报时间',
  'eval.level.grid': '网格', 'eval.level.community': '社区', 'eval.level.street': '街道', 'eval.level.district': '区县', 'eval.level.squad': '中队',
  'eval.level.officer': '网格员', 'eval.level.dispatcher': '派遣员', 'eval.level.channel': '上报渠道', 'eval.level.matter': '问题类型',
  'eval.period.day': '日', 'eval.period.week': '周', 'eval.period.month': '月', 'eval.period.quarter': '季度', 'eval.period.year': '年',
  'ind.received': '受理数', 'ind.registered': '立案数', 'ind.closed': '结案数', 'ind.closedOnTime': '按期结案数', 'ind.overdueOpen': '超期未结数',
  'ind.duplicates': '重复件数', 'ind.closureRate': '结案率', 'ind.onTimeRate': '按期结案率', 'ind.satisfaction': '满意度', 'colour.score': '考核得分',
  'tpl.title': '通知模板', 'tpl.help': '在此编辑的模板对集群所有节点生效，优先于 templates/ 目录中的文件；撤销后恢复文件或内置模板。',
  'tpl.name': '模板', 'tpl.servedBy': '当前使用', 'tpl.activeVersion': '启用版本', 'tpl.versions': '版本', 'tpl.kind': '通知类型', 'tpl.matter': '事项编码', 'tpl.newForMatter': '为事项新建模板',
  'tpl.kind.dispatch': '派遣通知', 'tpl.kind.accept-warning': '接单期限预警', 'tpl.kind.escalation': '超期督办', 'tpl.kind.liaison-alert': '社区联络员提醒',
  'tpl.kind.reporter-status': '办理进度', 'tpl.kind.closure': '结案通知', 'tpl.kind.party-notice': '当事人通知', 'tpl.kind.bulletin': '通报',
  'tpl.editTitle': '编辑模板：{name}', 'tpl.text': '模板内容（Scriban）', 'tpl.note': '修改说明', 'tpl.notePlaceholder': '为什么修改（可选）', 'tpl.preview': '用示例案件预览', 'tpl.save': '检查并保存',
  'tpl.revert': '恢复默认（文件或内置）', 'tpl.refused': '模板未通过检查，没有保存：', 'tpl.errorAt': '第 {line} 行，第 {column} 列：{message}', 'tpl.saved': '已保存为版本 {version}，各节点将在数秒内使用。',
  'tpl.reverted': '已恢复默认模板。', 'tpl.activated': '已启用版本 {version}。', 'tpl.previewTitle': '预览', 'tpl.sampleCase': '示例案件 {id}', 'tpl.noneActive': '无（使用文件或内置模板）',
  'tpl.changed': '最近变更', 'tpl.version': '版本', 'tpl.author': '作者', 'tpl.savedAt': '保存时间', 'tpl.load': '载入编辑器', 'tpl.loaded': '已载入版本 {version}（尚未保存）',
  'tpl.activate': '启用此版本', 'tpl.rollback': '回滚到此版本',
  'nav.cases': '案件', 'nav.inbox': '消息',
  'inbox.title': '消息', 'inbox.unread': '{count} 条未读', 'inbox.none': '暂无消息', 'inbox.markRead': '标为已读（及更早的）',
  'inbox.connecting': '正在连接实时消息…', 'inbox.open': '实时接收中', 'inbox.closed': '实时连接中断，稍后自动重连',
  'notice.Dispatch': '派遣', 'notice.AcceptWarning': '签收预警', 'notice.Escalation': '督办', 'notice.LiaisonAlert': '网格提醒', 'notice.ReporterStatus': '办理进度',
  'notice.Closure': '结案', 'notice.PartyNotice': '责任人通知',
  'notice.dispatch': '派遣', 'notice.accept-warning': '签收预警', 'notice.escalation': '督办', 'notice.liaison-alert': '网格提醒', 'notice.reporter-status': '办理进度',
  'notice.closure': '结案', 'notice.party-notice': '责任人通知',
  'cases.title': '在办案件', 'cases.mine': '我的案件', 'cases.state': '状态', 'cases.allOpen': '全部在办', 'cases.refresh': '刷新', 'cases.none': '没有案件',
  'cases.id': '编号', 'cases.matter': '问题类型', 'cases.grid': '网格', 'cases.officer': '处置队员', 'cases.squad': '中队', 'cases.deadline': '时限',
  'cases.left': '还剩 {time}', 'cases.overdue': '已超期 {time}', 'cases.hours': '{h} 小时 {m} 分', 'cases.minutes': '{m} 分钟',
  'cases.page': '案件', 'cases.back': '案件列表', 'cases.supervised': '督办', 'cases.field': '项目', 'cases.value': '内容', 'cases.description': '问题描述',
  'cases.address': '地址', 'cases.channel': '上报渠道', 'cases.reportedAt': '上报时间', 'cases.acceptBy': '签收时限', 'cases.handleBy': '处置时限', 'cases.verifyBy': '核查时限',
  'cases.timeline': '办理过程', 'cases.at': '时间', 'cases.actor': '操作人', 'cases.action': '环节', 'cases.to': '状态', 'cases.note': '说明', 'cases.evidence': '（{count} 项附件）',
  'cases.photos': '照片', 'cases.noPhotos': '暂无照片', 'cases.actions': '办理', 'cases.notePlaceholder': '说明（退回、作废、返工等须填写原因）', 'cases.sending': '正在提交…',
  'cases.tab.open': '在办案件', 'cases.tab.queue': '待定位/待派遣', 'cases.tab.supervision': '督办', 'cases.since': '督办时间', 'cases.reason': '原因',
  'cases.placeTitle': '定位：此报告没有位置', 'cases.noGridTitle': '派遣：此案件不在任何网格', 'cases.placeHelp': '在地图上点击事发位置。', 'cases.picked': '已选位置：{lon}, {lat}（WGS84）',
  'cases.placeConfirm': '确认定位并派遣', 'cases.dispatchTo': '或派遣到网格（编码）',
  'cases.newDeadline': '申请延期至（本机时间）', 'report.title': '就地上报', 'report.locating': '正在获取您的位置…', 'report.noGeolocation': '此浏览器不能定位', 'report.positionFailed': '定位失败：{reason}',
  'report.position': '您的位置：{lon}, {lat}（精度约 {accuracy} 米）', 'report.relocate': '重新定位', 'report.submit': '上报',
  'cases.kept': '网络中断，未能提交；已保存在本页，可稍后重新提交。', 'cases.pending': '未提交：{action}', 'cases.retry': '重新提交',
  'photo.report': '上报照片', 'photo.before': '处置前', 'photo.after': '处置后', 'photo.public': '公开', 'photo.away': '距案发点 {m} 米', 'photo.unavailable': '照片无法显示',
  'photo.add': '拍照或选择照片', 'photo.stage': '照片类型', 'photo.markPublic': '向公众公开', 'photo.uploading': '正在上传 {name}…',
  'caseState.Reported': '已上报', 'caseState.Registered': '已立案', 'caseState.Void': '已作废', 'caseState.Dispatched': '已派遣', 'caseState.Accepted': '已签收',
  'caseState.Handling': '处置中', 'caseState.Parked': '挂起', 'caseState.FeedbackGiven': '已反馈', 'caseState.Verifying': '核查中', 'caseState.Verified': '已核查',
  'caseState.Closed': '已结案', 'caseState.Returned': '已退回', 'caseState.Duplicate': '重复件',
  'caseAction.Report': '上报', 'caseAction.Register': '立案', 'caseAction.Void': '作废', 'caseAction.Dispatch': '派遣', 'caseAction.Accept': '签收', 'caseAction.Return': '退回',
  'caseAction.StartHandling': '开始处置', 'caseAction.GiveFirstFeedback': '初步反馈', 'caseAction.GiveFinalFeedback': '处置反馈', 'caseAction.RequestExtension': '申请延期',
  'caseAction.ApproveExtension': '批准延期', 'caseAction.RejectExtension': '驳回延期', 'caseAction.Park': '挂起', 'caseAction.Resume': '恢复', 'caseAction.StartVerification': '开始核查',
  'caseAction.PassVerification': '核查通过', 'caseAction.Rework': '返工', 'caseAction.Close': '结案', 'caseAction.Warn': '预警', 'caseAction.Supervise': '督办', 'caseAction.Remind': '提醒',
  'caseAction.Transfer': '移交', 'caseAction.Note': '备注', 'caseAction.FollowUp': '回访', 'caseAction.Reopen': '重新办理', 'caseAction.Link': '并案', 'caseAction.Unlink': '取消并案',
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
  'mod.loaded': 'Modules loaded on this silo',
  'pkg.title': 'Uploaded modules (whole cluster)', 'pkg.help': 'Uploaded once, every silo of the cluster runs the same version. A package must be signed by a trusted key: an ECDSA signature of its SHA-256, base64.',
  'pkg.upload': 'Upload a module package', 'pkg.file': 'Package (.zip or .nupkg)', 'pkg.signature': 'Signature (base64)', 'pkg.signatureFile': 'or signature file (.sig)', 'pkg.activateNow': 'Run it on every silo once uploaded',
  'pkg.uploadButton': 'Upload', 'pkg.uploaded': 'Stored {module} {version} (signed by {key})', 'pkg.alreadyStored': '{module} {version} was already stored (signed by {key})', 'pkg.unsigned': 'unsigned', 'pkg.open': 'Versions and silos',
  'pkg.module': 'Module', 'pkg.active': 'Active version', 'pkg.silos': 'Silos', 'pkg.changed': 'Last change', 'pkg.disabled': 'disabled', 'pkg.none': 'No module was uploaded yet',
  'pkg.runningCount': '{running} of {total} silos run it', 'pkg.failedCount': '{count} silos failed to load it',
  'pkg.moduleTitle': 'Module {module}', 'pkg.activeIs': 'Active version: {version}', 'pkg.canaryIs': 'canary: {version} on {silo} only', 'pkg.versions': 'Versions',
  'pkg.version': 'Version', 'pkg.signedBy': 'Signed by', 'pkg.uploadedBy': 'Uploaded', 'pkg.activate': 'Activate', 'pkg.rollback': 'Roll back to this', 'pkg.removeVersion': 'Remove version',
  'pkg.silo': 'Silo', 'pkg.runs': 'Runs', 'pkg.failed': 'Load failure', 'pkg.failedVersion': 'version {version} failed to load: {error}',
  'pkg.state.loaded': 'loaded', 'pkg.state.faulted': 'faulted', 'pkg.state.refused': 'refused', 'pkg.state.not running': 'not running',
  'act.upload': 'upload', 'act.activate': 'activate', 'act.canary': 'canary', 'act.disable': 'disable', 'act.remove-version': 'remove version', 'act.remove': 'remove', 'act.save': 'save', 'act.revert': 'revert',
  'pkg.disable': 'Disable module', 'pkg.remove': 'Remove module (every version)', 'pkg.done': 'Done; the silos follow within seconds.', 'pkg.history': 'History', 'pkg.when': 'When', 'pkg.action': 'Action', 'pkg.who': 'By',
  'nav.templates': 'Notice templates',
  'nav.evaluation': 'Evaluation',
  'eval.title': 'Evaluation', 'eval.level': 'Level', 'eval.period': 'Period', 'eval.date': 'Date', 'eval.bulletin': 'Bulletin', 'eval.loading': 'Counting…',
  'eval.range': 'Cases reported {from} to {to}, as they stand now', 'eval.rank': 'Rank', 'eval.code': 'Code', 'eval.name': 'Name', 'eval.score': 'Score', 'eval.change': 'Change',
  'eval.none': '(none)', 'eval.trend': 'Trend', 'eval.casesOf': '{unit} · {indicator}: {total} cases', 'eval.caseId': 'Case', 'eval.matter': 'Matter',
  'eval.state': 'State', 'eval.grid': 'Grid', 'eval.officer': 'Officer', 'eval.reportedAt': 'Reported',
  'eval.level.grid': 'Grid', 'eval.level.community': 'Community', 'eval.level.street': 'Street', 'eval.level.district': 'District', 'eval.level.squad': 'Squad',
  'eval.level.officer': 'Officer', 'eval.level.dispatcher': 'Dispatcher', 'eval.level.channel': 'Channel', 'eval.level.matter': 'Matter',
  'eval.period.day': 'Day', 'eval.period.week': 'Week', 'eval.period.month': 'Month', 'eval.period.quarter': 'Quarter', 'eval.period.year': 'Year',
  'ind.received': 'Received', 'ind.registered': 'Registered', 'ind.closed': 'Closed', 'ind.closedOnTime': 'Closed on time', 'ind.overdueOpen': 'Overdue open',
  'ind.duplicates': 'Duplicates', 'ind.closureRate': 'Closure rate', 'ind.onTimeRate': 'On-time rate', 'ind.satisfaction': 'Satisfaction', 'colour.score': 'Score',
  'tpl.title': 'Notice templates', 'tpl.help': 'A template edited here serves on every silo of the cluster, before the file in templates/; reverting serves the file or the built-in again.',
  'tpl.name': 'Template', 'tpl.servedBy': 'Serving', 'tpl.activeVersion': 'Active version', 'tpl.versions': 'Versions', 'tpl.kind': 'Notice kind', 'tpl.matter': 'Matter code', 'tpl.newForMatter': 'New template for a matter',
  'tpl.kind.dispatch': 'Dispatch', 'tpl.kind.accept-warning': 'Accept deadline warning', 'tpl.kind.escalation': 'Escalation', 'tpl.kind.liaison-alert': 'Liaison alert',
  'tpl.kind.reporter-status': 'Reporter status', 'tpl.kind.closure': 'Closure', 'tpl.kind.party-notice': 'Party notice', 'tpl.kind.bulletin': 'Bulletin',
  'tpl.editTitle': 'Edit template {name}', 'tpl.text': 'Template (Scriban)', 'tpl.note': 'Note', 'tpl.notePlaceholder': 'why it changes (optional)', 'tpl.preview': 'Preview with sample cases', 'tpl.save': 'Check and save',
  'tpl.revert': 'Back to the default (file or built-in)', 'tpl.refused': 'The template failed its check and was not saved:', 'tpl.errorAt': 'line {line}, column {column}: {message}', 'tpl.saved': 'Saved as version {version}; every silo serves it within seconds.',
  'tpl.reverted': 'The default template serves again.', 'tpl.activated': 'Version {version} serves.', 'tpl.previewTitle': 'Preview', 'tpl.sampleCase': 'Sample case {id}', 'tpl.noneActive': 'none (the file or built-in serves)',
  'tpl.changed': 'Last change', 'tpl.version': 'Version', 'tpl.author': 'Author', 'tpl.savedAt': 'Saved', 'tpl.load': 'Load into editor', 'tpl.loaded': 'Version {version} loaded (not saved)',
  'tpl.activate': 'Activate', 'tpl.rollback': 'Roll back to this',
  'nav.cases': 'Cases', 'nav.inbox': 'Notices',
  'inbox.title': 'Notices', 'inbox.unread': '{count} unread', 'inbox.none': 'No notices', 'inbox.markRead': 'Mark read (and older ones)',
  'inbox.connecting': 'Connecting to live notices…', 'inbox.open': 'Live', 'inbox.closed': 'Live connection lost; reconnecting shortly',
  'notice.Dispatch': 'Dispatch', 'notice.AcceptWarning': 'Accept warning', 'notice.Escalation': 'Escalation', 'notice.LiaisonAlert': 'Grid alert', 'notice.ReporterStatus': 'Progress',
  'notice.Closure': 'Closed', 'notice.PartyNotice': 'Party notice',
  'cases.title': 'Open cases', 'cases.mine': 'My cases', 'cases.state': 'State', 'cases.allOpen': 'All open', 'cases.refresh': 'Refresh', 'cases.none': 'No cases',
  'cases.id': 'Id', 'cases.matter': 'Matter', 'cases.grid': 'Grid', 'cases.officer': 'Officer', 'cases.squad': 'Squad', 'cases.deadline': 'Deadline',
  'cases.left': '{time} left', 'cases.overdue': '{time} overdue', 'cases.hours': '{h} h {m} min', 'cases.minutes': '{m} min',
  'cases.page': 'Case', 'cases.back': 'Cases', 'cases.supervised': 'supervised', 'cases.field': 'Field', 'cases.value': 'Value', 'cases.description': 'Description',
  'cases.address': 'Address', 'cases.channel': 'Channel', 'cases.reportedAt': 'Reported', 'cases.acceptBy': 'Accept by', 'cases.handleBy': 'Handle by', 'cases.verifyBy': 'Verify by',
  'cases.timeline': 'Timeline', 'cases.at': 'When', 'cases.actor': 'Who', 'cases.action': 'Step', 'cases.to': 'State', 'cases.note': 'Note', 'cases.evidence': '({count} attached)',
  'cases.photos': 'Photos', 'cases.noPhotos': 'No photos yet', 'cases.actions': 'Act', 'cases.notePlaceholder': 'Note (a reason is needed to return, void or rework)', 'cases.sending': 'Sending…',
  'cases.tab.open': 'Open cases', 'cases.tab.queue': 'To place or dispatch', 'cases.tab.supervision': 'Supervised', 'cases.since': 'Supervised since', 'cases.reason': 'Why',
  'cases.placeTitle': 'Place: this report has no position', 'cases.noGridTitle': 'Dispatch: this case is in no grid', 'cases.placeHelp': 'Click where it is on the map.',
  'cases.picked': 'Picked: {lon}, {lat} (WGS84)', 'cases.placeConfirm': 'Place it and dispatch', 'cases.dispatchTo': 'or dispatch to a grid (code)',
  'cases.newDeadline': 'Extend to (this device\'s time)', 'report.title': 'Report here', 'report.locating': 'Finding your position…', 'report.noGeolocation': 'This browser cannot tell its position', 'report.positionFailed': 'No position: {reason}',
  'report.position': 'You are at {lon}, {lat} (within about {accuracy} m)', 'report.relocate': 'Locate again', 'report.submit': 'Report',
  'cases.kept': 'The connection dropped; the action is kept on this page to be sent again.', 'cases.pending': 'Not sent: {action}', 'cases.retry': 'Send again',
  'photo.report': 'Reported', 'photo.before': 'Before', 'photo.after': 'After', 'photo.public': 'public', 'photo.away': '{m} m from the case', 'photo.unavailable': 'Photo unavailable',
  'photo.add': 'Take or choose photos', 'photo.stage': 'Photo of', 'photo.markPublic': 'Public', 'photo.uploading': 'Uploading {name}…',
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

/** The text for `prefix.value` (a state or an action the server names), or the value itself when there is none. */
export function tWord(prefix, value) {
  const key = `${prefix}.${value}`;
  const text = t(key);
  return text === key ? String(value) : text;
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

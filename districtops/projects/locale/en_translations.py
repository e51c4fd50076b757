"""English for the projects catalogue. Run after `makemessages -l en` in districtops/projects:
`python districtops/projects/locale/en_translations.py` fills msgstr for every msgid listed here."""

EN = dict(
    line.split("\t", 1)
    for line in """金额不能为负数。	Amounts cannot be negative.
初始阶段	Initial stage
签约日期	Signed on
变更为	Move to
日期	Date
佐证材料	Evidence
PDF、图片或 Office 文件	PDF, image or Office file
说明	Note
月份	Month
金额（万元）	Amount (10k yuan)
报告日期	Report date
进度（%）	Progress (%)
进展情况	Progress notes
现场照片	Site photo
资金来源	Fund source
申请（元）	Applied (yuan)
批复（元）	Approved (yuan)
拨付（元）	Allocated (yuan)
支出（元）	Disbursed (yuan)
审计（元）	Audited (yuan)
对应清单项	Checklist item
标题	Title
文件	File
Excel 文件	Excel file
仅检查，不导入	Check only, do not import
（未关联）	(none)
节点逾期	Node overdue
进度滞后	Progress behind
资金拨付滞后	Funds lagging
档案不全	Archives incomplete
招商项目停滞	Investment project stalled
名称	Name
排序	Order
启用	Active
产业领域	Sector
所属区	District
举办日期	Held on
地点	Venue
主办单位	Organiser
参会人数	Attendance
备注	Notes
推介会	Conference
洽谈	Negotiating
签约	Signed
注册	Registered
开工	Started
投产	In production
现场签约	Signed on site
会前签约	Signed before the meeting
其他	Other
项目名称	Project name
签约推介会	Signing conference
签约方式	Signing
投资方	Investor
境内企业	Domestic enterprise
统一社会信用代码	Unified social credit code
签约金额（元）	Contracted amount (yuan)
计划投资（元）	Planned investment (yuan)
落地街道（牵头单位）	Host street (lead unit)
配合单位	Supporting units
分管领导	Responsible leader
阶段	Stage
阶段变更日期	Stage changed on
注册日期	Registered on
开工日期	Started on
投产日期	In production on
约定注册日期	Registration due
约定开工日期	Start due
招商项目	Investment projects
原阶段	From stage
新阶段	To stage
阶段变更	Stage change
该月第一天	First day of the month
到位金额（元）	Arrived (yuan)
资金到位	Capital arrived
阻止	Block
仅提醒	Warn only
代码	Code
缺少必备档案时完成节点	Completing a node with documents missing
工程类别	Category
顺序	Sequence
节点	Node
距开始（天）	Offset (days)
工期（天）	Duration (days)
档案名称	Document
项目编号	Project code
牵头街道	Lead street
配合部门	Supporting departments
指挥部	Command post
位置	Location
建设规模	Scale
总投资（元）	Budget (yuan)
示范片区	Showcase group
计划开始	Planned start
计划完成	Planned end
建设项目	Construction projects
责任人	Owner
实际开始	Actual start
实际完成	Actual end
进度报告	Progress reports
完成投资（元）	Completed investment (yuan)
月度完成投资	Monthly completed investment
中央资金	Central funds
省级资金	Provincial funds
市级资金	City funds
区级资金	District funds
社会资本	Social capital
资金	Funds
类型	Type
大小（字节）	Size (bytes)
档案	Archives
项目调度	Projects
资金滞后	Funds lagging
招商停滞	Investment stalled
未开始	Not started
正常推进	On track
已逾期	Overdue
已完成	Done
项目、编号或位置	Project, code or location
全部类别	All categories
全部街道/单位	All streets/units
全部指挥部	All command posts
全部状态	All states
没有符合条件的项目	No matching projects
共 %(n)s 个	%(n)s in all
第	Page
页	pages
上一页	Previous
下一页	Next
停滞	Stalled
项目	Project
签约（亿元）	Contracted (100M yuan)
到位（亿元）	Arrived (100M yuan)
到位率	Arrival ratio
已注册	Registered
已开工	Started
已投产	Producing
注册转化率	Registration conversion
暂无数据	No data
挂图作战	Battle map
招商成效	Investment results
预警	Warnings
截至 %(day)s	as of %(day)s
导出 Excel	Export to Excel
打印版	Print view
筛选	Filter
今天	Today
进度滞后：进度低于已过时间比例（时间过半、任务过半）；已逾期：过了计划完成日仍未完成。点击节点打开项目。	Behind: progress below the share of time gone (half the time, half the task); overdue: not done after the planned end. Click a node to open its project.
计划	Plan
进度	Progress
状态	State
（仅显示前 5000 个项目，请缩小筛选范围）	(first 5,000 projects only: narrow the filters)
编辑	Edit
项目清单	Project list
签约项目	Signed projects
现场	on site
会前	before
签约金额（亿元）	Contracted (100M yuan)
履约率	Performance rate
按产业领域	By sector
按落地街道	By host street
街道	Street
落地街道	Host street
招商推介会	Promotion conferences
登记推介会	Record a conference
暂无推介会	No conferences yet
总体进度	Overall progress
总投资（万元）	Budget (10k yuan)
预算执行率（支出÷拨付）	Budget execution (disbursed ÷ allocated)
档案完备率	Archive completeness
节点计划	Node plan
实际	Actual
报进度	Report
报送	Submit
资金（申得来、用得出、管得好）· 万元	Funds (applied, spent, controlled) · 10k yuan
来源	Source
申请	Applied
批复	Approved
拨付	Allocated
支出	Disbursed
审计	Audited
暂无资金记录	No fund records yet
合计	Total
保存	Save
按来源填写累计金额（元）；同一来源再次保存即更新。	Cumulative amounts per source (yuan); saving the same source again updates it.
万元	10k yuan
暂无记录	No records yet
记录（万元）	Record (10k yuan)
暂无报告	No reports yet
档案清单（档案完备）	Document checklist
缺	Missing
删除	Delete
该类别未设必备档案	No required documents for this category
上传	Upload
计划工期	Planned period
建设项目（三项工程、一项管理）	Construction projects (three works, one management)
Excel 导入	Excel import
登记项目	New project
类别	Category
预算执行率	Budget execution
档案完备	Archives
返回	Back
导入建设项目	Import construction projects
导入招商项目	Import investment projects
先下载模板，按表头填写（带 * 为必填，选择项用下拉列表）。整份文件全部正确才会导入，有一行出错则全部不导入，并列出每一处错误。	Download the template and fill it in (* marks required columns; use the drop-downs). The file is imported only if every row is valid; otherwise nothing is imported and every error is listed.
下载导入模板	Download template
提交	Submit
检查通过：可导入 %(n)s 个项目（尚未导入）。	Check passed: %(n)s projects can be imported (nothing imported yet).
已导入 %(n)s 个项目。	Imported %(n)s projects.
无权导入。	You may not import.
发现 %(n)s 处错误，未导入任何数据：	%(n)s errors found; nothing was imported:
行	Row
列	Column
问题	Problem
境外	Foreign
计划投资（亿元）	Planned investment (100M yuan)
资金到位（亿元）	Capital arrived (100M yuan)
约定注册 / 开工	Registration / start due
签约 / 注册 / 开工 / 投产	Signed / registered / started / producing
确认变更	Confirm
阶段记录	Stage history
变更	Change
佐证	Evidence
经办	By
下载	Download
暂无阶段变更	No stage changes yet
资金到位（按月）	Capital arrived by month
项目或投资方	Project or investor
全部推介会	All conferences
全部领域	All sectors
全部阶段	All stages
资金到位率	Funds in place
亿元	100M yuan
履约率：约定注册或开工日期已到的签约项目中，按期注册（及按期开工）的比例。	Performance rate: of the signed projects whose contracted registration or start date has come, the share that registered (and started) on time.
按推介会	By conference
停滞项目（超过 %(n)s 天无阶段变化）	Stalled projects (no stage change for over %(n)s days)
上次变更	Last change
没有停滞项目	No stalled projects
项目预警	Project warnings
全部	All
责任单位	Responsible unit
暂无预警	No warnings
共 %(n)s 条，仅显示前 1000 条，请按类型或在项目列表中筛选。	%(n)s in all; only the first 1,000 are shown: filter by type or in the project list.
无权执行此操作。	You may not do this.
已登记推介会。	Conference recorded.
已保存。	Saved.
编辑推介会	Edit conference
已登记招商项目。	Investment project recorded.
登记招商项目	New investment project
编辑招商项目	Edit investment project
阶段已变更。	Stage changed.
阶段未变更：	Stage not changed:
已记录资金到位。	Capital arrival recorded.
已登记建设项目，并按类别模板生成了节点计划。	Construction project recorded; its node plan was laid out from the category template.
登记建设项目	New construction project
编辑建设项目	Edit construction project
节点已完成，但缺少必备档案：	Node completed, but required documents are missing:
节点已保存。	Node saved.
编辑节点	Edit node
已报送进度。	Progress reported.
进度未报送：	Progress not reported:
已记录月度完成投资。	Monthly investment recorded.
资金情况已保存。	Funds saved.
资金未保存：	Funds not saved:
档案已上传。	Document uploaded.
档案未上传：	Document not uploaded:
档案已删除。	Document deleted.
已导入 %(n)d 个项目。	Imported %(n)d projects.
金额（元）	Amount (yuan)
文号/凭证号	Document / voucher no.
拨付账户/收款单位	Paying account / payee
对应节点	Against node
对应合同	Against contract
审计存疑（元）	Questioned by audit (yuan)
审计意见/说明	Audit opinion / note
附件	Attachment
期初结转	Opening balance
冲销	Reverse
资金台账	Funds ledger
冲销日期	Reversal date
冲销原因	Reason for reversal
资金台账已登记。	Ledger entry recorded.
资金台账未登记：	Ledger entry not recorded:
已冲销。	Reversed.
未冲销：	Not reversed:
执行率	Execution rate
金额	Amount
批复余额	Approved, not allocated
拨付余额	Allocated, not spent
累计支出	Spent to date
期初	Opening
支出早于批复	Spent before approval
存疑	Questioned
登记	Record
导出台账（元）	Export ledger (yuan)
每笔申请、批复、拨付、支出、审计单独登记，合计由台账自动汇总；更正请冲销，不能修改或删除。	Record each application, approval, allocation, expenditure and audit finding separately; totals are summed from the ledger. Correct by reversing; entries cannot be edited or deleted.""".splitlines()
)


if __name__ == "__main__":
    from pathlib import Path

    import polib

    path = Path(__file__).parent / "en" / "LC_MESSAGES" / "django.po"
    po = polib.pofile(str(path))
    missing = []
    for entry in po:
        if entry.msgid in EN:
            entry.msgstr = EN[entry.msgid]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
        elif not entry.msgstr:
            missing.append(entry.msgid)
    po.save()
    print(f"{len(po) - len(missing)} translated, {len(missing)} missing")
    for m in missing:
        print("  missing:", m)

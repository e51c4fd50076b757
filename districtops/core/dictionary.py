"""数据字典: the one place that turns the codes the platform stores into what a person reads.

Models, fields and enum values speak for themselves: labels come from ``verbose_name`` and
``choices`` through ``_meta``, so a new model or a new choice needs nothing here. The
tables below hold only the codes that are no model choice — audit action names, outcomes,
channels, job names and parameters, import summary keys, Excel check and audit-rule codes
and their parameters. Every label is ``gettext_lazy``: Chinese in source, English from
``core/locale/en``. Anything not found comes back as the code itself, so a test walking
the pages (core/tests/test_dictionary.py) sees it and fails.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable

from django.apps import apps
from django.utils import formats, timezone
from django.utils.text import camel_case_to_spaces
from django.utils.translation import gettext_lazy as _

# --------------------------------------------------------------------------- explicit tables

ACTIONS = {
    "calendar.publish": _("录入节假日安排"),
    "create": _("新建"),
    "update": _("修改"),
    "delete": _("删除"),
    "transition": _("变更阶段"),
    "import": _("导入"),
    "import_refused": _("导入被拒绝"),
    "bulk_load": _("批量载入"),
    "explain": _("填写情况说明"),
    "accept": _("认可说明"),
    "reject": _("退回说明"),
    "job_start": _("启动后台任务"),
    "job_finish": _("后台任务结束"),
    "login": _("登录"),
    "logout": _("退出登录"),
    "login_failed": _("登录失败"),
    "lock": _("锁定账号"),
    "unlock": _("解锁账号"),
    "password_change": _("修改密码"),
    "password_reset": _("重置密码"),
    "totp_enrol_start": _("开始绑定动态口令"),
    "totp_enrol_confirm": _("完成绑定动态口令"),
    "totp_failed": _("动态口令错误"),
    "totp_reset": _("重置动态口令"),
    "backup_codes_issued": _("生成备用验证码"),
    "backup_code_used": _("使用备用验证码"),
    "backup_code_failed": _("备用验证码错误"),
    "revoke": _("吊销接口令牌"),
    "purge": _("清理过期审计记录"),
    "partner.revoke": _("停用接入方"),
    "report.triage": _("受理并转办"),
    "report.decline": _("不予立案"),
    "report.also": _("我也遇到"),
    "report.merge": _("并入其他反映"),
    "report.merge_into": _("接收并入的反映"),
    "reminders_sent": _("发送到期提醒"),
    "summaries_sent": _("发送周报"),
    "summary_delivery_failed": _("周报发送失败"),
    "message_delivery_failed": _("消息发送失败"),
    "message_not_received": _("消息未送达接收人"),
    "messages_sent": _("发送外发消息"),
    "scheme.publish": _("发布考核结果"),
    "suggestion.reply": _("答复建议"),
    "suggestion.evaluate": _("代表评价答复"),
}

OUTCOMES = {"success": _("成功"), "failure": _("失败"), "denied": _("拒绝")}

CHANNELS = {
    "web": _("网页"),
    "api": _("接口"),
    "cli": _("命令行"),
    "job": _("后台任务"),
    "system": _("系统"),
    "open311": _("Open311 接口"),
}

# Audit object types that are no model, and models declared without a verbose name.
OBJECT_TYPES = {
    "cockpit.delivery": _("周报投递"),
    "audit.auditanchor": _("审计链锚点"),
    "projects.nodetemplate": _("节点模板"),
    "projects.archiverequirement": _("必备档案"),
    "supervision.matterevent": _("事项办理记录"),
    "supervision.extensionrequest": _("延期申请"),
    "supervision.reminder": _("督办提醒"),
    "supervision.remindersettings": _("提醒设置"),
    "supervision.scorescheme": _("考核方案"),
    "citizen.servicecategory": _("反映类别"),
    "citizen.partnerclient": _("接入方"),
    "citizen.report": _("群众反映"),
    "citizen.reportsupporter": _("我也遇到"),
    "hazards.riskpoint": _("风险点"),
    "hazards.hazard": _("隐患"),
    "hazards.rectificationplan": _("整改方案"),
    "deputies.liaisonstation": _("代表联络站"),
    "deputies.deputy": _("人大代表"),
    "deputies.stationactivity": _("进站活动"),
    "deputies.suggestion": _("代表建议"),
    "economy.reportfield": _("报表指标"),
    "economy.reportvalue": _("报表数值"),
    "economy.sourcefigure": _("外部数据"),
    "economy.indicatorvalue": _("指标值"),
    "economy.target": _("目标"),
    "economy.economysettings": _("经济运行参数"),
}

JOBS = {
    "audit.verify_chain": _("校验审计链"),
    "cockpit.briefing": _("月度经济运行通报"),
    "cockpit.weekly_summaries": _("发送周报"),
    "projects.refresh_pace": _("刷新项目节点进度"),
    "supervision.send_reminders": _("发送督办到期提醒"),
    "notifications.deadlines": _("发送到期通知"),
    "delivery.send_due": _("发送与重试外发消息"),
    "delivery.check_receipts": _("确认工作通知送达"),
}

# Keys of job parameters and results, import summaries and audit payloads that are no model field.
KEYS = {
    "district_code": _("区"),
    "period": _("报告期"),
    "periods": _("报告期"),
    "user_id": _("发起人"),
    "files": _("文件"),
    "seconds": _("用时（秒）"),
    "ok": _("通过"),
    "checked": _("已检查"),
    "nodes_repaired": _("更新节点数"),
    "new": _("新增"),
    "emails": _("邮件（封）"),
    "webhooks": _("群机器人（次）"),
    "work": _("工作通知（条）"),
    "scheduled": _("新排"),
    "sent": _("已发送"),
    "retrying": _("重试中"),
    "failed": _("失败"),
    "created": _("新增"),
    "updated": _("更新"),
    "unchanged": _("未变"),
    "reports": _("报表"),
    "new_versions": _("更正版本"),
    "findings": _("审核问题"),
    "explained_in_file": _("文件内已说明"),
    "invalid_explanations": _("说明不合格"),
    "warnings": _("提示"),
    "figures": _("数据"),
    "status": _("状态"),
    "name": _("名称"),
    "params": _("参数"),
    "version": _("版本"),
    "first_broken_seq": _("首个断点序号"),
    "reason": _("原因"),
    "problems": _("问题"),
    "notes": _("说明"),
    "tip_seq": _("最新记录序号"),
    "head_seq": _("签名头序号"),
    "head_time": _("签名头时间"),
    "heads_read": _("已读签名头（条）"),
    "count": _("数量"),
    "replaced": _("作废旧码（个）"),
    "left": _("剩余（个）"),
    "pushed": _("已推送（处）"),
    "doc_number": _("发文字号"),
}

# Economy audit rules (economy/rules.py) and the Excel readers' own checks.
RULES = {
    "required_fields": _("必填项"),
    "non_negative": _("不能为负数"),
    "cumulative_consistency": _("本期与累计一致"),
    "valid_codes": _("代码有效"),
    "yoy_outlier": _("增速偏离企业历史"),
    "electricity_divergence": _("产值与用电背离"),
    "repeated_figures": _("数据与上期雷同"),
    "round_figures": _("数据过于整齐"),
    "sudden_jump": _("环比突变"),
    "tax_divergence": _("营收与税收背离"),
    "format": _("格式"),
    "header": _("表头"),
    "file": _("文件"),
    "size": _("文件大小"),
    "period": _("报告期"),
    "scope": _("辖区"),
    "duplicate": _("重复"),
    "empty": _("空文件"),
    "explanation": _("情况说明"),
}

RULE_PARAMS = {
    "tolerance": _("允许误差（元）"),
    "factor": _("倍数"),
    "min_history": _("最少历史期数"),
    "recent_factor": _("持续变化倍数"),
    "power_corroboration": _("用电佐证倍数"),
    "ratio_jump": _("电耗产值倍数"),
    "min_fields": _("最少指标数"),
    "min_value": _("最小金额（元）"),
    "unit": _("整数倍单位（元）"),
    "gap_pp": _("增速差（百分点）"),
    "revenue_field": _("营收指标"),
    "alpha": _("显著性水平"),
    "broken_bases": _("不宜作基期的月份"),
    "events": _("税率变动"),
    "fallback_sigma": _("缺省标准差"),
    "grid_tolerance": _("电网用电容差"),
    "habit_share": _("逐月相同判定比例"),
    "max_difference": _("最大差额（元）"),
    "max_spread": _("环比最大离散度"),
    "min_change": _("最小变动（对数）"),
    "min_firms": _("最少企业数"),
    "min_sigma": _("最小标准差"),
    "months": _("期数"),
    "near_share": _("接近比例"),
    "payback": _("回落比例"),
    "per_source": _("每个来源抵消比例"),
    "season_spread": _("季节离散度下限"),
    "spike_share": _("冲高比例"),
    "targets": _("目标值（%）"),
    "tax_tolerance": _("税收容差"),
    "threshold": _("阈值"),
    "window": _("窗口（百分点）"),
    "z": _("标准差倍数（z）"),
}

# Fields a model declares without a verbose name (looked up by field name, any model).
FIELDS = {
    "id": _("内部编号"),
    "version": _("版本"),
    "state": _("状态"),
    "status": _("状态"),
    "kind": _("类型"),
    "created_at": _("创建时间"),
    "updated_at": _("修改时间"),
    "created_by": _("创建人"),
    "entered_by": _("录入人"),
    "published_by": _("发布人"),
    "purge_seq": _("清理记录序号"),
    "mac": _("签名"),
    "district": _("所属区"),
    "unit": _("单位"),
    "path": _("层级路径"),
    "depth": _("层级"),
    "parent": _("上级"),
    "user": _("人员"),
    "actor": _("操作人"),
    "actor_id": _("操作人"),
    "at": _("时间"),
    "action": _("动作"),
    "note": _("备注"),
    "log": _("处理记录"),
    "history": _("办理记录"),
    "channel": _("渠道"),
    "channels": _("提醒渠道"),
    "is_active": _("启用"),
    "is_current": _("当前版本"),
    "is_entered": _("人工录入"),
    "sort_order": _("排序"),
    "digest": _("摘要值"),
    "key_digest": _("密钥摘要"),
    "prefix": _("前缀"),
    "last_used_at": _("最近使用"),
    "revoked_at": _("吊销时间"),
    "revoked_by": _("吊销人"),
    "failed_login_count": _("连续登录失败次数"),
    "locked_until": _("锁定至"),
    "password_changed_at": _("密码修改时间"),
    "totp_confirmed": _("已绑定动态口令"),
    "totp_secret_encrypted": _("动态口令密钥"),
    "secret_encrypted": _("密钥"),
    "last_hash": _("末条哈希"),
    "last_seq": _("末条序号"),
    "purged_at": _("清理时间"),
    "purged_count": _("清理条数"),
    "seq": _("序号"),
    "hash": _("哈希"),
    "prev_hash": _("前一条哈希"),
    "algorithm": _("算法"),
    "before": _("修改前"),
    "after": _("修改后"),
    "lat": _("纬度"),
    "long": _("经度"),
    "media_url": _("照片地址"),
    "partner": _("接入方"),
    "matter": _("督办事项"),
    "meeting": _("会议"),
    "requested_at": _("提交时间"),
    "requested_by": _("申请人"),
    "triaged_at": _("受理时间"),
    "merged_into": _("并入反映"),
    "merged_at": _("并入时间"),
    "also_count": _("我也遇到人数"),
    "coordinate_system": _("坐标系"),
    "subscription": _("订阅"),
    "station": _("联络站"),
    "evaluated_on": _("评价日期"),
    "first_replied_on": _("首次答复日期"),
    "replied_on": _("答复日期"),
    "round": _("办理轮次"),
    "explained_at": _("说明时间"),
    "explained_by": _("说明人"),
    "reviewed_at": _("审核时间"),
    "reviewed_by": _("审核人"),
    "field_code": _("指标"),
    "report": _("报表"),
    "rule": _("审核规则"),
    "street": _("街道"),
    "imported_by": _("导入人"),
    "row_count": _("行数"),
    "sha256": _("文件摘要"),
    "summary": _("导入结果"),
    "enterprise_count": _("企业数"),
    "indicator": _("指标"),
    "batch": _("导入批次"),
    "enterprise": _("企业"),
    "report_type": _("报表类型"),
    "current": _("本期"),
    "cumulative": _("本年累计"),
    "period": _("报告期"),
    "source": _("来源"),
    "value": _("数值"),
    "closed_on": _("办结日期"),
    "closed_at": _("办结时间"),
    "found_by": _("发现人"),
    "rectified_by": _("整改人"),
    "rectified_on": _("整改完成日期"),
    "verified_by": _("验收人"),
    "hazard": _("隐患"),
    "started_at": _("开始时间"),
    "finished_at": _("完成时间"),
    "params": _("参数"),
    "result": _("结果"),
    "result_file": _("结果文件"),
    "run_key": _("运行批次"),
    "project": _("项目"),
    "uploaded_by": _("上传人"),
    "category": _("类别"),
    "node": _("节点"),
    "reporter": _("报送人"),
    "amber_until": _("黄灯截止"),
    "on_pace_until": _("正常截止"),
    "decided_at": _("审批时间"),
    "decided_by": _("审批人"),
    "decision_note": _("审批意见"),
    "old_deadline": _("原办理时限"),
    "assigned_by": _("交办人"),
    "deadline_fallback": _("时限按推算"),
    "first_acknowledged_at": _("首次签收时间"),
    "first_completed_at": _("首次办结时间"),
    "from_state": _("原状态"),
    "to_state": _("新状态"),
    "key_date": _("关键日期"),
    "read_at": _("阅读时间"),
    "published_at": _("发布时间"),
}

YES_NO = {True: _("是"), False: _("否")}


# --------------------------------------------------------------------------- lookups


_DERIVED_ACTIONS: dict[str, str] = {}


def register_actions(prefix: str, labels: dict) -> None:
    """An app's state machine names its own actions here (``matter.<action>``,
    ``hazard.<action>``), from its AppConfig.ready(): this module imports no app."""
    _DERIVED_ACTIONS.update({f"{prefix}.{code}": label for code, label in labels.items()})


def _derived_actions() -> dict:
    return _DERIVED_ACTIONS


def action_label(code: str) -> str:
    return str(ACTIONS.get(code) or _derived_actions().get(code) or code)


def all_actions(codes: Iterable[str]) -> list[tuple[str, str]]:
    """(code, label) for a filter drop-down, sorted by label."""
    return sorted(((c, action_label(c)) for c in set(codes)), key=lambda pair: pair[1])


def outcome_label(code: str) -> str:
    return str(OUTCOMES.get(code, code))


def channel_label(code: str) -> str:
    return str(CHANNELS.get(code, code))


def job_label(name: str) -> str:
    return str(JOBS.get(name, name))


def rule_label(code: str) -> str:
    return str(RULES.get(code, code))


def rule_param_label(key: str) -> str:
    return str(RULE_PARAMS.get(key, key))


def key_label(key: str) -> str:
    return str(KEYS.get(key, key))


def get_model(label: str):
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def model_label(label: str) -> str:
    """``accounts.user`` → 人员 (the model's verbose name)."""
    model = get_model(label)
    if model is not None and str(model._meta.verbose_name) != camel_case_to_spaces(model._meta.object_name):
        return str(model._meta.verbose_name)
    return str(OBJECT_TYPES.get(label.lower(), label))


def _field(model, key: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(key)  # finds attnames too: lead_unit_id → lead_unit
    except Exception:  # FieldDoesNotExist, or a reverse relation name
        return None


def field_label(model, key: str) -> str:
    field = _field(model, key)
    if field is None or not hasattr(field, "verbose_name"):
        return str(FIELDS.get(key) or KEYS.get(key) or key)
    name = str(field.verbose_name)
    if field.primary_key or name == field.name.replace("_", " "):  # no verbose name was given
        return str(FIELDS.get(field.name) or KEYS.get(field.name) or name)
    return name


def local_datetime(value, seconds: bool = False) -> str:
    """A stored timestamp as the local business time (Asia/Shanghai), to the minute."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def _plain(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(YES_NO[value])
    if isinstance(value, list):
        return "、".join(_plain(v) for v in value) or "—"
    if isinstance(value, dict):
        return "；".join(f"{key_label(k)}：{_plain(v)}" for k, v in value.items()) or "—"
    if isinstance(value, dt.datetime):
        return local_datetime(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and len(value) > 10 and value[4:5] == "-" and value[10:11] == "T":
        return local_datetime(value)
    if isinstance(value, float | int):
        return formats.number_format(value)
    return str(value)


class NameBook:
    """Names for foreign-key ids, fetched in one query per related model for a whole page."""

    def __init__(self):
        self.wanted: dict[type, set] = defaultdict(set)
        self.names: dict[type, dict] = {}

    def want(self, model, ids):
        for pk in ids if isinstance(ids, list | tuple | set) else [ids]:
            if pk is not None and pk != "":
                self.wanted[model].add(pk)

    def load(self):
        for model, ids in self.wanted.items():
            rows = model._base_manager.filter(pk__in=ids)
            self.names[model] = {str(obj.pk): str(obj) for obj in rows}
        self.wanted.clear()

    def name(self, model, pk) -> str:
        found = self.names.get(model, {}).get(str(pk))
        return found if found is not None else f"#{pk}"


def _relation(model, key):
    field = _field(model, key)
    if field is not None and field.is_relation and field.related_model is not None:
        return field.related_model
    return None


def value_label(model, key: str, value, book: NameBook | None = None) -> str:
    """A stored value as a person reads it: the choice's label, the related object's name,
    是/否, a local date and time."""
    if value is None or value == "":
        return "—"
    field = _field(model, key)
    related = _relation(model, key)
    if related is not None and book is not None:
        ids = value if isinstance(value, list) else [value]
        return "、".join(book.name(related, pk) for pk in ids) or "—"
    if field is not None and getattr(field, "choices", None):
        choices = {str(k): v for k, v in field.flatchoices}
        if isinstance(value, list):
            return "、".join(str(choices.get(str(v), v)) for v in value)
        return str(choices.get(str(value), value))
    if key == "name" and isinstance(value, str) and value in JOBS:
        return job_label(value)
    return _plain(value)


# --------------------------------------------------------------------------- audit records


def _field_order(model):
    """Sort key: the model's own field order (as its form shows them), unknown keys last."""
    order = {}
    if model is not None:
        for i, f in enumerate([*model._meta.concrete_fields, *model._meta.many_to_many]):
            order[f.name] = order[getattr(f, "attname", f.name)] = i
    return lambda change: (order.get(change[0], len(order)), change[0])


def actor_label(username: str) -> str:
    """The acting account's name as stored; the platform itself (no actor) as 系统."""
    return str(_("系统")) if not username or username == "system" else username


def all_object_types(codes: Iterable[str]) -> list[tuple[str, str]]:
    """(code, label) of audit object types for a filter drop-down, sorted by label."""
    return sorted(((c, model_label(c)) for c in set(codes)), key=lambda pair: pair[1])


def _message(record) -> str:
    """The record's note, unless it only repeats the action's name (stored in Chinese)."""
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        if record.message in (action_label(record.action), ""):
            return ""
    return record.message


def present_records(records, *, changes: bool = True) -> list[dict]:
    """Audit records as a person reads them: action, object and changed fields in words,
    foreign keys as names — one query per related model for all ``records`` together."""
    records = list(records)
    book = NameBook()
    staged = []
    show_changes = changes
    for record in records:
        model = get_model(record.object_type) if record.object_type else None
        changes = sorted(record.changed_fields(), key=_field_order(model)) if show_changes else []
        for key, before, after in changes:
            related = _relation(model, key)
            if related is not None:
                book.want(related, before)
                book.want(related, after)
        staged.append((record, model, changes))
    book.load()
    presented = []
    for record, model, changes in staged:
        presented.append(
            {
                "record": record,
                "action": action_label(record.action),
                "actor": actor_label(record.actor_username),
                "message": _message(record),
                "outcome": outcome_label(record.outcome),
                "channel": channel_label(record.channel),
                "object_type": model_label(record.object_type) if record.object_type else "",
                "when": local_datetime(record.created_at, seconds=True),
                "changes": [
                    (
                        field_label(model, key),
                        value_label(model, key, b, book),
                        value_label(model, key, a, book),
                    )
                    for key, b, a in changes
                ],
            }
        )
    return presented


# --------------------------------------------------------------------------- jobs


def _job_param_value(key, value) -> str:
    if key == "district_code" and value:
        unit = apps.get_model("org", "Unit").objects.filter(division_code=value).only("name").first()
        return unit.name if unit else str(value)
    if key == "user_id" and value:
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.filter(pk=value).first()
        return str(user) if user else f"#{value}"
    return _plain(value)


def job_params(name: str, params, started_by_id=None) -> list[tuple[str, str]]:
    """A job's parameters as (label, value) pairs; the district and the person by name (the
    person is left out when it is the one who started the job, shown beside it anyway)."""
    if not isinstance(params, dict):
        return []
    return [
        (key_label(k), _job_param_value(k, v))
        for k, v in params.items()
        if not (k == "user_id" and started_by_id is not None and v == started_by_id)
    ]


def job_result(name: str, result) -> list[tuple[str, str]]:
    """A job's result as (label, value) pairs; files are listed as links by the job page."""
    if result is None:
        return []
    if not isinstance(result, dict):
        return [(str(_("结果")), _plain(result))]
    return [(key_label(k), _plain(v)) for k, v in result.items() if k != "files"]


def summary_items(summary) -> list[tuple[str, str]]:
    """An import's summary (``reports：3 · new_versions：0``) as labelled pairs."""
    if not isinstance(summary, dict):
        return []
    return [(key_label(k), _plain(v)) for k, v in summary.items()]


def rule_text(rule) -> str:
    """A rule's description with its parameter names replaced by their current values
    (“超过 factor 倍” → “超过 3.0 倍”), so the text reads as the rule now works."""
    text = rule.description or ""
    params = rule.params if isinstance(rule.params, dict) else {}
    for key in sorted(params, key=len, reverse=True):
        value = params[key]
        shown = str(_("（见参数）")) if isinstance(value, list | dict) else _plain(value)
        text = re.sub(rf"(?<![A-Za-z_]){re.escape(key)}(?![A-Za-z_])", shown, text)
    return text


# Keys inside a rule's list parameters (base periods, tax-rate events).
RULE_ITEM_KEYS = {
    "period": _("月份"),
    "industries": _("行业"),
    "from": _("起"),
    "to": _("止"),
    "taxpayer_class": _("纳税人类型"),
    "factor": _("系数"),
}


def _rule_item_value(key: str, value) -> str:
    if key == "industries":
        return str(value) if value else str(_("全部行业"))
    if key == "taxpayer_class":
        choices = apps.get_model("economy", "Enterprise")._meta.get_field("taxpayer_class").choices
        return str(dict(choices).get(value, _("全部"))) if value else str(_("全部"))
    return _plain(value)


def rule_param_value(value) -> str:
    """A parameter as a person reads it: lists of events or periods spelled out, no keys or codes."""
    if isinstance(value, list):
        parts = []
        for item in value:
            if isinstance(item, dict):
                parts.append(
                    "，".join(
                        f"{RULE_ITEM_KEYS.get(k, rule_param_label(k))} {_rule_item_value(k, v)}"
                        for k, v in item.items()
                    )
                )
            else:
                parts.append(_plain(item))
        return "；".join(parts)
    return _plain(value)


def rule_params(params) -> list[tuple[str, str]]:
    """An audit rule's thresholds (``tolerance=1``) as labelled pairs."""
    if not isinstance(params, dict):
        return []
    return [(rule_param_label(k), rule_param_value(v)) for k, v in params.items()]

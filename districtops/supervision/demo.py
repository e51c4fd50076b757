"""Demo: the three meetings of the seed with their decisions turned into matters, in every
state as of 2021-03-31 (docs/domain.md §3, §4). Idempotent: a meeting found by title is skipped."""

import datetime as dt

from django.contrib.auth import get_user_model

from districtops.org.models import Unit

from . import services
from .models import Meeting, ScoreScheme, default_weights

D = dt.date
# (meeting title, organiser, held on, chaired by, summary, decisions)
# decision: (text, lead, supporting, deadline, script) — script: the steps it has gone through.
MEETINGS = [
    (
        "2021 年“三项工程、一项管理”推进会",
        "双改办",
        D(2021, 2, 26),
        "王区长（示例）",
        "明确节点、挂图作战、压茬推进；各街道对辖区老旧小区和背街小巷拉网式排查。",
        [
            (
                "南关街街道 2021 年首批 12 个老旧小区 3 月底前全部开工",
                "南关街街道",
                ["城建局", "房管局"],
                D(2021, 3, 31),
                ["acknowledge", "report", "closure", "verify"],
            ),
            (
                "紫荆山路、城东路道路改造完成管线迁改",
                "城建局",
                ["城管局"],
                D(2021, 4, 30),
                ["acknowledge", "report"],
            ),
            (
                "北下街片区“六街六片区”风貌协调方案报审",
                "北下街街道",
                ["自然资源局"],
                D(2021, 3, 20),
                ["acknowledge", "overdue_reason", "report", "remind", "list"],
            ),
            ("城中村改造项目征收安置房源统计", "十八里河街道", ["住房保障中心"], D(2021, 4, 15), []),
            (
                "背街小巷精细化管理标准制定",
                "城管局",
                [],
                D(2021, 3, 25),
                ["acknowledge", "report", "overdue_reason", "closure", "return"],
            ),
            (
                "老旧小区改造资金拨付进度通报",
                "财政局",
                ["双改办"],
                D(2021, 4, 10),
                ["acknowledge", "extension"],
            ),
        ],
    ),
    (
        "区人大常委会代表建议交办工作会议",
        "区人大常委会",
        D(2021, 3, 10),
        "区人大常委会主任（示例）",
        "区十六届人大五次会议期间代表提出的建议，交有关单位办理。",
        [
            ("关于增设城东路夜间公交线路的建议", "城建局", [], D(2021, 6, 10), ["acknowledge"]),
            (
                "关于解决南关街老旧小区停车难的建议",
                "南关街街道",
                ["城管局"],
                D(2021, 6, 10),
                ["acknowledge", "report", "closure"],
            ),
            ("关于加强辖区学校周边交通安全的建议", "教育局", [], D(2021, 6, 10), []),
        ],
    ),
    (
        "2021 年统计调查工作会议",
        "统计局",
        D(2021, 3, 15),
        "统计局局长（示例）",
        "依法、真实、精准统计；小升规培育库按年度目标 1.2 倍建库。",
        [
            (
                "各街道 3 月 25 日前报送小升规培育库名单",
                "东大街街道",
                ["统计局"],
                D(2021, 3, 25),
                ["acknowledge", "report", "overdue_reason", "closure", "verify"],
            ),
            (
                "规上服务业企业联网直报培训全覆盖",
                "统计局",
                ["商务局"],
                D(2021, 3, 30),
                ["acknowledge", "report", "overdue_reason", "closure"],
            ),
            ("固定资产投资项目入库审核", "发改委", ["统计局"], D(2021, 3, 26), ["acknowledge"]),
        ],
    ),
]


def _play(matter, script, supervisor):
    for step in script:
        if step == "acknowledge":
            matter = services.acknowledge(None, matter)
        elif step == "report":
            matter = services.report_progress(None, matter, progress=60, note="按节点推进，已完成过半。")
        elif step == "overdue_reason":
            matter = services.record_overdue_reason(
                None, matter, reason="方案涉及多个部门会签，协调时间较长。"
            )
        elif step == "closure":
            matter = services.request_closure(None, matter, note="已按要求完成，附相关材料。")
        elif step == "verify":
            matter = services.verify_close(supervisor, matter, note="经现场核验，同意办结销号。")
        elif step == "return":
            matter = services.return_for_rework(
                supervisor, matter, note="标准未覆盖夜间经营管理，请补充后再报。"
            )
        elif step == "remind":
            matter = services.remind(supervisor, matter, note="已逾期，请于 3 日内报送。")
        elif step == "list":
            matter = services.list_for_supervision(supervisor, matter, note="催办后仍未报审，列入挂牌督办。")
        elif step == "extension":
            services.request_extension(None, matter, new_deadline=matter.deadline + dt.timedelta(days=20),
                                       reason="市级资金尚未下达。")  # fmt: skip
    return matter


def load() -> dict:
    district = Unit.objects.get(division_code="410104")
    units = {u.name: u for u in Unit.objects.filter(district=district)}
    supervisor = get_user_model().objects.filter(username="supervisor").first()
    created = 0
    for title, organiser, held_on, chair, summary, decisions in MEETINGS:
        if Meeting.objects.filter(district=district, title=title).exists():
            continue
        meeting = services.create_meeting(
            None, organiser=units[organiser], title=title, held_on=held_on, chaired_by=chair, summary=summary
        )
        scripts = {}
        for text, lead, support, deadline, script in decisions:
            decision = services.add_decision(
                None, meeting, text=text, lead_unit=units[lead], supporting_units=[units[s] for s in support],
                deadline=deadline,
            )  # fmt: skip
            scripts[decision.pk] = script
        for matter in services.decisions_to_matters(supervisor, meeting, assigned_on=held_on):
            _play(matter, scripts[matter.decision.pk], supervisor)
            created += 1
    if not ScoreScheme.objects.filter(district=district).exists():
        services.create_scheme(
            None, district=district, name="2021 年第一季度督查督办考核", period_start=D(2021, 1, 1),
            period_end=D(2021, 3, 31), weights=default_weights(),
        )  # fmt: skip
    return {"matters": created}

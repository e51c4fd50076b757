"""Demo: the 南关街 liaison station, its deputies, an activity and their suggestions."""

import datetime as dt

from django.contrib.auth import get_user_model

from districtops.org.models import Unit

from . import services
from .models import LiaisonStation

D = dt.date
DEPUTIES = [
    ("刘代表（示例）", "南关街社区居委会主任"),
    ("陈代表（示例）", "某商贸公司职工"),
    ("杨代表（示例）", "辖区学校教师"),
]
SUGGESTIONS = [
    ("关于解决南关街老旧小区停车难的建议", "南关街街道", [0, 1], D(2020, 12, 20), False, "reply_satisfied"),
    ("关于增设城东路夜间公交线路的建议", "城建局", [1], D(2021, 1, 8), False, "reply"),
    ("关于加强学校周边交通安全的建议", "教育局", [2], D(2021, 1, 8), False, "reply_dissatisfied"),
    ("关于推进城中村改造安置房建设的建议", "住房保障中心", [0], D(2020, 12, 20), True, ""),
]


def load() -> dict:
    district = Unit.objects.get(division_code="410104")
    if LiaisonStation.objects.filter(district=district).exists():
        return {"stations": 0}
    units = {u.name: u for u in Unit.objects.filter(district=district)}
    supervisor = get_user_model().objects.filter(username="supervisor").first()
    station = services.create_station(
        None, host_unit=units["南关街街道"], name="南关街街道人大代表联络站", address="南关街 88 号"
    )
    deputies = [services.add_deputy(None, station, name=n, occupation=o) for n, o in DEPUTIES]
    services.log_activity(None, station, held_on=D(2021, 3, 15), kind="reception", constituents=23,
                          summary="集中接待选民，收集停车、加装电梯等意见 9 条。", deputies=deputies[:2])  # fmt: skip
    for title, unit, who, assigned_on, complex_case, fate in SUGGESTIONS:
        s = services.assign_suggestion(None, title=title, content=title + "。", deputies=[deputies[i] for i in who],
                                       handling_unit=units[unit], assigned_on=assigned_on, complex_case=complex_case)  # fmt: skip
        if fate.startswith("reply"):
            s = services.reply(
                None, s, text="已会同相关单位研究，制定了具体措施并逐步落实。", reply_class="B"
            )
        if fate == "reply_satisfied":
            services.evaluate(supervisor, s, satisfaction="satisfied")
        elif fate == "reply_dissatisfied":
            services.evaluate(
                supervisor, s, satisfaction="dissatisfied", note="措施不够具体，未明确完成时间。"
            )
    return {"stations": 1, "deputies": len(deputies), "suggestions": len(SUGGESTIONS)}

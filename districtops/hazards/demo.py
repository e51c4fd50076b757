"""Demo: risk points and the hazards of a 拉网式 (dragnet) inspection in March 2021."""

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model

from districtops.org.models import Unit

from . import services
from .models import Hazard

D = dt.date
POINTS = [
    ("南关街街道", "老旧小区燃气管道", "red", "南关街 7 号院"),
    ("南关街街道", "背街小巷架空线缆", "orange", "南关街至书院街"),
    ("城建局", "紫荆山路道路改造施工围挡", "yellow", "紫荆山路"),
    ("北下街街道", "改造工地临时用电", "blue", "北下街片区"),
]
# unit, title, location, grade, deadline, steps
HAZARDS = [
    ("南关街街道", "7 号院燃气立管锈蚀", "南关街 7 号院 3 号楼", "major", D(2021, 4, 30), ["plan", "start"]),
    (
        "南关街街道",
        "楼道堆放杂物堵塞疏散通道",
        "南关街 12 号院",
        "general",
        D(2021, 3, 20),
        ["start", "submit", "verify"],
    ),
    ("城建局", "施工围挡夜间警示灯缺失", "紫荆山路东段", "general", D(2021, 3, 28), ["start", "submit"]),
    ("北下街街道", "临时配电箱未接地", "北下街改造工地", "general", D(2021, 3, 25), ["start"]),
    ("北下街街道", "电动车楼道充电", "北下街 5 号院", "general", D(2021, 4, 10), []),
]


def load() -> dict:
    district = Unit.objects.get(division_code="410104")
    if Hazard.objects.filter(district=district).exists():
        return {"hazards": 0}
    units = {u.name: u for u in Unit.objects.filter(district=district)}
    supervisor = get_user_model().objects.filter(username="supervisor").first()
    for unit, name, grade, location in POINTS:
        services.create_risk_point(None, unit=units[unit], name=name, grade=grade, location=location,
                                   controls="定期巡查、设置警示标识", responsible_person="网格长")  # fmt: skip
    for unit, title, location, grade, deadline, steps in HAZARDS:
        h = services.register_hazard(
            None, unit=units[unit], title=title, location=location, grade=grade, found_on=D(2021, 3, 12),
            responsible_person="属地网格长", deadline=deadline, responsibility=f"{unit}负责督促整改",
            standard="符合相关安全规范", measures="限期整改、落实专人", description="拉网式排查发现。",
        )  # fmt: skip
        for step in steps:
            if step == "plan":
                services.save_plan(None, h, goal="更换锈蚀立管，消除泄漏风险", measures="燃气公司入户更换",
                                   funds=Decimal("86000"), people="燃气公司施工队 6 人", deadline=deadline,
                                   safeguards="停气作业、入户告知、现场监护")  # fmt: skip
            else:
                h = services.transition(supervisor if step == "verify" else None, h, step, note="")
    return {"hazards": len(HAZARDS), "risk_points": len(POINTS)}

"""A city-scale organisation: 16 districts, their streets and departments, a few thousand people."""

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from districtops.gate import services

from .demo import DEPARTMENTS
from .demo import load as load_demo
from .models import Membership, Unit, UnitKind
from .roles import Role

SCALE_PREFIX = "scale"


def _bulk_units(rows: list[Unit]) -> list[Unit]:
    created = Unit.objects.bulk_create(rows)
    for unit in created:
        parent = unit.parent
        unit.path = f"{parent.path}{unit.pk}/"
        unit.depth = parent.depth + 1
        unit.district_id = unit.pk if unit.kind == UnitKind.DISTRICT else parent.district_id
    Unit.objects.bulk_update(created, ["path", "depth", "district"], batch_size=1000)
    return created


def generate(size: float = 1.0, **_) -> dict:
    """Add districts 9001.. beside the demo ones until the city has 16, each with 14 streets,
    the demo's departments, and ~200 people (size scales the people)."""
    data = load_demo()
    city = data["city"]
    User = get_user_model()
    existing = Unit.objects.filter(kind=UnitKind.DISTRICT).count()
    password = make_password("Scale@20211")  # one hash shared by every generated account
    people_per_district = max(10, int(200 * size))
    counts = {"districts": 0, "units": 0, "people": 0}
    with transaction.atomic():
        new_districts = _bulk_units(
            [
                Unit(
                    name=f"规模区{n:02d}",
                    kind=UnitKind.DISTRICT,
                    parent=city,
                    division_code=f"4190{n:02d}",
                    path="/",
                )
                for n in range(existing + 1, 17)
            ]
        )
        counts["districts"] = len(new_districts)
        for district in new_districts:
            children = [Unit(name="区委区政府", kind=UnitKind.LEADERSHIP, parent=district, path="/")]
            children += [
                Unit(name=d, kind=UnitKind.DEPARTMENT, parent=district, path="/") for d in DEPARTMENTS
            ]
            children += [
                Unit(
                    name=f"第{s:02d}街道",
                    kind=UnitKind.SUBDISTRICT,
                    parent=district,
                    division_code=f"{district.division_code}{s:03d}",
                    path="/",
                )
                for s in range(1, 15)
            ]
            children += [Unit(name="两办督查室", kind=UnitKind.OFFICE, parent=district, path="/")]
            created = _bulk_units(children)
            counts["units"] += len(created) + 1
            people = User.objects.bulk_create(
                [
                    User(
                        username=f"{SCALE_PREFIX}{district.division_code}_{i:04d}",
                        display_name=f"规模人员{i}",
                        password=password,
                        must_change_password=False,
                        password_changed_at=timezone.now(),
                    )
                    for i in range(people_per_district)
                ]
            )
            roles = [Role.UNIT_STAFF] * 8 + [Role.UNIT_HEAD, Role.SUPERVISOR]
            Membership.objects.bulk_create(
                [
                    Membership(
                        user=p,
                        unit=created[(i % (len(created) - 1)) + 1] if i % 10 else created[0],
                        role=Role.LEADER if i % 10 == 0 else roles[i % len(roles)],
                    )
                    for i, p in enumerate(people)
                ]
            )
            counts["people"] += len(people)
        services.record(
            None,
            "bulk_load",
            None,
            object_type="org.unit",
            message="generate-scale: organisation",
            after=counts,
        )
    return counts

"""City-scale deputies' suggestions for the benchmarks: ≈5,000 at size 1.0."""

import datetime as dt
import random

from django.db import transaction

from districtops.core import clock
from districtops.gate import services
from districtops.org.models import Unit, UnitKind

from .models import Deputy, LiaisonStation, Suggestion
from .services import add_months

TOTAL = 5_000


def generate(size: float = 1.0, **_) -> dict:
    rng = random.Random(5)
    today = clock.today()
    # Only districts with streets get any (the peer districts of the demo have none), so the
    # total is what the docstring says.
    streets = Unit.objects.filter(kind=UnitKind.SUBDISTRICT).values("district_id")
    districts = list(Unit.objects.filter(kind=UnitKind.DISTRICT, pk__in=streets).order_by("pk"))
    per = max(1, int(TOTAL * size) // max(1, len(districts)))
    created = 0
    with transaction.atomic():
        for district in districts:
            handlers = list(
                Unit.objects.filter(
                    district=district, kind__in=[UnitKind.SUBDISTRICT, UnitKind.DEPARTMENT]
                ).values_list("pk", flat=True)
            )
            host = Unit.objects.filter(district=district, kind=UnitKind.SUBDISTRICT).first()
            if (
                not handlers
                or host is None
                or Suggestion.objects.filter(number__startswith=f"SCJY{district.pk}-").exists()
            ):
                continue
            station = LiaisonStation.objects.create(
                district=district, host_unit=host, name=f"{host.name}规模联络站"
            )
            deputies = Deputy.objects.bulk_create(
                [Deputy(district=district, station=station, name=f"规模代表{i}") for i in range(10)]
            )
            rows = []
            for i in range(per):
                assigned = today - dt.timedelta(days=rng.randint(0, 200))
                state = rng.choice(["assigned", "replied", "closed", "closed", "reopened"])
                evaluated = state in ("closed", "reopened")
                rows.append(Suggestion(
                    number=f"SCJY{district.pk}-{i:05d}", district=district, title=f"规模建议 {i}", content="—",
                    handling_unit_id=rng.choice(handlers), assigned_on=assigned, reply_due=add_months(assigned, 3),
                    state=state, reply_class="A" if state != "assigned" else "",
                    satisfaction=("dissatisfied" if state == "reopened" else rng.choice(["satisfied", "basic"])) if evaluated else "",
                    evaluated_on=min(today, assigned + dt.timedelta(days=60)) if evaluated else None,
                ))  # fmt: skip
            Suggestion.objects.bulk_create(rows, batch_size=2000)
            Through = Suggestion.deputies.through
            Through.objects.bulk_create(
                [Through(suggestion_id=s.pk, deputy_id=rng.choice(deputies).pk) for s in rows],
                batch_size=5000,
            )
            created += len(rows)
        services.record(None, "bulk_load", None, object_type="deputies.suggestion", message="generate-scale: suggestions",
                        after={"suggestions": created})  # fmt: skip
    return {"suggestions": created}

"""City-scale hazards for the benchmarks: ≈20,000 at size 1.0 (bulk, one audit record)."""

import datetime as dt
import random

from django.db import transaction

from districtops.core import clock
from districtops.gate import services
from districtops.org.models import Unit, UnitKind

from .models import Hazard

TOTAL = 20_000


def generate(size: float = 1.0, **_) -> dict:
    rng = random.Random(41)
    today = clock.today()
    # Only districts with streets get any (the peer districts of the demo have none), so the
    # total is what the docstring says.
    streets = Unit.objects.filter(kind=UnitKind.SUBDISTRICT).values("district_id")
    districts = list(Unit.objects.filter(kind=UnitKind.DISTRICT, pk__in=streets).order_by("pk"))
    per = max(1, int(TOTAL * size) // max(1, len(districts)))
    created = 0
    with transaction.atomic():
        for district in districts:
            units = list(
                Unit.objects.filter(district=district, kind=UnitKind.SUBDISTRICT).values_list("pk", flat=True)
            )
            prefix = f"SCYH{district.pk}-"
            if not units or Hazard.objects.filter(code__startswith=prefix).exists():
                continue
            rows = []
            for i in range(per):
                found = today - dt.timedelta(days=rng.randint(0, 120))
                deadline = found + dt.timedelta(days=rng.randint(3, 60))
                state = rng.choice(["registered", "rectifying", "rectified", "closed", "closed", "closed"])
                rows.append(Hazard(
                    code=f"{prefix}{i:06d}", district=district, unit_id=rng.choice(units), title=f"规模隐患 {i}",
                    location="—", grade="major" if rng.random() < 0.05 else "general", found_on=found,
                    responsible_person="网格长", deadline=deadline, responsibility="属地", standard="规范",
                    measures="整改", state=state,
                    closed_on=min(today, found + dt.timedelta(days=rng.randint(1, 70))) if state == "closed" else None,
                ))  # fmt: skip
            Hazard.objects.bulk_create(rows, batch_size=2000)
            created += len(rows)
        services.record(None, "bulk_load", None, object_type="hazards.hazard", message="generate-scale: hazards",
                        after={"hazards": created})  # fmt: skip
    return {"hazards": created}

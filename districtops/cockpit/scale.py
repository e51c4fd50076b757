"""City scale for the cockpit: one weekly e-mail subscription per district leader."""

from districtops.gate import services as core_services
from districtops.org.models import Membership, UnitKind
from districtops.org.roles import Role

from .models import Channel, Subscription


def generate(size: float = 1.0, **_) -> dict:
    leaders = Membership.objects.filter(
        role=Role.LEADER, unit__kind__in=[UnitKind.LEADERSHIP, UnitKind.DISTRICT]
    ).values_list("user_id", "unit__district_id")
    existing = set(Subscription.objects.values_list("user_id", "district_id"))
    rows = [
        Subscription(
            user_id=user_id,
            district_id=district_id,
            channel=Channel.EMAIL,
            target=f"leader{user_id}@example.gov.cn",
            weekday=user_id % 5,
        )
        for user_id, district_id in leaders
        if (user_id, district_id) not in existing and district_id is not None
    ][: max(1, int(2000 * size))]
    Subscription.objects.bulk_create(rows, batch_size=1000)
    counts = {"subscriptions": len(rows)}
    core_services.record(
        None,
        "bulk_load",
        None,
        object_type="cockpit.subscription",
        message="generate-scale: cockpit",
        after=counts,
    )
    return counts

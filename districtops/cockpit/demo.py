"""Demo data: the district leader subscribes to the weekly summary by e-mail (idempotent)."""

from django.contrib.auth import get_user_model

from districtops.org.models import Unit

from . import services
from .models import Channel, Subscription

DEMO_ADDRESS = "leader@guancheng.example.gov.cn"


def load() -> dict:
    leader = get_user_model().objects.filter(username="leader").first()
    district = Unit.objects.filter(division_code="410104").first()
    if leader is None or district is None:
        return {"subscriptions": 0}
    if not Subscription.objects.filter(user=leader, district=district, target=DEMO_ADDRESS).exists():
        services.create_subscription(
            None, subscriber=leader, district=district, channel=Channel.EMAIL, target=DEMO_ADDRESS
        )
    return {"subscriptions": Subscription.objects.filter(user=leader).count()}

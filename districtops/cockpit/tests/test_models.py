import datetime as dt

from districtops.cockpit import demo, scale
from districtops.cockpit.models import Subscription


def test_demo_is_idempotent(org, users):
    first = demo.load()
    assert demo.load() == first == {"subscriptions": 1}
    subscription = Subscription.objects.get()
    assert subscription.user == users["leader"] and subscription.district.division_code == "410104"
    assert str(subscription) == "王区长（示例） · 管城回族区 · 电子邮件"


def test_scale_adds_one_subscription_per_leader_once(org):
    counts = scale.generate(size=0.01)
    assert counts["subscriptions"] >= 1
    assert scale.generate(size=0.01) == {"subscriptions": 0}


def test_a_summary_message_names_its_subscription(org, users):
    from districtops.cockpit import delivery
    from districtops.delivery.models import Message

    demo.load()
    subscription = Subscription.objects.get()
    delivery.send_due(today=dt.date(2021, 3, 29))
    message = Message.objects.get(source_ref=delivery.source_ref(subscription))
    assert str(message) == "电子邮件 · 【周报】管城回族区 2021-W13"
    assert delivery.last_messages([subscription]) == {subscription.pk: message}

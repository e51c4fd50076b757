from districtops.cockpit import demo, scale
from districtops.cockpit.models import Delivery, Subscription


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


def test_delivery_str(org, users):
    demo.load()
    delivery = Delivery.objects.create(subscription=Subscription.objects.get(), week="2021-W13")
    assert str(delivery).endswith("2021-W13")

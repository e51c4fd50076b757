from districtops.citizen import demo as citizen_demo
from districtops.citizen.models import PartnerClient, Report
from districtops.supervision import demo
from districtops.supervision.models import Matter, Meeting
from districtops.supervision.states import MatterState


def test_demo_covers_every_state_and_is_idempotent(org):
    demo.load()
    citizen_demo.load()
    states = set(Matter.objects.values_list("state", flat=True))
    assert states == set(MatterState.values)
    assert Meeting.objects.count() == 3
    assert Matter.objects.filter(escalation=2).exists()
    assert Matter.objects.filter(extensions__status="pending").exists()
    counts = (Matter.objects.count(), Report.objects.count())
    demo.load()
    citizen_demo.load()
    assert (Matter.objects.count(), Report.objects.count()) == counts
    assert set(Report.objects.values_list("status", flat=True)) == {"received", "assigned", "declined"}
    assert Report.objects.filter(partner__name="12345 政务服务便民热线", channel="open311").count() == 1
    assert PartnerClient.objects.count() == 1  # not issued twice

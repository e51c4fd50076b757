from districtops.deputies import scale as deputies_scale
from districtops.hazards import scale as hazards_scale
from districtops.supervision import scale
from districtops.supervision.models import Matter, MatterEvent


def test_scale_generators_small(org):
    counts = scale.generate(size=0.0006)  # 120 matters over the 6 demo districts
    assert counts["matters"] == Matter.objects.count() > 0
    assert MatterEvent.objects.count() == counts["events"] >= counts["matters"]
    closed = Matter.objects.filter(state="closed")
    assert not closed.filter(closed_on__isnull=True).exists()
    assert scale.generate(size=0.0006)["matters"] == 0  # already there: nothing doubled
    assert hazards_scale.generate(size=0.006)["hazards"] > 0
    assert deputies_scale.generate(size=0.006)["suggestions"] > 0

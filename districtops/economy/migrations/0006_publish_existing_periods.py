"""Periods that already have district-level figures were shown to leaders before the month
lifecycle existed: they become published, so leaders' pages keep showing what they showed."""

from django.db import migrations


def publish_existing(apps, schema_editor):
    IndicatorValue = apps.get_model("economy", "IndicatorValue")
    PeriodRelease = apps.get_model("economy", "PeriodRelease")
    Unit = apps.get_model("org", "Unit")
    districts = set(Unit.objects.filter(kind="district").values_list("pk", flat=True))
    pairs = set(
        IndicatorValue.objects.filter(unit_id__in=districts).values_list("unit_id", "period").distinct()
    )
    existing = set(PeriodRelease.objects.values_list("district_id", "period"))
    PeriodRelease.objects.bulk_create(
        [
            PeriodRelease(district_id=d, period=p, state="published", reopen_reason="")
            for d, p in sorted(pairs - existing)
        ]
    )


class Migration(migrations.Migration):
    dependencies = [
        ("economy", "0005_period_release_lifecycle"),
        ("org", "0001_initial"),
    ]

    operations = [migrations.RunPython(publish_existing, migrations.RunPython.noop)]

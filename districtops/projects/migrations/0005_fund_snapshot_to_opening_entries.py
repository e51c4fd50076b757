"""Each cumulative FundRecord figure becomes an opening ledger entry (期初结转), nothing lost.

The entries are dated at the project's planned start: the old snapshot carried no dates.
The FundRecord rows stay as the derived totals; they equal the sum of the new rows."""

from django.db import migrations

STEPS = ("applied", "approved", "allocated", "disbursed", "audited")


def forwards(apps, schema_editor):
    FundRecord = apps.get_model("projects", "FundRecord")
    FundEntry = apps.get_model("projects", "FundEntry")
    rows = []
    for fund in FundRecord.objects.select_related("project").iterator(chunk_size=2000):
        for step in STEPS:
            amount = getattr(fund, step)
            if amount:
                rows.append(
                    FundEntry(
                        project_id=fund.project_id,
                        source=fund.source,
                        kind=step,
                        date=fund.project.planned_start,
                        amount=amount,
                        is_opening=True,
                        opinion="期初结转（原资金汇总数）",
                    )
                )
        if len(rows) >= 5000:
            FundEntry.objects.bulk_create(rows)
            rows = []
    FundEntry.objects.bulk_create(rows)


def backwards(apps, schema_editor):
    apps.get_model("projects", "FundEntry").objects.filter(is_opening=True).delete()


class Migration(migrations.Migration):
    dependencies = [("projects", "0004_fund_ledger")]

    operations = [migrations.RunPython(forwards, backwards)]

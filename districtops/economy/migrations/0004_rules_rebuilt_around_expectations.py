"""The verification rules were rebuilt around a per-firm expectation and a risk score: the old
parameters (a fixed 30-point tax gap, a 10万 unit, the median of six months) mean nothing to the new
implementations, so each existing verification rule takes its new name, description and default
parameters; new rules are added. Findings keep pointing at the same rule rows."""

from django.db import migrations


def rebuild(apps, schema_editor):
    from districtops.economy.rules import DEFAULT_RULES

    AuditRule = apps.get_model("economy", "AuditRule")
    if not AuditRule.objects.exists():
        return  # a fresh database: ensure_reference_data installs the rules
    for code, name, kind, params, description in DEFAULT_RULES:
        if kind != "verification":
            continue
        rule = AuditRule.objects.filter(code=code).first()
        if rule is None:
            AuditRule.objects.create(code=code, name=name, kind=kind, params=params, description=description)
        else:
            rule.name, rule.params, rule.description = name, params, description
            rule.version += 1
            rule.save()


class Migration(migrations.Migration):
    dependencies = [("economy", "0003_risk_score")]

    operations = [migrations.RunPython(rebuild, migrations.RunPython.noop)]

from django.db import migrations, models


def fill_pace_dates(apps, schema_editor):
    from districtops.projects.jobs import refresh_pace

    refresh_pace(apps.get_model("projects", "ProjectNode"), only_open=False)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="projectnode",
            name="amber_until",
            field=models.DateField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="projectnode",
            name="on_pace_until",
            field=models.DateField(editable=False, null=True),
        ),
        migrations.RunPython(fill_pace_dates, migrations.RunPython.noop),
    ]

from django.db import migrations

# The default colours of the care ledger; deployments change them in the admin.
DEFAULT_LEVELS = [
    ("red", "红色（重点关爱）", "#D9363E", 7, 1),
    ("yellow", "黄色（一般关爱）", "#F5B400", 30, 2),
    ("blue", "蓝色（日常关注）", "#2F6FDE", 90, 3),
]


def create_levels(apps, schema_editor):
    CareLevel = apps.get_model("people", "CareLevel")
    for code, name, colour, days, order in DEFAULT_LEVELS:
        CareLevel.objects.get_or_create(
            code=code,
            defaults={"name": name, "colour": colour, "visit_interval_days": days, "order": order},
        )


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]

    operations = [migrations.RunPython(create_levels, migrations.RunPython.noop)]

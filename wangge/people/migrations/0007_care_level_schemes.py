from django.db import migrations

# The elderly 五色台账 (red … green) and the children's 四色管理 (red, orange, yellow, green),
# side by side. The three levels of 0002 become the elderly ledger's red, yellow and blue.
LEVELS = [
    ("red", "elderly", "红色（重点关爱）", "#D9363E", 7, 1),
    ("orange", "elderly", "橙色（较高关注）", "#E8730C", 15, 2),
    ("yellow", "elderly", "黄色（一般关爱）", "#F5B400", 30, 3),
    ("blue", "elderly", "蓝色（日常关注）", "#2F6FDE", 90, 4),
    ("green", "elderly", "绿色（自理良好）", "#2E9E5B", 180, 5),
    ("child-red", "children", "红色（困境急需）", "#D9363E", 7, 1),
    ("child-orange", "children", "橙色（监护缺失）", "#E8730C", 15, 2),
    ("child-yellow", "children", "黄色（一月一访）", "#F5B400", 30, 3),
    ("child-green", "children", "绿色（情况稳定）", "#2E9E5B", 90, 4),
]


def create_levels(apps, schema_editor):
    CareLevel = apps.get_model("people", "CareLevel")
    for code, scheme, name, colour, days, order in LEVELS:
        level, created = CareLevel.objects.get_or_create(
            code=code,
            defaults={
                "scheme": scheme,
                "name": name,
                "colour": colour,
                "visit_interval_days": days,
                "order": order,
            },
        )
        if not created and level.scheme == "general":
            level.scheme = scheme
            level.order = order
            level.save(update_fields=["scheme", "order"])


class Migration(migrations.Migration):
    dependencies = [("people", "0006_care_schemes_checkin_import_kinds")]

    operations = [migrations.RunPython(create_levels, migrations.RunPython.noop)]

"""The default points rules (see wangge/points/rules.py)."""

from django.db import migrations

from wangge.points.rules import DEFAULT_RULES, rule_defaults


def add_rules(apps, schema_editor):
    PointsRule = apps.get_model("points", "PointsRule")
    for row in DEFAULT_RULES:
        code, defaults = rule_defaults(row)
        PointsRule.objects.get_or_create(code=code, defaults=defaults)


class Migration(migrations.Migration):
    dependencies = [("points", "0001_initial")]

    operations = [migrations.RunPython(add_rules, migrations.RunPython.noop)]

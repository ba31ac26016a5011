"""Seed the official schedule from the chinesecalendar package and three working-hours profiles.

The same seeding is available as `manage.py workcal_seed` (for a newer package release).
"""

from django.db import migrations

HOLIDAY, ADJUSTED_WORKDAY, OFFICIAL = "holiday", "adjusted_workday", "official"


def seed(apps, schema_editor):
    from wangge.workcal.rules import package_schedule

    CalendarEntry = apps.get_model("workcal", "CalendarEntry")
    HoursProfile = apps.get_model("workcal", "HoursProfile")
    CalendarVersion = apps.get_model("workcal", "CalendarVersion")
    days, _years = package_schedule()
    existing = set(
        CalendarEntry.objects.filter(source=OFFICIAL, grid__isnull=True, department__isnull=True)
        .values_list("date", flat=True)
    )
    CalendarEntry.objects.bulk_create(
        [
            CalendarEntry(
                date=d,
                kind=ADJUSTED_WORKDAY if working else HOLIDAY,
                source=OFFICIAL,
                name=name,
            )
            for d, (working, name) in sorted(days.items())
            if d not in existing
        ],
        batch_size=500,
    )
    profiles = [
        dict(
            code="standard",
            name="机关标准作息 8:30–12:00, 14:00–17:30",
            is_default=True,
            sessions=[["08:30", "12:00"], ["14:00", "17:30"]],
        ),
        dict(
            code="nine-to-five",
            name="9:00–17:00",
            sessions=[["09:00", "12:00"], ["13:00", "17:00"]],
        ),
        dict(
            code="seasonal",
            name="冬夏令作息（夏令 5月1日–9月30日）",
            sessions=[["08:30", "12:00"], ["14:00", "17:30"]],
            summer_sessions=[["08:00", "12:00"], ["14:30", "18:00"]],
            summer_from="05-01",
            summer_to="09-30",
        ),
    ]
    for p in profiles:
        code = p.pop("code")
        HoursProfile.objects.get_or_create(code=code, defaults=p)
    CalendarVersion.objects.get_or_create(pk=1, defaults={"version": 1})


class Migration(migrations.Migration):
    dependencies = [("workcal", "0001_calendar")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

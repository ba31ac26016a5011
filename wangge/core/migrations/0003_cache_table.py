"""The database cache table (settings.CACHES) holds the shared rate-limit counters."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_periodic_task_state")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]

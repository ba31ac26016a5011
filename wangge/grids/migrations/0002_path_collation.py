"""The byte-order collation `binary` (grids.models.PATH_COLLATION) on PostgreSQL.

SQLite has BINARY built in; PostgreSQL gets a copy of "C" under that name, so one model
declaration (`db_collation=PATH_COLLATION`) means byte order on both.
"""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('CREATE COLLATION IF NOT EXISTS "binary" FROM "C"')


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('DROP COLLATION IF EXISTS "binary"')


class Migration(migrations.Migration):
    dependencies = [("grids", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]

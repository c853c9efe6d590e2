"""Give the tree paths the "C" collation on PostgreSQL.

With a linguistic collation the unique index on `path` can serve neither the subtree
range nor ORDER BY path, and PostgreSQL read up to half the table to find one district's
first page (docs/benchmarks.md). SQLite already compares bytewise. A later AlterField that
rewrites the column type would drop this collation: repeat it in that migration.
"""

from django.db import migrations

TABLES = ("regions_region", "regions_unit")


def use_c_collation(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(
            f'ALTER TABLE {table} ALTER COLUMN path TYPE varchar(400) COLLATE "C"'
        )


def use_default_collation(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(
            f'ALTER TABLE {table} ALTER COLUMN path TYPE varchar(400) COLLATE "default"'
        )


class Migration(migrations.Migration):
    dependencies = [("regions", "0002_path_field")]

    operations = [migrations.RunPython(use_c_collation, use_default_collation, elidable=False)]

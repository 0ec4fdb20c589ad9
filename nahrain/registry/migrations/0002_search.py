"""The registry search: a member's family name kept as its own key, and the indexes the name
search reads, (organisation, name_key) and (organisation, family_key).

A name is searched by the start of its key (``LIKE 'mhmd ahmd%'``). On PostgreSQL a plain
b-tree serves that only under the C collation; with ``varchar_pattern_ops`` it serves it under
any collation. SQLite's LIKE is case-insensitive and uses an index for a prefix only when the
index compares with NOCASE. Phones, document numbers and registration numbers are matched
whole: the single-column indexes on ``phone_key`` and ``number_key`` and the unique
(organisation, number) of the households from 0001 serve them.
"""

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

INDEXES = (
    ("registry_individual_name_search", "name_key"),
    ("registry_individual_family_search", "family_key"),
)


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    postgres = schema_editor.connection.vendor == "postgresql"
    for name, column in INDEXES:
        keyed = f"{column} varchar_pattern_ops" if postgres else f"{column} COLLATE NOCASE"
        schema_editor.execute(
            f"CREATE INDEX {name} ON registry_individual (organisation_id, {keyed})", params=None
        )


def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for name, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}", params=None)


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="individual",
            name="family_key",
            field=models.CharField(blank=True, max_length=60),
        ),
        migrations.RunPython(forwards, backwards),
    ]
